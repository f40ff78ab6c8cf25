/** Builders for pure-core tests: a room, people joining, commands applied with a fake clock. */
import { expect } from 'vitest';
import type { Audience, Role, RoomSnapshot } from '@peer-circle/shared';
import {
  audienceOf,
  createRoom,
  decide,
  toSnapshot,
  type Command,
  type JoinChoices,
  type RoomEvent,
  type RoomState,
  type Decision,
} from '../../server/src/room/index.ts';

/** What a person may choose at joining, plus test knobs (a display name other than the id). */
export interface JoinOptions extends JoinChoices {
  /** Shown name; defaults to the id, so tests stay readable. */
  name?: string;
  /** Defaults to `n1:${id}`. */
  connId?: string;
}

export const DEFAULT_TEST_SETTINGS: RoomState['settings'] = {
  closingWarningMinutes: 5,
  autoPass: false,
  rules: ['r'],
  leaderAlwaysHeard: true,
  graceSeconds: 60,
  durationMinutes: null,
  shareTimerMinutes: null,
  admission: 'open',
  signsEnabled: true,
  language: 'en',
};

export class TestRoom {
  state: RoomState;
  now = 1_700_000_000_000;
  last: Decision | null = null;

  constructor(settings: Partial<RoomState['settings']> = {}) {
    this.state = createRoom({
      meetingId: 'm1',
      title: 'Tuesday group',
      now: this.now,
      settings: { ...DEFAULT_TEST_SETTINGS, rules: [...DEFAULT_TEST_SETTINGS.rules], ...settings },
      tokenHashes: { leader: 'hl', participant: 'hp', observer: 'ho' },
    });
  }

  /** Adds a person (or, with leader-admits, puts them in the lobby); returns their id. The resume hash is `resume-${id}`. */
  join(id: string, role: Role = 'participant', opts: JoinOptions = {}): string {
    const { name = id, connId = `n1:${id}`, ...choices } = opts;
    this.sys({ type: 'join', participantId: id, name, role, resumeHash: `resume-${id}`, connId, ...choices });
    return id;
  }

  /**
   * Leader + participants, meeting open. The people named here are in the meeting whatever the
   * admission setting; later joins follow it (with leader-admits they wait in the lobby).
   */
  static open(names: string[], settings: Partial<RoomState['settings']> = {}): TestRoom {
    const r = new TestRoom({ ...settings, admission: 'open' });
    r.join('lead', 'leader');
    for (const n of names) r.join(n);
    r.ok('lead', { type: 'startMeeting' });
    if (settings.admission) r.state = { ...r.state, settings: { ...r.state.settings, admission: settings.admission } };
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

  /** Expects a rejection (any code: the rules do not name one) and that nothing changed. */
  refuses(actor: string | null, cmd: Command): void {
    const before = structuredClone(this.state);
    const d = this.run(actor, cmd);
    expect(d.ok, `${actor ?? 'system'} ${cmd.type} should be refused`).toBe(false);
    expect(this.state).toEqual(before);
  }

  /** The connection of `id` (a seat or a lobby entry) drops. */
  drop(id: string): Decision {
    const seat = this.state.participants.find((x) => x.id === id);
    const entry = this.state.lobby.find((x) => x.id === id);
    const connId = seat?.connId ?? entry?.connId;
    if (!connId) throw new Error(`${id} has no connection to drop`);
    return this.sys({ type: 'disconnect', participantId: id, connId });
  }

  /** `id` comes back with their resume secret through a link of `role`; not checked (tests look at the result). */
  resume(id: string, role: Role, connId = `n2:${id}`): Decision {
    return this.run(null, { type: 'resume', resumeHash: `resume-${id}`, role, connId });
  }

  tick(): Decision {
    return this.sys({ type: 'tick' });
  }

  /** Events of the last decision ([] when it failed). */
  get events(): RoomEvent[] {
    return this.last?.ok ? this.last.events : [];
  }
  get changed(): boolean {
    return this.last?.ok === true && this.last.changed;
  }

  get holder(): string | null {
    return this.state.stick.holderId;
  }
  get queue(): string[] {
    return this.state.queue.map((e) => e.id);
  }
  /** Ids waiting in the lobby (L1). */
  get lobby(): string[] {
    return this.state.lobby.map((e) => e.id);
  }
  p(id: string) {
    const p = this.state.participants.find((x) => x.id === id);
    if (!p) throw new Error(`no participant ${id}`);
    return p;
  }
  has(id: string): boolean {
    return this.state.participants.some((x) => x.id === id);
  }
  /** The snapshot for an audience at the current time. */
  snap(audience: Audience): RoomSnapshot {
    return toSnapshot(this.state, this.now, audience);
  }
  /** The snapshot `id` would receive (their audience as it is now). */
  snapFor(id: string): RoomSnapshot {
    return toSnapshot(this.state, this.now, audienceOf(this.p(id), this.state));
  }
  advance(ms: number): void {
    this.now += ms;
  }
}
