/**
 * RoomSession: one person's seat in one meeting, as three parts by concern:
 * - `connection` (RoomConnection): the socket, joining and re-joining (S9), the latest snapshot;
 * - `view` (RoomView): what the screens show of that snapshot;
 * - `actions` (RoomActions): the person's commands, what is pending, what failed.
 *
 * Shape (CONVENTIONS rule 5): `static async create()`, private constructor, `close()` safe to
 * call twice.
 */
import { RoomActions } from './actions.svelte.ts';
import { RoomConnection, type RoomSessionOptions } from './connection.svelte.ts';
import { RoomView } from './views.svelte.ts';

export { ConnectionStatus, JoinError, type EndedReason, type Me, type Mine, type RoomSessionOptions } from './connection.svelte.ts';
export type { CommandFailure, FeedbackAnswers, SettingsPatch } from './actions.svelte.ts';
export type { NextStep } from './views.ts';

export class RoomSession {
  readonly connection: RoomConnection;
  readonly view: RoomView;
  readonly actions: RoomActions;

  private constructor(connection: RoomConnection) {
    this.connection = connection;
    this.view = new RoomView(connection);
    this.actions = new RoomActions(connection);
  }

  /** Connects and joins. Resolves once the server has seated us; rejects with a JoinError. */
  static async create(opts: RoomSessionOptions): Promise<RoomSession> {
    return new RoomSession(await RoomConnection.create(opts));
  }

  /** Disconnects and releases everything. Safe to call twice. The last snapshot stays readable. */
  close(): void {
    this.view.close();
    this.connection.close();
  }
}
