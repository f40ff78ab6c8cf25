/**
 * The weekly group's HTTP API (/api/groups, rules G1-G8). The group link's token travels in the
 * body, never in a URL. Results, never throws, like lib/net/api.ts.
 */
import type { CreateGroupBody, CreateGroupResponse, GroupRecordsView, GroupView, OpenGroupMeetingBody, OpenGroupMeetingResponse } from '@peer-circle/shared';
import { apiError, postJson, type ApiResult } from '../../lib/net/api.ts';
import { ClientErrorCode } from '../../lib/net/socket.ts';

export const createGroup = (body: CreateGroupBody): Promise<ApiResult<CreateGroupResponse>> => postJson('/api/groups', body);

/** With `wait`, the server holds the answer until the group's tag changes (or about 12 s). */
export const lookupGroup = (token: string, wait?: string): Promise<ApiResult<GroupView>> =>
  postJson('/api/groups/lookup', wait === undefined ? { token } : { token, wait });

export const openGroupMeeting = (body: OpenGroupMeetingBody): Promise<ApiResult<OpenGroupMeetingResponse>> => postJson('/api/groups/open', body);

export const handOver = (token: string, participantId: string, date?: string): Promise<ApiResult<{ date: string }>> =>
  postJson('/api/groups/handover', date ? { token, participantId, date } : { token, participantId });

export const revokeRota = (token: string, date: string): Promise<ApiResult<{ ok: true }>> => postJson('/api/groups/rota/revoke', { token, date });

export const groupRecords = (token: string): Promise<ApiResult<GroupRecordsView>> => postJson('/api/groups/records', { token });

export const deleteGroup = (token: string): Promise<ApiResult<{ ok: true }>> => postJson('/api/groups/delete', { token });

/** A file answer (calendar, season CSV) as a Blob with the server's file name. */
export async function groupFile(path: 'calendar' | 'records.csv', token: string): Promise<ApiResult<{ blob: Blob; filename: string }>> {
  try {
    const res = await fetch(`/api/groups/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'same-origin',
      referrerPolicy: 'no-referrer',
    });
    if (!res.ok) return { ok: false, error: apiError(await res.json().catch(() => null), res.status) };
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? (path === 'calendar' ? 'group.ics' : 'season.csv');
    return { ok: true, data: { blob: await res.blob(), filename } };
  } catch {
    return { ok: false, error: { code: ClientErrorCode.offline, message: '', status: 0 } };
  }
}

/** Hands a Blob to the browser as a download. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
