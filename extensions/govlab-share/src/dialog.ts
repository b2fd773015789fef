/**
 * The share dialogs: the form, the progress note, the result and the errors.
 *
 * Plain DOM widgets inside JupyterLab `Dialog`s. Every element a browser test
 * needs carries a stable `data-govlab` attribute (see README.md).
 */
import { Clipboard, Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type {
  IChatInfo,
  IFinding,
  IShareContext,
  IShareResult,
  ShareError
} from './api';
import { Lang, strings, visibilityLabel } from './i18n';

/** What the form returns. */
export interface IShareFormValue {
  title: string;
  description: string;
  visibility: string;
  chats: string[];
  keep_outputs: boolean;
}

type Attrs = Record<string, string | boolean | undefined>;

/** Small DOM builder: string attributes, `true` for boolean attributes. */
function h(
  tag: string,
  attrs: Attrs = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) {
      continue;
    }
    el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) {
      continue;
    }
    el.append(
      typeof child === 'string' ? document.createTextNode(child) : child
    );
  }
  return el;
}

/** An external link that opens in a new tab. */
function extLink(href: string, text: string, hook?: string): HTMLElement {
  return h(
    'a',
    {
      href,
      target: '_blank',
      rel: 'noopener noreferrer',
      class: 'jp-govlab-link',
      'data-govlab': hook
    },
    text
  );
}

function formatDate(value: string | undefined | null, lang: Lang): string {
  if (!value) {
    return '';
  }
  const date = new Date(value);
  if (isNaN(date.getTime())) {
    return value;
  }
  return date.toLocaleString(lang === 'en' ? 'en-US' : 'ko-KR');
}

/** Order chats as the contract promises: linked first, then the rest. */
function orderChats(chats: IChatInfo[]): IChatInfo[] {
  return [...chats.filter(c => c.linked), ...chats.filter(c => !c.linked)];
}

/**
 * The share form: title, description, visibility, chats, keep outputs.
 */
