/**
 * The share form: title, description, visibility, chats, extra files, keep outputs.
 */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type { IChatInfo, IShareContext } from '../api';
import { Lang, strings, visibilityLabel } from '../i18n';
import {
  chatTicked,
  chatName,
  formatSize,
  initialVisibility,
  IShareFormValue,
  MAX_TITLE,
  missingChats,
  offeredVisibilities,
  orderChats,
  typedFilePath
} from './logic';
import {
  loadRequests,
  qualitySection,
  readQualityChoice,
  requestsSlot,
  wireQualitySection
} from './quality';
import { qualityEnabled } from './qualitylogic';
import {
  extLink,
  formatDate,
  govlabDialog,
  h,
  realize,
  VirtualElement
} from './dom';

/** `data-govlab` hooks of the form's inputs, read back by getValue(). */
const HOOK = {
  title: 'share-title',
  description: 'share-description',
  visibility: 'share-visibility',
  chat: 'share-chat',
  file: 'share-file',
  fileInput: 'share-file-input',
  keepOutputs: 'share-keep-outputs'
};

function field(
  label: string,
  forId: string,
  ...rest: VirtualElement[]
): VirtualElement {
  return h.div(
    { className: 'jp-govlab-field' },
    h.label({ htmlFor: forId, className: 'jp-govlab-label' }, label),
    ...rest
  );
}

function chatRow(chat: IChatInfo, ticked: boolean, lang: Lang): VirtualElement {
  const t = strings(lang);
  const meta: string[] = [chat.path];
  if (typeof chat.messages === 'number') {
    meta.push(t.messagesCount(chat.messages));
  }
  if (chat.updated) {
    meta.push(formatDate(chat.updated, lang));
  }
  return h.li(
    {},
    h.label(
      { className: 'jp-govlab-chat' },
      h.input({
        type: 'checkbox',
        ...(ticked ? { checked: '' } : {}),
        dataset: {
          govlab: HOOK.chat,
          path: chat.path,
          linked: chat.linked ? 'true' : 'false'
        }
      }),
      h.span({ className: 'jp-govlab-chat-title' }, chat.title || chat.path),
      chat.linked
        ? h.span(
            {
              className: 'jp-govlab-badge',
              dataset: { govlab: 'share-chat-linked' }
            },
            t.linkedBadge
          )
        : null,
      h.span({ className: 'jp-govlab-chat-meta' }, meta.join(' · '))
    ),
    chat.preview
      ? h.div(
          {
            className: 'jp-govlab-chat-preview',
            dataset: { govlab: 'share-chat-preview', path: chat.path }
          },
          chat.preview
        )
      : null
  );
}

function missingChatRow(
  context: IShareContext,
  path: string,
  lang: Lang
): VirtualElement {
  return h.li(
    {
      className: 'jp-govlab-chat-missing',
      dataset: { govlab: 'share-chat-missing', path }
    },
    h.span({ className: 'jp-govlab-chat-title' }, chatName(context, path)),
    ' ',
    h.span(
      { className: 'jp-govlab-chat-meta' },
      `${path} · ${strings(lang).chatMissing}`
    )
  );
}

function fileRow(
  path: string,
  reason: string,
  checked: boolean,
  size?: number
): VirtualElement {
  const meta =
    typeof size === 'number' ? `${formatSize(size)} · ${reason}` : reason;
  return h.li(
    {},
    h.label(
      { className: 'jp-govlab-chat' },
      h.input({
        type: 'checkbox',
        ...(checked ? { checked: '' } : {}),
        dataset: { govlab: HOOK.file, path }
      }),
      h.span({ className: 'jp-govlab-chat-title' }, path),
      h.span({ className: 'jp-govlab-chat-meta' }, meta)
    )
  );
}

function previousNote(
  context: IShareContext,
  lang: Lang
): VirtualElement | null {
  const t = strings(lang);
  const previous = context.previous;
  if (!previous?.web_url) {
    return null;
  }
  return h.div(
    {
      className: 'jp-govlab-note jp-govlab-previous',
      dataset: { govlab: 'share-previous' }
    },
    t.previousNote + ' ',
    extLink(
      previous.web_url,
      previous.project || previous.web_url,
      'share-previous-link'
    ),
    previous.shared_at
      ? h.div(
          { className: 'jp-govlab-hint' },
          t.previousAt(formatDate(previous.shared_at, lang))
        )
      : null
  );
}

