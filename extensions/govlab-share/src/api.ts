/**
 * Requests to the govlab_share server extension (docs/share-api.md).
 *
 * `ServerConnection.makeRequest` adds the base URL's auth and the `_xsrf`
 * token header, which the server's authenticated JupyterHandlers check.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { trans } from './i18n';

export type Visibility = 'private' | 'internal' | 'public' | string;

export interface IChatInfo {
  path: string;
  title: string;
  linked: boolean;
  messages?: number;
  updated?: string | null;
  /** The first user message (at most 120 characters). */
  preview?: string;
}

/** A file the notebook imports or reads, offered (unticked) in the dialog. */
export interface ISuggestedFile {
  path: string;
  size: number;
  reason: 'import' | 'read' | string;
}

export interface IPreviousShare {
  web_url: string;
  project: string;
  shared_at?: string;
  commit?: string;
  /** The form of the last share (absent for shares recorded before). */
  title?: string | null;
  description?: string | null;
  visibility?: Visibility | null;
  keep_outputs?: boolean | null;
  chats?: string[];
  files?: string[];
}

/** Seconds each step may take, shown beside its elapsed time. */
export interface IBudgets {
  scan: number;
  upload: number;
}

export interface IShareContext {
  path: string;
  title: string;
  default_visibility: Visibility;
  visibilities: Visibility[];
  chats: IChatInfo[];
  previous: IPreviousShare | null;
  configured: boolean;
  problem: string | null;
  suggested_files?: ISuggestedFile[];
  budgets?: IBudgets;
  max_bundle_bytes?: number;
  /** The quality check's settings (absent: checks on, default time limit). */
  quality_check?: { enabled?: boolean; time_limit?: number };
}

export interface IShareRequest {
  path: string;
  title: string;
  description: string;
  visibility: Visibility;
  chats: string[];
  /** Extra files (paths under the root, inside the notebook's folder). */
  files: string[];
  /** Chats shared before that the official confirmed to remove. */
  remove_chats: string[];
  keep_outputs: boolean;
  force: boolean;
  /** The quality check that ran (its job id), or why it was skipped. */
  quality?: { check: string } | { skipped: string };
}

export interface IShareResult {
  web_url: string;
  project: string;
  commit: string;
  commit_url?: string;
  files: string[];
  updated: boolean;
  notices?: IFinding[];
  /** Things the share could not do (e.g. change the visibility). */
  warnings?: Array<{ message: string; message_en?: string } | string>;
  /** The project's page in the hub's gallery, when one is configured. */
  gallery_url?: string | null;
}

/** The answer of POST /check: what /share would commit. */
export interface ICheckResult {
  files: Array<{ path: string; size: number }>;
  total_size: number;
  notices: IFinding[];
}

export interface IFinding {
  file: string;
  cell?: number | string | null;
  line?: number | null;
  kind: string;
  kind_label?: string;
  excerpt?: string;
  where?: string;
  /** Korean locator ("2번째 셀 출력"), and its English form. */
  location?: string;
  location_en?: string;
  /** false for information only (e.g. a landline number). */
  blocking?: boolean;
  confidence?: string;
  /** Other places with the same content. */
  also?: string[];
}

export interface IShareErrorBody {
  code: string;
  message: string;
  message_en?: string;
  findings?: IFinding[];
  details?: string[];
}

/** An error answer of the server extension, or a transport failure. */
export class ShareError extends Error {
  constructor(
    readonly status: number,
    readonly body: IShareErrorBody
  ) {
    super(body.message_en || body.message || body.code);
  }

  get code(): string {
    return this.body.code;
  }
}

const ROUTE = 'govlab-share';

/** A request to the server extension, bounded by `timeoutSeconds` (0: unbounded). */
export async function request<T>(
  endpoint: string,
  init: RequestInit = {},
  settings?: ServerConnection.ISettings,
  timeoutSeconds = 0
): Promise<T> {
  const s = settings ?? ServerConnection.makeSettings();
  const url = URLExt.join(s.baseUrl, ROUTE, endpoint);
  // Every wait is bounded: past its budget (plus a margin) the dialog stops waiting.
  const controller = new AbortController();
  const timer =
    timeoutSeconds > 0
      ? window.setTimeout(() => controller.abort(), timeoutSeconds * 1000)
      : null;
  let response: Response;
  let text: string;
  try {
    response = await ServerConnection.makeRequest(
      url,
      { ...init, signal: controller.signal },
      s
    );
    text = await response.text();
  } catch (err) {
    // Shaped like the server's errors: `message` in the lab's language (Korean in
    // govlab, from our catalogue), `message_en` always English.
    if (controller.signal.aborted) {
      throw new ShareError(0, {
        code: 'client_timeout',
        message: trans().__(
          'The server did not answer within %1 s. Check the GitLab project to see whether it was shared, then try again.',
          timeoutSeconds
        ),
        message_en: `The server did not answer within ${timeoutSeconds} s. Check the GitLab project to see whether it was shared, then try again.`
      });
    }
    throw new ShareError(0, {
      code: 'network',
      message: trans().__('Could not reach the server.'),
      message_en: `Could not reach the server: ${String(err)}`
    });
  } finally {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
  }
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const pair =
      data && typeof data === 'object' && typeof data.message === 'object'
        ? data.message
        : null;
    const body: IShareErrorBody =
      data && typeof data === 'object' && data.error
        ? data.error
        : pair && (pair.ko || pair.en)
          ? // {"message": {"ko", "en"}}: the shape of the count and quality routes
            {
              code: String(data.code ?? `http_${response.status}`),
              message: String(pair.ko || pair.en),
              message_en: String(pair.en || pair.ko)
            }
          : {
              code: `http_${response.status}`,
              message: trans().__('Server error (HTTP %1)', response.status),
              message_en: `Server error (HTTP ${response.status}) ${
                response.statusText || ''
              }`.trim(),
              details: text && !data ? [text.slice(0, 500)] : []
            };
    throw new ShareError(response.status, body);
  }
  return data as T;
}

/** GET /govlab-share/status: is sharing to GitLab set up in this lab? */
export function fetchStatus(
  settings?: ServerConnection.ISettings
): Promise<{ configured: boolean }> {
  return request<{ configured: boolean }>(
    'status',
    { method: 'GET' },
    settings
  );
}

/** GET /govlab-share/context?path=... */
export function fetchContext(
  path: string,
  settings?: ServerConnection.ISettings
): Promise<IShareContext> {
  return request<IShareContext>(
    'context' + URLExt.objectToQueryString({ path }),
    { method: 'GET' },
    settings
  );
}

/** POST /govlab-share/check: build and scan, no GitLab call. */
export function postCheck(
  body: IShareRequest,
  settings?: ServerConnection.ISettings,
  timeoutSeconds = 0
): Promise<ICheckResult> {
  return request<ICheckResult>(
    'check',
    {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    },
    settings,
    timeoutSeconds
  );
}

/** POST /govlab-share/share */
export function postShare(
  body: IShareRequest,
  settings?: ServerConnection.ISettings,
  timeoutSeconds = 0
): Promise<IShareResult> {
  return request<IShareResult>(
    'share',
    {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    },
    settings,
    timeoutSeconds
  );
}