export class ShareForm
  extends Widget
  implements Dialog.IBodyWidget<IShareFormValue>
{
  constructor(
    context: IShareContext,
    lang: Lang,
    initial: Partial<IShareFormValue> = {}
  ) {
    super();
    const t = strings(lang);
    this.addClass('jp-govlab-ShareForm');
    this.node.dataset.govlab = 'share-form';

    // Title (required: an empty title disables the accept button).
    this._title = h('input', {
      type: 'text',
      class: 'jp-mod-styled jp-govlab-input',
      id: 'govlab-share-title',
      required: true,
      maxlength: '255',
      'data-govlab': 'share-title'
    }) as HTMLInputElement;
    this._title.value = initial.title ?? context.title ?? '';

    this._description = h('textarea', {
      class: 'jp-mod-styled jp-govlab-input',
      id: 'govlab-share-description',
      rows: '4',
      placeholder: t.descriptionPlaceholder,
      'data-govlab': 'share-description'
    }) as HTMLTextAreaElement;
    this._description.value = initial.description ?? '';

    // Visibility.
    this._visibility = h('select', {
      class: 'jp-mod-styled jp-govlab-input',
      id: 'govlab-share-visibility',
      'data-govlab': 'share-visibility'
    }) as HTMLSelectElement;
    const visibilities = context.visibilities?.length
      ? context.visibilities
      : ['private', 'internal', 'public'];
    for (const v of visibilities) {
      this._visibility.append(
        h('option', { value: v }, visibilityLabel(lang, v))
      );
    }
    const wanted = initial.visibility ?? context.default_visibility;
    this._visibility.value = visibilities.includes(wanted)
      ? wanted
      : visibilities[0];
    const visibilityHint = h('div', { class: 'jp-govlab-hint' });
    const updateHint = () => {
      visibilityHint.textContent =
        t.visibilityHint[this._visibility.value] ?? '';
    };
    this._visibility.addEventListener('change', updateHint);
    updateHint();

    // Chats: linked ones first and ticked, the rest unticked.
    const chatList = h('ul', {
      class: 'jp-govlab-chats',
      'data-govlab': 'share-chats'
    });
    const chats = orderChats(context.chats ?? []);
    for (const chat of chats) {
      const box = h('input', {
        type: 'checkbox',
        'data-govlab': 'share-chat',
        'data-path': chat.path,
        'data-linked': chat.linked ? 'true' : 'false'
      }) as HTMLInputElement;
      box.checked = initial.chats
        ? initial.chats.includes(chat.path)
        : chat.linked;
      this._chatBoxes.push(box);
      const meta: string[] = [chat.path];
      if (typeof chat.messages === 'number') {
        meta.push(t.messagesCount(chat.messages));
      }
      if (chat.updated) {
        meta.push(formatDate(chat.updated, lang));
      }
      chatList.append(
        h(
          'li',
          {},
          h(
            'label',
            { class: 'jp-govlab-chat' },
            box,
            h(
              'span',
              { class: 'jp-govlab-chat-title' },
              chat.title || chat.path
            ),
            chat.linked
              ? h(
                  'span',
                  {
                    class: 'jp-govlab-badge',
                    'data-govlab': 'share-chat-linked'
                  },
                  t.linkedBadge
                )
              : null,
            h('span', { class: 'jp-govlab-chat-meta' }, meta.join(' · '))
          )
        )
      );
    }
    if (!chats.length) {
      chatList.append(h('li', { class: 'jp-govlab-hint' }, t.noChats));
    }

    this._keepOutputs = h('input', {
      type: 'checkbox',
      id: 'govlab-share-keep-outputs',
      'data-govlab': 'share-keep-outputs'
    }) as HTMLInputElement;
    this._keepOutputs.checked = initial.keep_outputs ?? false;

    // Previous share: the same GitLab project is updated.
    let previous: HTMLElement | null = null;
    if (context.previous?.web_url) {
      previous = h(
        'div',
        {
          class: 'jp-govlab-note jp-govlab-previous',
          'data-govlab': 'share-previous'
        },
        t.previousNote + ' ',
        extLink(
          context.previous.web_url,
          context.previous.project || context.previous.web_url,
          'share-previous-link'
        ),
        context.previous.shared_at
          ? h(
              'div',
              { class: 'jp-govlab-hint' },
              t.previousAt(formatDate(context.previous.shared_at, lang))
            )
          : null
      );
    }

    const field = (label: string, forId: string, ...rest: HTMLElement[]) =>
      h(
        'div',
        { class: 'jp-govlab-field' },
        h('label', { for: forId, class: 'jp-govlab-label' }, label),
        ...rest
      );

    this.node.append(
      previous ?? '',
      field(t.title, 'govlab-share-title', this._title),
      field(t.description, 'govlab-share-description', this._description),
      field(
        t.visibility,
        'govlab-share-visibility',
        this._visibility,
        visibilityHint
      ),
      h(
        'fieldset',
        { class: 'jp-govlab-field' },
        h('legend', { class: 'jp-govlab-label' }, t.chats),
        chatList
      ),
      h(
        'div',
        { class: 'jp-govlab-field' },
        h(
          'label',
          { class: 'jp-govlab-check', for: 'govlab-share-keep-outputs' },
          this._keepOutputs,
          t.keepOutputs
        ),
        h('div', { class: 'jp-govlab-hint' }, t.keepOutputsHint)
      ),
      h(
        'div',
        { class: 'jp-govlab-note', 'data-govlab': 'share-scan-note' },
        t.scanNote
      ),
      h('div', { class: 'jp-govlab-hint' }, t.savedNote)
    );
  }

  getValue(): IShareFormValue {
    return {
      title: this._title.value.trim(),
      description: this._description.value.trim(),
      visibility: this._visibility.value,
      chats: this._chatBoxes.filter(b => b.checked).map(b => b.dataset.path!),
      keep_outputs: this._keepOutputs.checked
    };
  }

  private _title: HTMLInputElement;
  private _description: HTMLTextAreaElement;
  private _visibility: HTMLSelectElement;
  private _chatBoxes: HTMLInputElement[] = [];
  private _keepOutputs: HTMLInputElement;
}

