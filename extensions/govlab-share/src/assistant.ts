/**
 * The assistant's lab parts: chat naming, approval buttons, the agent's notebook edits
 * shown in the open notebook, the model status, and jupyter-ai's persona controls
 * (one persona: no picker; Korean labels).
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { approvalButtonsPlugin } from './approval';
import { chatNamePlugin } from './chatname';
import { jupyterAiLabelsPlugin } from './jailabels';
import { modelStatusPlugin } from './modelstatus';
import { notebookRefreshPlugin } from './notebookrefresh';
import { singlePersonaPlugin } from './personapicker';

const assistantPlugins: JupyterFrontEndPlugin<void>[] = [
  chatNamePlugin,
  approvalButtonsPlugin,
  notebookRefreshPlugin,
  modelStatusPlugin,
  singlePersonaPlugin,
  jupyterAiLabelsPlugin
];

export default assistantPlugins;
