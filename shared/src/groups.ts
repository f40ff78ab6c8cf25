/**
 * Groups that meet every week (issue 15, rules G1-G8 in docs/rules.md): the HTTP bodies the
 * server validates at its edge, the views it answers with, and the one socket push of the group
 * feature (the personal facilitator link, sent to exactly one connection). Documented in
 * docs/protocol.md ("Groups").
 */
import { z } from 'zod';
import { ADMISSIONS, PROFILES, type Admission, type Phase, type Profile, type Role } from './domain.ts';
import { LIMITS } from './protocol.ts';
import { LANGUAGES, type Language } from './locale-data/index.ts';

export const GROUP_LIMITS = {
  nameMax: 120,
  languageMax: 35,
  agendaItemsMax: LIMITS.agendaItemsMax,
  agendaItemMax: LIMITS.agendaItemMax,
  /** Minutes before the scheduled start at which the meeting may open by itself (G4). */
  autoOpenMinutesMax: 240,
  /** Dates in the rota at once (G5): "a short rota". */
  rotaMax: 12,
  /** Meetings remembered per group (records and clean-up). */
  meetingsMax: 120,
} as const;

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A calendar day, YYYY-MM-DD (a local date in the group's time zone). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a real date');

/** True for an IANA time zone name this runtime knows ("Europe/Vilnius", "UTC"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');
const token = z.string().min(16).max(LIMITS.tokenMax).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid link');
const id = z.string().min(1).max(LIMITS.idMax).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id');
const admission = z.enum(ADMISSIONS as [string, ...string[]]).transform((a) => a as Admission);

export const GroupSchedule = z
  .object({
    weekday: z.number().int().min(1).max(7).transform((d) => d as Weekday),
    /** Local start time, 24-hour "HH:MM". */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM'),
    timeZone: z.string().min(1).max(64).refine(isTimeZone, 'is not a known time zone'),
    durationMinutes: z.number().int().min(5).max(LIMITS.durationMinutesMax),
  })
  .strict();
export type GroupSchedule = z.infer<typeof GroupSchedule>;

export const GroupSeason = z
  .object({ from: isoDate, to: isoDate })
  .strict()
  .refine((s) => s.from <= s.to, { message: 'must end on or after its first day', path: ['to'] });
export type GroupSeason = z.infer<typeof GroupSeason>;

/** The meeting settings a group keeps (everything a meeting's settings hold but the grace period). */
export const GroupSettings = z
  .object({
    closingWarningMinutes: z.number().int().min(1).max(LIMITS.closingWarningMinutesMax),
    shareTimerMinutes: z.number().int().min(1).max(LIMITS.shareTimerMinutesMax).nullable(),
    admission,
    signsEnabled: z.boolean(),
    autoPass: z.boolean(),
    /** Who is always heard: the leader may always be heard to facilitate. */
    leaderAlwaysHeard: z.boolean(),
  })
  .strict();
export type GroupSettings = z.infer<typeof GroupSettings>;

export const DEFAULT_GROUP_SETTINGS: GroupSettings = {
  closingWarningMinutes: 5,
  shareTimerMinutes: null,
  admission: 'open',
  signsEnabled: true,
  autoPass: false,
  leaderAlwaysHeard: true,
};

const rules = z.array(text(LIMITS.ruleMax)).max(LIMITS.rulesMax);
const agenda = z.array(text(GROUP_LIMITS.agendaItemMax)).max(GROUP_LIMITS.agendaItemsMax);

/** G1: a group is created once. */
export const CreateGroupBody = z
  .object({
    name: text(GROUP_LIMITS.nameMax),
    /** The group's language (BCP 47, "en", "lt"): the calendar file and the meeting use it. */
    language: z.enum(LANGUAGES as [Language, ...Language[]]),
    rules: rules.optional(),
    agenda: agenda.optional(),
    settings: GroupSettings.partial().strict().optional(),
    schedule: GroupSchedule.nullable().optional(),
    season: GroupSeason.nullable().optional(),
    /** Open the meeting by itself this many minutes before the scheduled start (G4); null: never. */
    autoOpenMinutes: z.number().int().min(0).max(GROUP_LIMITS.autoOpenMinutesMax).nullable().optional(),
  })
  .strict()
  .refine((g) => g.autoOpenMinutes == null || g.schedule != null, { message: 'needs a weekly schedule', path: ['autoOpenMinutes'] });