function formTree(
  context: IShareContext,
  lang: Lang,
  initial: Partial<IShareFormValue>
): VirtualElement {
  const t = strings(lang);
  const chats = orderChats(context.chats ?? []);
  const missing = missingChats(context, initial);
  const chatItems = [
    ...chats.map(c => chatRow(c, chatTicked(c, initial), lang)),
    ...missing.map(p => missingChatRow(context, p, lang))
  ];
  if (!chatItems.length) {
    chatItems.push(h.li({ className: 'jp-govlab-hint' }, t.noChats));
  }
  return h.div(
    {},
    previousNote(context, lang),
    requestsSlot(),
    // Required: while it is empty, JupyterLab's Dialog disables the accept button.
    field(
      t.title,
      'govlab-share-title',
      h.input({
        type: 'text',
        className: 'jp-mod-styled jp-govlab-input',
        id: 'govlab-share-title',
        required: '',
        maxlength: String(MAX_TITLE),
        dataset: { govlab: HOOK.title }
      })
    ),
    field(
      t.description,
      'govlab-share-description',
      h.textarea({
        className: 'jp-mod-styled jp-govlab-input',
        id: 'govlab-share-description',
        rows: '4',
        placeholder: t.descriptionPlaceholder,
        dataset: { govlab: HOOK.description }
      })
    ),
    field(
      t.visibility,
      'govlab-share-visibility',
      h.select(
        {
          className: 'jp-mod-styled jp-govlab-input',
          id: 'govlab-share-visibility',
          dataset: { govlab: HOOK.visibility }
        },
        offeredVisibilities(context).map(v =>
          h.option({ value: v }, visibilityLabel(lang, v))
        )
      ),
      h.div({
        className: 'jp-govlab-hint',
        dataset: { govlab: 'share-visibility-hint' }
      })
    ),
    h.fieldset(
      { className: 'jp-govlab-field' },
      h.legend({ className: 'jp-govlab-label' }, t.chats),
      h.ul(
        { className: 'jp-govlab-chats', dataset: { govlab: 'share-chats' } },
        chatItems
      )
    ),
    h.fieldset(
      { className: 'jp-govlab-field' },
      h.legend({ className: 'jp-govlab-label' }, t.extraFiles),
      h.div({ className: 'jp-govlab-hint' }, t.extraFilesHint),
      h.ul({
        className: 'jp-govlab-chats jp-govlab-files',
        dataset: { govlab: 'share-files' }
      }),
      h.div(
        { className: 'jp-govlab-result-row jp-govlab-add-row' },
        h.input({
          type: 'text',
          className: 'jp-mod-styled jp-govlab-input',
          placeholder: t.addFilePlaceholder,
          dataset: { govlab: HOOK.fileInput }
        }),
        h.button(
          {
            type: 'button',
            className: 'jp-mod-styled jp-govlab-copy',
            dataset: { govlab: 'share-file-add' }
          },
          t.addFile
        )
      )
    ),
    h.div(
      { className: 'jp-govlab-field' },
      h.label(
        { className: 'jp-govlab-check', htmlFor: 'govlab-share-keep-outputs' },
        h.input({
          type: 'checkbox',
          id: 'govlab-share-keep-outputs',
          ...(initial.keep_outputs ? { checked: '' } : {}),
          dataset: { govlab: HOOK.keepOutputs }
        }),
        t.keepOutputs
      ),
      h.div({ className: 'jp-govlab-hint' }, t.keepOutputsHint)
    ),
    qualityEnabled(context.quality_check)
      ? qualitySection(lang, initial.quality)
      : null,
    h.div(
      { className: 'jp-govlab-note', dataset: { govlab: 'share-scan-note' } },
      t.scanNote
    ),
    h.div({ className: 'jp-govlab-hint' }, t.savedNote)
  );
}

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
    this.node.append(
      ...Array.from(realize(formTree(context, lang, initial)).childNodes)
    );

    // Values a virtual attribute cannot set (a textarea's text, a select's choice).
    this._input<HTMLInputElement>(HOOK.title).value =
      initial.title ?? context.title ?? '';
    this._input<HTMLTextAreaElement>(HOOK.description).value =
      initial.description ?? '';
    const visibility = this._input<HTMLSelectElement>(HOOK.visibility);
    visibility.value = initialVisibility(context, initial);
    const hint = this.node.querySelector<HTMLElement>(
      '[data-govlab="share-visibility-hint"]'
    )!;
    const updateHint = () => {
      hint.textContent = t.visibilityHint[visibility.value] ?? '';
    };
    visibility.addEventListener('change', updateHint);
    updateHint();

    // Extra files: suggestions unticked, the last share's files ticked, added ones ticked.
    this._fileList = this.node.querySelector<HTMLElement>(
      '[data-govlab="share-files"]'
    )!;
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
    this._noFiles = realize(
      h.li({ className: 'jp-govlab-hint' }, t.noExtraFiles)
    );
    if (!this._boxes(HOOK.file).length) {
      this._fileList.append(this._noFiles);
    }
    this._fileInput = this._input<HTMLInputElement>(HOOK.fileInput);
    wireQualitySection(this.node, initial.quality);
    // Asynchronous: the form is usable before (or without) the count.
    loadRequests(this.node, context.path, lang);
    this.node
      .querySelector('[data-govlab="share-file-add"]')!
      .addEventListener('click', event => {
        event.preventDefault();
        this._addTyped();
      });
  }

  getValue(): IShareFormValue {
    const ticked = (hook: string) =>
      this._boxes(hook)
        .filter(b => b.checked)
        .map(b => b.dataset.path!);
    return {
      title: this._input<HTMLInputElement>(HOOK.title).value.trim(),
      description: this._input<HTMLTextAreaElement>(
        HOOK.description
      ).value.trim(),
      visibility: this._input<HTMLSelectElement>(HOOK.visibility).value,
      chats: ticked(HOOK.chat),
      files: ticked(HOOK.file),
      keep_outputs: this._input<HTMLInputElement>(HOOK.keepOutputs).checked,
      quality: readQualityChoice(this.node)
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

  private _input<T extends HTMLElement>(hook: string): T {
    return this.node.querySelector<T>(`[data-govlab="${hook}"]`)!;
  }

  private _boxes(hook: string): HTMLInputElement[] {
    return Array.from(
      this.node.querySelectorAll<HTMLInputElement>(
        `input[data-govlab="${hook}"]`
      )
    );
  }

  private _addTyped(): void {
    const path = typedFilePath(this._fileInput.value);
    if (!path) {
      return;
    }
    const existing = this._boxes(HOOK.file).find(b => b.dataset.path === path);
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
    if (this._boxes(HOOK.file).some(b => b.dataset.path === path)) {
      return;
    }
    this._noFiles?.remove();
    this._fileList.append(realize(fileRow(path, reason, checked, size)));
  }

  private _lang: Lang;
  private _fileList: HTMLElement;
  private _fileInput!: HTMLInputElement;
  private _noFiles: HTMLElement | null = null;
}

/** Show the form; resolve with its value, or null when cancelled. */
export async function showShareForm(
  context: IShareContext,
  lang: Lang,
  initial: Partial<IShareFormValue> = {}
): Promise<IShareFormValue | null> {
  const t = strings(lang);
  const dialog = govlabDialog<IShareFormValue>(
    {
      title: t.dialogTitle,
      body: new ShareForm(context, lang, initial),
      buttons: [
        Dialog.cancelButton({ label: t.cancel }),
        Dialog.okButton({ label: t.share })
      ],
      focusNodeSelector: '[data-govlab="share-title"]',
      defaultButton: 1
    },
    'share-dialog',
    ['share-cancel', 'share-submit']
  );
  const result = await dialog.launch();
  if (!result.button.accept || !result.value) {
    return null;
  }
  return result.value;
}
