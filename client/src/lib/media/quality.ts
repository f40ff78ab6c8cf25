/**
 * My own connection, judged from WebRTC statistics (RTCPeerConnection getStats through
 * mediasoup-client's transport.getStats): packet loss, jitter and round-trip time. Coarse on
 * purpose (good / poor, rule F13): a person needs one plain sentence, the leader one mark.
 * Pure: unit-tested.
 */
import type { ConnectionQuality } from '@peer-circle/shared';

/** Over these a voice breaks up or lags noticeably (ITU-T G.114 puts 400 ms RTT at the limit). */
export const POOR_LOSS_PERCENT = 5;
export const POOR_JITTER_MS = 50;
export const POOR_RTT_MS = 400;
/** Consecutive samples needed to change the verdict: one bad second is not a bad connection. */
export const SAMPLES_TO_POOR = 2;
export const SAMPLES_TO_GOOD = 3;

/** Running counters, to turn cumulative packet counts into a loss rate per sample. */
export interface Counters {
  received: number;
  lost: number;
}

export interface QualitySample {
  /** Packets lost in this interval, percent (null: too few packets to tell). */
  lossPercent: number | null;
  jitterMs: number | null;
  rttMs: number | null;
}

type Stat = { type?: string; state?: string; nominated?: boolean; [k: string]: unknown };
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** One sample from the stats of my transports; `before` are the counters of the previous sample. */
export function sampleFromStats(reports: Iterable<Stat>[], before: Counters | null): { sample: QualitySample; counters: Counters } {
  let received = 0;
  let lost = 0;
  let jitter: number | null = null;
  let rtt: number | null = null;
  let remoteLoss: number | null = null;
  for (const report of reports) {
    for (const s of report) {
      if (s.type === 'inbound-rtp') {
        received += num(s.packetsReceived) ?? 0;
        lost += Math.max(0, num(s.packetsLost) ?? 0);
        jitter = max(jitter, num(s.jitter));
      } else if (s.type === 'remote-inbound-rtp') {
        // What the SFU says about what I send: loss and round trip on my uplink.
        remoteLoss = max(remoteLoss, num(s.fractionLost));
        rtt = max(rtt, num(s.roundTripTime));
      } else if (s.type === 'candidate-pair' && (s.nominated === true || s.state === 'succeeded')) {
        rtt = max(rtt, num(s.currentRoundTripTime));
      }
    }
  }
  const counters = { received, lost };
  let lossPercent: number | null = remoteLoss === null ? null : remoteLoss * 100;
  if (before) {
    const got = received - before.received;
    const gone = lost - before.lost;
    // Fewer than 10 packets (a silent, DTX-only voice) says little about loss.
    if (got + gone >= 10) lossPercent = max(lossPercent, (100 * gone) / (got + gone));
  }
  return { sample: { lossPercent, jitterMs: jitter === null ? null : jitter * 1000, rttMs: rtt === null ? null : rtt * 1000 }, counters };
}

/** Is this one sample poor? */
export function isPoorSample(s: QualitySample): boolean {
  return (s.lossPercent ?? 0) > POOR_LOSS_PERCENT || (s.jitterMs ?? 0) > POOR_JITTER_MS || (s.rttMs ?? 0) > POOR_RTT_MS;
}

/** The verdict with hysteresis: `streak` counts consecutive samples that disagree with `level`. */
export function nextQuality(level: ConnectionQuality, streak: number, sample: QualitySample): { level: ConnectionQuality; streak: number } {
  const poor = isPoorSample(sample);
  if ((level === 'poor') === poor) return { level, streak: 0 };
  const needed = poor ? SAMPLES_TO_POOR : SAMPLES_TO_GOOD;
  if (streak + 1 >= needed) return { level: poor ? 'poor' : 'good', streak: 0 };
  return { level, streak: streak + 1 };
}
