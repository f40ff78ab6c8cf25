/**
 * Every command a member sends, declared once (CONVENTIONS 2b): its name, its zod schema, the
 * roles that may send it, the rule family whose file handles it and the rule ids it enforces
 * (docs/rules.md). Everything else is derived from this table by mapped types: `CommandName`,
 * each command's payload, the Socket.IO event map (`ClientToServerEvents` in protocol.ts), the
 * role matrix (`ALLOWED_ROLES`), the server's handler map (`{[K in CommandName]: Handler<K>}`)
 * and the client's typed `send(name, payload)`. A command missing its schema, roles or handler
 * does not compile (tests/types/commands.test.ts).
 *
 * `join` is not in this table: it is not a decision of the room but the service's
 * (a link, a name and maybe a resume secret become a seat), with its own schema in protocol.ts.
 */
import { z } from 'zod';
import { CONNECTION_QUALITIES, type ConnectionQuality, type Role } from './domain.ts';
import type { PayloadIssues } from './errors.ts';
import { LIMITS, field } from './fields.ts';

/** The rule families of docs/rules.md, each one file in server/src/room/rules/. */
export const RuleFamily = {
  /** S: the talking stick, hands, rounds. */
  stick: 'stick',
  /** C: starting, warning before the end, extending, closing. */
  closing: 'closing',
  /** F: the flow of the meeting: rounds' "come back to me", settings, agenda, leadership, signs. */
  flow: 'flow',
  /** L: the lobby and removal. */
  lobby: 'lobby',
  /** O: observers' notes and recommendations. */
  observers: 'observers',
  /** E: the end of the meeting: feedback and concerns. */
  end: 'end',
  /** S9: taking, restoring, leaving and dropping a seat. */
  seats: 'seats',
} as const;
export type RuleFamily = (typeof RuleFamily)[keyof typeof RuleFamily];

/** A rule id of docs/rules.md: S1, C3, F7... */
export type RuleId = `${'S' | 'C' | 'F' | 'L' | 'O' | 'E'}${number}`;

/** One row of the command table. */
export interface CommandSpec {
  /** Validates the payload at the edge; nothing reaches the core unvalidated. */
  readonly schema: z.ZodType;
  /** Who may send it, by role (the authorisation matrix; co-leaders count as leaders). */
  readonly roles: readonly Role[];
  /** `false`: a co-leader may not, though leaders may: the role itself stays with the leader (F7). */
  readonly coLeaders?: false;
  /** The family file in server/src/room/rules/ that holds its handler. */
  readonly family: RuleFamily;
  /** The rules of docs/rules.md it enforces; its tests carry these ids. */
  readonly rules: readonly [RuleId, ...RuleId[]];
}

/** A table of commands; `satisfies CommandTable` checks each row. */
export type CommandTable = Readonly<Record<string, CommandSpec>>;

const SPEAKERS = ['leader', 'participant'] as const;
const LEADERS = ['leader'] as const;
const { empty, id, score } = field;

