/**
 * The group's page state (G2, G3): looks the group link up, then keeps asking the server to
 * answer when something changes (a held lookup, `wait`), so the calm "come back then" turns
 * into the join form by itself when the meeting opens. One loop per page; `close()` ends it.
 */
import type { GroupView } from '@peer-circle/shared';
import { looksLikeToken } from '../../lib/net/api.ts';
import { lookupGroup } from './api.ts';

export type GroupStage = { kind: 'looking' } | { kind: 'badLink' } | { kind: 'unreachable' } | { kind: 'ready'; view: GroupView };

/** After a failed lookup, wait this long before asking again (the connection may come back). */
const RETRY_MS = 5_000;

export class GroupPageState {
  #stage = $state.raw<GroupStage>({ kind: 'looking' });
  #closed = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  readonly token: string;

  constructor(token: string) {
    this.token = token;
  }

  get stage(): GroupStage {
    return this.#stage;
  }

  get view(): GroupView | null {
    return this.#stage.kind === 'ready' ? this.#stage.view : null;
  }

  /** Starts following the group (idempotent). */
  start(): void {
    if (!looksLikeToken(this.token)) {
      this.#stage = { kind: 'badLink' };
      return;
    }
    this.#loop ??= this.#follow();
  }

  /** Asks again now (after this page changed something). */
  async refresh(): Promise<void> {
    const res = await lookupGroup(this.token);
    if (this.#closed) return;
    if (res.ok) this.#stage = { kind: 'ready', view: res.data };
    else if (res.error.status === 404) this.#stage = { kind: 'badLink' };
  }

  /** Asks again at once instead of at the next automatic try ("Try again" while unreachable). */
  retryNow(): void {
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async #follow(): Promise<void> {
    while (!this.#closed) {
      const tag = this.view?.tag;
      const res = await lookupGroup(this.token, tag);
      if (this.#closed) return;
      if (res.ok) {
        this.#stage = { kind: 'ready', view: res.data };
        continue;
      }
      if (res.error.status === 404 || res.error.code === 'invalid_payload') {
        this.#stage = { kind: 'badLink' };
        return;
      }
      if (this.#stage.kind !== 'ready') this.#stage = { kind: 'unreachable' };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, RETRY_MS);
      });
    }
  }
}
