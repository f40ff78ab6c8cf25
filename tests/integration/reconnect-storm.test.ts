/**
 * Issue 11, item 2: 100 people of one meeting reconnect at the same moment, split over two real
 * server processes on one Redis (a network blip, or a process restart behind a load balancer).
 * Every re-join must be accepted (the server retries its version conflicts instead of answering
 * `conflict`), nobody's queue place may be lost, and every client must see the same state version
 * within 10 s. The protocol-level clients here do not retry: the server alone must absorb the storm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { startRedis, freePort, type TestRedis } from '../helpers/redis.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { scaled } from '../helpers/time.ts';
import { serverProcess as startProcess, stopProcess } from '../helpers/process.ts';

const PEOPLE = 100;

let redis: TestRedis;
const servers: ChildProcess[] = [];
let urls: string[] = [];

/** A real server process (`tsx server/src/main.ts`), as `npm start` runs it. */
async function serverProcess(port: number): Promise<ChildProcess> {
  const started = await startProcess(port, {
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'storm:',
    GRACE_SECONDS: '60',
    HEARTBEAT_MS: String(scaled(10_000)),
    // Every seat of this test comes from 127.0.0.1: the per-address limit on new seats is not
    // what is tested here (tests/integration/join-flood.test.ts is about it).
    JOIN_LIMIT_PER_ADDRESS: '1000',
  });
  return started.child;
}

beforeAll(async () => {
  redis = await startRedis();
  const ports = [await freePort(), await freePort()];
  servers.push(...(await Promise.all(ports.map((p) => serverProcess(p)))));
  urls = ports.map((p) => `http://127.0.0.1:${p}`);
});
afterAll(async () => {
  for (const s of servers) await stopProcess(s);
  await redis?.stop();
});

describe('100 people reconnecting at once across two server processes', () => {
  it('[S9] every re-join is accepted, no queue place is lost, and all converge on one version within 10 s', { timeout: scaled(180_000) }, async () => {
    const m = await createMeeting(urls[0]!);
    const leader = await Member.join(urls[0]!, m.tokens.leader, 'Lea');
    expect(await leader.call('startMeeting', {})).toEqual({ ok: true });
    const members = [leader];
    for (let i = 1; i < PEOPLE; i++) members.push(await Member.join(urls[i % 2]!, m.tokens.participant, `Person ${i}`));
    // Everyone raises a hand (leaders may too): the queue holds all 100 places.
    for (const x of members) expect(await x.call('raiseHand', {})).toEqual({ ok: true });
    const before = await leader.waitFor((s) => s.queue.length === PEOPLE, 20_000);

    // The storm: every old connection drops and every person re-joins at the same moment, each
    // on the other process than before, with the resume secret.
    const started = Date.now();
    const outcomes = await Promise.all(
      members.map(async (x, i) => {
        x.close();
        try {
          return await Member.join(urls[(i + 1) % 2]!, x.token, x.name, { resume: x.resume });
        } catch (err) {
          return err as Error;
        }
      }),
    );
    const answeredMs = Date.now() - started;
    const refused = outcomes.filter((o): o is Error => o instanceof Error);
    process.stdout.write(`reconnect storm: ${PEOPLE} re-joins over 2 processes: ${refused.length} refused, all answered in ${answeredMs} ms\n`);
    expect(refused.map((e) => e.message)).toEqual([]);
    const again = outcomes as Member[];

    // Converged: every client's newest snapshot is the same version, everyone connected, and
    // the queue exactly as before the storm (order included).
    const limit = scaled(10_000);
    let converged = false;
    while (Date.now() - started < limit) {
      const latest = again.map((x) => x.latest);
      const v = latest[0]!.version;
      if (latest.every((s) => s.version === v) && latest[0]!.participants.every((p) => p.connected)) {
        converged = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const convergedMs = Date.now() - started;
    process.stdout.write(`reconnect storm: converged: ${converged}, in ${convergedMs} ms\n`);
    expect(converged).toBe(true);
    const after = again[0]!.latest;
    expect(after.queue).toEqual(before.queue);
    expect(after.participants.map((p) => [p.id, p.present, p.turns])).toEqual(before.participants.map((p) => [p.id, p.present, p.turns]));
    for (const x of again) x.close();
  });
});
