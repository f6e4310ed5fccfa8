// The audio façade the session uses: one AudioContext created (and resumed) synchronously at
// the top of `start()` — inside the user's gesture, before any await — then the microphone
// capture and the player opened in parallel, autoplay-blocked detection, barge-in, teardown.
//
// One context for capture and player, by default, at the device's rate (44.1 kHz here). Measured
// (bench/audio-figures.mjs, Chromium 156, 2 cores): the player worklet costs ≈ 6–11 ms of CPU
// per second of audio at 44.1 kHz with its 24 → 44.1 kHz polyphase upsampler, ≈ 2–3 ms at 24 kHz
// without it — under 1 % of a core either way. A separate 24 kHz player context saves that, but
// Chromium then resamples it to the device itself (a cost hidden from us), opens a second output
// stream and render thread, and gives a second clock. Shared, there is one clock — capture
// stamps, rendered-sample counts and output latency are all in the same context time — and one
// thing to resume after an autoplay block. `playerSampleRate` opts into a separate context.
import { AudioError } from './errors.js';
import { AudioCapture, type FrameCallback, type MuteMode } from './capture.js';
import { AudioPlayer, WIRE_RATE, type AudioPlayerOptions, type ClearResult, type PlayerOutput } from './player.js';

export interface AudioEngineOptions {
  /** Every captured 20 ms frame (PCM16 24 kHz, 960 bytes), its RMS level and capture time. */
  onFrame: FrameCallback;
  /** Failures after `start()` resolved (microphone gone → `mic_unavailable`). */
  onError?: (error: AudioError) => void;
  /** The context is suspended by the autoplay policy (`true`, with the `audio_blocked` error) or runs again. */
  onBlocked?: (blocked: boolean, error?: AudioError) => void;
  /** Assistant audio started (`true`) or stopped (`false`) sounding. */
  onPlayback?: (playing: boolean) => void;
  /** Input device id; the default device when absent. */
  deviceId?: string;
  /** Base URL of dist/worklets/ (strict CSP) instead of Blob URLs. */
  workletUrl?: string;
  /** Start with the microphone muted. */
  muted?: boolean;
  /** While muted: `'silence'` (default: server VAD ends the turn) or `'drop'` (no frames). */
  muteMode?: MuteMode;
  /** Open the microphone (default true); false for a listen-only engine. */
  capture?: boolean;
  /** Output path of the player (default `'destination'`). */
  output?: PlayerOutput;
  /** Player tuning. */
  player?: Omit<AudioPlayerOptions, 'workletUrl' | 'output'>;
  /** Force the shared context's rate (default: the device's). Never 24000 with a mic in Firefox. */
  sampleRate?: number;
  /** Run the player in its own context at this rate instead of sharing the capture's. */
  playerSampleRate?: number;
  /** Context factory (tests, hosts with their own context policy). */
  createContext?: (options: AudioContextOptions) => AudioContext;
}

/** What to send as `conversation.item.truncate` after a barge-in. */
export interface BargeIn {
  itemId: string;
  /** Integer ms actually heard, within [0, receivedMs]. */
  audioEndMs: number;
  /** Ms of audio received for the item. */
  receivedMs: number;
  /** Everything received was already heard: a truncate would change nothing (the session may skip it). */
  complete: boolean;
}

/**
 * `audio_end_ms` for a truncate from sample counts at `rate`: `null` when nothing was received
 * (the server refuses a truncate before the first audio delta), else the heard time floored to
 * whole ms and clamped to [0, received] (never beyond what the server sent).
 */
export function computeAudioEndMs(counts: { receivedSamples: number; heardSamples: number }, rate = WIRE_RATE): number | null {
  if (!(counts.receivedSamples > 0)) return null;
  const heard = Math.min(Math.max(counts.heardSamples, 0), counts.receivedSamples);
  return Math.floor((heard * 1000) / rate + 1e-9);
}

/** Same as `computeAudioEndMs`, from milliseconds. */
export function clampAudioEndMs(heardMs: number | null, receivedMs: number): number | null {
  if (heardMs === null || !(receivedMs > 0)) return null;
  return Math.floor(Math.min(Math.max(heardMs, 0), receivedMs) + 1e-9);
}

/** Audio held for a player still opening: 60 s at 48 kB/s; beyond it deltas are dropped. */
const MAX_QUEUED_BYTES = 60 * 48000;

/** Capture + player + context, with one teardown. */
export class AudioEngine {
  readonly #options: AudioEngineOptions;
  #context: AudioContext | null = null;
  #playerContext: AudioContext | null = null;
  #resumed: Promise<unknown> = Promise.resolve();
  #capture: AudioCapture | null = null;
  #player: AudioPlayer | null = null;
  #starting: Promise<void> | null = null;
  #blocked = false;
  #muted: boolean;
  #closed = false;
  #unsubscribe: (() => void)[] = [];
  /** Audio (and ends) received before the player was ready, in order. */
  #queue: { itemId: string; pcm: ArrayBuffer | null }[] = [];
  #queuedBytes = 0;
  #cleared = new Set<string>();

