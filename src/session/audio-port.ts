// The slice of the audio engine the session needs. The session codes against this interface only,
// so its unit tests run with a fake and the real engine (src/audio) plugs in through an adapter
// (web-audio-port.ts). All PCM here is 24 kHz, mono, 16-bit little-endian — the wire format.

/** What the session hands the engine when it creates it. */
export interface AudioPortOptions {
  /** Base URL of the worklet files (strict CSP) instead of Blob URLs. */
  workletUrl?: string | undefined;
  /** Start with the microphone muted. */
  muted: boolean;
}

/** How the engine reports back, on the main thread (possibly synchronously from a port call). */
export interface AudioPortHandlers {
  /** One captured frame (20–24 ms, ≈ 1 KB) of PCM16 24 kHz; the session may keep it. */
  frame(pcm: ArrayBuffer): void;
  /** Input and output levels (0–1), at most about once per animation frame. */
  level(levels: { input: number; output: number }): void;
  /** The player started (`true`) or finished (`false`) sounding assistant audio. */
  playback(playing: boolean): void;
  /** The output context is suspended by the autoplay policy (`true`), or running again (`false`). */
  blocked(blocked: boolean): void;
  /** A failure after `start()` resolved (mic unplugged, context closed): a typed error. */
  error(error: Error): void;
}

/**
 * The audio engine as the session sees it. One instance per `start()`; `close()` releases
 * everything (tracks, nodes, context) and may be called more than once.
 */
export interface AudioPort {
  /**
   * Opens the microphone and loads the worklets. Rejects with a `RealtimeVoiceError`
   * (`mic_permission_denied`, `mic_unavailable`, `worklet_load_failed`, `unsupported_browser`).
   */
  start(): Promise<void>;
  /** Mutes the microphone: no frames (or only silence) while muted. */
  setMuted(muted: boolean): void;
  /** Queues PCM16 24 kHz audio of an assistant item for playback. */
  play(itemId: string, pcm: ArrayBuffer): void;
  /**
   * Optional: the item's audio is complete (`response.output_audio.done`), so its end is not an
   * underrun.
   */
  end?(itemId: string): void;
  /** Drops everything queued and silences the output; resolves once the player has stopped. */
  clear(): Promise<void>;
  /**
   * Milliseconds of `itemId` the listener actually heard (rendered minus output latency), or
   * `null` when no audio of that item was played. Stays valid after the item's audio is done and
   * after `clear()`. The session clamps it to what it received.
   */
  heardMs(itemId: string): number | null;
  /** Whether assistant audio is sounding or queued right now. */
  readonly playing: boolean;
  /** Tries to resume a context the autoplay policy suspended; resolves to whether it runs. */
  resume(): Promise<boolean>;
  /** Releases the microphone, nodes and contexts. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates an engine. Called synchronously at the top of `RealtimeSession.start()` — still inside
 * the user's gesture — so an implementation must create and `resume()` its `AudioContext` here,
 * before returning, not later in `start()` (Safari's autoplay rule, DESIGN-NOTES.md).
 */
export type AudioEngineFactory = (options: AudioPortOptions, handlers: AudioPortHandlers) => AudioPort;
