import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/app/server.ts';
import { testServer } from '../helpers/server.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ apiRatePerMinute: 1000 });
});
afterAll(async () => srv?.close());

const post = (path: string, body: unknown, raw = false) =>
  fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });

describe('HTTP API', () => {
  it('creates a meeting with three unguessable role tokens and links', async () => {
    const res = await post('/api/meetings', { title: 'Relatives group', closingWarningMinutes: 10, autoPass: true, rules: ['Be kind'] });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(Object.keys(body.tokens).sort()).toEqual(['leader', 'observer', 'participant']);
    for (const t of Object.values(body.tokens) as string[]) expect(Buffer.from(t, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(new Set(Object.values(body.tokens)).size).toBe(3);
    expect(body.links.participant).toBe(`${srv.url}/#/join/${body.tokens.participant}`);
    const look = await post('/api/lookup', { token: body.tokens.observer });
    expect(await look.json()).toMatchObject({ meetingId: body.meetingId, title: 'Relatives group', role: 'observer', phase: 'waiting', rules: ['Be kind'] });
  });

  it.each([
    ['no title', {}],
    ['empty title', { title: '   ' }],
    ['title too long', { title: 'x'.repeat(500) }],
    ['wrong type', { title: 'a', autoPass: 'yes' }],
    ['bad minutes', { title: 'a', closingWarningMinutes: -3 }],
    ['unknown field', { title: 'a', admin: true }],
    ['too many rules', { title: 'a', rules: Array.from({ length: 50 }, () => 'r') }],
    ['control characters', { title: 'a\u0007b' }],
  ])('answers 400 invalid_payload with a clear message for %s', async (_label, body) => {
    const res = await post('/api/meetings', body);
    expect(res.status).toBe(400);
    const j = await res.json();
    expect(j.error.code).toBe('invalid_payload');
    expect(j.error.message).toMatch(/^Invalid /);
  });

  it('answers 400 for a body that is not JSON, and 413 for a huge one', async () => {
    const res = await post('/api/meetings', '{"title":', true);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_payload');
    const big = await post('/api/meetings', { title: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
  });

  it('answers 404 for an unknown link and 400 for a malformed one', async () => {
    expect((await post('/api/lookup', { token: 'A'.repeat(32) })).status).toBe(404);
    expect((await post('/api/lookup', { token: '../etc' })).status).toBe(400);
  });

  it('reports health and sends security headers', async () => {
    const res = await fetch(`${srv.url}/api/health`);
    expect(await res.json()).toEqual({ ok: true, store: 'memory' });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('rate-limits the API per address', async () => {
    const limited = await testServer({ apiRatePerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await fetch(`${limited.url}/api/health`)).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    await limited.close();
  });
});
