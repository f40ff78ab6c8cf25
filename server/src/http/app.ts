/** Express: the small HTTP API, health, and the built client. */
import express, { type ErrorRequestHandler, type Request } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  AttendanceBody,
  CreateMeetingBody,
  payloadDetail,
  LookupBody,
  protocolError,
  ROLES,
  type CreateMeetingResponse,
  type ErrorCode,
  type ErrorKey,
  type LookupResponse,
  type ProtocolError,
  type Role,
} from '@peer-circle/shared';
import type { RoomService } from '../app/service.ts';
import { attendanceCsv, attendanceFilename } from './csv.ts';

/** `GET /api/health`: 200 when this process can serve meetings, 503 (same body) when not. */
export interface HealthReport {
  /** The store answers (always true in memory). */
  ok: boolean;
  store: 'memory' | 'redis';
  /** This server process, as it appears in logs and in the cluster's heartbeats. */
  nodeId: string;
  /** Meetings with audio (a mediasoup router) on this process; null without media. */
  mediaMeetings: number | null;
  /** This process's media load (meetings, producers, consumers it forwards); null without media. */
  mediaLoad: { meetings: number; producers: number; consumers: number } | null;
  /** Whether Redis answers (null with the in-memory store). */
  redis: boolean | null;
}

export interface HttpOptions {
  service: RoomService;
  logger: Logger;
  health: () => Promise<HealthReport>;
  publicUrl?: string | undefined;
  clientDir?: string | undefined;
  trustProxy?: string | undefined;
  /** Requests per minute per address to the meeting API. */
  apiRatePerMinute?: number;
  /** More routes under /api (weekly groups: /api/groups). */
  routes?: Record<string, express.Router>;
}

/** The body of a refused request: `{error:{code, key, message}}`, like a socket refusal. */
const error = (code: ErrorCode, key: ErrorKey, detail?: string): { error: ProtocolError } => ({ error: protocolError(code, key, detail) });
const UNKNOWN_LINK = 'link.unknown' satisfies ErrorKey;

export function createHttpApp(o: HttpOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (o.trustProxy) app.set('trust proxy', o.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          mediaSrc: ["'self'", 'blob:'],
          imgSrc: ["'self'", 'data:'],
          upgradeInsecureRequests: null,
        },
      },
      // Links carry capability tokens in the fragment; never leak the page address onwards.
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  const api = express.Router();
  // Before the rate limit: a load balancer probing every few seconds must never be throttled,
  // nor use up the budget of people creating meetings from the same address.
  api.get('/health', async (_req, res) => {
    const report = await o.health();
    res.status(report.ok ? 200 : 503).set('Cache-Control', 'no-store').json(report);
  });
  api.use(express.json({ limit: '32kb' }));
  api.use(
    rateLimit({
      windowMs: 60_000,
      limit: o.apiRatePerMinute ?? 60,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res) => res.status(429).json(error('rate_limited', 'rateLimit.wait')),
    }),
  );

  api.post('/meetings', async (req, res) => {
    const parsed = CreateMeetingBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(error('invalid_payload', 'payload.invalid', payloadDetail(parsed.error, { whole: 'body' })));
      return;
    }
    const { meetingId, tokens } = await o.service.createMeeting(parsed.data);
    const base = o.publicUrl ?? origin(req);
    const links = Object.fromEntries(ROLES.map((r) => [r, `${base.replace(/\/$/, '')}/#/join/${tokens[r]}`])) as Record<Role, string>;
    const body: CreateMeetingResponse = { meetingId, tokens, links };
    res.status(201).json(body);
  });

  // POST, not GET: the token stays out of URLs and therefore out of access logs.
  api.post('/lookup', async (req, res) => {
    const parsed = LookupBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(error('invalid_payload', 'link.invalid'));
      return;
    }
    const found = await o.service.resolveToken(parsed.data.token);
    if (!found) {
      res.status(404).json(error('not_found', UNKNOWN_LINK));
      return;
    }
    const body: LookupResponse = {
      meetingId: found.meetingId,
      title: found.state.title,
      role: found.role,
      phase: found.state.phase,
      rules: found.state.settings.rules,
      language: found.state.settings.language,
    };
    res.json(body);
  });

  // Rule E4: the leader's attendance summary. Any other link gets the unknown-link answer, so the
  // endpoint tells nobody which links exist or which role they carry.
  api.post('/attendance', async (req, res) => {
    const parsed = AttendanceBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(error('invalid_payload', 'link.invalid'));
      return;
    }
    const summary = await o.service.attendance(parsed.data.token, parsed.data.resume);
    if (!summary) {
      res.status(404).json(error('not_found', UNKNOWN_LINK));
      return;
    }
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${attendanceFilename(summary)}"`)
      .set('Cache-Control', 'no-store')
      .send(attendanceCsv(summary));
  });

  for (const [at, router] of Object.entries(o.routes ?? {})) api.use(at, router);

  api.use((_req, res) => {
    res.status(404).json(error('not_found', 'request.noEndpoint'));
  });
  const onError: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, _next) => {
    if (err.type === 'entity.parse.failed' || err.type === 'entity.too.large' || err.status === 400 || err.status === 413) {
      res.status(err.status ?? 400).json(error('invalid_payload', err.type === 'entity.too.large' ? 'request.tooLarge' : 'request.badJson'));
      return;
    }
    o.logger.error({ err }, 'http error');
    res.status(500).json(error('internal', 'internal.generic'));
  };
  api.use(onError);
  app.use('/api', api);

  if (o.clientDir && existsSync(path.join(o.clientDir, 'index.html'))) {
    app.use(express.static(o.clientDir, { index: 'index.html', maxAge: '1h' }));
  } else {
    app.get('/', (_req, res) => {
      res.status(503).type('text').send('The client is not built. Run `npm start` (it builds it) or `npm run build`.');
    });
  }
  return app;
}

function origin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