  constructor(options: AudioEngineOptions) {
    this.#options = options;
    this.#muted = options.muted ?? false;
  }

  /** The shared context (null before `prepare()`/`start()` and after `close()`). */
  get context(): AudioContext | null {
    return this.#context;
  }

  get capture(): AudioCapture | null {
    return this.#capture;
  }

  get player(): AudioPlayer | null {
    return this.#player;
  }

  /** The context is suspended (autoplay policy): offer a tap target that calls `resume()`. */
  get audioBlocked(): boolean {
    return this.#blocked;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** Microphone RMS level (0–1). */
  get inputLevel(): number {
    return this.#capture?.level ?? 0;
  }

  /** Output RMS level (0–1). */
  get outputLevel(): number {
    return this.#player?.level ?? 0;
  }

  /**
   * Creates and resumes the context(s) synchronously (idempotent). `start()` calls it first;
   * call it yourself at the top of a gesture handler if `start()` comes only after an await.
   */
  prepare(): AudioContext {
    if (this.#closed) throw new DOMException('This audio engine was closed.', 'InvalidStateError');
    if (this.#context) return this.#context;
    const create = this.#options.createContext ?? ((o: AudioContextOptions) => new AudioContext(o));
    if (!this.#options.createContext && typeof AudioContext !== 'function') {
      throw new AudioError('unsupported_browser', 'This browser has no Web Audio API.');
    }
    const ctx = create({ latencyHint: 'interactive', ...(this.#options.sampleRate ? { sampleRate: this.#options.sampleRate } : {}) });
    this.#context = ctx;
    const resumes: Promise<void>[] = [ctx.resume()];
    if (this.#options.playerSampleRate && this.#options.playerSampleRate !== ctx.sampleRate) {
      this.#playerContext = create({ latencyHint: 'interactive', sampleRate: this.#options.playerSampleRate });
      resumes.push(this.#playerContext.resume());
    }
    this.#resumed = Promise.all(resumes).catch(() => {});
    return ctx;
  }

  /**
   * Creates the context synchronously (so call it directly from the user's gesture), then opens
   * the microphone and the player. Rejects with `AudioError` (`mic_permission_denied`,
   * `mic_unavailable`, `worklet_load_failed`, `unsupported_browser`) after releasing everything.
   * An autoplay block is not a rejection: it shows as `audioBlocked` / `onBlocked(true)`.
   */
  start(): Promise<void> {
    let ctx: AudioContext;
    try {
      ctx = this.prepare();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#starting ??= this.#open(ctx);
    return this.#starting;
  }

  async #open(ctx: AudioContext): Promise<void> {
    const o = this.#options;
    const wantCapture = o.capture ?? true;
    const aborted = () => new DOMException('The audio engine was closed while starting.', 'AbortError');
    // Each part is attached as soon as it is ready: the player must not wait for a permission
    // prompt, or a greeting that arrives meanwhile would be late (it is queued until then).
    const captureReady = wantCapture
      ? AudioCapture.open(ctx, {
          onFrame: o.onFrame,
          onError: (error) => o.onError?.(error),
          muted: this.#muted,
          ...(o.deviceId !== undefined && { deviceId: o.deviceId }),
          ...(o.workletUrl !== undefined && { workletUrl: o.workletUrl }),
          ...(o.muteMode !== undefined && { muteMode: o.muteMode }),
        }).then(async (capture) => {
          if (this.#closed) {
            await capture.close();
            throw aborted();
          }
          this.#capture = capture;
          if (capture.muted !== this.#muted) capture.setMuted(this.#muted);
        })
      : Promise.resolve();
    const playerReady = AudioPlayer.open(this.#playerContext ?? ctx, {
      ...o.player,
      ...(o.workletUrl !== undefined && { workletUrl: o.workletUrl }),
      ...(o.output !== undefined && { output: o.output }),
    }).then(async (player) => {
      if (this.#closed) {
        await player.close();
        throw aborted();
      }
      this.#attachPlayer(player);
    });
    const [capture, player] = await Promise.allSettled([captureReady, playerReady]);
    // When close() raced the start, the failures are its doing: report the abort.
    const failure = this.#closed ? aborted() : capture.status === 'rejected' ? capture.reason : player.status === 'rejected' ? player.reason : null;
    if (failure) {
      await this.close();
      throw failure;
    }
    // resume() from a gesture resolves within a few ms; blocked by the autoplay policy it stays pending.
    await Promise.race([this.#resumed, new Promise((r) => setTimeout(r, 300))]);
    for (const c of this.#contexts()) c.addEventListener('statechange', this.#onStateChange);
    this.#onStateChange();
  }

  #attachPlayer(player: AudioPlayer): void {
    this.#player = player;
    // Playing again after an underrun is still the same "speaking": report changes only.
    let sounding = false;
    const playback = (now: boolean) => {
      if (now === sounding) return;
      sounding = now;
      this.#options.onPlayback?.(now);
    };
    this.#unsubscribe.push(
      player.on('playing', () => playback(true)),
      player.on('idle', () => playback(false)),
    );
    for (const q of this.#queue) {
      if (q.pcm) player.push(q.itemId, q.pcm);
      else player.end(q.itemId);
    }
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  /**
   * Queues assistant audio (PCM16 24 kHz; the buffer is transferred) — held until the player is
   * ready if `start()` is still opening it. Returns false when dropped (a cleared item, closed).
   */
  play(itemId: string, pcm16: ArrayBuffer): boolean {
    if (this.#closed || this.#cleared.has(itemId)) return false;
    if (this.#player) return this.#player.push(itemId, pcm16);
    if (this.#queuedBytes + pcm16.byteLength > MAX_QUEUED_BYTES) return false;
    this.#queue.push({ itemId, pcm: pcm16 });
    this.#queuedBytes += pcm16.byteLength;
    return true;
  }

  /** Marks `itemId`'s audio complete (`response.output_audio.done`). */
  end(itemId: string): void {
    if (this.#player) this.#player.end(itemId);
    else if (!this.#closed) this.#queue.push({ itemId, pcm: null });
  }

  /**
   * Silences and drops all queued assistant audio (see `AudioPlayer.clear`); `null` when no
   * player was open (audio queued for it is dropped too).
   */
  async clear(): Promise<ClearResult | null> {
    if (this.#player) return this.#player.clear();
    for (const q of this.#queue) this.#cleared.add(q.itemId);
    this.#queue = [];
    this.#queuedBytes = 0;
    return null;
  }

  /** Heard ms of `itemId` (see `AudioPlayer.heardMs`); `null` when none of it was received. */
  heardMs(itemId: string): number | null {
    return this.#player?.heardMs(itemId) ?? null;
  }

  /** Whether assistant audio is sounding or queued. */
  get playing(): boolean {
    return this.#player ? this.#player.playing : this.#queue.some((q) => q.pcm !== null);
  }

  #contexts(): AudioContext[] {
    return [this.#context, this.#playerContext].filter((c): c is AudioContext => c !== null);
  }

  readonly #onStateChange = (): void => {
    if (this.#closed) return;
    const blocked = this.#contexts().some((c) => c.state === 'suspended' || (c.state as string) === 'interrupted');
    if (blocked === this.#blocked) return;
    this.#blocked = blocked;
    this.#options.onBlocked?.(
      blocked,
      blocked ? new AudioError('audio_blocked', 'The browser blocked audio until the page is tapped or clicked.') : undefined,
    );
  };

  /** Resumes blocked audio; call it from a tap/click. Resolves to whether audio now runs. */
  async resume(): Promise<boolean> {
    const contexts = this.#contexts();
    if (this.#closed || contexts.length === 0) return false;
    await Promise.all(contexts.map((c) => c.resume().catch(() => {})));
    await this.#player?.resumeOutput();
    this.#onStateChange();
    return contexts.every((c) => c.state === 'running');
  }

  /** Mutes the microphone (see `AudioCapture.setMuted`); remembered if capture is not open yet. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    this.#capture?.setMuted(muted);
  }

  /**
   * Barge-in: silences the player (fade ≤ 5 ms) and drops its queue, then reports what was heard
   * of the item the listener was in. `null` when there is nothing to truncate (no player, no
   * item, or no audio received for it).
   */
  async interrupt(): Promise<BargeIn | null> {
    const result = await this.clear();
    if (!result?.itemId) return null;
    const audioEndMs = clampAudioEndMs(result.heardMs, result.receivedMs);
    if (audioEndMs === null) return null;
    return { itemId: result.itemId, audioEndMs, receivedMs: result.receivedMs, complete: audioEndMs >= Math.floor(result.receivedMs + 1e-9) };
  }

  /** `audio_end_ms` for `itemId` now (see `computeAudioEndMs`); `null`: don't truncate. */
  audioEndMs(itemId: string): number | null {
    const player = this.#player;
    if (!player) return null;
    return clampAudioEndMs(player.heardMs(itemId), player.receivedMs(itemId));
  }

  /** Releases everything: tracks, nodes, ports, contexts. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#queue = [];
    this.#queuedBytes = 0;
    const contexts = this.#contexts();
    for (const c of contexts) c.removeEventListener('statechange', this.#onStateChange);
    await Promise.all([this.#capture?.close(), this.#player?.close()]);
    this.#capture = null;
    this.#player = null;
    await Promise.all(contexts.map((c) => (c.state === 'closed' ? undefined : c.close().catch(() => {}))));
    this.#context = null;
    this.#playerContext = null;
  }
}
