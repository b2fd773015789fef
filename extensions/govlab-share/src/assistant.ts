/**
 * The assistant's lab parts: chat naming, approval buttons, the agent's notebook edits
 * shown in the open notebook, and the model status.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { approvalButtonsPlugin } from './approval';
import { chatNamePlugin } from './chatname';
import { modelStatusPlugin } from './modelstatus';
import { notebookRefreshPlugin } from './notebookrefresh';

const assistantPlugins: JupyterFrontEndPlugin<void>[] = [
  chatNamePlugin,
  approvalButtonsPlugin,
  notebookRefreshPlugin,
  modelStatusPlugin
];

export default assistantPlugins;
