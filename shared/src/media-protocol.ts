/**
 * Media signalling (mediasoup): typed, validated and documented like the room protocol.
 * Owned by the audio module; merged into the event maps in protocol.ts. Documented in
 * docs/media.md.
 *
 * The stick decides who is heard, on the server: every producer is paused in the SFU unless its
 * owner may be heard (see `heardParticipantIds`). Clients never pause or resume anyone.
 */
import { z } from 'zod';
import type { ErrorCode, ParticipantId, ProtocolError, RoomSnapshot } from './domain.ts';


const MEDIA_ID_MAX = 64;
/** mediasoup ids are UUIDs; accept any short printable id, never arbitrary text. */
const mediaId = z.string().min(1).max(MEDIA_ID_MAX).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id');
const shortText = (max: number) => z.string().max(max);
const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** Codec/extension parameters: `a=fmtp` style key/values, bounded. */
const parameters = z
  .record(shortText(64), z.union([z.string().max(256), z.number(), z.boolean()]))
  .refine((r) => Object.keys(r).length <= 32, 'has too many parameters');

const rtcpFeedback = z.looseObject({ type: shortText(32), parameter: shortText(32).optional() });

/** An RTP codec as the browser offers it (mediasoup validates the fine detail itself). */
const rtpCodecParameters = z.looseObject({
  mimeType: shortText(64),
  payloadType: int(0, 127),
  clockRate: int(1, 1_000_000),
  channels: int(1, 8).optional(),
  parameters: parameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(16).optional(),
});

const headerExtensionParameters = z.looseObject({
  uri: shortText(256),
  id: int(1, 255),
  encrypt: z.boolean().optional(),
  parameters: parameters.optional(),
});

const encoding = z.looseObject({
  ssrc: int(0, 0xffffffff).optional(),
  rid: shortText(32).optional(),
  codecPayloadType: int(0, 127).optional(),
  rtx: z.looseObject({ ssrc: int(0, 0xffffffff) }).optional(),
  dtx: z.boolean().optional(),
  maxBitrate: int(0, 10_000_000).optional(),
});

export const RtpParametersSchema = z.looseObject({
  mid: shortText(32).optional(),
  codecs: z.array(rtpCodecParameters).min(1).max(16),
  headerExtensions: z.array(headerExtensionParameters).max(16).optional(),
  encodings: z.array(encoding).max(4).optional(),
  rtcp: z.looseObject({ cname: shortText(256).optional(), reducedSize: z.boolean().optional() }).optional(),
});
export type WireRtpParameters = z.infer<typeof RtpParametersSchema>;

const rtpCodecCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: shortText(64),
  preferredPayloadType: int(0, 127).optional(),
  clockRate: int(1, 1_000_000),
  channels: int(1, 8).optional(),
  parameters: parameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(16).optional(),
});

const headerExtensionCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  uri: shortText(256),
  preferredId: int(1, 255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const RtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(rtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(headerExtensionCapability).max(64).optional(),
});
export type WireRtpCapabilities = z.infer<typeof RtpCapabilitiesSchema>;

export const DtlsParametersSchema = z
  .object({
    role: z.enum(['auto', 'client', 'server']).optional(),
    fingerprints: z
      .array(
        z
          .object({
            algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
            value: z.string().min(1).max(256).regex(/^[0-9A-Fa-f:]+$/, 'is not a fingerprint'),
          })
          .strict(),
      )
      .min(1)
      .max(8),
  })
  .strict();
export type WireDtlsParameters = z.infer<typeof DtlsParametersSchema>;

export const TransportDirection = { send: 'send', recv: 'recv' } as const;
export type TransportDirection = (typeof TransportDirection)[keyof typeof TransportDirection];

const empty = z.object({}).strict();

/** One zod schema per client -> server media payload, checked before anything is touched. */
export const mediaSchemas = {
  mediaCapabilities: empty,
  mediaJoin: z.object({ rtpCapabilities: RtpCapabilitiesSchema }).strict(),
  createTransport: z.object({ direction: z.enum(['send', 'recv']) }).strict(),
  connectTransport: z.object({ transportId: mediaId, dtlsParameters: DtlsParametersSchema }).strict(),
  restartIce: z.object({ transportId: mediaId }).strict(),
  produce: z
    .object({ transportId: mediaId, kind: z.literal('audio'), rtpParameters: RtpParametersSchema })
    .strict(),
  closeProducer: z.object({ producerId: mediaId }).strict(),
  mediaLeave: empty,
} as const;

export type MediaCommandName = keyof typeof mediaSchemas;
export const MEDIA_COMMAND_NAMES = Object.keys(mediaSchemas) as MediaCommandName[];
export type MediaPayload<K extends MediaCommandName> = z.infer<(typeof mediaSchemas)[K]>;

/**
 * Ack shapes, same as protocol.ts `Result` (kept local so this module does not import
 * protocol.ts, which imports it).
 */
export type MediaOk<T = object> = { ok: true } & T;
/** A refusal from the server: `{code, key, message}` like every other server error (errors.ts). */
export type MediaFail = { ok: false; error: ProtocolError };
export type MediaResult<T = object> = MediaOk<T> | MediaFail;
export type MediaAck<T = object> = (result: MediaResult<T>) => void;
/**
 * The page's answer to `newConsumer`: the page is not the server, so its refusals carry no key
 * (nobody is shown them; the server only logs and drops the offer).
 */
export type ConsumerAck = (result: { ok: true } | { ok: false; error: { code: ErrorCode; message: string } }) => void;

export interface IceCandidateInfo {
  foundation: string;
  priority: number;
  /** mediasoup >= 3.13 calls it `address`; `ip` is kept by mediasoup for older clients. */
  address: string;
  ip?: string;
  protocol: 'udp' | 'tcp';
  port: number;
  type: 'host';
  tcpType?: 'passive';
}

