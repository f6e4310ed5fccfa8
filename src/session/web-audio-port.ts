// The adapter from the real audio engine (src/audio/audio-engine.ts) to the `AudioPort` the
// session codes against. The engine's context is created and resumed synchronously in the
// factory, which the session calls at the top of `start()`, inside the user's gesture.
import { AudioEngine, type AudioEngineOptions } from '../audio/audio-engine.js';
import type { AudioEngineFactory, AudioPort, AudioPortHandlers, AudioPortOptions } from './audio-port.js';

/** Engine options the session does not decide (output path, device, player tuning, …). */
export type WebAudioPortExtras = Omit<AudioEngineOptions, 'onFrame' | 'onError' | 'onBlocked' | 'onPlayback' | 'workletUrl' | 'muted'>;

class WebAudioPort implements AudioPort {
  readonly #engine: AudioEngine;
  /** What the last clear reported for the item being heard: the most exact heard time. */
  #lastClear: { itemId: string; heardMs: number | null } | null = null;
  /**
   * The session's handlers, dropped on close: Chromium keeps a closed context that ran a worklet
   * reachable, with its nodes and their handlers, which must not keep the session and element.
   */
  #handlers: AudioPortHandlers | null;

  constructor(options: AudioPortOptions, handlers: AudioPortHandlers, extras: WebAudioPortExtras) {
    this.#handlers = handlers;
    let engine: AudioEngine | null = null;
    const engineOptions: AudioEngineOptions = {
      ...extras,
      muted: options.muted,
      // 'silence' (the engine's default): muted, the server's VAD still sees the turn end.
      onFrame: (pcm, level) => {
        this.#handlers?.frame(pcm);
        this.#handlers?.level({ input: level, output: engine?.outputLevel ?? 0 });
      },
      onError: (error) => this.#handlers?.error(error),
      onBlocked: (blocked) => this.#handlers?.blocked(blocked),
      onPlayback: (playing) => this.#handlers?.playback(playing),
    };
    if (options.workletUrl !== undefined) engineOptions.workletUrl = options.workletUrl;
    engine = new AudioEngine(engineOptions);
    this.#engine = engine;
    // Synchronously, inside the gesture: create and resume the context (may throw unsupported_browser).
    engine.prepare();
  }

  start(): Promise<void> {
    return this.#engine.start();
  }

  setMuted(muted: boolean): void {
    this.#engine.setMuted(muted);
  }

  // The engine (not its player) queues audio that arrives before the player is ready,
  // such as a greeting that beats the worklet load.
  play(itemId: string, pcm: ArrayBuffer): void {
    this.#engine.play(itemId, pcm);
  }

  end(itemId: string): void {
    this.#engine.end(itemId);
  }

  async clear(): Promise<void> {
    const result = await this.#engine.clear();
    this.#lastClear = result?.itemId ? { itemId: result.itemId, heardMs: result.heardMs } : null;
  }

  heardMs(itemId: string): number | null {
    if (this.#lastClear?.itemId === itemId) return this.#lastClear.heardMs;
    return this.#engine.heardMs(itemId);
  }

  get playing(): boolean {
    return this.#engine.playing;
  }

  resume(): Promise<boolean> {
    return this.#engine.resume();
  }

  close(): Promise<void> {
    this.#handlers = null;
    return this.#engine.close();
  }
}

/** An `AudioEngineFactory` over the real engine, with engine options the session leaves open. */
export function webAudioEngine(extras: WebAudioPortExtras = {}): AudioEngineFactory {
  return (options, handlers) => new WebAudioPort(options, handlers, extras);
}

/** The default factory: the real engine with its defaults. */
export const createWebAudioPort: AudioEngineFactory = webAudioEngine();
