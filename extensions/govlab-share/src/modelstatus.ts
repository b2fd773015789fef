/**
 * The assistant's model status in the lab's status bar ("AI 연결됨 / AI connected",
 * "AI 응답 없음 / AI not answering", "AI 미설정 / no model"), from the server's
 * cached check GET /govlab/model-status (the key stays on the server).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

/** The server caches its probe for 30 s; polling faster would only re-read it. */
const POLL_MS = 30_000;
const UNKNOWN_LABEL = 'AI 확인 중 / checking AI';

interface IModelStatus {
  state: 'connected' | 'not_answering' | 'unconfigured';
  detail: string;
  label: string;
  hint: string;
}

async function fetchStatus(): Promise<IModelStatus> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'govlab', 'model-status');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}`);
  }
  return (await response.json()) as IModelStatus;
}

export class ModelStatusWidget extends Widget {
  private _text: HTMLSpanElement;

  constructor() {
    super();
    this.addClass('govlab-model-status');
    // The status bar's own text class: same font and vertical alignment as its items.
    this._text = document.createElement('span');
    this._text.className = 'jp-StatusBar-TextItem';
    this.node.appendChild(this._text);
    this.setStatus(null);
  }

  setStatus(status: IModelStatus | null): void {
    if (!status) {
      // The lab server itself did not answer; the lab shows its own notice for that.
      this.node.dataset.state = 'unknown';
      this._text.textContent = UNKNOWN_LABEL;
      this.node.title = '';
      return;
    }
    this.node.dataset.state = status.state;
    this._text.textContent = status.label;
    this.node.title = status.detail
      ? `${status.hint} (${status.detail})`
      : status.hint;
  }

  async refresh(): Promise<void> {
    try {
      this.setStatus(await fetchStatus());
    } catch {
      this.setStatus(null);
    }
  }
}

export const modelStatusPlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:model-status',
  description: "The assistant's model status in the status bar.",
  autoStart: true,
  optional: [IStatusBar],
  activate: (app: JupyterFrontEnd, statusBar: IStatusBar | null) => {
    if (!statusBar) {
      return;
    }
    const widget = new ModelStatusWidget();
    statusBar.registerStatusItem('@govlab/share:model-status', {
      item: widget,
      align: 'left',
      rank: 1000
    });
    void widget.refresh();
    window.setInterval(() => void widget.refresh(), POLL_MS);
  }
};
