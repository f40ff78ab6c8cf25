/**
 * The page's answers to "can anyone hear me?", as pure functions: the speaking ring's threshold
 * for quiet voices (A14), the mark next to the holder, sound arriving, the connection verdict
 * (F13) and the level meter.
 */
import { describe, expect, it } from 'vitest';
import { isSpeaking, nextSpeaking, SPEAKING_OFF_DBOV, SPEAKING_ON_DBOV } from '../../client/src/lib/media/speaking.ts';
import { arrivingFrom, holderMicState, NO_AUDIO_AFTER_MS, type MicStateInput } from '../../client/src/lib/media/mic-state.ts';
import { isPoorSample, nextQuality, sampleFromStats } from '../../client/src/lib/media/quality.ts';
import { meterLevel } from '../../client/src/lib/media/level.ts';

describe('the speaking ring', () => {
  it('[A14] a quiet voice (-68 dBov) lights the ring; the old -60 dBov threshold did not', () => {
    expect(SPEAKING_ON_DBOV).toBeLessThanOrEqual(-70);
    expect(isSpeaking(-68, false)).toBe(true);
    expect(isSpeaking(-71, false)).toBe(true);
    expect(nextSpeaking(new Map([['ann', -68]]), new Set())).toEqual(new Set(['ann']));
  });

  it('[A14] background hiss and digital silence never do', () => {
    expect(isSpeaking(-85, false)).toBe(false);
    expect(isSpeaking(-127, false)).toBe(false);
    expect(isSpeaking(undefined, true)).toBe(false);
    expect(isSpeaking(Number.NaN, false)).toBe(false);
  });

  it('[A14] hysteresis: a voice dipping between words keeps the ring; it goes below the lower bound', () => {
    const dip = (SPEAKING_ON_DBOV + SPEAKING_OFF_DBOV) / 2;
    expect(isSpeaking(dip, false)).toBe(false);
    expect(isSpeaking(dip, true)).toBe(true);
    expect(isSpeaking(SPEAKING_OFF_DBOV - 1, true)).toBe(false);
    let s = nextSpeaking(new Map([['ann', -65]]), new Set());
    s = nextSpeaking(new Map([['ann', dip]]), s);
    expect(s.has('ann')).toBe(true);
    s = nextSpeaking(new Map(), s);
    expect(s.size).toBe(0);
  });
});

describe('the mark next to the holder', () => {
  const base: MicStateInput = { holderId: 'ann', meId: 'bob', mediaAvailable: true, mediaReady: true, myMicOn: false, holderVoice: null, arriving: null };

  it('shows off when no voice of the holder exists, on when it does', () => {
    expect(holderMicState(base)).toBe('off');
    expect(holderMicState({ ...base, holderVoice: { audible: false } })).toBe('on');
    expect(holderMicState({ ...base, holderVoice: { audible: true }, arriving: true })).toBe('on');
    expect(holderMicState({ ...base, holderVoice: { audible: true }, arriving: null })).toBe('on');
  });

  it('says "no sound arriving" when a forwarded voice brings no bytes', () => {
    expect(holderMicState({ ...base, holderVoice: { audible: true }, arriving: false })).toBe('noAudio');
  });

  it('my own microphone when I hold the stick; nothing without a holder or without audio', () => {
    expect(holderMicState({ ...base, holderId: 'bob' })).toBe('off');
    expect(holderMicState({ ...base, holderId: 'bob', myMicOn: true })).toBe('on');
    expect(holderMicState({ ...base, holderId: null })).toBeNull();
    expect(holderMicState({ ...base, mediaAvailable: false })).toBeNull();
    expect(holderMicState({ ...base, mediaReady: false })).toBeNull();
  });

  it('sound arriving: unknown during the first seconds, then whether bytes grew in the last 3 s', () => {
    const at = (s: number, bytes: number) => ({ at: s * 1000, bytes });
    expect(arrivingFrom([at(0, 0), at(1, 100)], 1000)).toBeNull();
    expect(arrivingFrom([at(0, 0), at(1, 100), at(2, 200), at(3, 300), at(4, 400)], 4000)).toBe(true);
    expect(arrivingFrom([at(0, 100), at(1, 100), at(2, 100), at(3, 100), at(4, 100)], 4000)).toBe(false);
    // Bytes stopped 4 s ago.
    expect(arrivingFrom([at(0, 0), at(1, 500), at(2, 500), at(3, 500), at(4, 500), at(5, 500)], 5000)).toBe(false);
    expect(NO_AUDIO_AFTER_MS).toBe(3000);
  });
});

describe('F13 my connection, from getStats', () => {
  const stats = (o: { received: number; lost: number; jitter?: number; rtt?: number; fractionLost?: number }) => [
    [
      { type: 'inbound-rtp', packetsReceived: o.received, packetsLost: o.lost, jitter: o.jitter ?? 0.005 },
      { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: o.rtt ?? 0.02 },
      ...(o.fractionLost !== undefined ? [{ type: 'remote-inbound-rtp', fractionLost: o.fractionLost, roundTripTime: o.rtt ?? 0.02 }] : []),
    ],
  ];

  it('[F13] loss is measured between samples; jitter and RTT in ms', () => {
    const first = sampleFromStats(stats({ received: 100, lost: 0 }), null);
    expect(first.sample).toEqual({ lossPercent: null, jitterMs: 5, rttMs: 20 });
    const second = sampleFromStats(stats({ received: 180, lost: 20, jitter: 0.08, rtt: 0.5 }), first.counters);
    expect(second.sample.lossPercent).toBeCloseTo(20);
    expect(second.sample.jitterMs).toBeCloseTo(80);
    expect(second.sample.rttMs).toBeCloseTo(500);
    expect(isPoorSample(first.sample)).toBe(false);
    expect(isPoorSample(second.sample)).toBe(true);
    expect(isPoorSample(sampleFromStats(stats({ received: 0, lost: 0, fractionLost: 0.1 }), null).sample)).toBe(true);
  });

  it('[F13] too few packets say nothing about loss', () => {
    const a = sampleFromStats(stats({ received: 100, lost: 0 }), null);
    expect(sampleFromStats(stats({ received: 102, lost: 2 }), a.counters).sample.lossPercent).toBeNull();
  });

  it('[F13] two poor samples make it poor, three good ones make it good again', () => {
    const poor = { lossPercent: 12, jitterMs: 10, rttMs: 30 };
    const good = { lossPercent: 0, jitterMs: 10, rttMs: 30 };
    let q = nextQuality('good', 0, poor);
    expect(q.level).toBe('good');
    q = nextQuality(q.level, q.streak, poor);
    expect(q.level).toBe('poor');
    q = nextQuality(q.level, q.streak, good);
    q = nextQuality(q.level, q.streak, good);
    expect(q.level).toBe('poor');
    q = nextQuality(q.level, q.streak, poor); // a relapse restarts the count
    q = nextQuality(q.level, q.streak, good);
    q = nextQuality(q.level, q.streak, good);
    expect(q.level).toBe('poor');
    q = nextQuality(q.level, q.streak, good);
    expect(q.level).toBe('good');
  });
});

describe('the level meter', () => {
  it('maps the RMS of a frame to 0..1 (-60 dBFS and below is 0)', () => {
    expect(meterLevel(new Float32Array(128))).toBe(0);
    expect(meterLevel(new Float32Array(128).fill(1))).toBe(1);
    expect(meterLevel(new Float32Array(128).fill(0.0001))).toBe(0);
    expect(meterLevel(new Float32Array(128).fill(0.03))).toBeCloseTo((20 * Math.log10(0.03) + 60) / 60, 3);
  });
});