/** Tag the rendered dialog buttons, in order, with `data-govlab` hooks. */
function tagButtons(
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

/** Show the form; resolve with its value, or null when cancelled. */
export async function showShareForm(
  context: IShareContext,
  lang: Lang,
  initial: Partial<IShareFormValue> = {}
): Promise<IShareFormValue | null> {
  const t = strings(lang);
  const dialog = new Dialog<IShareFormValue>({
    title: t.dialogTitle,
    body: new ShareForm(context, lang, initial),
    buttons: [
      Dialog.cancelButton({ label: t.cancel }),
      Dialog.okButton({ label: t.share })
    ],
    focusNodeSelector: '[data-govlab="share-title"]',
    defaultButton: 1
  });
  dialog.addClass('jp-govlab-Dialog');
  dialog.node.dataset.govlab = 'share-dialog';
  tagButtons(dialog, ['share-cancel', 'share-submit']);
  const result = await dialog.launch();
  if (!result.button.accept || !result.value) {
    return null;
  }
  return result.value;
}

/** A modal progress note; call the returned function to close it. */
export function showProgress(lang: Lang): () => void {
  const t = strings(lang);
  const body = new Widget({
    node: h(
      'div',
      { class: 'jp-govlab-progress', 'data-govlab': 'share-progress' },
      h('div', { class: 'jp-govlab-spinner', role: 'progressbar' }),
      h(
        'div',
        { class: 'jp-govlab-stage', 'aria-live': 'polite' },
        t.progressStages
      ),
      h('div', { class: 'jp-govlab-hint' }, t.progressHint)
    )
  });
  const dialog = new Dialog({
    title: t.progressTitle,
    body,
    buttons: [],
    hasClose: false
  });
  dialog.addClass('jp-govlab-Dialog');
  void dialog.launch().catch(() => undefined);
  return () => {
    dialog.reject();
  };
}

/** The success dialog: the clickable link and a copy button. */
export async function showResult(
  result: IShareResult,
  lang: Lang
): Promise<void> {
  const t = strings(lang);
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'jp-mod-styled jp-govlab-copy',
      'data-govlab': 'share-copy-link'
    },
    t.copyLink
  ) as HTMLButtonElement;
  copy.addEventListener('click', event => {
    event.preventDefault();
    event.stopPropagation();
    Clipboard.copyToSystem(result.web_url);
    copy.textContent = t.copied;
    window.setTimeout(() => (copy.textContent = t.copyLink), 2000);
  });
  const body = new Widget({
    node: h(
      'div',
      { class: 'jp-govlab-result', 'data-govlab': 'share-result' },
      h('p', {}, t.resultText),
      h(
        'div',
        { class: 'jp-govlab-result-row' },
        extLink(result.web_url, result.web_url, 'share-result-link'),
        copy
      ),
      h(
        'div',
        { class: 'jp-govlab-hint' },
        t.filesShared(result.files?.length ?? 0),
        result.commit_url ? ' · ' : '',
        result.commit_url ? extLink(result.commit_url, t.commitLink) : null
      )
    )
  });
  const dialog = new Dialog({
    title: result.updated ? t.resultUpdatedTitle : t.resultTitle,
    body,
    buttons: [Dialog.okButton({ label: t.close })]
  });
  dialog.addClass('jp-govlab-Dialog');
  dialog.node.dataset.govlab = 'share-result-dialog';
  tagButtons(dialog, ['share-close']);
  await dialog.launch();
}

function whereLabel(f: IFinding, lang: Lang): string {
  const t = strings(lang);
  if (f.cell === null || f.cell === undefined || f.cell === '') {
    return '';
  }
  return typeof f.cell === 'number' ? t.cell(f.cell) : String(f.cell);
}