export const COMMANDS = {
  // --- the stick (S) -----------------------------------------------------------------------------
  raiseHand: { schema: empty, roles: SPEAKERS, family: 'stick', rules: ['S1', 'S3', 'S4', 'S10'] },
  lowerHand: { schema: empty, roles: SPEAKERS, family: 'stick', rules: ['S3', 'S10'] },
  releaseStick: { schema: empty, roles: SPEAKERS, family: 'stick', rules: ['S5', 'S8', 'S10'] },
  declineStick: { schema: empty, roles: SPEAKERS, family: 'stick', rules: ['S5', 'S7', 'S10'] },
  passStick: { schema: z.object({ to: id.optional() }).strict(), roles: LEADERS, family: 'stick', rules: ['S6', 'S8', 'S10'] },
  takeStick: { schema: empty, roles: LEADERS, family: 'stick', rules: ['S6', 'S10'] },
  startRound: { schema: empty, roles: LEADERS, family: 'stick', rules: ['S8', 'S10'] },
  endRound: { schema: empty, roles: LEADERS, family: 'stick', rules: ['S8', 'S10'] },

  // --- opening and closing (C) -------------------------------------------------------------------
  startMeeting: { schema: empty, roles: LEADERS, family: 'closing', rules: ['C4', 'S10'] },
  /** Minutes may be fractional (e.g. 0.5) so a short warning is possible; the UI offers whole minutes. */
  warnClosing: {
    schema: z.object({ minutes: z.number().min(0.05).max(LIMITS.closingWarningMinutesMax).optional() }).strict(),
    roles: LEADERS,
    family: 'closing',
    rules: ['C1', 'C5'],
  },
  extendMeeting: {
    schema: z.object({ minutes: z.number().min(0.05).max(LIMITS.closingWarningMinutesMax) }).strict(),
    roles: LEADERS,
    family: 'closing',
    rules: ['C3', 'C4'],
  },
  closeMeeting: { schema: z.object({ force: z.boolean().optional() }).strict(), roles: LEADERS, family: 'closing', rules: ['C2', 'C3', 'S10'] },

  // --- seats (S9) --------------------------------------------------------------------------------
  leave: { schema: empty, roles: ['leader', 'participant', 'observer'], family: 'seats', rules: ['S9'] },

  // --- the flow of the meeting (F) ---------------------------------------------------------------
  deferTurn: { schema: empty, roles: SPEAKERS, family: 'flow', rules: ['F2'] },
  updateSettings: {
    schema: z
      .object({
        shareTimerMinutes: field.shareTimer.optional(),
        signsEnabled: z.boolean().optional(),
        admission: field.admission.optional(),
        autoPass: z.boolean().optional(),
        leaderAlwaysHeard: z.boolean().optional(),
      })
      .strict(),
    roles: LEADERS,
    family: 'flow',
    rules: ['F3', 'F6', 'F10'],
  },
  setRules: { schema: z.object({ rules: field.rulesList }).strict(), roles: LEADERS, family: 'flow', rules: ['F5'] },
  setAgenda: {
    schema: z.object({ items: z.array(z.object({ id: id.optional(), text: field.text(LIMITS.agendaItemMax) }).strict()).max(LIMITS.agendaItemsMax) }).strict(),
    roles: LEADERS,
    family: 'flow',
    rules: ['F4'],
  },
  setAgendaCurrent: { schema: z.object({ id: id.nullable() }).strict(), roles: LEADERS, family: 'flow', rules: ['F4'] },
  handOver: { schema: z.object({ to: id }).strict(), roles: LEADERS, coLeaders: false, family: 'flow', rules: ['F7'] },
  setCoLeader: { schema: z.object({ participantId: id, on: z.boolean() }).strict(), roles: LEADERS, coLeaders: false, family: 'flow', rules: ['F7'] },
  sendSign: { schema: z.object({ kind: field.signKind }).strict(), roles: SPEAKERS, family: 'flow', rules: ['F8'] },
  askCheckIn: { schema: z.object({ on: z.boolean() }).strict(), roles: ['participant'], family: 'flow', rules: ['F9'] },
  /** "I'll keep the circle until the leader is back" (on), or stepping down (off). */
  keepCircle: { schema: z.object({ on: z.boolean() }).strict(), roles: ['participant'], family: 'flow', rules: ['F12'] },
  reportConnection: {
    schema: z.object({ quality: z.enum(CONNECTION_QUALITIES as [ConnectionQuality, ...ConnectionQuality[]]) }).strict(),
    roles: ['leader', 'participant', 'observer'],
    family: 'flow',
    rules: ['F13'],
  },

  // --- lobby and removal (L) ---------------------------------------------------------------------
  admit: { schema: z.object({ participantId: id }).strict(), roles: LEADERS, family: 'lobby', rules: ['L1'] },
  turnAway: { schema: z.object({ participantId: id }).strict(), roles: LEADERS, family: 'lobby', rules: ['L1'] },
  removeParticipant: { schema: z.object({ participantId: id }).strict(), roles: LEADERS, family: 'lobby', rules: ['L2'] },

  // --- observers (O) -----------------------------------------------------------------------------
  addNote: {
    schema: z
      .object({
        scales: z
          .object({ atmosphere: score.nullable().optional(), interaction: score.nullable().optional(), together: score.nullable().optional(), productivity: score.nullable().optional() })
          .strict(),
        text: field.freeText(LIMITS.noteMax),
      })
      .strict(),
    roles: ['observer'],
    family: 'observers',
    rules: ['O4'],
  },
  deleteNote: { schema: z.object({ id }).strict(), roles: ['observer'], family: 'observers', rules: ['O4'] },
  saveRecommendation: { schema: z.object({ text: field.freeText(LIMITS.recommendationMax) }).strict(), roles: ['observer'], family: 'observers', rules: ['O6'] },
  publishRecommendation: { schema: empty, roles: ['observer'], family: 'observers', rules: ['O6'] },

  // --- the end of the meeting (E) ----------------------------------------------------------------
  giveFeedback: {
    schema: z.object({ safe: score.optional(), heard: score.optional(), useful: score.optional(), text: field.longText(LIMITS.feedbackTextMax).optional() }).strict(),
    roles: SPEAKERS,
    family: 'end',
    rules: ['E2'],
  },
  raiseConcern: { schema: z.object({ text: field.longText(LIMITS.concernMax) }).strict(), roles: ['participant'], family: 'end', rules: ['E3'] },
} as const satisfies CommandTable;

