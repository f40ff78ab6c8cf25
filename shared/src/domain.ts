/**
 * Domain vocabulary shared by server and client: roles, phases, the public snapshot.
 * Closed sets are `as const` objects with a same-named type (CONVENTIONS rule 3).
 */
import type { ErrorKey } from './errors.ts';
import type { Language } from './locale-data/index.ts';

export const Role = {
  leader: 'leader',
  participant: 'participant',
  observer: 'observer',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES = Object.values(Role) as readonly Role[];

/** waiting: created, people gather; open: the word moves; closed: the meeting is over. */
export const Phase = {
  waiting: 'waiting',
  open: 'open',
  closed: 'closed',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const ErrorCode = {
  invalid_payload: 'invalid_payload',
  forbidden: 'forbidden',
  not_found: 'not_found',
  wrong_phase: 'wrong_phase',
  conflict: 'conflict',
  rate_limited: 'rate_limited',
  unsupported_protocol: 'unsupported_protocol',
  internal: 'internal',
  /** A feature this server does not run (audio with MEDIA=false). */
  unavailable: 'unavailable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What the server sends when it refuses: `code` for programs, `key` (shared/src/errors.ts) for
 * the client to show the words in the person's language, `message` the English words as a
 * fallback for a client that does not know the key.
 */
export interface ProtocolError {
  code: ErrorCode;
  key: ErrorKey;
  message: string;
}

export type ParticipantId = string;
export type MeetingId = string;

/** Who may come in: everyone with the link, or only those the leader lets in (rule L1). */
export const Admission = {
  open: 'open',
  leaderAdmits: 'leader-admits',
} as const;
export type Admission = (typeof Admission)[keyof typeof Admission];
export const ADMISSIONS = Object.values(Admission) as readonly Admission[];

/** How a person's own browser judges its connection, coarsely (rule F13; docs/media.md). */
export const ConnectionQuality = {
  good: 'good',
  poor: 'poor',
} as const;
export type ConnectionQuality = (typeof ConnectionQuality)[keyof typeof ConnectionQuality];
export const CONNECTION_QUALITIES = Object.values(ConnectionQuality) as readonly ConnectionQuality[];

/** Optional profile given at joining, only ever counted (attendance, balance of the word). */
export const Profile = {
  livedExperience: 'lived-experience',
  relative: 'relative',
  professional: 'professional',
  other: 'other',
  preferNot: 'prefer-not-to-say',
} as const;
export type Profile = (typeof Profile)[keyof typeof Profile];
export const PROFILES = Object.values(Profile) as readonly Profile[];

/** Silent support signs (rule F8): brief, non-verbal, they never interrupt the speaker. */
export const SignKind = {
  hear: 'hear',
  thanks: 'thanks',
  support: 'support',
} as const;
export type SignKind = (typeof SignKind)[keyof typeof SignKind];
export const SIGN_KINDS = Object.values(SignKind) as readonly SignKind[];
/** How long a sign stays visible (ms); the server forgets it after this. */
export const SIGN_FADE_MS = 8000;

/** The four questions observers answer (meeting practice), each on a 1-5 scale. */
export const Scale = {
  atmosphere: 'atmosphere',
  interaction: 'interaction',
  together: 'together',
  productivity: 'productivity',
} as const;
export type Scale = (typeof Scale)[keyof typeof Scale];
export const SCALES = Object.values(Scale) as readonly Scale[];
export type Scales = Record<Scale, number | null>;

export interface MeetingSettings {
  /** Minutes before the end at which the leader warns the group (issue: closing warning). */
  closingWarningMinutes: number;
  /** When the holder is done, hand the stick straight to the head of the queue (rule S5). */
  autoPass: boolean;
  /** The group's own rules, shown and accepted before joining. */
  rules: string[];
  /** The leader may always be heard to facilitate (audio). */
  leaderAlwaysHeard: boolean;
  /** Seconds a dropped connection keeps its seat and queue place (rule S9). */
  graceSeconds: number;
  /** Planned length; the closing warning then comes by itself (rule C4). Null: no planned end. */
  durationMinutes: number | null;
  /** Per-turn guideline in minutes (rule F3): only a gentle cue to the speaker. Null: off. */
  shareTimerMinutes: number | null;
  /** Rule L1. */
  admission: Admission;
  /** Silent support signs allowed (rule F8). */
  signsEnabled: boolean;
  /**
   * The meeting's language, chosen by the leader at creation: invitation pages open in it unless
   * the person chose a language, and the attendance CSV is written in it.
   */
  language: Language;
  /**
   * k: no statistic about people covers fewer than this many (rules O7, E6, E7), from the
   * server's PRIVACY_MIN_GROUP. Rooms stored before it existed read as DEFAULT_PRIVACY_MIN_GROUP.
   */
  privacyMinGroup?: number;
}

/** The smallest group a statistic may describe unless the server is told otherwise (O7, E6, E7). */
export const DEFAULT_PRIVACY_MIN_GROUP = 3;

/** The closing warning in progress (rules C1-C3): the meeting closes by itself at `endsAt`. */
export interface ClosingView {
  warnedAt: number;
  endsAt: number;
}

export interface ParticipantView {
  id: ParticipantId;
  name: string;
  role: Role;
  /** In the meeting: connected, or disconnected for less than the grace period. */
  present: boolean;
  /** Has a live connection right now (false during the grace period). */
  connected: boolean;
  /** Turns taken: the stick held and given back after speaking. */
  turns: number;
  /** Times the person chose not to speak when the stick came (rule S7: a right, not a failure). */
  passes: number;
  /** Has the leader's rights beside the leader (rule F7). */
  coLeader: boolean;
  /** Anonymous label ("P3"), stable for the meeting; observers see it instead of the name unless
   * the person chose to be named to observers (rule O2). */
  label: string;
}

export interface StickView {
  holderId: ParticipantId | null;
  /** Epoch ms at which the current holder received the stick. */
  since: number | null;
}

export interface RoundView {
  /** Participant ids in circle order; late arrivals are appended (rule S8). */
  order: ParticipantId[];
  /** Index in `order` of the person the stick is offered to now. */
  index: number;
  /** Who said "come back to me" in this round (once each, rule F2). */
  deferred: ParticipantId[];
  /** Who may say "come back to me" now (F2): the holder while the round offers them the stick,
   * once per round; null when nobody may. The client offers the button from this alone. */
  mayDefer: ParticipantId | null;
}

/**
 * What "pass to next" (passStick without `to`) would do now (rules S4, S8): give the stick to
 * `id`, complete the round, or nothing (nobody waiting: the command would be refused).
 */
export type NextTurn = { kind: 'person'; id: ParticipantId } | { kind: 'roundEnd' } | { kind: 'nobody' };

export interface AgendaItem {
  id: string;
  text: string;
}

export interface AgendaView {
  items: AgendaItem[];
  /** Id of the item the group is on, or null. */
  current: string | null;
}

export interface SignView {
  id: string;
  from: ParticipantId;
  kind: SignKind;
  at: number;
}

/** Someone waiting in the lobby (leaders only, rule L1). */
export interface LobbyView {
  id: ParticipantId;
  name: string;
  role: Role;
  since: number;
  connected: boolean;
}

/** What only the leader and co-leaders receive. */
export interface LeaderPanel {
  /** What "pass to next" would do now (S4, S8), decided by the server's rule, not the page. */
  next: NextTurn;
  /** Whom the stick may be handed to directly now (S6), in circle order; empty unless open. */
  passTargets: ParticipantId[];
  lobby: LobbyView[];
  /** People who asked the leader to check in with them after the meeting (rule F9). */
  checkIns: ParticipantId[];
  /** Anonymous concerns (rule E3): no author is stored. */
  concerns: { id: string; text: string }[];
  /**
   * Anonymous feedback (E2): averages (null: fewer than `minAnswers` answered that question, E8)
   * and texts that link nobody.
   */
  feedback: { count: number; safe: number | null; heard: number | null; useful: number | null; texts: string[]; minAnswers: number };
  /** People present whose own browser last reported a poor connection (rule F13), circle order. */
  poorConnections: ParticipantId[];
}

export interface ObserverNote {
  id: string;
  /** The observer who wrote it. */
  authorId: ParticipantId;
  at: number;
  phase: Phase;
  /** Text of the agenda item current when written, if any. */
  agendaItem: string | null;
  scales: Scales;
  text: string;
}

export interface PersonFacts {
  id: ParticipantId;
  turns: number;
  passes: number;
  /** Time holding the stick, finished turns only (the live turn: stick.since). */
  speakingMs: number;
  /** Total time waited in the queue before getting the stick, and how many waits. */
  waitedMs: number;
  waits: number;
  /** When the current wait began, if the person is in the queue now. */
  waitingSince: number | null;
}

/** How a group's speaking time compares with its share of the people (rule O7). */
export const Portion = {
  less: 'less',
  about: 'about',
  more: 'more',
} as const;
export type Portion = (typeof Portion)[keyof typeof Portion];

/** One group of the balance: a profile shared by at least k people, or everyone else together. */
export interface BalanceGroup {
  group: Profile | 'together';
  people: number;
  /** Null while the portions are not shown (see `ProfileBalance.portions`). */
  portion: Portion | null;
}

/**
 * The balance of the word by profile (rule O7), coarse on purpose: observers also see each
 * label's exact facts, so exact sums per profile would tell whose profile is whose.
 */
export interface ProfileBalance {
  /** At least two groups of at least k people; otherwise `groups` is empty and nothing is said. */
  shown: boolean;
  groups: BalanceGroup[];
  /**
   * shown: each group's portion is given; tooEarly: less than a minute spoken in all;
   * withheld: with these figures the portions could point at someone's profile.
   */
  portions: 'shown' | 'tooEarly' | 'withheld';
  /** A profile that takes more than half of the speaking time while being fewer than half of the people. */
  crowding: Profile | null;
}

export interface Recommendation {
  authorId: ParticipantId;
  text: string;
  publishedAt: number | null;
}

/** What only observers receive until they publish (rules O1-O4). */
export interface ObserverPanel {
  facts: PersonFacts[];
  balance: ProfileBalance;
  notes: ObserverNote[];
  /** Drafts and published recommendations of every observer of this meeting. */
  recommendations: Recommendation[];
}

/** The closing view everyone sees once the meeting is closed (rule E1). */
export interface EndView {
  /** Published recommendations only; the author is shown by role ("Observer"), not name. */
  recommendations: { text: string; publishedAt: number }[];
  /** How the word was shared, in groups of at least k people (rule E6). */
  word: WordShare;
  /** How many people gave anonymous feedback (rule E2). */
  feedbackCount: number;
}

/** Some people, counted together: the people who spoke most come first (rule E6). */
export interface WordTier {
  people: number;
  speakingMs: number;
  turns: number;
}

/** How many took a turn: the number when it and the rest are each 0 or at least k, else words. */
export type TookTurn = number | 'everyone' | 'most' | 'some' | 'nobody';

/** How evenly the speaking time was spread (Gini coefficient below 0.2, below 0.4, above). */
export type Evenness = 'even' | 'mixed' | 'uneven';

/**
 * The anonymous picture of how the word was shared (rule E6). Never one person's figure: with
 * fewer than k people who could speak nothing is said but their number; from 2k on, `tiers`
 * splits them by speaking time into groups of at least k each.
 */
export type WordShare =
  | { shown: false; people: number }
  | { shown: true; people: number; totalMs: number; tookTurn: TookTurn; evenness: Evenness | null; tiers: WordTier[] };

/** The full snapshot every client receives after each change. `version` only goes up. */
export interface RoomSnapshot {
  version: number;
  meetingId: MeetingId;
  title: string;
  phase: Phase;
  participants: ParticipantView[];
  stick: StickView;
  queue: ParticipantId[];
  round: RoundView | null;
  settings: MeetingSettings;
  /** Set once the leader (or the planned duration) warned that the meeting is ending. */
  closing: ClosingView | null;
  /** Epoch ms of the planned end, for meetings with a duration, once started. */
  plannedEndAt: number | null;
  /** Epoch ms at which the closing warning comes by itself (rule C4): the planned end less the
   * warning's minutes; null without a planned end or once warned. */
  autoWarningAt: number | null;
  /** Server clock (epoch ms) when the snapshot was made, so clients can correct their clocks. */
  serverNow: number;
  /** Who this snapshot was made for: each audience gets only what it may see. */
  audience: Audience;
  agenda: AgendaView;
  /** Recent silent signs (rule F8), newest last; they fade after SIGN_FADE_MS. */
  signs: SignView[];
  /** Open meeting with no leader or co-leader connected: the meeting waits (rule F7). */
  leaderAway: boolean;
  leader: LeaderPanel | null;
  observer: ObserverPanel | null;
  end: EndView | null;
  /**
   * Open meeting with no leader or co-leader in it any more (left, or gone past the grace
   * period): the group carries on by itself (rule F11).
   */
  leaderless: boolean;
  /** Who keeps the circle until the leader is back, the interim co-leader (rule F12); null when nobody. */
  keeper: ParticipantId | null;
}

export type Audience = 'leader' | 'participant' | 'observer';

/** How many came, by profile (rule E4). Profiles are counted among those who could speak. */
export interface AttendanceCounts {
  /** Leaders and participants who were admitted (ever present). */
  attended: number;
  observers: number;
  /**
   * One count per profile, plus people who gave none (E7): each 0 or at least k; null when the
   * profile is counted in `together` with others, so no count under k is kept or shown.
   */
  profiles: Record<Profile | 'not given', number | null>;
  /** People whose profiles are counted together (the null ones): 0 or at least k, unless nothing is shown. */
  together?: number;
}
