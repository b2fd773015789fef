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
  files: string[];
  keep_outputs: boolean;
}

/** The form's starting values: a re-share starts from the last share. */
export function initialFromPrevious(
  context: IShareContext
): Partial<IShareFormValue> {
  const p = context.previous;
  if (!p) {
    return {};
  }
  const out: Partial<IShareFormValue> = {};
  if (typeof p.title === 'string' && p.title) {
    out.title = p.title;
  }
  if (typeof p.description === 'string') {
    out.description = p.description;
  }
  if (p.visibility && context.visibilities.includes(p.visibility)) {
    out.visibility = p.visibility;
  }
  if (typeof p.keep_outputs === 'boolean') {
    out.keep_outputs = p.keep_outputs;
  }
  if (Array.isArray(p.chats) && (p.chats.length || p.title)) {
    out.chats = [...p.chats];
  }
  if (Array.isArray(p.files)) {
    out.files = [...p.files];
  }
  return out;
}

/** Chats of the last share that this form leaves out (they would be deleted). */
export function droppedChats(
  context: IShareContext,
  value: IShareFormValue
): string[] {
  const shared = context.previous?.chats ?? [];
  return shared.filter(c => !value.chats.includes(c));
}

/** A chat's display name: its title if listed, else the file stem. */
export function chatName(context: IShareContext, path: string): string {
  const chat = (context.chats ?? []).find(c => c.path === path);
  if (chat?.title) {
    return chat.title;
  }
  const base = path.split('/').pop() ?? path;
  return base.replace(/\.chat$/, '');
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

export function formatSize(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KB`;
  }
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Order chats as the contract promises: linked first, then the rest. */
function orderChats(chats: IChatInfo[]): IChatInfo[] {
  return [...chats.filter(c => c.linked), ...chats.filter(c => !c.linked)];
}

/**
 * The share form: title, description, visibility, chats, extra files, keep outputs.
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
    this._lang = lang;
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

    // Chats: those of the last share ticked (else linked ones), the rest unticked.
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
          ),
          chat.preview
            ? h(
                'div',
                {
                  class: 'jp-govlab-chat-preview',
                  'data-govlab': 'share-chat-preview',
                  'data-path': chat.path
                },
                chat.preview
              )
            : null
        )
      );
    }
    // Chats shared before that are gone from the work folder: they can only be removed.
    const listed = new Set(chats.map(c => c.path));
    for (const path of initial.chats ?? []) {
      if (!listed.has(path)) {
        chatList.append(
          h(
            'li',
            {
              class: 'jp-govlab-chat-missing',
              'data-govlab': 'share-chat-missing',
              'data-path': path
            },
            h('span', { class: 'jp-govlab-chat-title' }, chatName(context, path)),
            ' ',
            h('span', { class: 'jp-govlab-chat-meta' }, `${path} · ${t.chatMissing}`)
          )
        );
      }
    }
    if (!chats.length && !(initial.chats ?? []).length) {
      chatList.append(h('li', { class: 'jp-govlab-hint' }, t.noChats));
    }

    // Extra files: suggestions unticked, the last share's files ticked, added ones ticked.
    this._fileList = h('ul', {
      class: 'jp-govlab-chats jp-govlab-files',
      'data-govlab': 'share-files'
    });
    const previousFiles = new Set(context.previous?.files ?? []);
    const ticked = new Set(initial.files ?? []);
    for (const f of context.suggested_files ?? []) {
      this._addFile(
        f.path,
        f.reason === 'import' ? t.reasonImport : t.reasonRead,
        ticked.has(f.path),
        f.size
      );
    }
    for (const path of initial.files ?? []) {
      this._addFile(
        path,
        previousFiles.has(path) ? t.reasonPrevious : t.reasonAdded,
        true
      );
    }
    this._noFiles = h('li', { class: 'jp-govlab-hint' }, t.noExtraFiles);
    if (!this._fileBoxes.length) {
      this._fileList.append(this._noFiles);
    }
    this._fileInput = h('input', {
      type: 'text',
      class: 'jp-mod-styled jp-govlab-input',
      placeholder: t.addFilePlaceholder,
      'data-govlab': 'share-file-input'
    }) as HTMLInputElement;
    const addButton = h(
      'button',
      {
        type: 'button',
        class: 'jp-mod-styled jp-govlab-copy',
        'data-govlab': 'share-file-add'
      },
      t.addFile
    );
    addButton.addEventListener('click', event => {
      event.preventDefault();
      this._addTyped();
    });

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
        'fieldset',
        { class: 'jp-govlab-field' },
        h('legend', { class: 'jp-govlab-label' }, t.extraFiles),
        h('div', { class: 'jp-govlab-hint' }, t.extraFilesHint),
        this._fileList,
        h(
          'div',
          { class: 'jp-govlab-result-row jp-govlab-add-row' },
          this._fileInput,
          addButton
        )
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
      files: this._fileBoxes.filter(b => b.checked).map(b => b.dataset.path!),
      keep_outputs: this._keepOutputs.checked
    };
  }

  protected onAfterAttach(): void {
    // Enter in the path field adds the file instead of submitting the dialog.
    document.addEventListener('keydown', this._onKey, true);
  }

  protected onBeforeDetach(): void {
    document.removeEventListener('keydown', this._onKey, true);
  }

  private _onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Enter' && event.target === this._fileInput) {
      event.preventDefault();
      event.stopPropagation();
      this._addTyped();
    }
  };

  private _addTyped(): void {
    const path = this._fileInput.value.trim().replace(/^\/+/, '');
    if (!path) {
      return;
    }
    const existing = this._fileBoxes.find(b => b.dataset.path === path);
    if (existing) {
      existing.checked = true;
    } else {
      this._addFile(path, strings(this._lang).reasonAdded, true);
    }
    this._fileInput.value = '';
  }

  private _addFile(
    path: string,
    reason: string,
    checked: boolean,
    size?: number
  ): void {
    if (this._fileBoxes.some(b => b.dataset.path === path)) {
      return;
    }
    this._noFiles?.remove();
    const box = h('input', {
      type: 'checkbox',
      'data-govlab': 'share-file',
      'data-path': path
    }) as HTMLInputElement;
    box.checked = checked;
    this._fileBoxes.push(box);
    const meta = typeof size === 'number' ? `${formatSize(size)} · ${reason}` : reason;
    this._fileList.append(
      h(
        'li',
        {},
        h(
          'label',
          { class: 'jp-govlab-chat' },
          box,
          h('span', { class: 'jp-govlab-chat-title' }, path),
          h('span', { class: 'jp-govlab-chat-meta' }, meta)
        )
      )
    );
  }

  private _lang: Lang;
  private _title: HTMLInputElement;
  private _description: HTMLTextAreaElement;
  private _visibility: HTMLSelectElement;
  private _chatBoxes: HTMLInputElement[] = [];
  private _fileBoxes: HTMLInputElement[] = [];
  private _fileList: HTMLElement;
  private _fileInput: HTMLInputElement;
  private _noFiles: HTMLElement | null = null;
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

export type Step = 'scan' | 'upload' | 'done';
type StepState = 'pending' | 'active' | 'done' | 'failed';

function stepLabel(step: Step, lang: Lang): string {
  const t = strings(lang);
  return step === 'scan'
    ? t.stepScan
    : step === 'upload'
      ? t.stepUpload
      : t.stepDone;
}

/**
 * The steps of a share, each with its state: 검사 -> GitLab 업로드 -> 완료.
 * The running step shows its elapsed time against its budget.
 */
export class StepsView {
  constructor(lang: Lang, budgets: { scan: number; upload: number }) {
    this._lang = lang;
    this._budgets = budgets;
    this.node = h('ol', {
      class: 'jp-govlab-steps',
      'data-govlab': 'share-steps'
    });
    for (const step of ['scan', 'upload', 'done'] as Step[]) {
      const time = h('span', {
        class: 'jp-govlab-step-time',
        'data-govlab': 'share-step-time'
      });
      const state = h('span', { class: 'jp-govlab-step-state' });
      const li = h(
        'li',
        { class: 'jp-govlab-step', 'data-govlab': 'share-step', 'data-step': step },
        h('span', { class: 'jp-govlab-step-label' }, stepLabel(step, lang)),
        ' ',
        state,
        ' ',
        time
      );
      this.node.append(li);
      this._items.set(step, { li, state, time });
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
    const budget = step === 'done' ? 0 : Math.round(this._budgets[step] ?? 0);
    const tick = () => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      this._items.get(step)!.time.textContent = strings(this._lang).elapsed(
        seconds,
        budget
      );
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

  private _set(step: Step, state: StepState): void {
    const item = this._items.get(step)!;
    item.li.dataset.state = state;
    item.state.textContent = `(${strings(this._lang).stepState[state]})`;
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
  private _items = new Map<
    Step,
    { li: HTMLElement; state: HTMLElement; time: HTMLElement }
  >();
}

/** A modal progress dialog showing the steps; call close() when done. */
export class ShareProgress {
  constructor(lang: Lang, budgets: { scan: number; upload: number }) {
    const t = strings(lang);
    this.steps = new StepsView(lang, budgets);
    const body = new Widget({
      node: h(
        'div',
        { class: 'jp-govlab-progress', 'data-govlab': 'share-progress' },
        h('div', { class: 'jp-govlab-spinner', role: 'progressbar' }),
        this.steps.node,
        h('div', { class: 'jp-govlab-hint' }, t.progressHint)
      )
    });
    this._dialog = new Dialog({
      title: t.progressTitle,
      body,
      buttons: [],
      hasClose: false
    });
    this._dialog.addClass('jp-govlab-Dialog');
    this._dialog.node.dataset.govlab = 'share-progress-dialog';
    void this._dialog.launch().catch(() => undefined);
  }

  readonly steps: StepsView;

  close(): void {
    this.steps.dispose();
    this._dialog.reject();
  }

  private _dialog: Dialog<unknown>;
}

/** Ask before a re-share deletes chats shared before; true to go on. */
export async function confirmChatRemoval(
  names: string[],
  lang: Lang
): Promise<boolean> {
  const t = strings(lang);
  const body = new Widget({
    node: h(
      'div',
      { class: 'jp-govlab-error', 'data-govlab': 'share-remove-chats' },
      h('p', {}, t.removeText),
      h(
        'ul',
        { 'data-govlab': 'share-remove-list' },
        ...names.map(n => h('li', {}, h('strong', {}, n)))
      ),
      h('p', { class: 'jp-govlab-hint' }, t.removeHint)
    )
  });
  const dialog = new Dialog({
    title: t.removeTitle,
    body,
    buttons: [
      Dialog.cancelButton({ label: t.backToForm }),
      Dialog.warnButton({ label: t.removeConfirm })
    ],
    defaultButton: 0
  });
  dialog.addClass('jp-govlab-Dialog');
  dialog.node.dataset.govlab = 'share-remove-dialog';
  tagButtons(dialog, ['share-back', 'share-remove-confirm']);
  const result = await dialog.launch();
  return result.button.accept;
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
  const notes = (result.warnings ?? []).map(w =>
    typeof w === 'string'
      ? w
      : lang === 'en'
        ? w.message_en || w.message
        : [w.message, w.message_en].filter(Boolean).join(' / ')
  );
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
      ),
      result.gallery_url
        ? h(
            'div',
            { class: 'jp-govlab-hint' },
            extLink(result.gallery_url, t.galleryLink, 'share-result-gallery')
          )
        : null,
      result.notices?.length || notes.length
        ? h(
            'div',
            { class: 'jp-govlab-note', 'data-govlab': 'share-result-notices' },
            h('p', {}, t.resultNotices),
            result.notices?.length
              ? findingsList(result.notices, lang, 'share-notices')
              : null,
            notes.length
              ? h(
                  'ul',
                  { 'data-govlab': 'share-result-warnings' },
                  ...notes.map(n => h('li', {}, n))
                )
              : null
          )
        : null
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

/** Where a finding is, in the official's language (the scanner's own words first). */
function locationLabel(f: IFinding, lang: Lang): string {
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

function alsoText(also: unknown[] | undefined): string {
  const places = (also ?? [])
    .map(a =>
      typeof a === 'string'
        ? a
        : a && typeof a === 'object'
          ? String(
              (a as any).location || (a as any).where || (a as any).file || ''
            )
          : ''
    )
    .filter(Boolean);
  return places.join(', ');
}

/** One row per finding: kind, Korean location, masked excerpt, other places. */
function findingsList(
  findings: IFinding[],
  lang: Lang,
  hook: string
): HTMLElement {
  const t = strings(lang);
  return h(
    'ul',
    { class: 'jp-govlab-findings', 'data-govlab': hook },
    ...findings.map(f => {
      const also = alsoText(f.also as unknown[] | undefined);
      return h(
        'li',
        {
          'data-govlab': 'share-finding',
          'data-kind': f.kind,
          'data-blocking': f.blocking === false ? 'false' : 'true'
        },
        h('span', { class: 'jp-govlab-finding-kind', title: f.kind }, f.kind_label || f.kind),
        ' ',
        h(
          'span',
          {
            class: 'jp-govlab-finding-location',
            'data-govlab': 'share-finding-location'
          },
          locationLabel(f, lang)
        ),
        h(
          'div',
          {},
          h('code', { 'data-govlab': 'share-finding-excerpt' }, f.excerpt ?? '')
        ),
        also
          ? h(
              'div',
              { class: 'jp-govlab-hint', 'data-govlab': 'share-finding-also' },
              t.sameContent(also)
            )
          : null
      );
    })
  );
}

/** The blocked view: blocking findings first, information ones apart under 참고. */
function blockedView(findings: IFinding[], lang: Lang): HTMLElement[] {
  const t = strings(lang);
  const blocking = findings.filter(f => f.blocking !== false);
  const info = findings.filter(f => f.blocking === false);
  const out: HTMLElement[] = [
    h('p', { class: 'jp-govlab-hint' }, t.scanBlockedHint),
    h('h3', { class: 'jp-govlab-label' }, t.blockingList),
    findingsList(blocking, lang, 'share-findings')
  ];
  if (info.length) {
    out.push(
      h('h3', { class: 'jp-govlab-label' }, t.noticeList),
      findingsList(info, lang, 'share-notices')
    );
  }
  return out;
}

/** What the official chose in an error dialog. */
export type ErrorChoice = 'close' | 'back' | 'overwrite';

/** Errors the official can fix in the form (untick a chat, a file, outputs). */
const FIXABLE_IN_FORM = new Set([
  'scan_blocked',
  'scan_timeout',
  'too_large',
  'bad_path',
  'bad_request',
  'chats_removed'
]);

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
  const failed = options.steps?.current;
  if (failed) {
    node.append(
      h(
        'p',
        { class: 'jp-govlab-hint', 'data-govlab': 'share-failed-step', 'data-step': failed },
        t.failedStep(stepLabel(failed, lang))
      ),
      // A still copy: the live list belongs to the progress dialog, now closed.
      options.steps!.node.cloneNode(true) as HTMLElement
    );
  }

  let title = t.errorTitle;
  let buttons: Dialog.IButton[] = [Dialog.okButton({ label: t.close })];
  let hooks: Array<string | null> = ['share-close'];
  const back = options.canGoBack && FIXABLE_IN_FORM.has(body.code);

  if (body.code === 'scan_blocked') {
    title = t.scanBlockedTitle;
    node.append(...blockedView(body.findings ?? [], lang));
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
  if (back) {
    buttons = [
      Dialog.cancelButton({ label: t.close }),
      Dialog.okButton({ label: t.backToForm })
    ];
    hooks = ['share-close', 'share-back'];
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
  if (!result.button.accept) {
    return 'close';
  }
  if (body.code === 'remote_changed') {
    return 'overwrite';
  }
  return back ? 'back' : 'close';
}

/** A plain message, tagged with what it is about (`code`). */
export async function showProblem(
  title: string,
  message: string,
  lang: Lang,
  code: string
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
          'data-code': code
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
