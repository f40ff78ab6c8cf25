/**
 * The pure room core: decide(state, command, ctx) -> { state, events } | { error }.
 * No I/O, no timers, no Date.now, no randomness: time and the actor come in through ctx.
 *
 * decide() only dispatches: each member command's rule is a handler in its family's file under
 * rules/ (the family comes from the command table in shared/src/commands.ts), each system
 * command's in rules/seats.ts. What every command shares is here: who may send it (the role
 * matrix, F7 co-leaders), and the leader guard after every command (F7).
 */
import { COMMANDS, protocolError, type CommandName, type CommandOf, type ErrorKey, type ProtocolError } from '@peer-circle/shared';
import { ALLOWED_ROLES, LEADER_ONLY, type Command, type Context, type MemberCommand, type RoomEvent, type SystemCommand } from './commands.ts';
import { Draft, Rejection, reject, type CommandHandlers } from './draft.ts';
import { isLeaderAway, isLeaderless, type Participant, type RoomState } from './state.ts';
import { closing } from './rules/closing.ts';
import { end } from './rules/end.ts';
import { flow } from './rules/flow.ts';
import { lobby } from './rules/lobby.ts';
import { observers } from './rules/observers.ts';
import { seats, system } from './rules/seats.ts';
import { stick } from './rules/stick.ts';

export { MAX_DEPARTED, MAX_LOBBY, MAX_NOTES, MAX_PARTICIPANTS, MAX_SEATS, MAX_SIGNS } from './draft.ts';

export type Decision =
  | { ok: true; state: RoomState; events: RoomEvent[]; changed: boolean }
  | { ok: false; error: ProtocolError };

/** Every member command's handler, by rule family: a family file missing one does not compile. */
const HANDLERS: CommandHandlers = { ...stick, ...closing, ...seats, ...flow, ...lobby, ...observers, ...end };

/** Decides one command. The input state is never modified. */
export function decide(state: RoomState, cmd: Command, ctx: Context): Decision {
  const d = new Draft(structuredClone(state), ctx.now);
  const wasAway = isLeaderAway(state);
  const wasLeaderless = isLeaderless(state);
  try {
    if (isMemberCommand(cmd)) {
      if (ctx.actor.kind !== 'member') return refuse('forbidden', 'forbidden.membersOnly');
      const actor = d.find(ctx.actor.participantId);
      if (!actor || !actor.present) return refuse('forbidden', 'join.first');
      authorise(actor, cmd.type, d.s.keeper === actor.id);
      run(d, actor, cmd as CommandOf<typeof cmd.type>);
    } else {
      runSystem(d, cmd);
    }
    d.guardLeader(wasAway, wasLeaderless); // F7, F11, F12
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, error: e.error };
    throw e;
  }
  if (!d.changed) return { ok: true, state, events: [], changed: false };
  d.s.version = state.version + 1;
  return { ok: true, state: d.s, events: d.events, changed: true };
}

function run<K extends CommandName>(d: Draft, actor: Participant, cmd: CommandOf<K>): void {
  const handler: CommandHandlers[K] = HANDLERS[cmd.type];
  handler(d, actor, cmd);
}

function runSystem<C extends SystemCommand>(d: Draft, cmd: C): void {
  (system[cmd.type] as (d: Draft, cmd: C) => void)(d, cmd);
}

function isMemberCommand(cmd: Command): cmd is MemberCommand {
  return Object.hasOwn(COMMANDS, cmd.type);
}

/**
 * The role matrix; F7: a co-leader has the leader's commands, except those that move the role
 * itself; F12: so has who keeps the circle, as an interim co-leader.
 */
function authorise(actor: Participant, type: CommandName, keeps: boolean): void {
  const allowed: readonly string[] = ALLOWED_ROLES[type];
  const coLeads = actor.coLeader || keeps;
  const asCoLeader = coLeads && allowed.includes('leader') && !LEADER_ONLY.has(type);
  if (!allowed.includes(actor.role) && !asCoLeader) reject('forbidden', forbiddenKey(actor, type, allowed, coLeads));
}

/** Says why in the words that fit the person who asked. */
function forbiddenKey(actor: Participant, type: CommandName, allowed: readonly string[], coLeads: boolean): ErrorKey {
  if (LEADER_ONLY.has(type) && coLeads) return 'forbidden.roleLeaderOnly';
  if (actor.role === 'observer') return 'forbidden.observer';
  if (allowed.includes('observer') && allowed.length === 1) return 'forbidden.observersOnly';
  if (!allowed.includes('leader')) return 'forbidden.participantsOnly';
  return 'forbidden.leaderOnly';
}

function refuse(code: ProtocolError['code'], key: ErrorKey): Decision {
  return { ok: false, error: protocolError(code, key) };
}

export function assertNever(x: never): never {
  throw new Error(`unexpected: ${JSON.stringify(x)}`);
}
