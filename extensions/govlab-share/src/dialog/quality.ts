/**
 * The quality check in the share dialog: the form's section (on by default, off
 * only with a reason), the run (progress per cell, cancellable, polling bounded by
 * the time limit), the failure view ("share anyway" or back), and the line with the
 * notebook's open improvement requests, loaded without making the form wait.
 */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type { Lang } from '../i18n';
import { extLink, govlabDialog, h, realize, VirtualElement } from './dom';
import {
  cancelQuality,
  fetchRequests,
  QualityRequestError,
  qualityStatus,
  startQuality
} from './qualityapi';
import {
  IFailure,
  MAX_SKIP_REASON,
  pollExpired,
  POLL_INTERVAL,
  POLL_MARGIN,
  progressFigures,
  QualityChoice,
  QualityField,
  qualityField,
  qualityOutcome,
  requestsLine
} from './qualitylogic';
import { qualityStrings } from './qualitystrings';

export const QUALITY_HOOK = {
  section: 'share-quality-section',
  check: 'share-quality',
  reasonRow: 'share-quality-reason-row',
  reason: 'share-quality-reason',
  requests: 'share-requests'
};

/** Consecutive unanswered status requests before the dialog says so. */
const MAX_MISSED_POLLS = 3;

/** The form's section; `initial` is the choice of a form shown again. */
export function qualitySection(
  lang: Lang,
  initial: QualityChoice | undefined
): VirtualElement {
  const t = qualityStrings(lang);
  const on = initial?.check !== false;
  return h.fieldset(
    {
      className: 'jp-govlab-field',
      dataset: { govlab: QUALITY_HOOK.section }
    },
    h.legend({ className: 'jp-govlab-label' }, t.section),
    h.label(
      { className: 'jp-govlab-check', htmlFor: 'govlab-share-quality' },
      h.input({
        type: 'checkbox',
        id: 'govlab-share-quality',
        ...(on ? { checked: '' } : {}),
        dataset: { govlab: QUALITY_HOOK.check }
      }),
      t.sectionHint
    ),
    h.div(
      {
        className: 'jp-govlab-field',
        dataset: { govlab: QUALITY_HOOK.reasonRow },
        // Inline: the field class sets `display`, which would beat `hidden`.
        style: { display: on ? 'none' : '' }
      },
      h.label(
        { htmlFor: 'govlab-share-quality-reason', className: 'jp-govlab-hint' },
        t.reasonLabel
      ),
      h.textarea({
        className: 'jp-mod-styled jp-govlab-input',
        id: 'govlab-share-quality-reason',
        rows: '2',
        maxlength: String(MAX_SKIP_REASON),
        placeholder: t.reasonPlaceholder,
        ...(on ? {} : { required: '' }),
        dataset: { govlab: QUALITY_HOOK.reason }
      })
    )
  );
}

/**
 * Make the section live: turning the check off shows the reason and makes it
 * required, which keeps JupyterLab's Dialog from accepting while it is empty.
 */
export function wireQualitySection(
  node: HTMLElement,
  initial: QualityChoice | undefined
): void {
  const box = node.querySelector<HTMLInputElement>(
    `input[data-govlab="${QUALITY_HOOK.check}"]`
  );
  const row = node.querySelector<HTMLElement>(
    `[data-govlab="${QUALITY_HOOK.reasonRow}"]`
  );
  const reason = node.querySelector<HTMLTextAreaElement>(
    `[data-govlab="${QUALITY_HOOK.reason}"]`
  );
  if (!box || !row || !reason) {
    return;
  }
  if (initial && !initial.check) {
    reason.value = initial.reason;
  }
  box.addEventListener('input', () => {
    row.style.display = box.checked ? 'none' : '';
    reason.required = !box.checked;
    // The Dialog validated on this event before we changed `required` (it listens
    // in the capture phase): have it look again.
    reason.dispatchEvent(new Event('input', { bubbles: true }));
    if (!box.checked) {
      reason.focus();
    }
  });
}

/** The official's choice, or undefined when the section is not shown. */
export function readQualityChoice(
  node: HTMLElement
): QualityChoice | undefined {
  const box = node.querySelector<HTMLInputElement>(
    `input[data-govlab="${QUALITY_HOOK.check}"]`
  );
  if (!box) {
    return undefined;
  }
  if (box.checked) {
    return { check: true };
  }
  const reason = node.querySelector<HTMLTextAreaElement>(
    `[data-govlab="${QUALITY_HOOK.reason}"]`
  );
  return { check: false, reason: reason?.value ?? '' };
}

