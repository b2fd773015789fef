/**
 * The assistant's notebook edits appear in the open notebook without a reload.
 *
 * The agent's tools (hub/govlab/assistant/tools_notebook.py) write the .ipynb on the
 * server; a govlab lab runs no shared-document server (jupyter_collaboration,
 * jupyter-server-documents), so an open notebook is the browser's own copy.
 * jupyter-live-content (installed with jupyter-ai) reloads other documents when their
 * file changes on disk, but skips notebooks. So: while an assistant works its chat
 * changes; on such a change (at most once a second, and once after the last) every
 * open notebook without unsaved changes whose file on disk differs from the copy is
 * reloaded from disk (`context.revert()`, JupyterLab's "Reload from disk"). A notebook
 * with unsaved changes is left alone: nothing the official typed is dropped, and
 * JupyterLab asks on the next save, as before.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

const CHAT_MESSAGES = '.jp-chat-messages-container';
const THROTTLE_MS = 1000;

async function refresh(
  app: JupyterFrontEnd,
  panel: NotebookPanel
): Promise<void> {
  const context = panel.context;
  if (!context.isReady || context.isDisposed || context.model.dirty) {
    return;
  }
  const known = context.contentsModel?.last_modified;
  const onDisk = await app.serviceManager.contents.get(context.path, {
    content: false
  });
  // Checked again after the wait: the official may have typed meanwhile.
  if (
    known &&
    onDisk.last_modified !== known &&
    !context.model.dirty &&
    !context.isDisposed
  ) {
    await context.revert();
  }
}

export const notebookRefreshPlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:notebook-refresh',
  description: "The assistant's notebook edits appear in the open notebook.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, notebooks: INotebookTracker) => {
    let last = 0;
    let timer: number | null = null;
    const check = () => {
      timer = null;
      last = Date.now();
      notebooks.forEach(panel => {
        refresh(app, panel).catch(reason =>
          console.warn(
            'govlab: could not reload a notebook changed on disk',
            reason
          )
        );
      });
    };
    const schedule = () => {
      if (timer === null) {
        timer = window.setTimeout(
          check,
          Math.max(0, last + THROTTLE_MS - Date.now())
        );
      }
    };
    void app.restored.then(() => {
      new MutationObserver(mutations => {
        const element = (n: Node) =>
          n instanceof Element ? n : n.parentElement;
        if (mutations.some(m => element(m.target)?.closest(CHAT_MESSAGES))) {
          schedule();
        }
      }).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true
      });
    });
  }
};
