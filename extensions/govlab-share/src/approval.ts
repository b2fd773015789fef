/**
 * "허용 / Allow" and "거부 / Deny" buttons under the assistant's approval request in
 * the chat (hub/govlab/assistant/approval.py). A button sends the same answer an
 * official could type ("허용" / "거부") as a chat message; typing stays possible.
 *
 * jupyterlab-chat renders messages with React and offers no public hook without a
 * build dependency on @jupyter/chat, so the buttons are added to the rendered message:
 * a MutationObserver rescans after every change in the page (one scan per frame), which
 * also survives React re-rendering or replacing the message. The state shown (buttons,
 * answered, expired) is computed from the chat model's messages each time, not kept in
 * the DOM: a reloaded lab shows old requests as answered or expired, never clickable.
 *
 * Only the last approval request of a chat gets buttons: the persona asks one call at a
 * time and waits, so an earlier request is never the pending one (text in a model reply
 * that imitates a request cannot lend its buttons to a later real one).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

/** The first line of approval.request_text(): how a request is recognised. */
export const APPROVAL_MARK = '**실행 승인이 필요합니다 / Approval needed**';
const ALLOW = '허용';
const DENY = '거부';
const DEFAULT_MINUTES = 5; // approval.DEFAULT_TIMEOUT
const BOX_CLASS = 'jp-govlab-approval';
// The same bounds as approval.parse_answer.
const ANSWER_MAX = 40;
const MENTION = /^@[^\s]{1,80}\s{1,10}/;
const MINUTES = /within (\d{1,4}) min/;
const ALLOW_WORDS = new Set([
  '허용',
  '승인',
  '실행',
  '예',
  '네',
  'allow',
  'approve',
  'yes',
  'ok'
]);
const DENY_WORDS = new Set([
  '거부',
  '거절',
  '취소',
  '아니오',
  '아니요',
  'deny',
  'refuse',
  'no',
  'cancel'
]);
const EXPIRY_CHECK_MS = 15_000;

type State = 'pending' | 'allow' | 'deny' | 'expired' | 'sending';

/** What this module reads of jupyterlab-chat's message and model objects. */
interface IChatMessageLike {
  body?: unknown;
  time?: unknown;
  sender?: { username?: string; bot?: boolean };
}
interface IChatModelLike {
  messages: Array<IChatMessageLike & { content?: IChatMessageLike }>;
  sendMessage(message: { body: string }): unknown;
}

/** 'allow' / 'deny' for an answer word (a leading @mention ignored), as the server reads it. */
export function parseAnswer(body: string): 'allow' | 'deny' | null {
  let text = (body || '').trim();
  if (!text || text.length > ANSWER_MAX) {
    return null;
  }
  text = text
    .replace(MENTION, '')
    .trim()
    .replace(/^[.!。 ]+|[.!。 ]+$/g, '')
    .toLowerCase();
  if (ALLOW_WORDS.has(text)) {
    return 'allow';
  }
  return DENY_WORDS.has(text) ? 'deny' : null;
}

function content(
  message: IChatMessageLike & { content?: IChatMessageLike }
): IChatMessageLike {
  return message.content ?? message;
}

function fromBot(message: IChatMessageLike): boolean {
  const sender = message.sender ?? {};
  return (
    Boolean(sender.bot) ||
    (sender.username ?? '').startsWith('jupyter-ai-personas')
  );
}

function isRequest(message: IChatMessageLike): boolean {
  return (
    fromBot(message) &&
    typeof message.body === 'string' &&
    message.body.startsWith(APPROVAL_MARK)
  );
}

/** The state of the request at `index` in `messages`. */
export function requestState(
  messages: IChatMessageLike[],
  index: number,
  nowSeconds: number
): State {
  for (let j = index + 1; j < messages.length; j++) {
    const later = messages[j];
    if (isRequest(later)) {
      return 'expired'; // a newer request: this one is no longer waited for
    }
    if (!fromBot(later) && typeof later.body === 'string') {
      const answer = parseAnswer(later.body);
      if (answer) {
        return answer;
      }
    }
  }
  const request = messages[index];
  const minutes = Number(
    (String(request.body).match(MINUTES) ?? [])[1] ?? DEFAULT_MINUTES
  );
  const time = typeof request.time === 'number' ? request.time : nowSeconds;
  return nowSeconds > time + minutes * 60 ? 'expired' : 'pending';
}

function isChatModel(candidate: unknown): candidate is IChatModelLike {
  const model = candidate as IChatModelLike | null;
  return (
    Boolean(model) &&
    Array.isArray(model!.messages) &&
    typeof model!.sendMessage === 'function'
  );
}

