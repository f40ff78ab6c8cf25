/**
 * GroupService: load -> decide (groups/rules.ts) -> commit (retry on conflict), like RoomService
 * for rooms. Creates groups, opens their meetings from the template, resolves the group's links
 * to the current meeting (so the same three links serve every week), keeps the rota and the
 * season's anonymous aggregates, fires group deadlines, and deletes a group with all of it.
 */
import type { Logger } from 'pino';
import {
  DEFAULT_GROUP_SETTINGS,
  LOCALE_DATA,
  GROUP_LIMITS,
  protocolError,
  type CreateGroupBody,
  type GroupFacilitation,
  type GroupMeetingRecordView,
  type GroupRecordsView,
  type GroupView,
  type OpenGroupMeetingBody,
  type ProtocolError,
  type Role,
} from '@peer-circle/shared';
import { createRoom, type RoomState } from '../room/index.ts';
import type { TokenGrant } from '../store/port.ts';
import type { GroupStore } from '../store/groups/port.ts';
import type { RoomService } from './service.ts';
import { newId, newSecret, sha256 } from '../lib/ids.ts';
import { attendanceCounts, summaryFromState } from './record.ts';
import { minGroupOf } from '../room/privacy.ts';
import { feedbackAverages } from '../room/state.ts';
import { createGroup, type GroupGrant, type GroupRecord, type GroupState, type RotaEntry } from '../groups/state.ts';
import {
  autoOpenDue,
  groupExpiresAt,
  handOverDate,
  mayOpen,
  meetingOn,
  nextGroupDeadline,
  nextMeeting,
  prune,
  recordsInOrder,
  withoutRotaEntry,
  withRotaEntry,
  type GroupTimes,
  type Opener,
} from '../groups/rules.ts';

export type GroupResult<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };
const refused = <T>(code: ProtocolError['code'], key: Parameters<typeof protocolError>[1]): GroupResult<T> => ({ ok: false, error: protocolError(code, key) });

export interface GroupServiceOptions {
  store: GroupStore;
  rooms: RoomService;
  logger: Logger;
  times: GroupTimes;
  /** GRACE_SECONDS, for the meetings a group opens. */
  graceSeconds: number;
  /** Delivers a facilitator link to exactly one connection (`${nodeId}:${socketId}`), on any process. */
  notify: (connId: string, info: GroupFacilitation) => void;
}

/** What a group link resolved to. */
interface Resolved {
  group: GroupState;
  grant: GroupGrant;
  /** A facilitator link's rota entry. */
  entry: RotaEntry | null;
}

const MAX_ATTEMPTS = 20;

export class GroupService {
  readonly #o: GroupServiceOptions;
  readonly #log: Logger;

