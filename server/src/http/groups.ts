/**
 * /api/groups: weekly groups over HTTP (rules G1-G8, docs/protocol.md "Groups"). Every request
 * carries its group link's token in the JSON body, never in the URL, like /api/attendance. What
 * only the group's leader may see answers any other link exactly like an unknown one (404).
 */
import express, { type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  CreateGroupBody,
  GroupLookupBody,
  GroupTokenBody,
  HandOverBody,
  OpenGroupMeetingBody,
  protocolError,
  RevokeRotaBody,
  ROLES,
  type CreateGroupResponse,
  type ErrorCode,
  type ErrorKey,
  type ProtocolError,
  type Role,
} from '@peer-circle/shared';
import { groupLink, type GroupService } from '../app/groups.ts';
import { calendarFilename, groupCalendar } from '../groups/ics.ts';
import { seasonCsv, seasonFilename } from './season-csv.ts';

export interface GroupRoutesOptions {
  groups: GroupService;
  /** Base of the links handed out; else the request's origin. */
  publicUrl?: string | undefined;
  /** How long a lookup with `wait` is held at most (ms), and how often it looks again. */
  waitMs?: number;
  waitPollMs?: number;
}

const STATUS: Record<ErrorCode, number> = {
  invalid_payload: 400,
  forbidden: 403,
  not_found: 404,
  wrong_phase: 409,
  conflict: 409,
  rate_limited: 429,
  unsupported_protocol: 400,
  internal: 500,
  unavailable: 503,
};

const body = (e: ProtocolError) => ({ error: e });
const unknown = (res: Response) => res.status(404).json(body(protocolError('not_found', 'link.unknown')));
const send = (res: Response, e: ProtocolError) => res.status(STATUS[e.code]).json(body(e));

/** Parses the body with its schema, or answers 400 naming the field (never echoing the input). */
function parse<S extends z.ZodTypeAny>(schema: S, req: Request, res: Response, key: ErrorKey = 'payload.invalid'): z.infer<S> | null {
  const r = schema.safeParse(req.body);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  res.status(400).json(body(protocolError('invalid_payload', key, key === 'payload.invalid' ? `Invalid ${i?.path.join('.') || 'body'}: ${i?.message ?? 'not understood'}.` : undefined)));
  return null;
}

export function groupRoutes(o: GroupRoutesOptions): express.Router {
  const r = express.Router();
  const base = (req: Request) => (o.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/$/, '');
  // Under the client's 15-second request timeout (lib/net/api.ts), so a held lookup is never cut off.
  const waitMs = o.waitMs ?? 12_000;
  const pollMs = o.waitPollMs ?? 1_000;

  // G1: created once; the same three links serve every meeting of the group.
  r.post('/', async (req, res) => {
    const b = parse(CreateGroupBody, req, res);
    if (!b) return;
    const { groupId, tokens } = await o.groups.create(b);
    const links = Object.fromEntries(ROLES.map((role) => [role, groupLink(base(req), tokens[role])])) as Record<Role, string>;
    res.status(201).json({ groupId, tokens, links } satisfies CreateGroupResponse);
  });

  // G2, G3: what the group's page shows; with `wait`, held until it changes (the waiting page
  // turns into the join form by itself when the meeting opens) or until `waitMs` passed.
  r.post('/lookup', async (req, res) => {
    const b = parse(GroupLookupBody, req, res, 'link.invalid');
    if (!b) return;
    let gone = false;
    res.on('close', () => (gone = true));
    const until = Date.now() + waitMs;
    for (;;) {
      const view = await o.groups.view(b.token);
      if (!view) return unknown(res);
      if (b.wait === undefined || view.tag !== b.wait || Date.now() + pollMs > until || gone) {
        if (!gone) res.set('Cache-Control', 'no-store').json(view);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  });

  // G3: this week's meeting, from the template, by the group's leader or this date's facilitator.
  r.post('/open', async (req, res) => {
    const b = parse(OpenGroupMeetingBody, req, res);
    if (!b) return;
    const { token, ...overrides } = b;
    const out = await o.groups.open(token, overrides);
    if (!out.ok) return send(res, out.error);
    res.status(201).json(out.value);
  });

  // G5: hand the next meeting (or a chosen date) to a participant of the current meeting.
  r.post('/handover', async (req, res) => {
    const b = parse(HandOverBody, req, res);
    if (!b) return;
    const out = await o.groups.handOver(b.token, b.participantId, b.date, base(req));
    if (!out.ok) return send(res, out.error);
    res.json(out.value);
  });

  r.post('/rota/revoke', async (req, res) => {
    const b = parse(RevokeRotaBody, req, res);
    if (!b) return;
    const out = await o.groups.revoke(b.token, b.date);
    if (!out.ok) return send(res, out.error);
    res.json({ ok: true });
  });

  // G7: the season's records, for the group's leader only.
  r.post('/records', async (req, res) => {
    const b = parse(GroupTokenBody, req, res, 'link.invalid');
    if (!b) return;
    const out = await o.groups.records(b.token);
    if (!out.ok) return unknown(res);
    res.set('Cache-Control', 'no-store').json(out.value);
  });

  r.post('/records.csv', async (req, res) => {
    const b = parse(GroupTokenBody, req, res, 'link.invalid');
    if (!b) return;
    const out = await o.groups.records(b.token);
    if (!out.ok) return unknown(res);
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${seasonFilename(out.value)}"`)
      .set('Cache-Control', 'no-store')
      .send(seasonCsv(out.value));
  });

  // G2: the calendar file, for anyone with a link of the group.
  r.post('/calendar', async (req, res) => {
    const b = parse(GroupTokenBody, req, res, 'link.invalid');
    if (!b) return;
    const g = await o.groups.groupOf(b.token);
    if (!g) return unknown(res);
    const now = o.groups.clock();
    const ics = groupCalendar(g, now);
    if (ics === null) return send(res, protocolError('not_found', 'group.noSchedule'));
    res
      .status(200)
      .set('Content-Type', 'text/calendar; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${calendarFilename(g, now)}"`)
      .set('Cache-Control', 'no-store')
      .send(ics);
  });

  // G8: the group's leader deletes the group and everything of it at once.
  r.post('/delete', async (req, res) => {
    const b = parse(GroupTokenBody, req, res, 'link.invalid');
    if (!b) return;
    if (!(await o.groups.delete(b.token))) return unknown(res);
    res.json({ ok: true });
  });

  return r;
}
