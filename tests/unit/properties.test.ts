import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decide, type Command, type RoomState } from '../../server/src/room/index.ts';
import { TestRoom } from '../helpers/room.ts';

const PEOPLE = ['lead', 'ann', 'bob', 'cat', 'dan', 'obs'] as const;
const who = fc.constantFrom(...PEOPLE);

/** Any command any person (or the system) might send, in any order. */
const step = fc.oneof(
  fc.record({ actor: who, cmd: fc.constantFrom<Command>(
    { type: 'raiseHand' }, { type: 'lowerHand' }, { type: 'releaseStick' }, { type: 'declineStick' },
    { type: 'passStick' }, { type: 'takeStick' }, { type: 'startRound' }, { type: 'endRound' },
    { type: 'startMeeting' }, { type: 'closeMeeting' }, { type: 'closeMeeting', force: true }, { type: 'leave' },
    { type: 'warnClosing' }, { type: 'warnClosing', minutes: 0.5 }, { type: 'extendMeeting', minutes: 1 },
  ) }),
  fc.record({ actor: fc.constant('lead'), cmd: who.map((to): Command => ({ type: 'passStick', to })) }),
  fc.record({ actor: fc.constant(null), cmd: who.map((p): Command => ({ type: 'disconnect', participantId: p, connId: `n1:${p}` })) }),
  fc.record({ actor: fc.constant(null), cmd: who.map((p): Command => ({ type: 'resume', resumeHash: `resume-${p}`, role: p === 'lead' ? 'leader' : p === 'obs' ? 'observer' : 'participant', connId: `n2:${p}` })) }),
  fc.record({ actor: fc.constant(null), cmd: fc.constant<Command>({ type: 'tick' }) }),
  fc.record({ actor: fc.constant(null), cmd: fc.constant<Command>({ type: 'nodeLost', nodeId: 'n1' }) }),
);

function checkInvariants(s: RoomState): void {
  const present = new Set(s.participants.filter((p) => p.present).map((p) => p.id));
  const observers = new Set(s.participants.filter((p) => p.role === 'observer').map((p) => p.id));
  const queued = s.queue.map((e) => e.id);
  expect(new Set(queued).size, 'no one is queued twice').toBe(queued.length);
  if (s.stick.holderId !== null) {
    expect(queued, 'the holder is not queued').not.toContain(s.stick.holderId);
    expect(present.has(s.stick.holderId), 'the holder is present').toBe(true);
    expect(observers.has(s.stick.holderId), 'observers never hold the stick').toBe(false);
  }
  for (const id of queued) {
    expect(present.has(id), 'everyone queued is present').toBe(true);
    expect(observers.has(id), 'observers never queue').toBe(false);
  }
  if (s.phase !== 'open') {
    expect(s.stick.holderId).toBeNull();
    expect(queued).toEqual([]);
    expect(s.closing, 'no countdown outside an open meeting').toBeNull();
  }
  const turns = new Map(s.participants.map((p) => [p.id, p.turns]));
  const key = (id: string) => [Number((turns.get(id) ?? 0) > 0), turns.get(id) ?? 0];
  for (let i = 1; i < s.queue.length; i++) {
    const [a, b] = [key(s.queue[i - 1]!.id), key(s.queue[i]!.id)];
    expect(a[0]! < b[0]! || (a[0] === b[0] && a[1]! <= b[1]!), 'queue follows S4').toBe(true);
  }
}

describe('invariants over random command sequences', () => {
  it('[S1][S2][S4][S9][S10][C3] one holder at most, never queued, no duplicates, everyone queued present, version strictly increasing', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.integer({ min: 0, max: 40_000 })), { maxLength: 120 }), fc.boolean(), (steps, autoPass) => {
        const r = new TestRoom({ autoPass, durationMinutes: autoPass ? 10 : null });
        r.join('lead', 'leader');
        for (const p of PEOPLE.slice(1, 5)) r.join(p);
        r.join('obs', 'observer');
        for (const [{ actor, cmd }, dt] of steps) {
          r.advance(dt);
          const before = r.state;
          const d = decide(before, cmd, { now: r.now, actor: actor === null ? { kind: 'system' } : { kind: 'member', participantId: actor } });
          if (d.ok && d.changed) {
            expect(d.state.version).toBe(before.version + 1);
            r.state = d.state;
          } else {
            expect(d.ok ? d.state : before).toBe(before);
          }
          checkInvariants(r.state);
          // C3: a tick at or after the end always leaves the meeting closed.
          if (r.state.closing && cmd.type === 'tick' && r.state.closing.endsAt <= r.now) throw new Error('countdown missed');
        }
      }),
      { numRuns: 400, seed: 20261122 },
    );
  });
});
