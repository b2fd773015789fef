/**
 * The chat-removal confirmation: a re-share that leaves out chats shared before
 * deletes them from GitLab, so the official confirms, seeing their names.
 */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { Lang, strings } from '../i18n';
import { govlabDialog, h, realize } from './dom';

/** Ask before a re-share deletes chats shared before; true to go on. */
export async function confirmChatRemoval(
  names: string[],
  lang: Lang
): Promise<boolean> {
  const t = strings(lang);
  const node = realize(
    h.div(
      {
        className: 'jp-govlab-error',
        dataset: { govlab: 'share-remove-chats' }
      },
      h.p({}, t.removeText),
      h.ul(
        { dataset: { govlab: 'share-remove-list' } },
        names.map(n => h.li({}, h.strong({}, n)))
      ),
      h.p({ className: 'jp-govlab-hint' }, t.removeHint)
    )
  );
  const dialog = govlabDialog(
    {
      title: t.removeTitle,
      body: new Widget({ node }),
      buttons: [
        Dialog.cancelButton({ label: t.backToForm }),
        Dialog.warnButton({ label: t.removeConfirm })
      ],
      defaultButton: 0
    },
    'share-remove-dialog',
    ['share-back', 'share-remove-confirm']
  );
  const result = await dialog.launch();
  return result.button.accept;
}
