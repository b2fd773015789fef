/** The assistant's lab parts: chat naming and the model status. */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { chatNamePlugin } from './chatname';
import { modelStatusPlugin } from './modelstatus';

const assistantPlugins: JupyterFrontEndPlugin<void>[] = [
  chatNamePlugin,
  modelStatusPlugin
];

export default assistantPlugins;
