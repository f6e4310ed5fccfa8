// The audio façade the session uses (through src/session/web-audio-port.ts): one AudioContext,
// created and resumed synchronously in `prepare()` — inside the user's gesture, before any await
// — then the microphone and the player opened in parallel; autoplay-block detection; teardown.
//
// One context for capture and player at the device's rate (44.1 kHz in headless Chromium): one
// clock for capture stamps, rendered counts and output latency, and one thing to resume after an
// autoplay block. The player worklet upsamples 24 kHz to that rate itself, for < 1 % of a core.
import { AudioError } from './errors.js';
import { AudioCapture, type FrameCallback } from './capture.js';
import { AudioPlayer, type ClearResult, type PlayerOutput } from './player.js';
import { loadWorklet } from './worklet-loader.js';

export interface AudioEngineOptions {
  /** Every captured 20 ms frame (PCM16 24 kHz, 960 bytes), its RMS level and capture time. */
  onFrame: FrameCallback;
  /** Failures after `start()` resolved (the microphone stopped: `mic_unavailable`). */
  onError?: (error: AudioError) => void;
  /** The context is suspended by the autoplay policy (`true`: offer a tap that calls `resume()`), or runs again. */
  onBlocked?: (blocked: boolean) => void;
  /** Assistant audio started (`true`) or stopped (`false`) sounding. */
  onPlayback?: (playing: boolean) => void;
  /** Input device id; the default device when absent. */
  deviceId?: string;
  /** Base URL of dist/worklets/ (strict CSP) instead of a Blob URL. */
  workletUrl?: string;
  /** Start with the microphone muted. */
  muted?: boolean;
  /** Output path of the player (default `'destination'`). */
  output?: PlayerOutput;
  /** Output device (see `setSinkId`). */
  sinkId?: string;
  /** Force the context's rate (default: the device's). Not 24000 with a microphone in Firefox. */
  sampleRate?: number;
  /** Context factory (tests, hosts with their own context policy). */
  createContext?: (options: AudioContextOptions) => AudioContext;
}

/** Capture + player + context, with one teardown. */
export class AudioEngine {
  readonly #options: AudioEngineOptions;
  #context: AudioContext | null = null;
  #player: AudioPlayer | null = null;
  #capture: AudioCapture | null = null;
  #resumed: Promise<unknown> = Promise.resolve();
  #starting: Promise<void> | null = null;
  #muted: boolean;
  #blocked = false;
  #closed = false;

  constructor(options: AudioEngineOptions) {
    this.#options = options;
    this.#muted = !!options.muted;
  }

  /** The context (from `prepare()` until `close()`). */
  get context(): AudioContext | null {
    return this.#context;
  }

  /** The player (from `prepare()` until `close()`; its node from `start()` on). */
  get player(): AudioPlayer | null {
    return this.#player;
  }

  /** The microphone capture (once `start()` opened it). */
  get capture(): AudioCapture | null {
    return this.#capture;
  }

