/**
 * Helpers for measuring audio in real Chromium pages (bench/stick-voice.ts, tests/e2e/first-word.test.ts):
 * a voice-like WAV for Chromium's fake microphone, and a page probe that reads RTP statistics
 * (counters and timestamps only) of every peer connection the page makes.
 */
import * as fs from 'node:fs';

/**
 * A voice-like WAV for Chromium's fake microphone: voiced "syllables" (a 100-220 Hz pitch with
 * harmonics shaped by two formants) whose pitch, formants and loudness change every 120-300 ms,
 * never silent. It stands for someone who starts speaking the moment the stick comes. It is kept
 * non-stationary so that the browser's noise suppression (which learns steady sounds as noise)
 * and Opus DTX treat it as speech. Seeded, so every run feeds the same sound.
 */
export function writeVoiceWav(file: string): void {
  const rate = 48_000;
  const seconds = 20;
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let phase = 0;
  let f0 = 150;
  let f0Target = 150;
  let f1 = 500;
  let f2 = 1500;
  let loud = 0.7;
  let loudTarget = 0.7;
  let nextSyllable = 0;
  for (let i = 0; i < n; i++) {
    if (i >= nextSyllable) {
      nextSyllable = i + Math.round(rate * (0.12 + 0.18 * rnd()));
      f0Target = 100 + 120 * rnd();
      f1 = 300 + 600 * rnd();
      f2 = 900 + 1600 * rnd();
      loudTarget = 0.35 + 0.65 * rnd();
    }
    f0 += (f0Target - f0) * 0.0005;
    loud += (loudTarget - loud) * 0.0008;
    phase += (2 * Math.PI * f0) / rate;
    let s = 0;
    for (let k = 1; k <= 16; k++) {
      const fk = f0 * k;
      const formant = Math.exp(-(((fk - f1) / 250) ** 2)) + 0.6 * Math.exp(-(((fk - f2) / 350) ** 2)) + 0.1;
      s += (formant / Math.sqrt(k)) * Math.sin(k * phase);
    }
    s += 0.02 * (rnd() * 2 - 1); // breath
    data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, 0.3 * s * loud)) * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

/**
 * Installed before the app's first script: keeps every RTCPeerConnection the page makes (to read
 * its RTP statistics) and offers the watchers the bench arms before each pass. Reads counters and
 * timestamps only.
 */
