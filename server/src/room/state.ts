/**
 * The server's full room state: the public snapshot plus what must never leave the server
 * (resume-secret hashes, token hashes, connection bookkeeping). Plain JSON so every store can
 * keep it as one value and commit it atomically with its version.
 */
import type {
  AgendaItem,
  Audience,
  EndView,
  LeaderPanel,
  MeetingSettings,
  ObserverNote,
  ObserverPanel,
  ParticipantId,
  Phase,
  Profile,
  Role,
  RoomSnapshot,
  SignView,
} from '@peer-circle/shared';
import { LIMITS, SIGN_FADE_MS } from '@peer-circle/shared';
import type { RoomEvent } from './commands.ts';
import { mayDefer, nextTurn, passTargets } from './views.ts';
import { autoWarnAt } from './lifecycle.ts';
import { minGroupOf, profileBalance, wordShare, type Speaker } from './privacy.ts';

export interface Participant {
  id: ParticipantId;
  name: string;
  role: Role;
  /** Position in the circle: the order people arrived in, stable for the whole meeting. */
  seat: number;
  present: boolean;
  /** The connection currently holding this seat, `${nodeId}:${socketId}`; null when disconnected. */
  connId: string | null;
  /** Epoch ms when the last connection dropped; null while connected or after leaving. */
  disconnectedAt: number | null;
  turns: number;
  passes: number;
  /** sha256 of the resume secret given at joining (the secret itself is never stored). */
  resumeHash: string;
  /** The role of the link the seat was taken with: a resume must come with the same (S9, F7). */
  linkRole: Role;
  coLeader: boolean;
  /** "P3": anonymous label for observers (O2). */
  label: string;
  profile: Profile | null;
  namedToObservers: boolean;
  inAttendance: boolean;
  /** Removed by the leader (L2): the seat cannot be resumed. */
  removed: boolean;
  /** Observer facts (O3). */
  speakingMs: number;
  waitedMs: number;
  waits: number;
  /** Asked the leader to check in after the meeting (F9). */
  checkIn: boolean;
  /**
   * Their browser last reported a poor connection (F13). Optional: states stored before it
   * existed read as "not poor".
   */
  poorConnection?: boolean;
  /** Gave the anonymous feedback (E2): only that they did, never what. */
  feedbackGiven: boolean;
  /** Anonymous concerns sent (E3): a count for the spam guard, never which. */
  concernsSent: number;
  /**
   * sha256 of the leader link the seat was taken with (S12: one leader seat per leader link);
   * null for other links. Optional: states committed before it existed have none.
   */
  linkHash?: string | null;
  /** When the person left the meeting (left, timed out, removed; B1, S13); null while present. */
  leftAt?: number | null;
  /**
   * S13: the queue place of someone who chose to leave, so that going back in within the grace
   * period gives it back. Cleared when they come back.
   */
  leftQueue?: { seq: number; since: number } | null;
}

/** Someone waiting to be let in (L1). Becomes a Participant when admitted. */
export interface LobbyEntry {
  id: ParticipantId;
  name: string;
  role: Role;
  resumeHash: string;
  connId: string | null;
  disconnectedAt: number | null;
  since: number;
  profile: Profile | null;
  namedToObservers: boolean;
  inAttendance: boolean;
}

/** Anonymous feedback (E2): sums and counts per question, texts in an order that links nobody. */
export interface FeedbackTally {
  count: number;
  safe: { sum: number; n: number };
  heard: { sum: number; n: number };
  useful: { sum: number; n: number };
  texts: string[];
}

export interface RecommendationState {
  authorId: ParticipantId;
  text: string;
  publishedAt: number | null;
}

export interface QueueEntry {
  id: ParticipantId;
  /** Monotonic counter of raised hands: first come, first served (rule S4). */
  seq: number;
  /** When the hand went up (O3: waiting time). */
  since: number;
}

export interface RoomState {
  version: number;
  meetingId: string;
  title: string;
  phase: Phase;
  createdAt: number;
  /** When the leader opened the meeting (the date of the attendance summary, E4). */
  startedAt?: number | null;
  closedAt: number | null;
  settings: MeetingSettings;
  participants: Participant[];
  stick: { holderId: ParticipantId | null; since: number | null };
  /** Kept sorted by the rule S4 order. */
  queue: QueueEntry[];
  round: { order: ParticipantId[]; index: number; deferred: ParticipantId[] } | null;
  closing: { warnedAt: number; endsAt: number } | null;
  plannedEndAt: number | null;
  /** Source of `seq` for queue entries and of `seat` numbers. */
  counter: number;
  /** sha256 of the three capability tokens, so stores can expire them with the room. */
  tokenHashes: Record<Role, string>;
  lobby: LobbyEntry[];
  /** Resume hashes that may not come back (removed or turned away, L1/L2). */
  barred: string[];
  agenda: { items: AgendaItem[]; current: string | null };
  signs: SignView[];
  notes: ObserverNote[];
  recommendations: RecommendationState[];
  feedback: FeedbackTally;
  concerns: { id: string; text: string }[];
  /** The weekly group this meeting belongs to (G3), if any: its aggregate goes to the group (G7). */
  groupId?: string | null;
  /** F12: who keeps the circle while the meeting is leaderless (optional: older states have none). */
  keeper?: ParticipantId | null;
  /** What seats pruned from `participants` left behind (B1): anonymous counts only. */
  pruned?: PrunedSeats;
}

