/**
 * The scan-blocked view: what blocked the share and where, masked; information-only
 * findings apart under 참고. The findings list is also the result's notices list.
 */
import type { IFinding } from '../api';
import { Lang, strings } from '../i18n';
import { alsoText, splitFindings } from './logic';
import { h, VirtualElement } from './dom';

/** Where a finding is, in the official's language (the scanner's own words first). */
export function locationLabel(f: IFinding, lang: Lang): string {
  const t = strings(lang);
  const where = lang === 'en' ? f.location_en || f.where : f.location;
  if (where) {
    return where.includes(f.file) ? where : `${f.file} · ${where}`;
  }
  const parts = [f.file];
  if (f.cell !== null && f.cell !== undefined && f.cell !== '') {
    parts.push(typeof f.cell === 'number' ? t.cell(f.cell) : String(f.cell));
  }
  if (f.line !== null && f.line !== undefined) {
    parts.push(`${t.colLine} ${f.line}`);
  }
  return parts.join(' · ');
}

/** One row per finding: kind, location, masked excerpt, other places. */
export function findingsList(
  findings: IFinding[],
  lang: Lang,
  hook: string
): VirtualElement {
  const t = strings(lang);
  return h.ul(
    { className: 'jp-govlab-findings', dataset: { govlab: hook } },
    findings.map(f => {
      const also = alsoText(f.also as unknown[] | undefined);
      return h.li(
        {
          dataset: {
            govlab: 'share-finding',
            kind: f.kind,
            blocking: f.blocking === false ? 'false' : 'true'
          }
        },
        h.span(
          { className: 'jp-govlab-finding-kind', title: f.kind },
          f.kind_label || f.kind
        ),
        ' ',
        h.span(
          {
            className: 'jp-govlab-finding-location',
            dataset: { govlab: 'share-finding-location' }
          },
          locationLabel(f, lang)
        ),
        h.div(
          {},
          h.code(
            { dataset: { govlab: 'share-finding-excerpt' } },
            f.excerpt ?? ''
          )
        ),
        also
          ? h.div(
              {
                className: 'jp-govlab-hint',
                dataset: { govlab: 'share-finding-also' }
              },
              t.sameContent(also)
            )
          : null
      );
    })
  );
}

/** The blocked view: blocking findings first, information ones apart under 참고. */
export function blockedView(
  findings: IFinding[],
  lang: Lang
): VirtualElement[] {
  const t = strings(lang);
  const { blocking, info } = splitFindings(findings);
  const out = [
    h.p({ className: 'jp-govlab-hint' }, t.scanBlockedHint),
    h.h3({ className: 'jp-govlab-label' }, t.blockingList),
    findingsList(blocking, lang, 'share-findings')
  ];
  if (info.length) {
    out.push(
      h.h3({ className: 'jp-govlab-label' }, t.noticeList),
      findingsList(info, lang, 'share-notices')
    );
  }
  return out;
}
