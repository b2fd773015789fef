/**
 * Requests of the quality check (C1) and the improvement-request count (C2) to
 * the server extension, through api.ts's `request` (auth, the `_xsrf`
 * header, a time bound and the error shapes of every govlab-share route).
 */
import { URLExt } from '@jupyterlab/coreutils';

import { request, ShareError } from '../api';

import {
  bilingualMessage,
  IQualityStatus,
  IRequestsAnswer
} from './qualitylogic';

/** Seconds one request may take before the dialog gives up on it. */
const REQUEST_TIMEOUT = 30;

/** A failed request: HTTP status (0: no answer) and the server's two messages. */
export class QualityRequestError extends Error {
  constructor(
    readonly status: number,
    readonly ko: string,
    readonly en: string,
    readonly code: string
  ) {
    super(en || ko || code);
  }
}

async function call<T>(
  endpoint: string,
  init: RequestInit,
  timeoutSeconds = REQUEST_TIMEOUT
): Promise<T> {
  try {
    return await request<T>(endpoint, init, undefined, timeoutSeconds);
  } catch (err) {
    if (!(err instanceof ShareError)) {
      throw err;
    }
    const message = bilingualMessage({ error: err.body });
    // No answer (status 0): the view words it (Korean + English, what to do next).
    throw new QualityRequestError(
      err.status,
      err.status ? (message?.ko ?? '') : '',
      err.status ? (message?.en ?? '') : '',
      err.code
    );
  }
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json' }
});

/** POST quality: start a check of the saved notebook. */
export function startQuality(
  path: string
): Promise<{ id: string; cells: number }> {
  return call('quality', json({ path }));
}

/** GET quality/<id>: where the check is. */
export function qualityStatus(id: string): Promise<IQualityStatus> {
  return call(`quality/${encodeURIComponent(id)}`, { method: 'GET' });
}

/** DELETE quality/<id>: stop the check and its kernel. */
export async function cancelQuality(id: string): Promise<void> {
  await call(`quality/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** GET requests?path=...: the notebook's project's improvement requests. */
export function fetchRequests(path: string): Promise<IRequestsAnswer> {
  return call('requests' + URLExt.objectToQueryString({ path }), {
    method: 'GET'
  });
}
