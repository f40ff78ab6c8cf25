/**
 * The microphones this browser offers (`enumerateDevices`) and the one the person chose,
 * remembered per browser in localStorage. A remembered device that is gone (unplugged headset)
 * falls back to the browser's default without a word of error. Rune class (CONVENTIONS 9).
 */
const STORAGE_KEY = 'peer-circle.mic';

export interface MicDevice {
  deviceId: string;
  /** The browser's name for it; empty until the page was allowed a microphone once. */
  label: string;
}

function load(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export class MicDevices {
  #devices = $state.raw<MicDevice[]>([]);
  #chosen = $state<string | null>(load());
  #closed = false;
  readonly #onChange = () => void this.refresh();

  static create(): MicDevices {
    return new MicDevices();
  }

  private constructor() {
    navigator.mediaDevices?.addEventListener?.('devicechange', this.#onChange);
    void this.refresh();
  }

  get devices(): MicDevice[] {
    return this.#devices;
  }

  /** The chosen microphone if it is still there; otherwise undefined (the browser's default). */
  readonly selectedId: string | undefined = $derived(
    this.#chosen !== null && this.#devices.some((d) => d.deviceId === this.#chosen) ? this.#chosen : undefined,
  );

  /** Remembers the choice in this browser. */
  choose(deviceId: string): void {
    this.#chosen = deviceId;
    try {
      localStorage.setItem(STORAGE_KEY, deviceId);
    } catch {
      // Private mode without storage: the choice holds for this page only.
    }
  }

  /** Lists the microphones again (after permission, labels appear). Never asks for permission. */
  async refresh(): Promise<void> {
    if (this.#closed || !navigator.mediaDevices?.enumerateDevices) return;
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      if (this.#closed) return;
      this.#devices = all
        .filter((d) => d.kind === 'audioinput' && d.deviceId !== '')
        .map((d) => ({ deviceId: d.deviceId, label: d.label }));
    } catch {
      this.#devices = [];
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.#onChange);
  }
}