  /**
   * Creates and resumes the context synchronously (idempotent). `start()` calls it first; call it
   * yourself at the top of a gesture handler if `start()` comes only after an await.
   */
  prepare(): AudioContext {
    if (this.#closed) throw new DOMException('This audio engine was closed.', 'InvalidStateError');
    if (!this.#context) {
      const { createContext, sampleRate, onPlayback } = this.#options;
      if (!createContext && typeof AudioContext !== 'function') throw new AudioError('unsupported_browser', 'This browser has no Web Audio API.');
      const options: AudioContextOptions = { latencyHint: 'interactive', sampleRate };
      const context = (this.#context = createContext ? createContext(options) : new AudioContext(options));
      this.#resumed = context.resume().catch(() => {});
      this.#player = new AudioPlayer(context, onPlayback);
    }
    return this.#context;
  }

  /**
   * `prepare()`, then opens the microphone and the player. Rejects with an `AudioError`
   * (`mic_permission_denied`, `mic_unavailable`, `worklet_load_failed`, `unsupported_browser`)
   * after releasing everything, or with an `AbortError` when `close()` came first. An autoplay
   * block is no failure: it shows through `onBlocked(true)`.
   */
  start(): Promise<void> {
    try {
      this.prepare();
    } catch (error) {
      return Promise.reject(error);
    }
    return (this.#starting ??= this.#open(this.#context!, this.#player!));
  }

  async #open(context: AudioContext, player: AudioPlayer): Promise<void> {
    const o = this.#options;
    // The player starts as soon as the worklet is loaded, without waiting for the permission
    // prompt: a greeting that arrives meanwhile would be late (it is queued until then).
    const playerReady = loadWorklet(context, o.workletUrl).then(async () => {
      if (this.#closed) return;
      player.start(o.output);
      if (o.sinkId) await player.setSinkId(o.sinkId);
    });
    const captureReady = AudioCapture.open(context, { ...o, muted: this.#muted }).then((capture) => {
      if (this.#closed) return capture.close();
      this.#capture = capture;
      // Muted during the prompt: the message arrives before the first frame is complete, and
      // muting zeroes the frame being assembled.
      capture.setMuted(this.#muted);
    });
    const failure = (await Promise.allSettled([captureReady, playerReady])).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (this.#closed || failure) {
      const aborted = this.#closed;
      await this.close();
      throw aborted ? new DOMException('The audio engine was closed while starting.', 'AbortError') : failure!.reason;
    }
    // resume() from a gesture resolves within a few ms; blocked by the autoplay policy it stays pending.
    await Promise.race([this.#resumed, new Promise((resolve) => setTimeout(resolve, 300))]);
    context.addEventListener('statechange', () => this.#checkBlocked());
    this.#checkBlocked();
  }

  /** Resumes blocked audio; call it from a tap or click. Resolves to whether audio runs. */
  async resume(): Promise<boolean> {
    const context = this.#context;
    if (!context) return false;
    await context.resume().catch(() => {});
    await this.#player?.resumeOutput();
    this.#checkBlocked();
    return context.state === 'running';
  }

  /** Mutes the microphone: frames continue as digital silence (the server's VAD then ends a turn in progress). */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    this.#capture?.setMuted(muted);
  }

  /**
   * Queues assistant audio (PCM16 24 kHz; the buffer is transferred), held until the player is
   * ready. False when dropped (an item cut by `clear()`, or closed).
   */
  play(itemId: string, pcm16: ArrayBuffer): boolean {
    return !!this.#player?.push(itemId, pcm16);
  }

  /** Marks `itemId`'s audio complete (`response.output_audio.done`). */
  end(itemId: string): void {
    this.#player?.end(itemId);
  }

  /** Silences (fade ≤ 5 ms) and drops all queued assistant audio; see `AudioPlayer.clear`. `null` once closed. */
  async clear(): Promise<ClearResult | null> {
    return this.#player?.clear() ?? null;
  }

  /** Heard ms of `itemId` (see `AudioPlayer.heardMs`); `null` when none of it was received. */
  heardMs(itemId: string): number | null {
    return this.#player?.heardMs(itemId) ?? null;
  }

  /** Whether assistant audio is sounding or queued. */
  get playing(): boolean {
    return !!this.#player?.playing;
  }

  /** Output RMS level (0–1). */
  get outputLevel(): number {
    return this.#player?.level ?? 0;
  }

  /** Sends the output to another device where the browser can; see `AudioPlayer.setSinkId`. */
  setSinkId(sinkId: string): Promise<boolean> {
    return this.#player?.setSinkId(sinkId) ?? Promise.resolve(false);
  }

  /** Releases everything: tracks, nodes, the context. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#capture?.close();
    this.#player?.close();
    this.#capture = this.#player = null;
    const context = this.#context;
    this.#context = null;
    await context?.close().catch(() => {});
  }

  #checkBlocked(): void {
    const blocked = this.#context?.state !== 'running';
    if (this.#closed || blocked === this.#blocked) return;
    this.#blocked = blocked;
    this.#options.onBlocked?.(blocked);
  }
}