export type CreateGroupBody = z.infer<typeof CreateGroupBody>;

export interface CreateGroupResponse {
  groupId: string;
  tokens: Record<Role, string>;
  /** The same three links serve every meeting of the group. */
  links: Record<Role, string>;
}

/** A group link in the body, never in the URL (access logs). */
export const GroupTokenBody = z.object({ token }).strict();

/** Lookup; with `wait`, the answer is held (up to about 12 s) until the group's `tag` differs from it. */
export const GroupLookupBody = z.object({ token, wait: z.string().max(200).optional() }).strict();

/** G3: this week's meeting from the group's template; every field overrides for this meeting only. */
export const OpenGroupMeetingBody = z
  .object({
    token,
    title: text(LIMITS.titleMax).optional(),
    rules: rules.optional(),
    agenda: agenda.optional(),
    settings: GroupSettings.partial().strict().optional(),
    durationMinutes: z.number().int().min(5).max(LIMITS.durationMinutesMax).nullable().optional(),
  })
  .strict();
export type OpenGroupMeetingBody = z.infer<typeof OpenGroupMeetingBody>;

/** G5: the group's leader names a participant seat of the current meeting for a date. */
export const HandOverBody = z.object({ token, participantId: id, date: isoDate.optional() }).strict();
export const RevokeRotaBody = z.object({ token, date: isoDate }).strict();

/** Who a group link is for: one of the three roles, or a personal facilitator link (G6). */
export type GroupLinkKind = Role | 'facilitator';

export interface RotaEntryView {
  date: string;
  /** The pseudonym the person chose in the meeting where the facilitation was handed over. */
  name: string;
}

export interface GroupMeetingView {
  meetingId: string;
  /** The local date (group time zone) of the occurrence this meeting serves. */
  date: string;
  phase: Phase;
}

/** What a group link may see (POST /api/groups/lookup). */
export interface GroupView {
  groupId: string;
  name: string;
  language: Language;
  kind: GroupLinkKind;
  rules: string[];
  agenda: string[];
  settings: GroupSettings;
  schedule: GroupSchedule | null;
  season: GroupSeason | null;
  autoOpenMinutes: number | null;
  /**
   * The next scheduled meeting (G2), or null: no schedule, or the season is over. For a
   * facilitator link: the meeting of its date (times null when the group has no schedule).
   */
  next: { date: string; startsAt: number | null; endsAt: number | null } | null;
  /** The group's meeting that is waiting or open now (one at a time, G3); null otherwise. */
  meeting: GroupMeetingView | null;
  /** May this link open a meeting now (G3)? */
  mayOpen: boolean;
  /** A facilitator link: the date it is valid for (G6). */
  facilitates: string | null;
  /** The group's leader only: the rota (G5). */
  rota: RotaEntryView[] | null;
  /** Changes whenever what the page shows about the meeting changes: pass it back as `wait`. */
  tag: string;
  serverNow: number;
}

export interface OpenGroupMeetingResponse {
  meetingId: string;
  date: string;
}

/** G7: one meeting of the season, as the group's leader sees it. */
export interface GroupMeetingRecordView {
  meetingId: string;
  date: string;
  attended: number;
  observers: number;
  /** Counts by profile; null where fewer than k people share a profile (E7), `together` counts them. */
  profiles: Record<Profile | 'not given', number | null>;
  together?: number | undefined;
  /** Only people who agreed at that meeting, and only while its personal data is kept (G8). */
  names: string[];
  feedback: { count: number; safe: number | null; heard: number | null; useful: number | null };
}

export interface GroupRecordsView {
  name: string;
  season: GroupSeason | null;
  meetings: GroupMeetingRecordView[];
}

export const GROUP_PROFILES = [...PROFILES, 'not given'] as const;

/** G5: the personal facilitator link, pushed to exactly one connection, shown only there. */
export interface GroupFacilitation {
  groupId: string;
  groupName: string;
  date: string;
  startsAt: number | null;
  link: string;
}

export interface GroupServerToClientEvents {
  groupFacilitation: (info: GroupFacilitation) => void;
}