export interface IceParametersInfo {
  usernameFragment: string;
  password: string;
  iceLite?: boolean;
}

export interface TransportInfo {
  transportId: string;
  direction: TransportDirection;
  iceParameters: IceParametersInfo;
  iceCandidates: IceCandidateInfo[];
  dtlsParameters: WireDtlsParameters;
  /** TURN servers with time-limited credentials, when the server offers TURN (docs/media.md). */
  iceServers?: IceServerInfo[];
}

/** An RTCIceServer as the browser takes it: a TURN URL list and a credential valid for a while. */
export interface IceServerInfo {
  urls: string[];
  username: string;
  credential: string;
}

/** The server asks the client to receive one more person's audio (ack when ready). */
export interface NewConsumerInfo {
  consumerId: string;
  producerId: string;
  /** Whose voice this is. */
  participantId: ParticipantId;
  kind: 'audio';
  rtpParameters: WireRtpParameters;
  /** True while the speaker is not heard (the stick is elsewhere): no audio flows. */
  producerPaused: boolean;
}

export interface SpeakingLevel {
  participantId: ParticipantId;
  /** dBov, -127 (silence) .. 0 (loudest), averaged over the observer interval. */
  volume: number;
}

export const MediaResetReason = {
  /** The media process serving the meeting stopped; a new one took over. */
  workerDied: 'workerDied',
  /** This connection's media was replaced by a newer one of the same person. */
  superseded: 'superseded',
} as const;
export type MediaResetReason = (typeof MediaResetReason)[keyof typeof MediaResetReason];

export interface MediaClientToServerEvents {
  /** First call: the router's RTP capabilities, to load a mediasoup-client Device. */
  mediaCapabilities: (
    payload: MediaPayload<'mediaCapabilities'>,
    ack: MediaAck<{ routerRtpCapabilities: WireRtpCapabilities }>,
  ) => void;
  /** The device's capabilities; from now on the server pushes `newConsumer` for every voice. */
  mediaJoin: (payload: MediaPayload<'mediaJoin'>, ack: MediaAck) => void;
  createTransport: (payload: MediaPayload<'createTransport'>, ack: MediaAck<TransportInfo>) => void;
  connectTransport: (payload: MediaPayload<'connectTransport'>, ack: MediaAck) => void;
  /** After ICE/DTLS failure or a network change: fresh ICE parameters for `transport.restartIce`. */
  restartIce: (payload: MediaPayload<'restartIce'>, ack: MediaAck<{ iceParameters: IceParametersInfo }>) => void;
  /** Start sending the microphone. Refused (`forbidden`) for observers. Starts paused in the SFU. */
  produce: (payload: MediaPayload<'produce'>, ack: MediaAck<{ producerId: string; paused: boolean }>) => void;
  closeProducer: (payload: MediaPayload<'closeProducer'>, ack: MediaAck) => void;
  /** Close all of this connection's media (the page stays in the meeting). */
  mediaLeave: (payload: MediaPayload<'mediaLeave'>, ack: MediaAck) => void;
}

export interface MediaServerToClientEvents {
  /** Create a consumer on the recv transport, then ack `{ok:true}`; the server resumes it. */
  newConsumer: (info: NewConsumerInfo, ack: ConsumerAck) => void;
  consumerClosed: (info: { consumerId: string }) => void;
  /** The voice behind a consumer became audible (`producerPaused: false`) or silent. */
  consumerState: (info: { consumerId: string; producerPaused: boolean }) => void;
  /** Your own microphone: `paused: false` means others hear you now. */
  producerState: (info: { producerId: string; paused: boolean }) => void;
  /** Who is audible and how loud, at most every `SPEAKING_INTERVAL_MS`; `[]` means silence. */
  speaking: (info: { levels: SpeakingLevel[] }) => void;
  /** Every transport of this connection is gone: start media again from `mediaCapabilities`. */
  mediaReset: (info: { reason: MediaResetReason }) => void;
}

export const SPEAKING_INTERVAL_MS = 400;

/** What the server pushes to one person's client about their media, without an ack. */
export type PushEvent = 'consumerClosed' | 'consumerState' | 'producerState' | 'speaking' | 'mediaReset';
export type PushPayload<K extends PushEvent> = Parameters<MediaServerToClientEvents[K]>[0];

/**
 * How the server's media talks to one person's client: Socket.IO in production (the transport
 * makes it from the socket), tests and the benchmark drive peers from Node with their own.
 */
export interface PeerSignal {
  /** Offers a consumer to the client; resolves true once the client is ready to play it. */
  offerConsumer(info: NewConsumerInfo): Promise<boolean>;
  notify<K extends PushEvent>(event: K, payload: PushPayload<K>): void;
}

/**
 * The stick rule for audio, shared so the server enforces it and the client can explain it.
 * Heard: the stick holder while the meeting is open; the leader (and co-leaders) too when the meeting's
 * `leaderAlwaysHeard` setting is on, while the meeting is waiting or open (to welcome people).
 * Nobody is heard in a closed meeting. Only people present in the meeting count.
 */
export function heardParticipantIds(snapshot: RoomSnapshot): Set<ParticipantId> {
  const heard = new Set<ParticipantId>();
  if (snapshot.phase === 'closed') return heard;
  for (const p of snapshot.participants) {
    if (!p.present || p.role === 'observer') continue;
    const holds = snapshot.phase === 'open' && snapshot.stick.holderId === p.id;
    // A co-leader facilitates like the leader (rule F7).
    const facilitates = (p.role === 'leader' || p.coLeader) && snapshot.settings.leaderAlwaysHeard;
    if (holds || facilitates) heard.add(p.id);
  }
  return heard;
}