/**
 * B1: the statistics (O3 balance, E6 end chart, E4/E7 counts) still count people whose seats were
 * pruned, from these anonymous figures: no id, no name, no label, nothing about when.
 */
export interface PrunedSeats {
  /** People who held the stick: profile, speaking time and turns, sorted by speaking time. */
  spoke: Speaker[];
  /** People who never held the stick, counted per profile (`none`: not given). */
  silent: Partial<Record<Profile | 'none', number>>;
  /** Observers. */
  observers: number;
}

/** Has the leader's rights now (F7). */
export const leads = (p: Participant): boolean => p.role === 'leader' || p.coLeader;

/** F7: an open meeting with no leader or co-leader connected waits for one. */
export function isLeaderAway(state: RoomState): boolean {
  return state.phase === 'open' && !state.participants.some((p) => p.present && p.connId !== null && leads(p));
}

/**
 * F11: an open meeting with no leader or co-leader in it any more: they left, or their grace
 * period ended. The group carries on by itself (someone may keep the circle, F12).
 */
export function isLeaderless(state: RoomState): boolean {
  return state.phase === 'open' && !state.participants.some((p) => p.present && leads(p));
}

/** F7: the leader (or a co-leader) dropped and is still within the grace period: the meeting waits. */
export function waitsForLeader(state: RoomState): boolean {
  return isLeaderAway(state) && !isLeaderless(state);
}

/** F12: the person keeping the circle, if any. */
export function keeperOf(state: RoomState): Participant | null {
  const id = state.keeper ?? null;
  return id === null ? null : (state.participants.find((p) => p.id === id) ?? null);
}

/** Has the leader's commands now: the leader, a co-leader, or who keeps the circle (F7, F12). */
export function leadsIn(state: RoomState, p: Participant): boolean {
  return leads(p) || (state.keeper ?? null) === p.id;
}

/** What only this person may know about their own seat (never in a shared snapshot; F9, E2, E3). */
export function mineOf(p: Participant): { checkIn: boolean; feedbackGiven: boolean; concernsLeft: number } {
  return { checkIn: p.checkIn, feedbackGiven: p.feedbackGiven, concernsLeft: Math.max(0, LIMITS.concernsPerPerson - p.concernsSent) };
}

/**
 * Where a committed `join` or `resume` put the person, from the events it produced: their seat,
 * or their place in the lobby (L1). Null if the events name nobody (not a join).
 */
export function joinedPlace(state: RoomState, events: readonly RoomEvent[]): { seat: Participant; lobby?: undefined } | { lobby: LobbyEntry } | null {
  for (const e of events) {
    if (e.type === 'participantJoined' || e.type === 'participantResumed') {
      const seat = state.participants.find((p) => p.id === e.participantId);
      if (seat) return { seat };
    } else if (e.type === 'lobbyEntered') {
      const lobby = state.lobby.find((x) => x.id === e.participantId);
      if (lobby) return { lobby };
    }
  }
  return null;
}

/**
 * Which snapshot a member gets: an audience, or `keeper` (F12): the leaders' snapshot without
 * what people entrusted to the leader alone (check-ins, concerns, feedback), since nobody chose
 * the keeper but themselves.
 */
export type View = Audience | 'keeper';

/** The snapshot a member's connection is sent (rule O5; F12 for who keeps the circle). */
export function audienceOf(p: Participant, state: RoomState): View {
  if (p.role === 'observer') return 'observer';
  if (leads(p)) return 'leader';
  return (state.keeper ?? null) === p.id ? 'keeper' : 'participant';
}

/**
 * The snapshot for one audience: participants see the public part; leaders also the lobby,
 * check-ins, concerns and feedback; observers also their facts, notes and drafts, and see labels
 * instead of names unless people chose otherwise (O2). Nothing private is in another audience's.
 */
export function toSnapshot(state: RoomState, now: number, view: View = 'participant'): RoomSnapshot {
  const audience: Audience = view === 'keeper' ? 'leader' : view;
  return {
    version: state.version,
    meetingId: state.meetingId,
    title: state.title,
    phase: state.phase,
    participants: state.participants.map((p) => ({
      id: p.id,
      name: audience === 'observer' && p.role !== 'observer' && !p.namedToObservers ? p.label : p.name,
      role: p.role,
      present: p.present,
      connected: p.connId !== null,
      turns: p.turns,
      passes: p.passes,
      coLeader: p.coLeader,
      label: p.label,
    })),
    stick: { ...state.stick },
    queue: state.queue.map((e) => e.id),
    round: state.round
      ? { order: [...state.round.order], index: state.round.index, deferred: [...state.round.deferred], mayDefer: mayDefer(state) }
      : null,
    closing: state.closing ? { ...state.closing } : null,
    plannedEndAt: state.plannedEndAt,
    autoWarningAt: state.phase === 'open' ? autoWarnAt(state) : null,
    settings: { ...state.settings, rules: [...state.settings.rules] },
    serverNow: now,
    audience,
    agenda: { items: state.agenda.items.map((i) => ({ ...i })), current: state.agenda.current },
    signs: state.signs.filter((x) => x.at + SIGN_FADE_MS > now).map((x) => ({ ...x })),
    leaderAway: isLeaderAway(state),
    leader: audience === 'leader' ? leaderPanel(state, view === 'keeper') : null,
    observer: audience === 'observer' ? observerPanel(state) : null,
    end: state.phase === 'closed' ? endView(state) : null,
    leaderless: isLeaderless(state),
    keeper: keeperOf(state)?.id ?? null,
  };
}

