/**
 * Start loading the assistant's model stack when the official first shows the chat
 * panel: POST /govlab/assistant/prepare (govlab.assistant.prepare). The lab starts
 * without it (issue 14); showing the panel is the earliest sign that a chat is coming,
 * seconds before a chat is opened and a question typed. Once per page; a lab that is
 * never chatted in never loads it.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

/** jupyterlab-chat's side panel. */
export const CHAT_SIDE_PANEL_ID = 'JupyterlabChat:sidepanel';

async function requestPrepare(): Promise<void> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'govlab', 'assistant', 'prepare');
  const response = await ServerConnection.makeRequest(
    url,
    { method: 'POST' },
    settings
  );
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}`);
  }
}

function chatSidePanel(shell: JupyterFrontEnd.IShell): Widget | null {
  for (const area of ['left', 'right'] as const) {
    for (const widget of shell.widgets(area)) {
      if (widget.id === CHAT_SIDE_PANEL_ID) {
        return widget;
      }
    }
  }
  return null;
}

export const preparePlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:assistant-prepare',
  description:
    "Starts loading the assistant's model stack when the chat panel is first shown.",
  autoStart: true,
  requires: [ILabShell],
  activate: (app: JupyterFrontEnd, labShell: ILabShell) => {
    let asked = false;
    const check = (): void => {
      const panel = chatSidePanel(app.shell);
      if (asked || !panel?.isVisible) {
        return;
      }
      asked = true;
      labShell.layoutModified.disconnect(check);
      // Nothing to tell the official when this fails: opening a chat loads it anyway.
      requestPrepare().catch(reason =>
        console.debug('govlab: assistant prepare failed', reason)
      );
    };
    void app.restored.then(() => {
      labShell.layoutModified.connect(check);
      check(); // the panel may have been restored open
    });
  }
};
