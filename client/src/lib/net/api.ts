/**
 * The small HTTP API on the same origin: create a meeting, look up what a link opens.
 * Results, never throws: `{ ok: true, data }` or `{ ok: false, error }`.
 */
import { LIMITS, type CreateMeetingBody, type CreateMeetingResponse, type ErrorCode, type LookupResponse } from '@peer-circle/shared';
import { ClientErrorCode } from './socket.ts';

export interface ApiError {
  code: ErrorCode | ClientErrorCode;
  /** The server's message key (see CallError); absent for client-side codes. */
  key?: string | undefined;
  message: string;
  status: number;
}
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };

const REQUEST_TIMEOUT_MS = 15_000;

export async function postJson<T>(path: string, body: unknown): Promise<ApiResult<T>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
      credentials: 'same-origin',
      referrerPolicy: 'no-referrer',
    });
    const json: unknown = await res.json().catch(() => null);
    if (res.ok) return { ok: true, data: json as T };
    return { ok: false, error: apiError(json, res.status) };
  } catch {
    return { ok: false, error: { code: ClientErrorCode.offline, message: '', status: 0 } };
  } finally {
    clearTimeout(timer);
  }
}

/** The server's `{error:{code, key, message}}` body, read defensively (it may be a proxy's page). */
export function apiError(json: unknown, status: number): ApiError {
  const err = (json as { error?: { code?: ErrorCode; key?: unknown; message?: unknown } } | null)?.error;
  return {
    code: err?.code ?? (status === 404 ? 'not_found' : 'internal'),
    key: typeof err?.key === 'string' ? err.key : undefined,
    message: typeof err?.message === 'string' ? err.message : '',
    status,
  };
}

export function createMeeting(body: CreateMeetingBody): Promise<ApiResult<CreateMeetingResponse>> {
  return postJson('/api/meetings', body);
}

export function lookupToken(token: string): Promise<ApiResult<LookupResponse>> {
  return postJson('/api/lookup', { token });
}

/** Same rule as the server's token schema, so a mangled link is refused without a request. */
export function looksLikeToken(token: string): boolean {
  return token.length >= 16 && token.length <= LIMITS.tokenMax && /^[A-Za-z0-9_-]+$/.test(token);
}

/**
 * The leader's attendance summary (rule E4) as a CSV Blob. The leader token goes in the body,
 * never in the URL, so it stays out of logs and history.
 */
export async function fetchAttendance(token: string, resume?: string): Promise<ApiResult<Blob>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch('/api/attendance', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/csv, application/json' },
      body: JSON.stringify(resume ? { token, resume } : { token }),
      signal: controller.signal,
      credentials: 'same-origin',
      referrerPolicy: 'no-referrer',
    });
    if (res.ok) return { ok: true, data: await res.blob() };
    const json: unknown = await res.json().catch(() => null);
    return { ok: false, error: apiError(json, res.status) };
  } catch {
    return { ok: false, error: { code: ClientErrorCode.offline, message: '', status: 0 } };
  } finally {
    clearTimeout(timer);
  }
}