  constructor(o: GroupServiceOptions) {
    this.#o = o;
    this.#log = o.logger;
    // G3: the group's links (and a facilitator's, on their date) open its current meeting.
    o.rooms.addTokenResolver((hash) => this.#meetingGrant(hash));
    o.rooms.onCommitted(({ state }) => {
      if (state.groupId && state.phase === 'closed') void this.#recordMeeting(state);
    });
  }

  get clock(): () => number {
    return this.#o.rooms.clock;
  }

  #commitOptions(g: GroupState) {
    const now = this.clock();
    return {
      ttlSeconds: Math.max(0.001, (groupExpiresAt(g, this.#o.times) - now) / 1000),
      deadline: nextGroupDeadline(g, now, this.#o.times),
    };
  }

  /** G1: a group is created once; its three tokens serve every meeting. */
  async create(body: CreateGroupBody): Promise<{ groupId: string; tokens: Record<Role, string> }> {
    const tokens: Record<Role, string> = { leader: newSecret(), participant: newSecret(), observer: newSecret() };
    const groupId = newId();
    const g = createGroup({
      groupId,
      now: this.clock(),
      name: body.name,
      language: body.language,
      rules: body.rules ?? [...LOCALE_DATA[body.language].defaultRules],
      agenda: body.agenda ?? [],
      settings: { ...DEFAULT_GROUP_SETTINGS, ...body.settings },
      schedule: body.schedule ?? null,
      season: body.season ?? null,
      autoOpenMinutes: body.autoOpenMinutes ?? null,
      tokenHashes: { leader: sha256(tokens.leader), participant: sha256(tokens.participant), observer: sha256(tokens.observer) },
    });
    await this.#o.store.create(g, this.#commitOptions(g));
    this.#log.info({ groupId }, 'group created');
    return { groupId, tokens };
  }

  async #resolve(token: string): Promise<Resolved | null> {
    const hash = sha256(token);
    const grant = await this.#o.store.resolveToken(hash);
    if (!grant) return null;
    const group = await this.#o.store.load(grant.groupId);
    if (!group) return null;
    const entry = grant.kind === 'facilitator' ? (group.rota.find((e) => e.tokenHash === hash) ?? null) : null;
    if (grant.kind === 'facilitator' && !entry) return null;
    return { group, grant, entry };
  }

  /** The group's current meeting if it is waiting or open (G3), with its room. */
  async #underWay(g: GroupState): Promise<RoomState | null> {
    if (!g.current) return null;
    const room = await this.#o.rooms.load(g.current.meetingId);
    return room && room.phase !== 'closed' ? room : null;
  }

  /**
   * G3, G6: what a group token opens in the meeting store: the current meeting, with the link's
   * role; a facilitator link leads only the meeting of its own date.
   */
  async #meetingGrant(hash: string): Promise<TokenGrant | null> {
    const grant = await this.#o.store.resolveToken(hash);
    if (!grant) return null;
    const g = await this.#o.store.load(grant.groupId);
    if (!g?.current) return null;
    if (grant.kind === 'facilitator') {
      const entry = g.rota.find((e) => e.tokenHash === hash);
      return entry && entry.date === g.current.date ? { meetingId: g.current.meetingId, role: 'leader' } : null;
    }
    return { meetingId: g.current.meetingId, role: grant.kind };
  }

  /** What the group's page shows to this link (G2, G3, G5, G6); null for an unknown link. */
  async view(token: string): Promise<GroupView | null> {
    const r = await this.#resolve(token);
    if (!r) return null;
    const { group: g, grant, entry } = r;
    const now = this.clock();
    const room = await this.#underWay(g);
    const opener: Opener = grant.kind === 'facilitator' ? { kind: 'facilitator', entry: entry! } : { kind: grant.kind };
    // A facilitator sees the meeting only on their date: on other days their link leads nothing.
    const meetingVisible = room && g.current && (grant.kind !== 'facilitator' || entry!.date === g.current.date);
    const meeting = meetingVisible ? { meetingId: g.current!.meetingId, date: g.current!.date, phase: room.phase } : null;
    const next = entry ? meetingOn(g, entry.date) : nextMeeting(g, now);
    return {
      groupId: g.groupId,
      name: g.name,
      language: g.language,
      kind: grant.kind,
      rules: [...g.rules],
      agenda: [...g.agenda],
      settings: { ...g.settings },
      schedule: g.schedule,
      season: g.season,
      autoOpenMinutes: g.autoOpenMinutes,
      next: next ? { date: next.date, startsAt: next.startsAt, endsAt: next.endsAt } : entry ? { date: entry.date, startsAt: null, endsAt: null } : null,
      meeting,
      mayOpen: mayOpen(g, opener, room !== null, now).ok,
      facilitates: entry?.date ?? null,
      rota: grant.kind === 'leader' ? g.rota.map((e) => ({ date: e.date, name: e.name })) : null,
      tag: `${meeting ? `${meeting.meetingId}:${meeting.phase}` : 'none'}:${g.version}`,
      serverNow: now,
    };
  }

  /** Runs `change` on the newest group state until its commit wins. */
  async #update<T>(groupId: string, change: (g: GroupState, now: number) => Promise<GroupResult<{ state: GroupState; value: T }>> | GroupResult<{ state: GroupState; value: T }>): Promise<GroupResult<T>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = await this.#o.store.load(groupId);
      if (!g) return refused('not_found', 'link.unknown');
      const now = this.clock();
      const d = await change(g, now);
      if (!d.ok) return d;
      if (d.value.state === g) return { ok: true, value: d.value.value };
      const next = { ...d.value.state, version: g.version + 1 };
      if ((await this.#o.store.commit(groupId, g.version, next, this.#commitOptions(next))) === 'ok') return { ok: true, value: d.value.value };
      await new Promise((r) => setTimeout(r, Math.min(50, 2 ** attempt) * Math.random()));
    }
    this.#log.warn({ groupId }, 'gave up after repeated group commit conflicts');
    return refused('conflict', 'meeting.busy');
  }

  /**
   * G3: opens this week's meeting from the group's template; `overrides` change this meeting
   * only. The group's commit comes first: of two people opening at once exactly one wins.
   */
  async open(token: string, overrides: Omit<OpenGroupMeetingBody, 'token'>): Promise<GroupResult<{ meetingId: string; date: string }>> {
    const r = await this.#resolve(token);
    if (!r) return refused('not_found', 'link.unknown');
    const opener: Opener = r.grant.kind === 'facilitator' ? { kind: 'facilitator', entry: r.entry! } : { kind: r.grant.kind };
    return this.#open(r.group.groupId, opener, overrides, false);
  }

  async #open(groupId: string, opener: Opener | 'system', overrides: Omit<OpenGroupMeetingBody, 'token'>, automatic: boolean): Promise<GroupResult<{ meetingId: string; date: string }>> {
    const meetingId = newId();
    // Set inside the decision (which may run again after a conflict): the state that was committed.
    const opened: { group: GroupState | null } = { group: null };
    const res = await this.#update(groupId, async (g, now) => {
      const underWay = (await this.#underWay(g)) !== null;
      let date: string;
      if (opener === 'system') {
        const occ = autoOpenDue(g, now);
        if (!occ || underWay) return { ok: true, value: { state: occ && underWay ? { ...g, autoOpenedFor: occ.date } : g, value: null } };
        date = occ.date;
      } else {
        const may = mayOpen(g, opener, underWay, now);
        if (!may.ok) return may;
        date = may.date;
      }
      const m = { meetingId, date, openedAt: now };
      const state: GroupState = {
        ...g,
        current: m,
        meetings: [...g.meetings, m].slice(-GROUP_LIMITS.meetingsMax),
        autoOpenedFor: automatic ? date : g.autoOpenedFor,
        // Opening by itself is not a use: a forgotten group still goes after GROUP_IDLE_DAYS.
        lastUsedAt: automatic ? g.lastUsedAt : now,
      };
      opened.group = state;
      return { ok: true, value: { state, value: m } };
    });
    if (!res.ok) return res;
    const g = opened.group;
    if (!res.value || !g) return refused('conflict', 'group.meetingOpen');
    const settings = { ...g.settings, ...overrides.settings };
    const now = this.clock();
    // The meeting's own tokens are never handed out: people come in with the group's links.
    const hidden = () => sha256(newSecret());
    const room = createRoom({
      meetingId,
      title: overrides.title ?? g.name,
      now,
      settings: {
        closingWarningMinutes: settings.closingWarningMinutes,
        autoPass: settings.autoPass,
        rules: overrides.rules ?? [...g.rules],
        leaderAlwaysHeard: settings.leaderAlwaysHeard,
        graceSeconds: this.#o.graceSeconds,
        durationMinutes: overrides.durationMinutes !== undefined ? overrides.durationMinutes : (g.schedule?.durationMinutes ?? null),
        shareTimerMinutes: settings.shareTimerMinutes,
        admission: settings.admission,
        signsEnabled: settings.signsEnabled,
        language: g.language,
        privacyMinGroup: this.#o.rooms.privacyMinGroup,
      },
      tokenHashes: { leader: hidden(), participant: hidden(), observer: hidden() },
    });
    room.groupId = g.groupId;
    room.agenda.items = (overrides.agenda ?? g.agenda).map((text, i) => ({ id: `a${i + 1}`, text }));
    await this.#o.rooms.store.create(room, this.#o.rooms.commitOptions(room));
    this.#log.info({ groupId: g.groupId, meetingId, automatic }, 'group meeting opened');
    return { ok: true, value: { meetingId, date: res.value.date } };
  }

  /**
   * G5: the group's leader hands the next meeting's facilitation (or a chosen date's) to a
   * participant of the current meeting. The personal link goes to that person's connection only;
   * the group keeps its hash and the pseudonym they chose in this meeting.
   */
  async handOver(token: string, participantId: string, date: string | undefined, base: string): Promise<GroupResult<{ date: string }>> {
    const r = await this.#resolve(token);
    if (!r) return refused('not_found', 'link.unknown');
    if (r.grant.kind !== 'leader') return refused('forbidden', 'group.leaderOnly');
    const facilitator = newSecret();
    const delivery: { to: { connId: string; info: GroupFacilitation } | null } = { to: null };
    const res = await this.#update(r.group.groupId, async (g, now) => {
      const room = g.current ? await this.#o.rooms.load(g.current.meetingId) : null;
      if (!room || !g.current) return refused('conflict', 'group.noMeeting');
      const seat = room.participants.find((p) => p.id === participantId && p.present && !p.removed);
      if (!seat) return refused('not_found', 'person.notPresent');
      if (seat.role === 'observer') return refused('conflict', 'group.seatObserver');
      if (seat.linkRole === 'leader') return refused('conflict', 'group.seatLeads');
      if (!seat.connId) return refused('conflict', 'group.seatOffline');
      const when = handOverDate(g, date, now);
      if (!when.ok) return when;
      const entry: RotaEntry = { date: when.date, name: seat.name, tokenHash: sha256(facilitator), fromMeetingId: room.meetingId, handedAt: now };
      const next = withRotaEntry(g, entry);
      if (!next.ok) return next;
      const occ = meetingOn(g, when.date);
      delivery.to = {
        connId: seat.connId,
        info: { groupId: g.groupId, groupName: g.name, date: when.date, startsAt: occ?.startsAt ?? null, link: groupLink(base, facilitator) },
      };
      return { ok: true, value: { state: { ...next.state, lastUsedAt: now }, value: { date: when.date } } };
    });
    if (res.ok && delivery.to) {
      this.#o.notify(delivery.to.connId, delivery.to.info);
      this.#log.info({ groupId: r.group.groupId, meetingId: r.group.current?.meetingId, participantId }, 'facilitation handed over');
    }
    return res;
  }

  /** G5: the group's leader takes a date's facilitation back; the link stops working at once. */
  async revoke(token: string, date: string): Promise<GroupResult<null>> {
    const r = await this.#resolve(token);
    if (!r) return refused('not_found', 'link.unknown');
    if (r.grant.kind !== 'leader') return refused('forbidden', 'group.leaderOnly');
    return this.#update(r.group.groupId, (g, now) => {
      const next = withoutRotaEntry(g, date);
      return next.ok ? { ok: true, value: { state: { ...next.state, lastUsedAt: now }, value: null } } : next;
    });
  }

  /**
   * G7: the season's meetings for the group's leader: counts and feedback averages from the
   * anonymous aggregates; names only of people who agreed, read from each meeting's own room
   * while its personal data is kept (G8), never stored in the group.
   */
  async records(token: string): Promise<GroupResult<GroupRecordsView>> {
    const r = await this.#resolve(token);
    if (!r || r.grant.kind !== 'leader') return refused('not_found', 'link.unknown');
    const g = prune(r.group, this.clock(), this.#o.times).state;
    const meetings: GroupMeetingRecordView[] = [];
    for (const rec of recordsInOrder(g)) {
      const room = await this.#o.rooms.load(rec.meetingId);
      meetings.push({
        meetingId: rec.meetingId,
        date: rec.date,
        attended: rec.attendance.attended,
        observers: rec.attendance.observers,
        profiles: { ...rec.attendance.profiles },
        together: rec.attendance.together,
        names: room && room.groupId === g.groupId ? summaryFromState(room).names : [],
        feedback: { ...rec.feedback },
      });
    }
    return { ok: true, value: { name: g.name, season: g.season, meetings } };
  }

  /** G8: the group's leader deletes the group and everything of it at once. */
  async delete(token: string): Promise<boolean> {
    const r = await this.#resolve(token);
    if (!r || r.grant.kind !== 'leader') return false;
    const g = r.group;
    // Meetings first, the group last: an interrupted delete can be repeated with the same link.
    for (const m of g.meetings) await this.#o.rooms.store.deleteMeeting(m.meetingId);
    await this.#o.store.delete(g.groupId);
    this.#log.info({ groupId: g.groupId, meetings: g.meetings.length }, 'group deleted');
    return true;
  }

  /** The group of a link, for the calendar file; null for an unknown link. */
  async groupOf(token: string): Promise<GroupState | null> {
    return (await this.#resolve(token))?.group ?? null;
  }

  /** G7: a closed meeting's anonymous aggregate goes into its group (the newest room version wins). */
  async #recordMeeting(room: RoomState): Promise<void> {
    const groupId = room.groupId;
    if (!groupId || room.closedAt === null) return;
    try {
      await this.#update(groupId, (g, now) => {
        const m = g.meetings.find((x) => x.meetingId === room.meetingId);
        const old = g.records.find((x) => x.meetingId === room.meetingId);
        if (!m || (old && old.roomVersion >= room.version)) return { ok: true, value: { state: g, value: null } };
        const rec: GroupRecord = {
          meetingId: room.meetingId,
          date: m.date,
          closedAt: room.closedAt!,
          roomVersion: room.version,
          attendance: attendanceCounts(room),
          feedback: feedbackAverages(room.feedback, minGroupOf(room.settings)),
        };
        const records = [...g.records.filter((x) => x.meetingId !== room.meetingId), rec];
        return { ok: true, value: { state: { ...g, records, lastUsedAt: rec.attendance.attended > 0 ? now : g.lastUsedAt }, value: null } };
      });
    } catch (err) {
      this.#log.error({ err, groupId, meetingId: room.meetingId }, 'recording a group meeting failed');
    }
  }

  /**
   * The group tick (G4, G8): opens scheduled meetings by themselves and forgets what has expired.
   * Safe on every process at once: each step is a version-checked commit decided again on conflict.
   */
  async fireDeadlines(limit = 100): Promise<number> {
    const now = this.clock();
    let fired = 0;
    for (const groupId of await this.#o.store.dueGroups(now, limit)) {
      const g = await this.#o.store.load(groupId);
      if (!g) {
        await this.#o.store.dropDeadline(groupId);
        continue;
      }
      if (autoOpenDue(g, now)) {
        const opened = await this.#open(groupId, 'system', {}, true);
        if (opened.ok) fired += 1;
      }
      // Prunes, and re-indexes the deadline (a commit writes it even when nothing else changed).
      await this.#update(groupId, (cur, t) => {
        const p = prune(cur, t, this.#o.times);
        return { ok: true, value: { state: p.changed ? p.state : { ...cur }, value: null } };
      });
    }
    return fired;
  }
}

/** A group link: the token in the fragment, like a meeting link (never in server logs). */
export const groupLink = (base: string, token: string): string => `${base.replace(/\/$/, '')}/#/group/${token}`;
