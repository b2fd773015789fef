/**
 * The quality check's and the improvement requests' decisions, free of DOM and
 * JupyterLab (jest-tested): what the form's quality section sends, what a job's
 * status means for the dialog, how long polling may go on, and which line the
 * request count shows. The server side is docs/share-api.md ("Quality check").
 */

/** Same maximum as the server's skip reason. */
export const MAX_SKIP_REASON = 500;

/** Seconds polling goes on past the check's time limit (kernel start, slow answers). */
export const POLL_MARGIN = 60;

/** The time limit assumed when the lab does not say (the settings' default). */
export const DEFAULT_TIME_LIMIT = 600;

/** Seconds between two status requests. */
export const POLL_INTERVAL = 1;

/** What the official chose in the form's quality section. */
export type QualityChoice = { check: true } | { check: false; reason: string };

/** The share request's `quality` (C1): the job that ran, or why none ran. */
export type QualityField = { check: string } | { skipped: string };

/** The lab's quality settings as the context answer carries them. */
export interface IQualitySettings {
  enabled?: boolean;
  time_limit?: number;
}

export interface IFailingCell {
  index: number;
  ename?: string;
  evalue?: string;
  message?: { ko?: string; en?: string } | null;
}

/** R of C1: a finished check. */
export interface IQualityResult {
  passed: boolean;
  seconds: number;
  python?: string;
  checked_at?: string;
  failing_cell: IFailingCell | null;
  packages?: Record<string, string>;
  missing_module: string | null;
  data_files?: Array<{ path: string; exists: boolean }>;
  time_limit?: number;
}

export type QualityState =
  'running' | 'passed' | 'failed' | 'timeout' | 'cancelled';

/** GET quality/<id> */
export interface IQualityStatus {
  state: QualityState;
  done: number;
  cells: number;
  current: number | null;
  elapsed: number;
  result: IQualityResult | null;
}

/** GET requests?path=... (C2) */
export interface IRequestsAnswer {
  project: string | null;
  open?: number;
  closed?: number;
  url?: string;
}

/** Whether the lab runs checks at all: on unless its settings say off. */
export function qualityEnabled(
  settings: IQualitySettings | null | undefined
): boolean {
  return settings?.enabled !== false;
}

/** The time limit polling is bounded by (seconds). */
export function qualityTimeLimit(
  settings: IQualitySettings | null | undefined
): number {
  const limit = Number(settings?.time_limit);
  return Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_TIME_LIMIT;
}

/** Why a skip reason cannot be sent, or null when it can. */
export function skipReasonProblem(reason: string): 'empty' | 'long' | null {
  const text = reason.trim();
  if (!text) {
    return 'empty';
  }
  return text.length > MAX_SKIP_REASON ? 'long' : null;
}

/** The request's `quality` for a choice and, when it ran, the check's job id. */
export function qualityField(
  choice: QualityChoice | undefined,
  jobId: string | null
): QualityField | undefined {
  if (!choice) {
    return undefined; // the section was not shown: recorded as not checked
  }
  if (!choice.check) {
    return { skipped: choice.reason.trim().slice(0, MAX_SKIP_REASON) };
  }
  return jobId ? { check: jobId } : undefined;
}

/** The progress line's figures: the cell running now (1-based) of how many, seconds. */
export function progressFigures(
  status: Pick<IQualityStatus, 'done' | 'cells' | 'elapsed'>
): { cell: number; cells: number; seconds: number } {
  const cells = Math.max(0, Math.floor(status.cells || 0));
  const done = Math.max(0, Math.floor(status.done || 0));
  return {
    cell: cells ? Math.min(done + 1, cells) : 0,
    cells,
    seconds: Math.max(0, Math.floor(status.elapsed || 0))
  };
}

/** Whether polling has gone on long enough to stop (seconds since the start). */
export function pollExpired(
  elapsedSeconds: number,
  timeLimit: number
): boolean {
  return elapsedSeconds > timeLimit + POLL_MARGIN;
}

/** What a status means for the dialog. */
export type QualityOutcome =
  | { kind: 'running' }
  | { kind: 'passed'; seconds: number }
  | { kind: 'failed'; seconds: number; timedOut: boolean; failure: IFailure }
  | { kind: 'cancelled' };

/** A failed check, as the failure view shows it. */
export interface IFailure {
  /** 1-based notebook cell number, or null when no cell is to blame. */
  cell: number | null;
  /** "ename: evalue" (bounded), or empty. */
  error: string;
  ko: string;
  en: string;
  missingModule: string | null;
}

const MAX_ERROR_TEXT = 500;

function clip(text: unknown, max = MAX_ERROR_TEXT): string {
  const s = typeof text === 'string' ? text : '';
  return s.length > max ? s.slice(0, max) + '…' : s;
}

export function failureOf(result: IQualityResult | null): IFailure {
  const cell = result?.failing_cell ?? null;
  const ename = clip(cell?.ename, 100);
  const evalue = clip(cell?.evalue);
  return {
    cell:
      cell && Number.isInteger(cell.index) && cell.index >= 0
        ? cell.index + 1
        : null,
    error: ename && evalue ? `${ename}: ${evalue}` : ename || evalue,
    ko: clip(cell?.message?.ko),
    en: clip(cell?.message?.en),
    missingModule: result?.missing_module
      ? clip(result.missing_module, 200)
      : null
  };
}

export function qualityOutcome(status: IQualityStatus): QualityOutcome {
  const seconds = Math.round(status.result?.seconds ?? status.elapsed ?? 0);
  switch (status.state) {
    case 'running':
      return { kind: 'running' };
    case 'cancelled':
      return { kind: 'cancelled' };
    case 'passed':
      if (status.result?.passed !== false) {
        return { kind: 'passed', seconds };
      }
      break;
  }
  return {
    kind: 'failed',
    seconds,
    timedOut: status.state === 'timeout',
    failure: failureOf(status.result)
  };
}

/** The request count line: null when nothing is shown (never shared, bad answer). */
export function requestsLine(
  answer: IRequestsAnswer | null
): { open: number; url: string } | null {
  if (!answer || !answer.project) {
    return null;
  }
  const open = Number(answer.open);
  if (!Number.isInteger(open) || open < 0) {
    return null;
  }
  const url = typeof answer.url === 'string' ? answer.url : '';
  // Only web links: the gallery page, never a javascript: or data: URL.
  return { open, url: /^https?:\/\//i.test(url) ? url : '' };
}

/** A server error body in either shape, as Korean and English texts. */
export function bilingualMessage(
  data: unknown
): { ko: string; en: string; code: string } | null {
  if (!data || typeof data !== 'object') {
    return null;
  }
  const d = data as Record<string, any>;
  if (d.error && typeof d.error === 'object') {
    const ko = clip(d.error.message);
    const en = clip(d.error.message_en);
    return ko || en
      ? { ko: ko || en, en: en || ko, code: String(d.error.code ?? '') }
      : null;
  }
  if (d.message && typeof d.message === 'object') {
    const ko = clip(d.message.ko);
    const en = clip(d.message.en);
    return ko || en
      ? { ko: ko || en, en: en || ko, code: String(d.code ?? '') }
      : null;
  }
  return null;
}
