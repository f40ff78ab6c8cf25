/**
 * RoomActions: what the person does in the meeting. One typed `send(name, payload)` for every
 * command (the payload type comes from the protocol's `ClientToServerEvents`), the command
 * waiting for its ack, and the last failure to show. The server decides; a refused command
 * changes nothing here but the failure shown.
 */
import type { CommandName } from '@peer-circle/shared';
import { call, type AppSocket, type CallError, type PayloadOf } from '../net/socket.ts';
import type { EndedReason, Mine } from './connection.svelte.ts';

/** A failed command, kept until the next command or dismissal; `at` makes repeats distinct. */
export interface CommandFailure {
  command: CommandName;
  error: CallError;
  at: number;
}

/** What the leader may change during the meeting (rule F6). */
export type SettingsPatch = PayloadOf<'updateSettings'>;
/** Anonymous feedback after the meeting (rule E2): each answer optional, at least one. */
export type FeedbackAnswers = PayloadOf<'giveFeedback'>;

/** What the actions need from the connection. */
export interface CommandChannel {
  readonly socket: AppSocket;
  readonly ended: EndedReason | null;
  readonly closed: boolean;
  readonly mine: Mine;
  updateMine(patch: Partial<Mine>): void;
}

export class RoomActions {
  readonly #channel: CommandChannel;
  #pending = $state<CommandName | null>(null);
  #failure = $state.raw<CommandFailure | null>(null);

  constructor(channel: CommandChannel) {
    this.#channel = channel;
  }

  /** The command waiting for its ack, if any (buttons show it and avoid double sends); none once the seat ended. */
  get pending(): CommandName | null {
    return this.#channel.ended !== null ? null : this.#pending;
  }
  get failure(): CommandFailure | null {
    return this.#failure;
  }

  /**
   * Sends one command and waits for its ack. Resolves true when the server accepted it; false
   * when it was refused or could not be sent (the reason is in `failure`). Never rejects.
   */
  send = async <C extends CommandName>(command: C, payload: PayloadOf<C>): Promise<boolean> => {
    if (this.#channel.ended !== null || this.#channel.closed) return false;
    this.#failure = null;
    this.#pending = command;
    const res = await call(this.#channel.socket, command, payload);
    if (this.#pending === command) this.#pending = null;
    if (!res.ok) {
      this.#failure = { command, error: res.error, at: Date.now() };
      return false;
    }
    return true;
  };

  // The three commands about my own seat: the server never tells anyone else, so the page
  // remembers what it said (and a reload learns it from the join answer).

  /** Participant: ask the leader, privately, to check in after the meeting (rule F9). */
  askCheckIn = async (on: boolean): Promise<boolean> => {
    const ok = await this.send('askCheckIn', { on });
    if (ok) this.#channel.updateMine({ checkIn: on });
    return ok;
  };
  /** Anonymous feedback after closing (rule E2). */
  giveFeedback = async (answers: FeedbackAnswers): Promise<boolean> => {
    const ok = await this.send('giveFeedback', answers);
    if (ok) this.#channel.updateMine({ feedbackGiven: true });
    return ok;
  };
  /** Participant: an anonymous concern to the leader (rule E3). */
  raiseConcern = async (text: string): Promise<boolean> => {
    const ok = await this.send('raiseConcern', { text });
    if (ok) this.#channel.updateMine({ concernsLeft: Math.max(0, this.#channel.mine.concernsLeft - 1) });
    return ok;
  };

  dismissFailure = (): void => {
    this.#failure = null;
  };
}