/** E2: the anonymous feedback as the count and each question's average (null: nobody answered). */
/**
 * The feedback averages anyone is shown (E2, E8): a question's average only once at least k people
 * answered it; with fewer, one answer could be told from another in a small group.
 */
export function feedbackAverages(f: FeedbackTally, k: number): { count: number; safe: number | null; heard: number | null; useful: number | null } {
  const average = (q: { sum: number; n: number }) => (q.n > 0 && q.n >= k ? q.sum / q.n : null);
  return { count: f.count, safe: average(f.safe), heard: average(f.heard), useful: average(f.useful) };
}

function leaderPanel(state: RoomState, keeper: boolean): LeaderPanel {
  const f = state.feedback;
  const lobby = state.lobby.map((e) => ({ id: e.id, name: e.name, role: e.role, since: e.since, connected: e.connId !== null }));
  // F13: only people here now; a report from someone who left says nothing about the room.
  const poorConnections = state.participants.filter((p) => p.present && p.connId !== null && p.poorConnection === true).map((p) => p.id);
  if (keeper) {
    // F12: the keeper runs the circle (passing, the lobby, who may be hard to hear: F13) but reads
    // nothing addressed to the leader.
    return { next: nextTurn(state), passTargets: passTargets(state), lobby, poorConnections, checkIns: [], concerns: [], feedback: { ...feedbackAverages(emptyTally(), minGroupOf(state.settings)), texts: [], minAnswers: minGroupOf(state.settings) } };
  }
  return {
    next: nextTurn(state),
    passTargets: passTargets(state),
    lobby,
    checkIns: state.participants.filter((p) => p.checkIn).map((p) => p.id),
    poorConnections,
    concerns: state.concerns.map((c) => ({ ...c })),
    feedback: { ...feedbackAverages(f, minGroupOf(state.settings)), texts: [...f.texts], minAnswers: minGroupOf(state.settings) },
  };
}

const emptyTally = (): FeedbackTally => ({ count: 0, safe: { sum: 0, n: 0 }, heard: { sum: 0, n: 0 }, useful: { sum: 0, n: 0 }, texts: [] });

/** Can take the word: everyone but observers (the distribution and balance count them). */
const speaks = (p: Participant) => p.role !== 'observer';

function observerPanel(state: RoomState): ObserverPanel {
  const waiting = new Map(state.queue.map((e) => [e.id, e.since]));
  const people = state.participants.filter(speaks);
  return {
    facts: people.map((p) => ({
      id: p.id,
      turns: p.turns,
      passes: p.passes,
      speakingMs: p.speakingMs,
      waitedMs: p.waitedMs,
      waits: p.waits,
      waitingSince: waiting.get(p.id) ?? null,
    })),
    // O7: the exact facts above are per label, so the balance by profile stays coarse.
    balance: profileBalance(speakers(state), minGroupOf(state.settings)),
    notes: state.notes.map((n) => ({ ...n, scales: { ...n.scales } })),
    recommendations: state.recommendations.map((r) => ({ ...r })),
  };
}

/** E1, E6: anonymous, and never one person's figure. */
export function endView(state: RoomState): EndView {
  return {
    recommendations: state.recommendations
      .filter((r): r is RecommendationState & { publishedAt: number } => r.publishedAt !== null)
      .map((r) => ({ text: r.text, publishedAt: r.publishedAt })),
    word: wordShare(speakers(state), minGroupOf(state.settings)),
    feedbackCount: state.feedback.count,
  };
}

/** Everyone who could speak, as the statistics see them (O7, E6); pruned seats too (B1). */
export function speakers(state: RoomState): Speaker[] {
  return [...state.participants.filter(speaks).map((p) => ({ profile: p.profile, speakingMs: p.speakingMs, turns: p.turns })), ...prunedSpeakers(state)];
}

/** The people who could speak among pruned seats (B1), as the statistics see them. */
export function prunedSpeakers(state: RoomState): Speaker[] {
  const pruned = state.pruned;
  if (!pruned) return [];
  const silent = Object.entries(pruned.silent).flatMap(([profile, n]) =>
    Array.from({ length: n ?? 0 }, () => ({ profile: profile === 'none' ? null : (profile as Profile), speakingMs: 0, turns: 0 })),
  );
  return [...pruned.spoke.map((x) => ({ ...x })), ...silent];
}
