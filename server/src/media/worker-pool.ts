/**
 * mediasoup worker processes: one per core by default, each with its own WebRtcServer when a
 * fixed port is configured. A worker that dies is replaced and the pool says so
 * (`workerDied`), so the meetings it served can be rebuilt.
 */
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { WebRtcServer, Worker } from 'mediasoup/types';
import type { Logger } from 'pino';
import type { MediaConfig } from './config.ts';

/** One worker slot. `load` counts the routers (meetings) placed on it. */
export interface PoolWorker {
  readonly index: number;
  readonly worker: Worker;
  readonly webRtcServer: WebRtcServer | undefined;
  load: number;
}

export interface WorkerDiedInfo {
  died: PoolWorker;
  /** null when no replacement could be started (the pool may then be empty). */
  replacement: PoolWorker | null;
}

type PoolEvents = {
  workerDied: [WorkerDiedInfo];
  closed: [];
};

const RESPAWN_ATTEMPTS = 5;
const RESPAWN_DELAY_MS = 500;

export class WorkerPool extends EventEmitter<PoolEvents> {
  readonly #config: MediaConfig;
  readonly #logger: Logger;
  /** Live slots; a dead worker leaves until its replacement is up. */
  readonly #slots: PoolWorker[] = [];
  #closed = false;

  static async create(opts: { config: MediaConfig; logger: Logger }): Promise<WorkerPool> {
    const pool = new WorkerPool(opts.config, opts.logger);
    try {
      for (let i = 0; i < opts.config.workers; i++) pool.#slots.push(await pool.#spawn(i));
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  private constructor(config: MediaConfig, logger: Logger) {
    super();
    this.#config = config;
    this.#logger = logger.child({ component: 'media.workers' });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#slots.length;
  }

  get workers(): readonly PoolWorker[] {
    return this.#slots;
  }

  /** The live worker carrying the fewest meetings; its load is counted up. Call `release` later. */
  acquire(): PoolWorker {
    let best: PoolWorker | undefined;
    for (const s of this.#slots) if (!s.worker.closed && (!best || s.load < best.load)) best = s;
    if (!best) throw new Error('no media worker is available');
    best.load += 1;
    return best;
  }

  release(slot: PoolWorker): void {
    if (slot.load > 0) slot.load -= 1;
  }

  /** Stops every worker. Safe to call twice; emits `closed` once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#slots.splice(0)) s.worker.close();
    this.emit('closed');
  }

  async #spawn(index: number): Promise<PoolWorker> {
    const c = this.#config;
    const worker = await mediasoup.createWorker({
      logLevel: c.logLevel,
      // Ports come from each transport's listen info (portRange) or the WebRtcServer.
      appData: { index },
    });
    let webRtcServer: WebRtcServer | undefined;
    if (c.webRtcServerPort !== undefined) {
      const port = c.webRtcServerPort + index;
      const base = { ip: c.listenIp, announcedAddress: c.announcedAddress, port };
      try {
        webRtcServer = await worker.createWebRtcServer({
          listenInfos: [
            { ...base, protocol: 'udp' },
            ...(c.enableTcp ? [{ ...base, protocol: 'tcp' as const }] : []),
          ],
        });
      } catch (err) {
        worker.close();
        throw err;
      }
    }
    const slot: PoolWorker = { index, worker, webRtcServer, load: 0 };
    worker.on('died', (error) => void this.#onDied(slot, error));
    this.#logger.info({ pid: worker.pid, index, webRtcServerPort: webRtcServer ? c.webRtcServerPort! + index : null }, 'media worker started');
    return slot;
  }

  async #onDied(slot: PoolWorker, error: Error): Promise<void> {
    const at = this.#slots.indexOf(slot);
    if (at >= 0) this.#slots.splice(at, 1);
    this.#logger.error({ pid: slot.worker.pid, index: slot.index, err: error.message }, 'media worker died');
    let replacement: PoolWorker | null = null;
    for (let attempt = 1; attempt <= RESPAWN_ATTEMPTS && !this.#closed; attempt++) {
      try {
        replacement = await this.#spawn(slot.index);
        break;
      } catch (err) {
        this.#logger.error({ index: slot.index, attempt, err: (err as Error).message }, 'media worker restart failed');
        await new Promise((r) => setTimeout(r, RESPAWN_DELAY_MS * attempt));
      }
    }
    if (this.#closed) {
      replacement?.worker.close();
      return;
    }
    if (replacement) this.#slots.push(replacement);
    this.emit('workerDied', { died: slot, replacement });
  }
}
