/**
 * The command table (shared/src/commands.ts) is the one declaration of every command: these tests
 * prove, through the typecheck of `npm test` (tsconfig.json includes tests/), that everything
 * else is derived from it, and that a command missing its schema, its roles or its handler does
 * not compile. Each `@ts-expect-error` fails the typecheck if the error it expects goes away.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ALLOWED_ROLES,
  COMMAND_NAMES,
  COMMANDS,
  type ClientToServerEvents,
  type CommandInput,
  type CommandName,
  type CommandPayload,
  type CommandsOf,
  type CommandTable,
  type MemberCommand,
  type Role,
} from '@peer-circle/shared';
import type { CommandHandlers, FamilyHandlers } from '../../server/src/room/draft.ts';
import { closing } from '../../server/src/room/rules/closing.ts';
import { end } from '../../server/src/room/rules/end.ts';
import { flow } from '../../server/src/room/rules/flow.ts';
import { lobby } from '../../server/src/room/rules/lobby.ts';
import { observers } from '../../server/src/room/rules/observers.ts';
import { seats } from '../../server/src/room/rules/seats.ts';
import { stick } from '../../server/src/room/rules/stick.ts';

const FAMILIES = { stick, closing, flow, lobby, observers, end, seats } as const;

/** The shape of the client's typed send (client/src/lib/net/socket.ts `call`). */
declare function send<K extends CommandName>(name: K, payload: CommandInput<K>): Promise<unknown>;

describe('one command table', () => {
  it('a row without a schema or without roles is refused by the table type', () => {
    const table = {
      ok: { schema: COMMANDS.raiseHand.schema, roles: ['leader'], family: 'stick', rules: ['S3'] },
      // @ts-expect-error a command without a schema
      noSchema: { roles: ['leader'], family: 'stick', rules: ['S3'] },
      // @ts-expect-error a command without its roles
      noRoles: { schema: COMMANDS.raiseHand.schema, family: 'stick', rules: ['S3'] },
      // @ts-expect-error a command with no rule id of docs/rules.md
      noRules: { schema: COMMANDS.raiseHand.schema, roles: ['leader'], family: 'stick', rules: [] },
    } as const satisfies CommandTable;
    expect(Object.keys(table)).toHaveLength(4);
  });

  it('a family file missing a handler of its commands does not compile, nor does the dispatcher', () => {
    const { passStick: _passStick, ...withoutPassStick } = stick;
    // @ts-expect-error the stick family without passStick's handler
    const incomplete: FamilyHandlers<'stick'> = withoutPassStick;
    // @ts-expect-error the dispatcher's map without the seats family (no handler for `leave`)
    const all: CommandHandlers = { ...stick, ...closing, ...flow, ...lobby, ...observers, ...end };
    const complete: CommandHandlers = { ...stick, ...closing, ...flow, ...lobby, ...observers, ...end, ...seats };
    expect(Object.keys(incomplete)).not.toContain('passStick');
    expect(Object.keys(all)).not.toContain('leave');
    expect(Object.keys(complete).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it('every derived piece has exactly the table rows as keys', () => {
    expectTypeOf<keyof CommandHandlers>().toEqualTypeOf<keyof typeof COMMANDS>();
    expectTypeOf<keyof typeof ALLOWED_ROLES>().toEqualTypeOf<CommandName>();
    expectTypeOf<MemberCommand['type']>().toEqualTypeOf<CommandName>();
    expectTypeOf<CommandsOf<'stick'>>().toEqualTypeOf<keyof typeof stick>();
    expectTypeOf<CommandsOf<'seats'>>().toEqualTypeOf<'leave'>();
    // The Socket.IO event map: one event per row, its payload the row's schema's.
    expectTypeOf<Exclude<CommandName, keyof ClientToServerEvents>>().toEqualTypeOf<never>();
    expectTypeOf<Parameters<ClientToServerEvents['passStick']>[0]>().toEqualTypeOf<CommandPayload<'passStick'>>();
    expectTypeOf<Extract<MemberCommand, { type: 'handOver' }>>().toEqualTypeOf<{ type: 'handOver' } & { to: string }>();
    expectTypeOf(ALLOWED_ROLES.passStick).toEqualTypeOf<readonly Role[]>();
  });

  it("the client's send takes a row's name and that row's payload only", () => {
    // Type-checked, never run: `send` is only declared.
    const calls = () => {
      void send('passStick', { to: 'p1' });
      void send('passStick', {});
      void send('raiseHand', {});
      void send('warnClosing', { minutes: 3 });
      // @ts-expect-error not a command of the table
      void send('ping', {});
      // @ts-expect-error a payload field passStick does not have
      void send('passStick', { too: 'p1' });
      // @ts-expect-error extendMeeting needs its minutes
      void send('extendMeeting', {});
      // @ts-expect-error raiseHand takes no payload fields
      void send('raiseHand', { to: 'p1' });
    };
    expectTypeOf(calls).returns.toEqualTypeOf<void>();
  });

  it('each row names its family, whose file holds its handler, and rule ids that docs/rules.md defines', () => {
    const rules = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/rules.md'), 'utf8');
    for (const name of COMMAND_NAMES) {
      const row = COMMANDS[name];
      expect(Object.keys(FAMILIES[row.family]), name).toContain(name);
      for (const id of row.rules) expect(rules, `${name}: ${id}`).toContain(`**${id}**`);
    }
  });
});