function findingsTable(findings: IFinding[], lang: Lang): HTMLElement {
  const t = strings(lang);
  const head = h(
    'tr',
    {},
    ...[t.colFile, t.colWhere, t.colLine, t.colKind, t.colExcerpt].map(c =>
      h('th', { scope: 'col' }, c)
    )
  );
  const rows = findings.map(f =>
    h(
      'tr',
      { 'data-govlab': 'share-finding', 'data-kind': f.kind },
      h('td', {}, f.file ?? ''),
      h('td', {}, whereLabel(f, lang)),
      h(
        'td',
        {},
        f.line === null || f.line === undefined ? '' : String(f.line)
      ),
      h('td', { title: f.kind }, f.kind_label || f.kind),
      h('td', {}, h('code', {}, f.excerpt ?? ''))
    )
  );
  return h(
    'table',
    { class: 'jp-govlab-findings', 'data-govlab': 'share-findings' },
    h('thead', {}, head),
    h('tbody', {}, ...rows)
  );
}

/**
 * Show a share error. Resolves true when the user chose to overwrite
 * (only offered for `remote_changed`).
 */
export async function showShareError(
  error: ShareError,
  lang: Lang
): Promise<boolean> {
  const t = strings(lang);
  const { body } = error;
  const primary =
    lang === 'en' ? body.message_en || body.message : body.message;
  const secondary = lang === 'en' ? body.message : body.message_en;

  const node = h(
    'div',
    {
      class: 'jp-govlab-error',
      'data-govlab': 'share-error',
      'data-code': body.code
    },
    h('p', { class: 'jp-govlab-error-message' }, primary || body.code),
    secondary && secondary !== primary
      ? h(
          'p',
          {
            class: 'jp-govlab-error-message-alt',
            lang: lang === 'en' ? 'ko' : 'en'
          },
          secondary
        )
      : null
  );

  let title = t.errorTitle;
  let buttons: Dialog.IButton[] = [Dialog.okButton({ label: t.close })];
  let hooks: Array<string | null> = ['share-close'];

  if (body.code === 'scan_blocked') {
    title = t.scanBlockedTitle;
    node.append(
      h('p', { class: 'jp-govlab-hint' }, t.scanBlockedHint),
      findingsTable(body.findings ?? [], lang)
    );
  } else if (body.code === 'remote_changed') {
    title = t.remoteChangedTitle;
    node.append(
      h('p', { class: 'jp-govlab-hint' }, t.remoteChangedHint),
      h(
        'ul',
        { class: 'jp-govlab-changed', 'data-govlab': 'share-changed-files' },
        ...(body.details ?? []).map(d => h('li', {}, h('code', {}, d)))
      )
    );
    buttons = [
      Dialog.cancelButton({ label: t.cancel }),
      Dialog.warnButton({
        label: lang === 'en' ? t.overwrite : `${t.overwrite} (overwrite)`,
        caption: t.remoteChangedHint
      })
    ];
    hooks = ['share-cancel', 'share-overwrite'];
  } else {
    if (body.code === 'not_configured') {
      title = t.notConfiguredTitle;
    }
    if (body.details?.length) {
      node.append(
        h(
          'details',
          { class: 'jp-govlab-details' },
          h('summary', {}, t.details),
          h('ul', {}, ...body.details.map(d => h('li', {}, d)))
        )
      );
    }
  }

  const dialog = new Dialog({
    title,
    body: new Widget({ node }),
    buttons
  });
  dialog.addClass('jp-govlab-Dialog');
  dialog.node.dataset.govlab = 'share-error-dialog';
  tagButtons(dialog, hooks);
  const result = await dialog.launch();
  return body.code === 'remote_changed' && result.button.accept;
}

/** A plain message (e.g. the `problem` when GitLab is not configured). */
export async function showProblem(
  title: string,
  message: string,
  lang: Lang
): Promise<void> {
  const t = strings(lang);
  const dialog = new Dialog({
    title,
    body: new Widget({
      node: h(
        'div',
        {
          class: 'jp-govlab-error',
          'data-govlab': 'share-error',
          'data-code': 'not_configured'
        },
        h('p', { class: 'jp-govlab-error-message' }, message)
      )
    }),
    buttons: [Dialog.okButton({ label: t.close })]
  });
  dialog.addClass('jp-govlab-Dialog');
  dialog.node.dataset.govlab = 'share-error-dialog';
  tagButtons(dialog, ['share-close']);
  await dialog.launch();
}
