/**
 * How loud my microphone is, for the level meter: an AnalyserNode on the track, read about ten
 * times a second. Local only: the analyser is a sink, nothing is sent anywhere. Rune class with
 * `create()` and `close()` safe twice (CONVENTIONS 5/9).
 */
import { meterLevel } from './level.ts';

const READ_MS = 100;

export class LevelMeter {
  #level = $state(0);
  #ctx: AudioContext | null = null;
  #source: MediaStreamAudioSourceNode | null = null;
  #analyser: AnalyserNode | null = null;
  #buffer: Float32Array<ArrayBuffer> | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #track: MediaStreamTrack | null = null;
  /** The meter listens to its own clone: Chrome feeds a track whose RTP sender is paused
   * (`replaceTrack(null)`, while I am not heard) as silence to Web Audio, a clone keeps its sound. */
  #clone: MediaStreamTrack | null = null;
  #closed = false;

  static create(): LevelMeter {
    return new LevelMeter();
  }

  private constructor() {}

  /** 0 (silence) .. 1 (very loud). */
  get level(): number {
    return this.#level;
  }

  /** Measures this track (null: stop measuring). */
  attach(track: MediaStreamTrack | null): void {
    if (this.#closed || track === this.#track) return;
    this.#detach();
    this.#track = track;
    if (!track) return;
    try {
      this.#ctx ??= new AudioContext();
      void this.#ctx.resume().catch(() => undefined);
      this.#clone = track.clone();
      this.#source = this.#ctx.createMediaStreamSource(new MediaStream([this.#clone]));
      this.#analyser = this.#ctx.createAnalyser();
      this.#analyser.fftSize = 1024;
      this.#buffer = new Float32Array(this.#analyser.fftSize);
      this.#source.connect(this.#analyser);
      this.#timer = setInterval(() => this.#read(), READ_MS);
    } catch {
      // No Web Audio here: the meter simply stays still.
      this.#detach();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    void this.#ctx?.close().catch(() => undefined);
    this.#ctx = null;
  }

  #read(): void {
    if (!this.#analyser || !this.#buffer) return;
    this.#analyser.getFloatTimeDomainData(this.#buffer);
    this.#level = meterLevel(this.#buffer);
  }

  #detach(): void {
    clearInterval(this.#timer);
    this.#source?.disconnect();
    this.#analyser?.disconnect();
    this.#clone?.stop();
    this.#clone = null;
    this.#source = null;
    this.#analyser = null;
    this.#buffer = null;
    this.#track = null;
    this.#level = 0;
  }
}
