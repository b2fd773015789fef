/**
 * The texts of the quality check and the request count, through the translator
 * domain `govlab_share` like the rest (msgid English; the Korean catalogue gives
 * Korean with the English beside it).
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

import { DOMAIN, Lang, trans } from '../i18n';

/**
 * A text with numbers: the catalogue holds its Korean only (each placeholder once),
 * so the English is put beside it here. Equal texts (an English lab): once.
 */
function dual(ko: string, en: string): string {
  return ko === en ? en : `${ko} / ${en}`;
}

function table(t: TranslationBundle, e: TranslationBundle) {
  return {
    section: t.__('Quality check'),
    sectionHint: t.__(
      'Runs the notebook top to bottom in a fresh kernel before sharing'
    ),
    reasonLabel: t.__('Why skip the check? (required, up to 500 characters)'),
    reasonPlaceholder: t.__(
      'e.g. the data it reads is only on the internal network'
    ),
    reasonRequired: t.__(
      'To skip the quality check, write why (1 to 500 characters).'
    ),
    starting: t.__('Starting a fresh kernel…'),
    running: (cell: number, cells: number, s: number) =>
      dual(
        t.__('Running cell %1 of %2 · %3 s', cell, cells, s),
        e.__('Running cell %1 of %2 · %3 s', cell, cells, s)
      ),
    cancelCheck: t.__('Cancel check'),
    passed: (s: number) =>
      dual(t.__('Re-run passed · %1 s', s), e.__('Re-run passed · %1 s', s)),
    failedTitle: t.__('Quality check failed'),
    failedAt: (cell: number) =>
      dual(
        t.__('The re-run stopped at cell %1.', cell),
        e.__('The re-run stopped at cell %1.', cell)
      ),
    failedNoCell: t.__('The re-run did not complete.'),
    timedOut: (limit: number) =>
      dual(
        t.__('The re-run did not finish within the time limit (%1 s).', limit),
        e.__('The re-run did not finish within the time limit (%1 s).', limit)
      ),
    missingModule: (name: string) =>
      dual(
        t.__(
          'Missing module: %1. Ask the administrator to add it to the lab, or share the notebook with a note.',
          name
        ),
        e.__(
          'Missing module: %1. Ask the administrator to add it to the lab, or share the notebook with a note.',
          name
        )
      ),
    failedHint: t.__(
      'A failed check does not block the share: it is recorded with it. Go back to fix the notebook, or share anyway.'
    ),
    shareAnyway: t.__('Share anyway'),
    backToForm: t.__('Back to the form'),
    stoppedTitle: t.__('The quality check did not finish'),
    noAnswer: t.__(
      'The lab did not answer while checking. Check your connection and share again, or turn the check off and give a reason.'
    ),
    gaveUp: (s: number) =>
      dual(
        t.__(
          'No result after %1 s: the dialog stopped waiting and stopped the check. Share again later, or turn the check off and give a reason.',
          s
        ),
        e.__(
          'No result after %1 s: the dialog stopped waiting and stopped the check. Share again later, or turn the check off and give a reason.',
          s
        )
      ),
    serverSaid: t.__('Share again, or turn the check off and give a reason.'),
    skippedNote: (reason: string) =>
      `${t.__('Quality check skipped')}: ${reason}`,
    failedNote: t.__('Quality check failed; shared anyway.'),
    requests: (n: number) =>
      dual(
        t._n(
          '%1 open improvement request · view',
          '%1 open improvement requests · view',
          n
        ),
        e._n(
          '%1 open improvement request · view',
          '%1 open improvement requests · view',
          n
        )
      ),
    requestsUnavailable: t.__(
      'Improvement requests cannot be shown right now (the gallery did not answer). Sharing is not affected.'
    )
  };
}

export type QualityStrings = ReturnType<typeof table>;

/** Built on each call: cheap, and always from the bundle the plugin loaded. */
export function qualityStrings(lang: Lang): QualityStrings {
  const english = { trans: nullTranslator.load(DOMAIN) }; // the lint rule's naming
  return table(lang === 'en' ? english.trans : trans(), english.trans);
}
