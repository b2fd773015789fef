/**
 * The result view: the clickable link and a copy button, what was shared, the
 * gallery link, and what the official should note (non-blocking findings, warnings).
 */
import { Clipboard, Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type { IShareResult } from '../api';
import { Lang, strings } from '../i18n';
import { findingsList } from './blocked';
import { warningNotes } from './logic';
import { extLink, govlabDialog, h, realize } from './dom';

/** The success dialog: the clickable link and a copy button. */
export async function showResult(
  result: IShareResult,
  lang: Lang,
  qualityNote = ''
): Promise<void> {
  const t = strings(lang);
  const notes = warningNotes(result.warnings, lang);
  const notices = result.notices ?? [];
  const copy = h.button(
    {
      type: 'button',
      className: 'jp-mod-styled jp-govlab-copy',
      dataset: { govlab: 'share-copy-link' },
      onclick(event: MouseEvent) {
        event.preventDefault();
        event.stopPropagation();
        Clipboard.copyToSystem(result.web_url);
        this.textContent = t.copied;
        window.setTimeout(() => (this.textContent = t.copyLink), 2000);
      }
    },
    t.copyLink
  );
  const node = realize(
    h.div(
      { className: 'jp-govlab-result', dataset: { govlab: 'share-result' } },
      h.p({}, t.resultText),
      qualityNote
        ? h.p(
            {
              className: 'jp-govlab-note',
              dataset: { govlab: 'share-result-quality' }
            },
            qualityNote
          )
        : null,
      h.div(
        { className: 'jp-govlab-result-row' },
        extLink(result.web_url, result.web_url, 'share-result-link'),
        copy
      ),
      h.div(
        { className: 'jp-govlab-hint' },
        t.filesShared(result.files?.length ?? 0),
        result.commit_url ? ' · ' : '',
        result.commit_url ? extLink(result.commit_url, t.commitLink) : null
      ),
      result.gallery_url
        ? h.div(
            { className: 'jp-govlab-hint' },
            extLink(result.gallery_url, t.galleryLink, 'share-result-gallery')
          )
        : null,
      notices.length || notes.length
        ? h.div(
            {
              className: 'jp-govlab-note',
              dataset: { govlab: 'share-result-notices' }
            },
            h.p({}, t.resultNotices),
            notices.length
              ? findingsList(notices, lang, 'share-notices')
              : null,
            notes.length
              ? h.ul(
                  { dataset: { govlab: 'share-result-warnings' } },
                  notes.map(n => h.li({}, n))
                )
              : null
          )
        : null
    )
  );
  const dialog = govlabDialog(
    {
      title: result.updated ? t.resultUpdatedTitle : t.resultTitle,
      body: new Widget({ node }),
      buttons: [Dialog.okButton({ label: t.close })]
    },
    'share-result-dialog',
    ['share-close']
  );
  await dialog.launch();
}
