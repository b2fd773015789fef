/**
 * The assistant's lab parts: chat naming, approval buttons, the agent's notebook edits
 * shown in the open notebook, the model status, jupyter-ai's persona controls
 * (one persona: no picker; Korean labels), and loading the model stack once the chat
 * panel is shown.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { approvalButtonsPlugin } from './approval';
import { chatNamePlugin } from './chatname';
import { jupyterAiLabelsPlugin } from './jailabels';
import { modelStatusPlugin } from './modelstatus';
import { notebookRefreshPlugin } from './notebookrefresh';
import { singlePersonaPlugin } from './personapicker';
import { preparePlugin } from './prepare';

const assistantPlugins: JupyterFrontEndPlugin<void>[] = [
  chatNamePlugin,
  approvalButtonsPlugin,
  notebookRefreshPlugin,
  modelStatusPlugin,
  singlePersonaPlugin,
  jupyterAiLabelsPlugin,
  preparePlugin
];

export default assistantPlugins;
