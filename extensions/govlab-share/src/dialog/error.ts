/**
 * The error dialogs: a server answer opens the blocked view, the overwrite view or
 * a plain problem (see errorView()); each is tagged with the error's code
 * (`data-code`), and a fixable one leads back to the filled form.
 */
import { Widget } from '@lumino/widgets';

import type { ShareError } from '../api';
import { Lang, strings } from '../i18n';
import { blockedView } from './blocked';
import { conflictView } from './conflict';
import { dialogButtons, govlabDialog, h, realize, VirtualElement } from './dom';
import {
  ErrorChoice,
  errorButtons,
  errorChoice,
  errorMessages,
  errorView,
  offersBack
} from './logic';
import { stepLabel, StepsView } from './progress';

/** The body every error dialog starts with: its code, the message in both languages. */
function errorBody(
  code: string,
  primary: string,
  secondary: string | null,
  lang: Lang
): VirtualElement[] {
  return [
    h.p({ className: 'jp-govlab-error-message' }, primary),
    secondary
      ? h.p(
          {
            className: 'jp-govlab-error-message-alt',
            lang: lang === 'en' ? 'ko' : 'en'
          },
          secondary
        )
      : null
  ].filter((n): n is VirtualElement => n !== null);
}

/**
 * Show a share error. `overwrite` is only offered for `remote_changed`; `back`
 * (to the filled form) when `canGoBack` and the error can be fixed there.
 */
export async function showShareError(
  error: ShareError,
  lang: Lang,
  options: { steps?: StepsView | null; canGoBack?: boolean } = {}
): Promise<ErrorChoice> {
  const t = strings(lang);
  const { body } = error;
  const { primary, secondary } = errorMessages(body, lang);
  const view = errorView(body.code);
  const back = offersBack(body.code, options.canGoBack ?? false);

  let title = t.errorTitle;
  const parts = errorBody(body.code, primary, secondary, lang);
  const failed = options.steps?.current;
  if (failed) {
    parts.push(
      h.p(
        {
          className: 'jp-govlab-hint',
          dataset: { govlab: 'share-failed-step', step: failed }
        },
        t.failedStep(stepLabel(failed, lang))
      )
    );
  }
  if (view === 'blocked') {
    title = t.scanBlockedTitle;
  } else if (view === 'conflict') {
    title = t.remoteChangedTitle;
  } else if (body.code === 'not_configured') {
    title = t.notConfiguredTitle;
  }
  const node = realize(
    h.div(
      {
        className: 'jp-govlab-error',
        dataset: { govlab: 'share-error', code: body.code }
      },
      parts
    )
  );
  if (failed) {
    // A still copy: the live list belongs to the progress dialog, now closed.
    node.append(options.steps!.node.cloneNode(true));
  }
  const rest =
    view === 'blocked'
      ? blockedView(body.findings ?? [], lang)
      : view === 'conflict'
        ? conflictView(body.details ?? [], lang)
        : body.details?.length
          ? [
              h(
                'details',
                { className: 'jp-govlab-details' },
                h('summary', {}, t.details),
                h.ul(
                  {},
                  body.details.map(d => h.li({}, d))
                )
              )
            ]
          : [];
  node.append(...rest.map(n => realize(n)));

  const specs = errorButtons(body.code, back);
  const dialog = govlabDialog(
    {
      title,
      body: new Widget({ node }),
      buttons: dialogButtons(specs, lang, t.remoteChangedHint)
    },
    'share-error-dialog',
    specs.map(s => s.hook)
  );
  const result = await dialog.launch();
  return errorChoice(body.code, result.button.accept, back);
}

/** A plain message, tagged with the error code it stands for (`data-code`). */
export async function showProblem(
  title: string,
  message: string,
  lang: Lang,
  code: string
): Promise<void> {
  const specs = errorButtons(code, false);
  const node = realize(
    h.div(
      {
        className: 'jp-govlab-error',
        dataset: { govlab: 'share-error', code }
      },
      h.p({ className: 'jp-govlab-error-message' }, message)
    )
  );
  const dialog = govlabDialog(
    { title, body: new Widget({ node }), buttons: dialogButtons(specs, lang) },
    'share-error-dialog',
    specs.map(s => s.hook)
  );
  await dialog.launch();
}
