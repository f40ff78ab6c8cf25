/**
 * "Test my microphone": records a few seconds of my own voice with MediaRecorder and plays it
 * back on this page. Nothing leaves the browser: no producer, no transport, no request (the
 * end-to-end test checks that the page sent nothing). Uses the microphone that is already on
 * (a clone of its track: no second prompt), else asks for the chosen one and stops it after.
 */
export const MicTestState = { idle: 'idle', recording: 'recording', playing: 'playing', failed: 'failed' } as const;
export type MicTestState = (typeof MicTestState)[keyof typeof MicTestState];

export const TEST_SECONDS = 3;

export interface MicTestOptions {
  getUserMedia?: (c: MediaStreamConstraints) => Promise<MediaStream>;
  seconds?: number;
}

export class MicTest {
  #state = $state<MicTestState>('idle');
  /** The track being recorded (for the level meter while testing). */
  #track = $state.raw<MediaStreamTrack | null>(null);
  readonly #getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>;
  readonly #seconds: number;
  #recorder: MediaRecorder | null = null;
  #audio: HTMLAudioElement | null = null;
  #url: string | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  static create(opts: MicTestOptions = {}): MicTest {
    return new MicTest(opts);
  }

  private constructor(opts: MicTestOptions) {
    this.#getUserMedia = opts.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
    this.#seconds = opts.seconds ?? TEST_SECONDS;
  }

  get state(): MicTestState {
    return this.#state;
  }
  get track(): MediaStreamTrack | null {
    return this.#track;
  }
  get seconds(): number {
    return this.#seconds;
  }

  /** Records `seconds` from `liveTrack` (cloned) or from a microphone asked for now, then plays it back. */
  async run(opts: { liveTrack: MediaStreamTrack | null; deviceId?: string }): Promise<void> {
    if (this.#closed || this.#state === 'recording' || this.#state === 'playing') return;
    this.#stopPlayback();
    this.#state = 'recording';
    let track: MediaStreamTrack;
    try {
      if (opts.liveTrack && opts.liveTrack.readyState === 'live') track = opts.liveTrack.clone();
      else {
        const stream = await this.#getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...(opts.deviceId ? { deviceId: { ideal: opts.deviceId } } : {}) },
          video: false,
        });
        const t = stream.getAudioTracks()[0];
        if (!t) throw new Error('no audio track');
        track = t;
      }
    } catch {
      this.#state = 'failed';
      return;
    }
    if (this.#closed) {
      track.stop();
      return;
    }
    this.#track = track;
    const chunks: Blob[] = [];
    let recorder: MediaRecorder;
    try {
      recorder = new MediaRecorder(new MediaStream([track]));
    } catch {
      track.stop();
      this.#track = null;
      this.#state = 'failed';
      return;
    }
    this.#recorder = recorder;
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    recorder.onstop = () => {
      track.stop();
      this.#track = null;
      this.#recorder = null;
      if (this.#closed) return;
      void this.#play(new Blob(chunks, { type: recorder.mimeType }));
    };
    recorder.start();
    this.#timer = setTimeout(() => {
      if (recorder.state !== 'inactive') recorder.stop();
    }, this.#seconds * 1000);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#recorder && this.#recorder.state !== 'inactive') this.#recorder.stop();
    this.#track?.stop();
    this.#stopPlayback();
  }

  async #play(blob: Blob): Promise<void> {
    this.#url = URL.createObjectURL(blob);
    const audio = new Audio(this.#url);
    this.#audio = audio;
    this.#state = 'playing';
    audio.onended = () => {
      if (this.#audio === audio) this.#finish('idle');
    };
    try {
      await audio.play();
    } catch {
      this.#finish('failed');
    }
  }

  #finish(state: MicTestState): void {
    this.#stopPlayback();
    this.#state = state;
  }

  #stopPlayback(): void {
    this.#audio?.pause();
    this.#audio = null;
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = null;
  }
}