function pageProbe(): void {
  type RtpStat = { type: string; kind?: string; ssrc?: number; packetsReceived?: number; packetsSent?: number; lastPacketReceivedTimestamp?: number };
  const pcs: RTCPeerConnection[] = [];
  const Original = window.RTCPeerConnection;
  class Watched extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  }
  window.RTCPeerConnection = Watched as typeof RTCPeerConnection;
  // The microphone tracks the page got, for a test that makes a browser send while the app
  // would not (sendAnyway). Wrapped without calling getUserMedia itself.
  const micTracks: MediaStreamTrack[] = [];
  const md = navigator.mediaDevices;
  if (md?.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c?: MediaStreamConstraints) => {
      const stream = await gum(c);
      micTracks.push(...stream.getAudioTracks());
      return stream;
    };
  }
  const clock = () => performance.timeOrigin + performance.now();
  // Chromium caches a connection's statistics for tens of ms: polling faster only burns the CPU
  // the measured pages need. Arrival times come from each stream's own lastPacketReceivedTimestamp.
  const tick = () => new Promise<void>((r) => setTimeout(r, 5));
  async function rtp(): Promise<RtpStat[]> {
    const out: RtpStat[] = [];
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: RtpStat) => {
        if ((s.type === 'inbound-rtp' || s.type === 'outbound-rtp') && (s.kind ?? 'audio') === 'audio') out.push(s);
      });
    }
    return out;
  }
  const inbound = (all: RtpStat[], ssrc: number) => all.find((s) => s.type === 'inbound-rtp' && s.ssrc === ssrc);
  const sent = (all: RtpStat[]) => all.filter((s) => s.type === 'outbound-rtp').reduce((a, s) => a + (s.packetsSent ?? 0), 0);

  /** Resolves with the time `selector` first matches (at once if it already does). */
  function domSeen(selector: string, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      if (document.querySelector(selector)) return resolve(clock());
      const obs = new MutationObserver(() => {
        if (!document.querySelector(selector)) return;
        const t = clock();
        obs.disconnect();
        clearTimeout(timer);
        resolve(t);
      });
      obs.observe(document.body, { subtree: true, childList: true, attributes: true });
      const timer = setTimeout(() => {
        obs.disconnect();
        resolve(null);
      }, timeoutMs);
    });
  }

  const pending: Record<string, Promise<unknown>> = {};
  const api = {
    clock,
    /** Packets received so far from one SSRC (0 before the first). */
    async inboundPackets(ssrc: number): Promise<number> {
      return inbound(await rtp(), ssrc)?.packetsReceived ?? 0;
    },
    /** Packets this page has sent so far. */
    async sentPackets(): Promise<number> {
      return sent(await rtp());
    },
    /**
     * Puts the live microphone track on every audio sender that has none: the browser sends
     * whatever the app decided (a stand-in for a modified or misbehaving client).
     */
    async sendAnyway(): Promise<number> {
      const track = micTracks.find((t) => t.readyState === 'live');
      if (!track) return 0;
      let n = 0;
      for (const pc of pcs) {
        if (pc.connectionState === 'closed') continue;
        for (const sender of pc.getSenders()) {
          if (sender.track === null && pc.getTransceivers().some((t) => t.sender === sender && t.currentDirection?.includes('send'))) {
            await sender.replaceTrack(track);
            n += 1;
          }
        }
      }
      return n;
    },
    /** Connection states of the page's peer connections (the send one must be up before a pass). */
    pcStates: () => pcs.map((pc) => pc.connectionState),
    /** Arms the watchers for one pass; resolves once every baseline is read, with the packets received per SSRC. */
    async arm(w: { holderSelector?: string; heardSelector?: string; firstFrom?: number; lastFrom?: number; outbound?: boolean; timeoutMs: number }): Promise<{ at: number; received: Record<number, number> }> {
      for (const k of Object.keys(pending)) delete pending[k];
      const base = await rtp();
      const received: Record<number, number> = {};
      for (const s of base) if (s.type === 'inbound-rtp' && s.ssrc !== undefined) received[s.ssrc] = s.packetsReceived ?? 0;
      if (w.holderSelector) pending.holder = domSeen(w.holderSelector, w.timeoutMs);
      if (w.heardSelector) pending.heard = domSeen(w.heardSelector, w.timeoutMs);
      if (w.outbound) {
        const before = sent(base);
        pending.firstSent = (async () => {
          const end = clock() + w.timeoutMs;
          while (clock() < end) {
            if (sent(await rtp()) > before) return clock();
            await tick();
          }
          return null;
        })();
      }
      if (w.firstFrom !== undefined) {
        const ssrc = w.firstFrom;
        const before = inbound(base, ssrc)?.packetsReceived ?? 0;
        pending.firstHeard = (async () => {
          const end = clock() + w.timeoutMs;
          let lastPoll = clock();
          while (clock() < end) {
            const s = inbound(await rtp(), ssrc);
            const t = clock();
            const got = (s?.packetsReceived ?? 0) - before;
            if (got > 0) return { detected: t, previousPoll: lastPoll, packets: got, lastPacket: s?.lastPacketReceivedTimestamp ?? null };
            lastPoll = t;
            await tick();
          }
          return null;
        })();
      }
      if (w.lastFrom !== undefined) {
        const ssrc = w.lastFrom;
        const at0 = inbound(base, ssrc);
        let count = at0?.packetsReceived ?? 0;
        pending.stop = (async () => {
          const QUIET_MS = 700;
          const end = clock() + w.timeoutMs;
          let changedAt = clock();
          // No packet after arming: the last one is the one the baseline knew of.
          let lastPacket: number | null = at0?.lastPacketReceivedTimestamp ?? null;
          let after = 0;
          while (clock() < end) {
            const s = inbound(await rtp(), ssrc);
            const c = s?.packetsReceived ?? 0;
            if (c !== count) {
              after += c - count;
              count = c;
              changedAt = clock();
              lastPacket = s?.lastPacketReceivedTimestamp ?? changedAt;
            } else if (clock() - changedAt > QUIET_MS) {
              return { lastPacket, detected: changedAt, packetsAfterArm: after };
            }
            await tick();
          }
          return { lastPacket, detected: changedAt, packetsAfterArm: after, stillArriving: true };
        })();
      }
      return { at: clock(), received };
    },
    /** Waits for every armed watcher. */
    async results(): Promise<Record<string, unknown>> {
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(pending)) out[k] = await p;
      return out;
    },
  };
  (window as unknown as { __rtpProbe: typeof api }).__rtpProbe = api;
}

/** What `window.__rtpProbe` offers (see pageProbe). */
export type RtpProbe = {
  clock(): number;
  pcStates(): string[];
  inboundPackets(ssrc: number): Promise<number>;
  sentPackets(): Promise<number>;
  sendAnyway(): Promise<number>;
  arm(w: Record<string, unknown>): Promise<{ at: number; received: Record<number, number> }>;
  results(): Promise<Record<string, unknown>>;
};

/**
 * The probe as an init script (`page.addInitScript({ content })`). tsx keeps function names with
 * a `__name` helper that the page does not have: the script brings a stand-in.
 */
export function rtpProbeScript(): string {
  return `var __name = (f) => f; (${pageProbe.toString()})();`;
}
