/**
 * Wires weekly groups into one server process: the group store beside the room store (memory,
 * or Redis with the same prefix), the GroupService, its /api/groups routes, and the socket push
 * of a facilitator link to one connection. server.ts calls this and ticks `service`.
 */
import type { RedisConnection } from './store/connection.ts';
import type express from 'express';
import type { Logger } from 'pino';
import type { RoomService } from './app/service.ts';
import type { AppServer } from './transport/session.ts';
import { socketIdOf } from './transport/session.ts';
import type { GroupStore } from './store/groups/port.ts';
import { MemoryGroupStore } from './store/groups/memory.ts';
import { RedisGroupStore } from './store/groups/redis.ts';
import { groupRoutes } from './http/groups.ts';
import { GroupService } from './app/groups.ts';

export interface GroupsOptions {
  rooms: RoomService;
  logger: Logger;
  /** Redis (a URL or Sentinel), as the room store reaches it; none: in memory. */
  redis?: RedisConnection | null | undefined;
  redisPrefix: string;
  publicUrl?: string | undefined;
  personalDataTtlHours: number;
  aggregateRetentionDays: number;
  openMeetingTtlHours: number;
  groupIdleDays: number;
  graceSeconds: number;
  waitMs?: number;
}

export interface Groups {
  store: GroupStore;
  service: GroupService;
  routes: express.Router;
  /** The Socket.IO server the facilitator link is pushed through (set once it exists). */
  attach(io: AppServer): void;
  close(): Promise<void>;
}

export async function startGroups(o: GroupsOptions): Promise<Groups> {
  const store: GroupStore = o.redis ? await RedisGroupStore.create({ ...o.redis, prefix: o.redisPrefix }) : await MemoryGroupStore.create();
  let io: AppServer | null = null;
  const service = new GroupService({
    store,
    rooms: o.rooms,
    logger: o.logger,
    graceSeconds: o.graceSeconds,
    times: {
      personalMs: o.personalDataTtlHours * 3_600_000,
      aggregateMs: o.aggregateRetentionDays * 86_400_000,
      idleMs: o.groupIdleDays * 86_400_000,
      // An untouched meeting is deleted after OPEN_MEETING_TTL_HOURS; closed ones are recorded.
      staleMeetingMs: (o.openMeetingTtlHours + o.personalDataTtlHours) * 3_600_000,
    },
    // By socket id, through the adapter when another process holds the connection: only that
    // person's page receives their facilitator link (G5).
    notify: (connId, info) => io?.to(socketIdOf(connId)).emit('groupFacilitation', info),
  });
  return {
    store,
    service,
    routes: groupRoutes({ groups: service, publicUrl: o.publicUrl, ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}) }),
    attach: (server) => {
      io = server;
    },
    close: () => store.close(),
  };
}