type Commands = typeof COMMANDS;

/** The name of a member command: `raiseHand`, `passStick`... */
export type CommandName = keyof Commands;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** A command's payload as the server sees it after validation (zod's output). */
export type CommandPayload<K extends CommandName> = z.output<Commands[K]['schema']>;
/** A command's payload as a client sends it (zod's input; `{}` for a command without fields). */
export type CommandInput<K extends CommandName> = z.input<Commands[K]['schema']>;

/** zod types an empty strict object as `Record<string, never>`; in a command it adds no field. */
type Fields<T> = string extends keyof T ? { [k in never]: never } : T;
/** The validated command as it reaches the room core: `{type: 'passStick', to?: ...}`. */
export type CommandOf<K extends CommandName> = { type: K } & Fields<CommandPayload<K>>;
/** Every member command, a union keyed on `type` (CONVENTIONS 3). */
export type MemberCommand = { [K in CommandName]: CommandOf<K> }[CommandName];

/** The commands handled by one rule family's file. */
export type CommandsOf<F extends RuleFamily> = { [K in CommandName]: Commands[K]['family'] extends F ? K : never }[CommandName];

/** The role matrix, from the table (tested in full in tests/integration/protocol.test.ts). */
export const ALLOWED_ROLES: { readonly [K in CommandName]: readonly Role[] } = Object.fromEntries(
  COMMAND_NAMES.map((k): [CommandName, readonly Role[]] => [k, COMMANDS[k].roles]),
) as Record<CommandName, readonly Role[]>;

/** Leader commands a co-leader may not use: the role itself stays with the leader (rule F7). */
export const LEADER_ONLY: ReadonlySet<CommandName> = new Set(COMMAND_NAMES.filter((k) => (COMMANDS[k] as CommandSpec).coLeaders === false));

/** The command schemas by name (the edge parses with these). */
export const commandSchemas = Object.fromEntries(COMMAND_NAMES.map((k) => [k, COMMANDS[k].schema])) as { readonly [K in CommandName]: Commands[K]['schema'] };

/**
 * Validates a command's payload at the edge and makes the command the core decides on. The one
 * place a payload meets its name: `{type, ...payload}` of a table row's own schema.
 */
export function parseCommand(name: CommandName, raw: unknown): { ok: true; command: MemberCommand } | { ok: false; error: PayloadIssues } {
  const parsed = COMMANDS[name].schema.safeParse(raw === undefined ? {} : raw);
  if (!parsed.success) return { ok: false, error: parsed.error };
  // Sound by construction: the payload passed the schema of the row named `name`.
  return { ok: true, command: { type: name, ...(parsed.data as object) } as MemberCommand };
}