/** Where the request count appears once loaded. */
export function requestsSlot(): VirtualElement {
  return h.div({
    className: 'jp-govlab-hint',
    dataset: { govlab: QUALITY_HOOK.requests, state: 'loading' }
  });
}

/** Fill the request count in when it arrives; the form never waits for it. */
export function loadRequests(
  node: HTMLElement,
  path: string,
  lang: Lang
): void {
  const slot = node.querySelector<HTMLElement>(
    `[data-govlab="${QUALITY_HOOK.requests}"]`
  );
  if (!slot) {
    return;
  }
  const t = qualityStrings(lang);
  fetchRequests(path)
    .then(answer => {
      const line = requestsLine(answer);
      slot.dataset.state = line ? 'shown' : 'none';
      if (line) {
        const text = t.requests(line.open);
        slot.replaceChildren(
          line.url
            ? realize(extLink(line.url, text, 'share-requests-link'))
            : document.createTextNode(text)
        );
      }
    })
    .catch(err => {
      // No gallery answer in time: a quiet note. Anything else (an older lab
      // without the route): nothing, the share does not depend on it.
      const unavailable =
        err instanceof QualityRequestError &&
        (err.status === 503 || err.status === 0);
      slot.dataset.state = unavailable ? 'unavailable' : 'none';
      if (unavailable) {
        slot.textContent = t.requestsUnavailable;
      } else {
        console.warn('govlab-share: could not load improvement requests', err);
      }
    });
}

/** How the check ended for the share flow. */
export type QualityRun =
  { kind: 'share'; jobId: string; note: string } | { kind: 'back' };

const sleep = (seconds: number) =>
  new Promise<void>(resolve => window.setTimeout(resolve, seconds * 1000));

/** Run the check with a cancellable progress dialog, then show its result. */
export async function runQualityCheck(
  path: string,
  lang: Lang,
  timeLimit: number
): Promise<QualityRun> {
  const t = qualityStrings(lang);
  const line = realize(
    h.div(
      {
        className: 'jp-govlab-hint',
        dataset: { govlab: 'share-quality-line' }
      },
      t.starting
    )
  );
  const node = realize(
    h.div(
      {
        className: 'jp-govlab-progress',
        dataset: { govlab: 'share-quality-progress' }
      },
      h.div({ className: 'jp-govlab-spinner', role: 'progressbar' }),
      h.div({}, t.sectionHint)
    )
  );
  node.append(line);
  const dialog = govlabDialog(
    {
      title: t.section,
      body: new Widget({ node }),
      buttons: [Dialog.cancelButton({ label: t.cancelCheck })],
      hasClose: false
    },
    'share-quality-dialog',
    ['share-quality-cancel']
  );
  let closedByUs = false;
  let cancelled = false;
  void dialog.launch().then(
    () => {
      cancelled = !closedByUs;
    },
    () => {
      cancelled = !closedByUs;
    }
  );
  const close = () => {
    closedByUs = true;
    dialog.reject();
  };
  const stop = (id: string) =>
    cancelQuality(id).catch(err =>
      console.warn('govlab-share: could not cancel the quality check', err)
    );

  const started = Date.now();
  let id: string;
  try {
    id = (await startQuality(path)).id;
  } catch (err) {
    close();
    if (!cancelled) {
      await showStopped(lang, err);
    }
    return { kind: 'back' };
  }

  let missed = 0;
  for (;;) {
    if (cancelled) {
      await stop(id);
      return { kind: 'back' };
    }
    const waited = (Date.now() - started) / 1000;
    if (pollExpired(waited, timeLimit)) {
      close();
      await stop(id);
      await showStopped(lang, null, Math.round(timeLimit + POLL_MARGIN));
      return { kind: 'back' };
    }
    await sleep(POLL_INTERVAL);
    if (cancelled) {
      continue;
    }
    let status;
    try {
      status = await qualityStatus(id);
      missed = 0;
    } catch (err) {
      if (
        err instanceof QualityRequestError &&
        err.status === 0 &&
        ++missed < MAX_MISSED_POLLS
      ) {
        continue; // a blip: ask again
      }
      close();
      await stop(id);
      await showStopped(lang, err);
      return { kind: 'back' };
    }
    const outcome = qualityOutcome(status);
    if (outcome.kind === 'running') {
      const f = progressFigures(status);
      line.textContent = f.cells
        ? t.running(f.cell, f.cells, f.seconds)
        : t.starting;
      line.dataset.cell = String(f.cell);
      line.dataset.cells = String(f.cells);
      continue;
    }
    close();
    if (outcome.kind === 'cancelled') {
      return { kind: 'back' };
    }
    if (outcome.kind === 'passed') {
      return { kind: 'share', jobId: id, note: t.passed(outcome.seconds) };
    }
    const limit = status.result?.time_limit ?? timeLimit;
    const anyway = await showFailure(
      lang,
      outcome.failure,
      outcome.timedOut ? limit : null
    );
    return anyway
      ? { kind: 'share', jobId: id, note: t.failedNote }
      : { kind: 'back' };
  }
}

