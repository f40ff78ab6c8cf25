/**
 * Limits and the zod field builders every payload schema is made of (commands.ts, protocol.ts).
 * One place, so a name is checked the same way when a meeting is created and when someone joins.
 */
import { z } from 'zod';
import { ADMISSIONS, PROFILES, SIGN_KINDS } from './domain.ts';

export const LIMITS = {
  titleMax: 120,
  nameMax: 40,
  ruleMax: 280,
  rulesMax: 20,
  tokenMax: 64,
  idMax: 64,
  closingWarningMinutesMax: 60,
  durationMinutesMax: 600,
  shareTimerMinutesMax: 30,
  agendaItemsMax: 12,
  agendaItemMax: 140,
  noteMax: 2000,
  recommendationMax: 4000,
  feedbackTextMax: 1000,
  concernMax: 1000,
  /** Anonymous concerns one person may send in one meeting (spam guard; rule E3). */
  concernsPerPerson: 3,
} as const;

/** Trims and refuses control characters: names and titles are shown to everyone. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

/** Longer free text (notes, feedback): line breaks allowed, other control characters not; may be empty. */
const freeText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s), 'must not contain control characters');

/** The building blocks of payload schemas (not exported from the package: schemas are). */
export const field = {
  text,
  freeText,
  longText: (max: number) => freeText(max).refine((s) => s.length > 0, 'must not be empty'),
  token: z.string().min(16).max(LIMITS.tokenMax).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid link'),
  /** A resume secret (rule S9): the same alphabet as a token. */
  secret: z.string().min(16).max(LIMITS.tokenMax).regex(/^[A-Za-z0-9_-]+$/),
  id: z.string().min(1).max(LIMITS.idMax).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id'),
  empty: z.object({}).strict(),
  score: z.number().int().min(1).max(5),
  shareTimer: z.number().int().min(1).max(LIMITS.shareTimerMinutesMax).nullable(),
  admission: z.enum(ADMISSIONS as [string, ...string[]]).transform((a) => a as (typeof ADMISSIONS)[number]),
  profile: z.enum(PROFILES as [string, ...string[]]).transform((p) => p as (typeof PROFILES)[number]),
  signKind: z.enum(SIGN_KINDS as [string, ...string[]]).transform((k) => k as (typeof SIGN_KINDS)[number]),
  rulesList: z.array(text(LIMITS.ruleMax)).max(LIMITS.rulesMax),
} as const;
