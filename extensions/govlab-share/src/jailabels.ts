/**
 * Korean labels, English alongside, for the strings jupyter-ai 3.2's persona controls
 * (@jupyter-ai/persona-manager) hard-code in English without a translation domain: the
 * token usage chip and card ("Session tokens", "Input", "Output", ...), the stop
 * button's tooltip and the persona picker's tooltip and menu.
 *
 * Token usage is translated rather than hidden: jupyter-ai has no setting to hide it,
 * and it is shown only when a persona reports usage (the govlab persona reports none
 * today; an operator's other persona may). Only exact strings are replaced, only inside
 * those components (the chat input toolbar, the usage card, the persona menu, the
 * tooltips): message bodies are never read or changed. The same MutationObserver
 * pattern as approval.ts (one scan per frame) survives React re-rendering; attributes
 * are observed too, since React rewrites a title when its value changes.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

/** Whole text nodes / attribute values, as jupyter-ai writes them. */
export const LABELS: Record<string, string> = {
  // token usage card and chip
  'Session tokens': '세션 토큰 / Session tokens',
  Input: '입력 / Input',
  Output: '출력 / Output',
  'Cache read': '캐시 읽기 / Cache read',
  'Cache write': '캐시 쓰기 / Cache write',
  Thinking: '추론 / Thinking',
  Context: '문맥 / Context',
  'Session cost': '세션 비용 / Session cost',
  'Session cost (est.)': '세션 비용(추정) / Session cost (est.)',
  'Estimated at API list prices':
    'API 공시 가격 기준 추정 / Estimated at API list prices',
  Usage: '사용량 / Usage',
  // stop button, persona picker and its menu
  'Stop generating': '답변 중지 / Stop generating',
  'Choose which persona to message':
    '메시지를 받을 도우미 선택 / Choose which persona to message',
  'Loading personas': '도우미를 불러오는 중 / Loading personas',
  'No one': '보내지 않음 / No one',
  'More controls': '설정 더 보기 / More controls'
};

// Labels with numbers in them; every pattern is anchored and bounded.
const NUM = '([0-9.,]{1,20}[kMBT]?)';
const PATTERNS: Array<[RegExp, (...m: string[]) => string]> = [
  [new RegExp(`^${NUM} tokens$`), n => `${n} 토큰 / tokens`],
  [
    new RegExp(`^${NUM} of ${NUM} tokens$`),
    (a, b) => `${a} / ${b} 토큰 / ${a} of ${b} tokens`
  ],
  [
    new RegExp(`^${NUM} of ${NUM} \\((\\d{1,3})%\\)$`),
    (a, b, p) => `${a} / ${b} (${p}%)`
  ],
  [
    new RegExp('^Context (\\d{1,3})% used$'),
    p => `문맥 ${p}% 사용 / Context ${p}% used`
  ]
];
// The chip's tooltip: one "Label: value" per line.
const LINE_PREFIXES: Array<[string, string]> = [
  ['Session tokens: ', '세션 토큰 / Session tokens: '],
  ['Context: ', '문맥 / Context: '],
  ['Cost: ', '비용 / Cost: ']
];

/** The Korean form of one jupyter-ai string, or null when it is not one of ours to change. */
export function koreanLabel(value: string): string | null {
  if (Object.prototype.hasOwnProperty.call(LABELS, value)) {
    return LABELS[value];
  }
  if (value.length > 400) {
    return null;
  }
  for (const [pattern, make] of PATTERNS) {
    const m = value.match(pattern);
    if (m) {
      return make(...m.slice(1));
    }
  }
  if (
    value.includes('\n') ||
    LINE_PREFIXES.some(([en]) => value.startsWith(en))
  ) {
    let changed = false;
    const lines = value.split('\n').map(line => {
      for (const [en, ko] of LINE_PREFIXES) {
        if (line.startsWith(en)) {
          changed = true;
          return (
            ko +
            line
              .slice(en.length)
              .replace(/ of /, ' / ')
              .replace(/ tokens /, ' 토큰 ')
              .replace(/ used$/, ' 사용')
          );
        }
      }
      return line;
    });
    return changed ? lines.join('\n') : null;
  }
  return null;
}

// Where jupyter-ai's English lives; message bodies are outside all of these.
const SCOPES = [
  '.jp-chat-input-toolbar',
  '.jp-jai-usage-card',
  '.jp-jai-controlMenu-paper',
  '.MuiTooltip-popper'
].join(', ');
const ATTRIBUTES = ['title', 'aria-label'];

function translate(root: Element): void {
  for (const el of [
    root,
    ...Array.from(root.querySelectorAll('[title], [aria-label]'))
  ]) {
    for (const attr of ATTRIBUTES) {
      const value = el.getAttribute(attr);
      const korean = value ? koreanLabel(value) : null;
      if (korean) {
        el.setAttribute(attr, korean);
      }
    }
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const value = node.nodeValue ?? '';
    const korean = koreanLabel(value.trim());
    if (korean) {
      node.nodeValue = value.replace(value.trim(), korean);
    }
  }
}

function scan(): void {
  document.querySelectorAll(SCOPES).forEach(translate);
}

export const jupyterAiLabelsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:jupyter-ai-labels',
  description:
    "Korean labels for the English strings of jupyter-ai's persona controls.",
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    let scheduled = false;
    const schedule = () => {
      if (scheduled) {
        return;
      }
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        scan();
      });
    };
    void app.restored.then(() => {
      new MutationObserver(schedule).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true,
        attributes: true,
        attributeFilter: ATTRIBUTES
      });
      schedule();
    });
  }
};