/** The failed check: what failed and where; resolves true for "share anyway". */
async function showFailure(
  lang: Lang,
  failure: IFailure,
  timedOutAfter: number | null
): Promise<boolean> {
  const t = qualityStrings(lang);
  const node = realize(
    h.div(
      {
        className: 'jp-govlab-error',
        dataset: {
          govlab: 'share-quality-failed',
          cell: failure.cell === null ? '' : String(failure.cell)
        }
      },
      h.p(
        {
          className: 'jp-govlab-error-message',
          dataset: { govlab: 'share-quality-where' }
        },
        timedOutAfter !== null
          ? t.timedOut(timedOutAfter)
          : failure.cell !== null
            ? t.failedAt(failure.cell)
            : t.failedNoCell
      ),
      failure.error
        ? h.pre(
            {
              className: 'jp-govlab-details',
              dataset: { govlab: 'share-quality-error' }
            },
            failure.error
          )
        : null,
      failure.ko ? h.p({}, failure.ko) : null,
      failure.en && failure.en !== failure.ko
        ? h.p(
            { className: 'jp-govlab-error-message-alt', lang: 'en' },
            failure.en
          )
        : null,
      failure.missingModule
        ? h.p(
            {
              className: 'jp-govlab-note',
              dataset: {
                govlab: 'share-quality-missing',
                module: failure.missingModule
              }
            },
            t.missingModule(failure.missingModule)
          )
        : null,
      h.p({ className: 'jp-govlab-hint' }, t.failedHint)
    )
  );
  const dialog = govlabDialog(
    {
      title: t.failedTitle,
      body: new Widget({ node }),
      buttons: [
        Dialog.cancelButton({ label: t.backToForm }),
        Dialog.warnButton({ label: t.shareAnyway })
      ],
      defaultButton: 0
    },
    'share-quality-failed-dialog',
    ['share-quality-back', 'share-quality-anyway']
  );
  const result = await dialog.launch();
  return result.button.accept;
}

/** The check could not finish (no answer, gave up, server error): say what to do. */
async function showStopped(
  lang: Lang,
  err: unknown,
  gaveUpAfter?: number
): Promise<void> {
  const t = qualityStrings(lang);
  const lines: string[] = [];
  let code = 'quality_gave_up';
  if (gaveUpAfter !== undefined) {
    lines.push(t.gaveUp(gaveUpAfter));
  } else if (err instanceof QualityRequestError && (err.ko || err.en)) {
    code = err.code;
    lines.push(err.ko || err.en);
    if (err.en && err.en !== err.ko) {
      lines.push(err.en);
    }
    lines.push(t.serverSaid);
  } else {
    code = err instanceof QualityRequestError ? err.code : 'client_error';
    if (!(err instanceof QualityRequestError)) {
      console.error('govlab-share: quality check failed', err);
    }
    lines.push(t.noAnswer);
  }
  const node = realize(
    h.div(
      {
        className: 'jp-govlab-error',
        dataset: { govlab: 'share-quality-stopped', code }
      },
      lines.map((l, i) =>
        h.p(
          {
            className:
              i === 0
                ? 'jp-govlab-error-message'
                : 'jp-govlab-error-message-alt'
          },
          l
        )
      )
    )
  );
  const dialog = govlabDialog(
    {
      title: t.stoppedTitle,
      body: new Widget({ node }),
      buttons: [Dialog.okButton({ label: t.backToForm })]
    },
    'share-quality-stopped-dialog',
    ['share-quality-back']
  );
  await dialog.launch();
}

/**
 * The quality step of a submitted form: run the check when it is on, and what the
 * share request carries. 'back' returns to the form (cancelled, or "back to fix").
 */
export async function qualityForShare(
  choice: QualityChoice | undefined,
  path: string,
  lang: Lang,
  timeLimit: number
): Promise<{ field: QualityField | undefined; note: string } | 'back'> {
  if (!choice) {
    return { field: undefined, note: '' };
  }
  if (!choice.check) {
    const field = qualityField(choice, null);
    return {
      field,
      note: qualityStrings(lang).skippedNote(choice.reason.trim())
    };
  }
  const run = await runQualityCheck(path, lang, timeLimit);
  if (run.kind === 'back') {
    return 'back';
  }
  return { field: qualityField(choice, run.jobId), note: run.note };
}