/** The chat model of the chat widget whose node holds `element` (main area or side panel). */
function findModel(
  app: JupyterFrontEnd,
  element: Element
): IChatModelLike | null {
  let found: { model: IChatModelLike; size: number } | null = null;
  const visit = (widget: Widget, depth: number) => {
    if (depth > 8 || !widget.node.contains(element)) {
      return;
    }
    const model = (widget as unknown as { model?: unknown }).model;
    if (isChatModel(model)) {
      const size = widget.node.getElementsByTagName('*').length;
      if (!found || size <= found.size) {
        found = { model, size }; // the innermost chat widget
      }
    }
    for (const child of widget.children()) {
      visit(child, depth + 1);
    }
  };
  for (const area of ['main', 'left', 'right'] as const) {
    for (const widget of app.shell.widgets(area)) {
      visit(widget, 0);
    }
  }
  return found ? (found as { model: IChatModelLike }).model : null;
}

const TEXT: Record<Exclude<State, 'pending'>, string> = {
  allow: '허용했습니다. 실행합니다. / Allowed: it runs.',
  deny: '거부했습니다. 실행하지 않았습니다. / Denied: nothing ran.',
  expired:
    '더 이상 기다리는 요청이 아닙니다. 실행하지 않았습니다. / No longer waiting: nothing ran.',
  sending: '답을 보내는 중… / Sending your answer…'
};

function button(
  label: string,
  answer: string,
  kind: string,
  send: (answer: string) => void
): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `jp-mod-styled ${kind}`;
  b.textContent = label;
  b.dataset.govlabAnswer = answer;
  b.addEventListener('click', () => send(answer));
  return b;
}

/** The box under a request, drawn for `state` (redrawn only when the state changes). */
function render(
  box: HTMLElement,
  state: State,
  send: (answer: string) => void
): void {
  if (box.dataset.state === state) {
    return;
  }
  box.dataset.state = state;
  box.replaceChildren();
  if (state !== 'pending') {
    const note = document.createElement('div');
    note.className = `${BOX_CLASS}-note`;
    note.textContent = TEXT[state];
    box.append(note);
    return;
  }
  const row = document.createElement('div');
  row.style.display = 'flex';
  row.style.gap = '8px';
  row.append(
    button('허용 / Allow', ALLOW, 'jp-mod-accept', send),
    button('거부 / Deny', DENY, 'jp-mod-warn', send)
  );
  const hint = document.createElement('div');
  hint.className = `${BOX_CLASS}-hint`;
  hint.style.marginTop = '4px';
  hint.style.color = 'var(--jp-ui-font-color2)';
  hint.textContent =
    '코드를 확인한 뒤 눌러 주세요. "허용" 또는 "거부"라고 입력해도 됩니다. / ' +
    'Check the code first; typing 허용 or 거부 works too.';
  box.append(row, hint);
}

function scan(app: JupyterFrontEnd, sending: WeakSet<object>): void {
  const now = Date.now() / 1000;
  for (const list of Array.from(
    document.querySelectorAll('.jp-chat-messages-container')
  )) {
    const containers = Array.from(
      list.querySelectorAll('.jp-chat-message-container[data-index]')
    );
    if (
      !containers.some(c => (c.textContent ?? '').includes('Approval needed'))
    ) {
      list.querySelectorAll(`.${BOX_CLASS}`).forEach(b => b.remove());
      continue;
    }
    const model = findModel(app, list);
    if (!model) {
      continue;
    }
    const messages = model.messages.map(content);
    let last = -1;
    messages.forEach((m, i) => {
      if (isRequest(m)) {
        last = i;
      }
    });
    for (const container of containers) {
      const index = Number(container.getAttribute('data-index'));
      const message = container.closest('.jp-chat-message');
      if (
        !message ||
        !Number.isInteger(index) ||
        !messages[index] ||
        !isRequest(messages[index])
      ) {
        message
          ?.querySelectorAll(`:scope > .${BOX_CLASS}`)
          .forEach(b => b.remove());
        continue;
      }
      const request = model.messages[index];
      let state =
        index === last ? requestState(messages, index, now) : 'expired';
      if (state === 'pending' && sending.has(request)) {
        state = 'sending';
      }
      let box = message.querySelector<HTMLElement>(`:scope > .${BOX_CLASS}`);
      if (!box) {
        box = document.createElement('div');
        box.className = BOX_CLASS;
        box.style.margin = '8px 0 4px';
        container.after(box);
      }
      render(box, state, answer => {
        sending.add(request);
        model.sendMessage({ body: answer });
        scan(app, sending);
      });
    }
  }
}

export const approvalButtonsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:approval-buttons',
  description: "Allow / Deny buttons under the assistant's approval requests.",
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    const sending = new WeakSet<object>(); // requests answered by a click, until the answer shows
    let scheduled = false;
    const schedule = () => {
      if (scheduled) {
        return;
      }
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        scan(app, sending);
      });
    };
    void app.restored.then(() => {
      new MutationObserver(mutations => {
        // Our own boxes changing is no reason to scan again.
        if (
          mutations.every(m => (m.target as Element).closest?.(`.${BOX_CLASS}`))
        ) {
          return;
        }
        schedule();
      }).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true
      });
      window.setInterval(schedule, EXPIRY_CHECK_MS); // a request expires without any change
      schedule();
    });
  }
};
