/**
 * The overwrite view: the GitLab project changed since the last share; it names
 * the changed files, and its buttons cancel or overwrite (see errorButtons()).
 */
import { Lang, strings } from '../i18n';
import { h, VirtualElement } from './dom';

export function conflictView(changed: string[], lang: Lang): VirtualElement[] {
  const t = strings(lang);
  return [
    h.p({ className: 'jp-govlab-hint' }, t.remoteChangedHint),
    h.ul(
      {
        className: 'jp-govlab-changed',
        dataset: { govlab: 'share-changed-files' }
      },
      changed.map(d => h.li({}, h.code({}, d)))
    )
  ];
}
