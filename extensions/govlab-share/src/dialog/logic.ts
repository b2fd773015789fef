/**
 * The share dialogs' state and decisions, free of DOM and JupyterLab so that
 * jest can test them: the form's starting values, what a submitted form leads
 * to, which view a server answer opens and which buttons that view offers.
 */
import type { IChatInfo, IFinding, IShareContext } from '../api';
import type { Lang } from '../i18n';
import type { QualityChoice } from './qualitylogic';

/** What the form returns. */
export interface IShareFormValue {
  title: string;
  description: string;
  visibility: string;
  chats: string[];
  files: string[];
  keep_outputs: boolean;
  /** The quality section's choice; absent when the lab runs no checks. */
  quality?: QualityChoice;
}

/** The steps of a share, in order. */
export type Step = 'scan' | 'upload' | 'done';
export const STEPS: Step[] = ['scan', 'upload', 'done'];
export type StepState = 'pending' | 'active' | 'done' | 'failed';

/** What the official chose in an error dialog. */
export type ErrorChoice = 'close' | 'back' | 'overwrite';

/** The view a server's error answer opens. */
export type ErrorView = 'blocked' | 'conflict' | 'problem';

/** Same maximum as the server (`MAX_TITLE`) and the input's `maxlength`. */
export const MAX_TITLE = 255;

const FALLBACK_VISIBILITIES = ['private', 'internal', 'public'];

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
export function orderChats(chats: IChatInfo[]): IChatInfo[] {
  return [...chats.filter(c => c.linked), ...chats.filter(c => !c.linked)];
}

/** The visibilities offered (the server's, else GitLab's three). */
export function offeredVisibilities(context: IShareContext): string[] {
  return context.visibilities?.length
    ? context.visibilities
    : FALLBACK_VISIBILITIES;
}

/** The visibility selected first: the wanted one if offered, else the first offered. */
export function initialVisibility(
  context: IShareContext,
  initial: Partial<IShareFormValue>
): string {
  const offered = offeredVisibilities(context);
  const wanted = initial.visibility ?? context.default_visibility;
  return offered.includes(wanted) ? wanted : offered[0];
}

/** Whether a chat's box starts ticked: the last share's choice, else linked ones. */
export function chatTicked(
  chat: IChatInfo,
  initial: Partial<IShareFormValue>
): boolean {
  return initial.chats ? initial.chats.includes(chat.path) : chat.linked;
}

/** Chats shared before that are gone from the work folder: they can only be removed. */
export function missingChats(
  context: IShareContext,
  initial: Partial<IShareFormValue>
): string[] {
  const listed = new Set((context.chats ?? []).map(c => c.path));
  return (initial.chats ?? []).filter(p => !listed.has(p));
}

/** A typed extra-file path as the server expects it (relative to the root), or null. */
export function typedFilePath(raw: string): string | null {
  // Bounded: at most one run of leading slashes, no backtracking.
  const path = raw.trim().replace(/^\/+/, '');
  return path ? path : null;
}

/**
 * What a submitted form leads to, before anything is sent: a problem to show
 * (the server's error code for it), a confirmation naming the chats a re-share
 * deletes, or the share itself. An empty title already disables the accept
 * button (the input is `required`, and JupyterLab's Dialog refuses to accept
 * while an input is :invalid); a title of only spaces passes that and lands here.
 */
export type Submission =
  | { kind: 'problem'; code: 'bad_request'; field: 'title' }
  | { kind: 'confirm-removal'; removed: string[] }
  | { kind: 'share'; removed: string[] };

export function submission(
  context: IShareContext,
  value: IShareFormValue
): Submission {
  if (!value.title.trim()) {
    return { kind: 'problem', code: 'bad_request', field: 'title' };
  }
  const removed = droppedChats(context, value);
  return removed.length
    ? { kind: 'confirm-removal', removed }
    : { kind: 'share', removed };
}

/** Errors the official can fix in the form (untick a chat, a file, outputs). */
export const FIXABLE_IN_FORM: ReadonlySet<string> = new Set([
  'scan_blocked',
  'scan_timeout',
  'too_large',
  'bad_path',
  'bad_request',
  'chats_removed'
]);

/** Which view an error answer opens. */
export function errorView(code: string): ErrorView {
  if (code === 'scan_blocked') {
    return 'blocked';
  }
  if (code === 'remote_changed') {
    return 'conflict';
  }
  return 'problem';
}

/** Whether the error dialog offers going back to the filled form. */
export function offersBack(code: string, canGoBack: boolean): boolean {
  return canGoBack && FIXABLE_IN_FORM.has(code);
}

/** A dialog button: how JupyterLab draws it and the `data-govlab` hook tests use. */
export interface IButtonSpec {
  kind: 'ok' | 'cancel' | 'warn';
  label: 'close' | 'cancel' | 'overwrite' | 'backToForm';
  hook: string;
}

/** The error dialog's buttons, left to right. */
export function errorButtons(code: string, back: boolean): IButtonSpec[] {
  if (back) {
    return [
      { kind: 'cancel', label: 'close', hook: 'share-close' },
      { kind: 'ok', label: 'backToForm', hook: 'share-back' }
    ];
  }
  if (errorView(code) === 'conflict') {
    return [
      { kind: 'cancel', label: 'cancel', hook: 'share-cancel' },
      { kind: 'warn', label: 'overwrite', hook: 'share-overwrite' }
    ];
  }
  return [{ kind: 'ok', label: 'close', hook: 'share-close' }];
}

/** What the official's button in the error dialog means. */
export function errorChoice(
  code: string,
  accepted: boolean,
  back: boolean
): ErrorChoice {
  if (!accepted) {
    return 'close';
  }
  if (back) {
    return 'back';
  }
  return errorView(code) === 'conflict' ? 'overwrite' : 'close';
}

/** An error's message in the official's language first, the other one beside it. */
export function errorMessages(
  body: { code: string; message: string; message_en?: string },
  lang: Lang
): { primary: string; secondary: string | null } {
  const primary =
    (lang === 'en' ? body.message_en || body.message : body.message) ||
    body.code;
  const other = lang === 'en' ? body.message : body.message_en;
  return { primary, secondary: other && other !== primary ? other : null };
}

/** Blocking findings, and information-only ones (shown apart under 참고). */
export function splitFindings(findings: IFinding[]): {
  blocking: IFinding[];
  info: IFinding[];
} {
  return {
    blocking: findings.filter(f => f.blocking !== false),
    info: findings.filter(f => f.blocking === false)
  };
}

/** Other places with the same content, as one line (empty when none). */
export function alsoText(also: unknown[] | undefined): string {
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

/** The result's warnings: Korean with English beside it, or English only. */
export function warningNotes(
  warnings:
    Array<{ message: string; message_en?: string } | string> | undefined,
  lang: Lang
): string[] {
  return (warnings ?? []).map(w =>
    typeof w === 'string'
      ? w
      : lang === 'en'
        ? w.message_en || w.message
        : [w.message, w.message_en].filter(Boolean).join(' / ')
  );
}

/** The seconds a running step may take (the last step has none). */
export function stepBudget(
  step: Step,
  budgets: { scan: number; upload: number }
): number {
  return step === 'done' ? 0 : Math.round(budgets[step] ?? 0);
}
