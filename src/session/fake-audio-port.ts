// A scriptable `AudioPort` for tests (ours, and integrators' through `realtime-voice/testing`):
// no microphone, no AudioContext. The test plays the microphone (`emitFrame`) and the listener
// (`setHeard`, `finishPlayback`), and reads what the session did to the "speaker".
import type { AudioEngineFactory, AudioPort, AudioPortHandlers, AudioPortOptions } from './audio-port.js';

/** Options of `FakeAudioPort`. */
export interface FakeAudioPortOptions {
  /** `start()` rejects with this (e.g. a `RealtimeVoiceError('mic_permission_denied', …)`). */
  startError?: Error;
  /** What `resume()` resolves to (default true). */
  resumeResult?: boolean;
  /** Resolve `clear()` only when `resolveClear()` is called (to test the wait). */
  holdClear?: boolean;
}

/** An `AudioPort` whose microphone and speaker are the test. */
export class FakeAudioPort implements AudioPort {
  readonly options: AudioPortOptions;
  readonly handlers: AudioPortHandlers;
  /** Every `play()` call, in order. */
  readonly played: { itemId: string; bytes: number }[] = [];
  /** Bytes queued per item since construction. */
  readonly receivedBytes = new Map<string, number>();
  startCalls = 0;
  clearCalls = 0;
  closeCalls = 0;
  resumeCalls = 0;
  muted: boolean;
  #playing = false;
  #heard = new Map<string, number>();
  #fakeOptions: FakeAudioPortOptions;
  #clearWaiters: (() => void)[] = [];

  constructor(options: AudioPortOptions, handlers: AudioPortHandlers, fakeOptions: FakeAudioPortOptions = {}) {
    this.options = options;
    this.handlers = handlers;
    this.muted = options.muted;
    this.#fakeOptions = fakeOptions;
  }

  get playing(): boolean {
    return this.#playing;
  }

  /** Whether `close()` was called at least once. */
  get closed(): boolean {
    return this.closeCalls > 0;
  }

  start(): Promise<void> {
    this.startCalls++;
    return this.#fakeOptions.startError ? Promise.reject(this.#fakeOptions.startError) : Promise.resolve();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  play(itemId: string, pcm: ArrayBuffer): void {
    this.played.push({ itemId, bytes: pcm.byteLength });
    this.receivedBytes.set(itemId, (this.receivedBytes.get(itemId) ?? 0) + pcm.byteLength);
    this.#setPlaying(true);
  }

  clear(): Promise<void> {
    this.clearCalls++;
    this.#setPlaying(false);
    if (!this.#fakeOptions.holdClear) return Promise.resolve();
    return new Promise((resolve) => this.#clearWaiters.push(resolve));
  }

  /** Resolves the `clear()` calls held by `holdClear`. */
  resolveClear(): void {
    const waiters = this.#clearWaiters;
    this.#clearWaiters = [];
    for (const resolve of waiters) resolve();
  }

  heardMs(itemId: string): number | null {
    return this.#heard.get(itemId) ?? null;
  }

  resume(): Promise<boolean> {
    this.resumeCalls++;
    return Promise.resolve(this.#fakeOptions.resumeResult ?? true);
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.#setPlaying(false);
    return Promise.resolve();
  }

  // ── the test's side ──

  /** Plays the listener: `ms` of `itemId` have been heard so far. */
  setHeard(itemId: string, ms: number): void {
    this.#heard.set(itemId, ms);
  }

  /** Plays the speaker running dry: everything queued has been heard. */
  finishPlayback(): void {
    for (const [itemId, bytes] of this.receivedBytes) this.#heard.set(itemId, bytes / 48);
    this.#setPlaying(false);
  }

  /** Plays the microphone: one frame of `bytes` bytes filled with `value` (default 20 ms of 0x11). */
  emitFrame(bytes = 960, value = 0x11): void {
    const buffer = new ArrayBuffer(bytes);
    new Uint8Array(buffer).fill(value);
    this.handlers.frame(buffer);
  }

  /** Plays the autoplay policy. */
  setBlocked(blocked: boolean): void {
    this.handlers.blocked(blocked);
  }

  #setPlaying(playing: boolean): void {
    if (this.#playing === playing) return;
    this.#playing = playing;
    this.handlers.playback(playing);
  }
}

/** A factory that records the ports it creates (one per `start()`). */
export function fakeAudioEngine(fakeOptions: FakeAudioPortOptions = {}): { factory: AudioEngineFactory; ports: FakeAudioPort[] } {
  const ports: FakeAudioPort[] = [];
  const factory: AudioEngineFactory = (options, handlers) => {
    const port = new FakeAudioPort(options, handlers, fakeOptions);
    ports.push(port);
    return port;
  };
  return { factory, ports };
}
