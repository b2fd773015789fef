/**
 * Requests to the govlab_share server extension (docs/share-api.md).
 *
 * `ServerConnection.makeRequest` adds the base URL's auth and the `_xsrf`
 * token header, which the server's authenticated JupyterHandlers check.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type Visibility = 'private' | 'internal' | 'public' | string;

export interface IChatInfo {
  path: string;
  title: string;
  linked: boolean;
  messages?: number;
  updated?: string | null;
}

export interface IPreviousShare {
  web_url: string;
  project: string;
  shared_at?: string;
  commit?: string;
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
}

export interface IShareRequest {
  path: string;
  title: string;
  description: string;
  visibility: Visibility;
  chats: string[];
  keep_outputs: boolean;
  force: boolean;
}

export interface IShareResult {
  web_url: string;
  project: string;
  commit: string;
  commit_url?: string;
  files: string[];
  updated: boolean;
}

export interface IFinding {
  file: string;
  cell?: number | string | null;
  line?: number | null;
  kind: string;
  kind_label?: string;
  excerpt?: string;
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

async function request<T>(
  endpoint: string,
  init: RequestInit = {},
  settings?: ServerConnection.ISettings
): Promise<T> {
  const s = settings ?? ServerConnection.makeSettings();
  const url = URLExt.join(s.baseUrl, ROUTE, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, s);
  } catch (err) {
    throw new ShareError(0, {
      code: 'network',
      message: '서버에 연결하지 못했습니다.',
      message_en: `Could not reach the server: ${String(err)}`
    });
  }
  const text = await response.text();
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const body: IShareErrorBody =
      data && typeof data === 'object' && data.error
        ? data.error
        : {
            code: `http_${response.status}`,
            message: `서버 오류 (HTTP ${response.status})`,
            message_en: `Server error (HTTP ${response.status}) ${
              response.statusText || ''
            }`.trim(),
            details: text && !data ? [text.slice(0, 500)] : []
          };
    throw new ShareError(response.status, body);
  }
  return data as T;
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

/** POST /govlab-share/share */
export function postShare(
  body: IShareRequest,
  settings?: ServerConnection.ISettings
): Promise<IShareResult> {
  return request<IShareResult>(
    'share',
    {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    },
    settings
  );
}
