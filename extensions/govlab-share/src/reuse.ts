/**
 * Reuse figures, the lab's side: a notebook opened from the gallery (its folder is a
 * checkout of a shared project) that is run through, every code cell without error in
 * one kernel session, is reported once per kernel session to the lab server
 * (POST /govlab-share/events), which tells the gallery with the lab's own token.
 * The browser only names the notebook: the server reads the project from disk.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { URLExt } from '@jupyterlab/coreutils';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

import { RerunTracker } from './rerunlogic';

const ROUTE = 'govlab-share';
const TIMEOUT_MS = 15000; // best effort: a slow lab server is not waited for longer

async function call(
  endpoint: string,
  init: RequestInit
): Promise<Response | null> {
  const settings = ServerConnection.makeSettings();
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await ServerConnection.makeRequest(
      URLExt.join(settings.baseUrl, ROUTE, endpoint),
      { ...init, signal: controller.signal },
      settings
    );
  } catch {
    return null; // figures are best effort: the official's work goes on
  } finally {
    window.clearTimeout(timer);
  }
}

/** The project the notebook at `path` was pulled from, or null. */
async function originOf(path: string): Promise<string | null> {
  const response = await call('origin' + URLExt.objectToQueryString({ path }), {
    method: 'GET'
  });
  if (!response || !response.ok) {
    return null;
  }
  try {
    const body = await response.json();
    return body && body.origin ? String(body.origin.project) : null;
  } catch {
    return null;
  }
}

function kernelId(panel: NotebookPanel): string {
  return panel.sessionContext.session?.kernel?.id ?? '';
}

function codeCellIds(panel: NotebookPanel): string[] {
  const ids: string[] = [];
  const cells = panel.content.model?.cells;
  if (cells) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.type === 'code') {
        ids.push(cell.id);
      }
    }
  }
  return ids;
}

/** Watch one notebook from a shared project. */
function watch(panel: NotebookPanel): void {
  const tracker = new RerunTracker();
  tracker.resetSession(kernelId(panel));
  const onExecuted = (
    _: unknown,
    args: { notebook: unknown; cell: any; success: boolean }
  ): void => {
    if (args.notebook !== panel.content || args.cell.model.type !== 'code') {
      return;
    }
    const session = tracker.executed(
      kernelId(panel),
      args.cell.model.id,
      args.success,
      codeCellIds(panel)
    );
    if (session) {
      void call('events', {
        method: 'POST',
        body: JSON.stringify({
          kind: 'rerun',
          path: panel.context.path,
          session
        }),
        headers: { 'Content-Type': 'application/json' }
      });
    }
  };
  const onStatus = (_: unknown, status: string): void => {
    if (status === 'restarting' || status === 'autorestarting') {
      tracker.restarted();
    }
  };
  NotebookActions.executed.connect(onExecuted);
  panel.sessionContext.statusChanged.connect(onStatus);
  panel.disposed.connect(() => {
    NotebookActions.executed.disconnect(onExecuted);
    panel.sessionContext.statusChanged.disconnect(onStatus);
  });
}

export const reusePlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:reuse',
  description:
    'Report a completed re-run of a notebook opened from the gallery (reuse figures).',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, notebooks: INotebookTracker): void => {
    notebooks.widgetAdded.connect((_, panel) => {
      void panel.context.ready.then(async () => {
        // Asked before the official can run anything worth counting.
        if (!panel.isDisposed && (await originOf(panel.context.path))) {
          watch(panel);
        }
      });
    });
  }
};
