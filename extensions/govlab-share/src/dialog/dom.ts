/**
 * What every share dialog view shares: lumino's virtual DOM (the toolkit
 * JupyterLab's own widgets use) realized into nodes, external links, dates,
 * and the `data-govlab` hooks on a dialog's buttons (see README.md).
 */
import { Dialog } from '@jupyterlab/apputils';
import { h, VirtualDOM, VirtualElement } from '@lumino/virtualdom';

import type { Lang } from '../i18n';
import { strings } from '../i18n';
import type { IButtonSpec } from './logic';

export { h };
export type { VirtualElement };

/** A real DOM node for a virtual one. */
export function realize<T extends HTMLElement = HTMLElement>(
  node: VirtualElement
): T {
  return VirtualDOM.realize(node) as T;
}

/** An external link that opens in a new tab. */
export function extLink(
  href: string,
  text: string,
  hook?: string
): VirtualElement {
  return h.a(
    {
      href,
      target: '_blank',
      rel: 'noopener noreferrer',
      className: 'jp-govlab-link',
      dataset: hook ? { govlab: hook } : {}
    },
    text
  );
}

export function formatDate(
  value: string | undefined | null,
  lang: Lang
): string {
  if (!value) {
    return '';
  }
  const date = new Date(value);
  if (isNaN(date.getTime())) {
    return value;
  }
  return date.toLocaleString(lang === 'en' ? 'en-US' : 'ko-KR');
}

/** JupyterLab dialog buttons for specs from `logic.ts`, in the official's language. */
export function dialogButtons(
  specs: IButtonSpec[],
  lang: Lang,
  caption = ''
): Dialog.IButton[] {
  const t = strings(lang);
  return specs.map(spec => {
    const label =
      spec.label === 'overwrite' && lang !== 'en'
        ? `${t.overwrite} (overwrite)`
        : t[spec.label];
    if (spec.kind === 'cancel') {
      return Dialog.cancelButton({ label });
    }
    if (spec.kind === 'warn') {
      return Dialog.warnButton({ label, caption });
    }
    return Dialog.okButton({ label });
  });
}

/** Tag the rendered dialog buttons, in order, with `data-govlab` hooks. */
export function tagButtons(
  dialog: Dialog<unknown>,
  hooks: Array<string | null>
): void {
  const nodes = dialog.node.querySelectorAll<HTMLButtonElement>(
    '.jp-Dialog-footer button.jp-Dialog-button'
  );
  nodes.forEach((node, i) => {
    const hook = hooks[i];
    if (hook) {
      node.dataset.govlab = hook;
    }
  });
}

/** A share dialog: our class and its `data-govlab` hook on the dialog node. */
export function govlabDialog<T>(
  options: Partial<Dialog.IOptions<T>>,
  hook: string,
  buttonHooks: Array<string | null>
): Dialog<T> {
  const dialog = new Dialog<T>(options);
  dialog.addClass('jp-govlab-Dialog');
  dialog.node.dataset.govlab = hook;
  tagButtons(dialog, buttonHooks);
  return dialog;
}
