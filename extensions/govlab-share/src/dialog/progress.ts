/**
 * The progress view: the steps of a share (검사 -> GitLab 업로드 -> 완료), each
 * with its state; the running step shows its elapsed time against its budget.
 */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { Lang, strings } from '../i18n';
import { Step, STEPS, StepState, stepBudget } from './logic';
import { govlabDialog, h, realize } from './dom';

export function stepLabel(step: Step, lang: Lang): string {
  const t = strings(lang);
  return step === 'scan'
    ? t.stepScan
    : step === 'upload'
      ? t.stepUpload
      : t.stepDone;
}

export class StepsView {
  constructor(lang: Lang, budgets: { scan: number; upload: number }) {
    this._lang = lang;
    this._budgets = budgets;
    this.node = realize(
      h.ol(
        { className: 'jp-govlab-steps', dataset: { govlab: 'share-steps' } },
        STEPS.map(step =>
          h.li(
            {
              className: 'jp-govlab-step',
              dataset: { govlab: 'share-step', step }
            },
            h.span(
              { className: 'jp-govlab-step-label' },
              stepLabel(step, lang)
            ),
            ' ',
            h.span({ className: 'jp-govlab-step-state' }),
            ' ',
            h.span({
              className: 'jp-govlab-step-time',
              dataset: { govlab: 'share-step-time' }
            })
          )
        )
      )
    );
    for (const step of STEPS) {
      this._set(step, 'pending');
    }
  }

  readonly node: HTMLElement;

  /** The step running now, or the one that failed. */
  get current(): Step | null {
    return this._current;
  }

  start(step: Step): void {
    this._stopTimer();
    this._current = step;
    this._set(step, 'active');
    const started = Date.now();
    const budget = stepBudget(step, this._budgets);
    const time = this._part(step, '.jp-govlab-step-time');
    const tick = () => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      time.textContent = strings(this._lang).elapsed(seconds, budget);
    };
    tick();
    this._timer = window.setInterval(tick, 1000);
  }

  finish(step: Step): void {
    this._stopTimer();
    this._set(step, 'done');
  }

  fail(step: Step): void {
    this._stopTimer();
    this._current = step;
    this._set(step, 'failed');
  }

  dispose(): void {
    this._stopTimer();
  }

  private _part(step: Step, selector: string): HTMLElement {
    return this.node.querySelector<HTMLElement>(
      `[data-step="${step}"] ${selector}`
    )!;
  }

  private _set(step: Step, state: StepState): void {
    this._part(step, '.jp-govlab-step-state').parentElement!.dataset.state =
      state;
    this._part(step, '.jp-govlab-step-state').textContent =
      `(${strings(this._lang).stepState[state]})`;
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _lang: Lang;
  private _budgets: { scan: number; upload: number };
  private _current: Step | null = null;
  private _timer: number | null = null;
}

/** A modal progress dialog showing the steps; call close() when done. */
export class ShareProgress {
  /** `note`: the quality check's outcome, shown above the steps. */
  constructor(
    lang: Lang,
    budgets: { scan: number; upload: number },
    note = ''
  ) {
    const t = strings(lang);
    this.steps = new StepsView(lang, budgets);
    const node = realize(
      h.div(
        {
          className: 'jp-govlab-progress',
          dataset: { govlab: 'share-progress' }
        },
        h.div({ className: 'jp-govlab-spinner', role: 'progressbar' }),
        note
          ? h.div(
              {
                className: 'jp-govlab-note',
                dataset: { govlab: 'share-quality-note' }
              },
              note
            )
          : null,
        h.div({ className: 'jp-govlab-hint' }, t.progressHint)
      )
    );
    node.insertBefore(this.steps.node, node.lastChild);
    this._dialog = govlabDialog(
      {
        title: t.progressTitle,
        body: new Widget({ node }),
        buttons: [],
        hasClose: false
      },
      'share-progress-dialog',
      []
    );
    void this._dialog.launch().catch(() => undefined);
  }

  readonly steps: StepsView;

  close(): void {
    this.steps.dispose();
    this._dialog.reject();
  }

  private _dialog: Dialog<unknown>;
}
