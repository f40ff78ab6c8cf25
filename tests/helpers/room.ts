/** Builders for pure-core tests: a room, people joining, commands applied with a fake clock. */
import { expect } from 'vitest';
import type { Role } from '@peer-circle/shared';
import { createRoom, decide, type Command, type RoomState, type Decision } from '../../server/src/room/index.ts';

export class TestRoom {
  state: RoomState;
  now = 1_700_000_000_000;
  last: Decision | null = null;

  constructor(settings: Partial<RoomState['settings']> = {}) {
    this.state = createRoom({
      meetingId: 'm1',
      title: 'Tuesday group',
      now: this.now,
      settings: { closingWarningMinutes: 5, autoPass: false, rules: ['r'], leaderAlwaysHeard: true, graceSeconds: 60, durationMinutes: null, ...settings },
      tokenHashes: { leader: 'hl', participant: 'hp', observer: 'ho' },
    });
  }

  /** Adds a person; returns their id (the id is their name, for readable tests). */
  join(name: string, role: Role = 'participant'): string {
    this.sys({ type: 'join', participantId: name, name, role, resumeHash: `resume-${name}`, connId: `n1:${name}` });
    return name;
  }

  /** Leader + participants, meeting open. */
  static open(names: string[], settings: Partial<RoomState['settings']> = {}): TestRoom {
    const r = new TestRoom(settings);
    r.join('lead', 'leader');
    for (const n of names) r.join(n);
    r.ok('lead', { type: 'startMeeting' });
    return r;
  }

  run(actor: string | null, cmd: Command): Decision {
    const d = decide(this.state, cmd, { now: this.now, actor: actor === null ? { kind: 'system' } : { kind: 'member', participantId: actor } });
    this.last = d;
    if (d.ok) this.state = d.state;
    return d;
  }

  sys(cmd: Command): Decision {
    const d = this.run(null, cmd);
    if (!d.ok) throw new Error(`system command ${cmd.type} failed: ${d.error.message}`);
    return d;
  }

  ok(actor: string, cmd: Command): Decision {
    const d = this.run(actor, cmd);
    if (!d.ok) throw new Error(`${actor} ${cmd.type} failed: ${d.error.code} ${d.error.message}`);
    return d;
  }

  /** Expects a rejection with `code` and that nothing changed. */
  rejects(actor: string, cmd: Command, code: string): void {
    const before = structuredClone(this.state);
    const d = this.run(actor, cmd);
    expect(d.ok, `${actor} ${cmd.type} should be rejected`).toBe(false);
    if (!d.ok) expect(d.error.code).toBe(code);
    expect(this.state).toEqual(before);
  }

  get holder(): string | null {
    return this.state.stick.holderId;
  }
  get queue(): string[] {
    return this.state.queue.map((e) => e.id);
  }
  p(id: string) {
    const p = this.state.participants.find((x) => x.id === id);
    if (!p) throw new Error(`no participant ${id}`);
    return p;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}
