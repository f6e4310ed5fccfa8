// What the main thread and the worklets say to each other (types, plus the processor names,
// which both sides need). The capture node takes a boolean (muted) and posts frames; the player
// node takes commands and posts reports.
import type { Item, PlayerCore, PlayerState } from './player-core.js';

export type { Item, PlayerState };

export const CAPTURE_PROCESSOR = 'rv-capture-processor';
export const PLAYER_PROCESSOR = 'rv-player-processor';

/** Capture worklet → main thread, every 20 ms. `pcm` (960 bytes) is transferred. */
export interface CaptureFrame {
  pcm: ArrayBuffer;
  /** RMS, 0–1. */
  level: number;
  /** Context time (s) of the frame's first sample. */
  capturedAt: number;
}

/** Main thread → player worklet. `pcm` is transferred. */
export type PlayerCommand =
  /** PCM16 LE 24 kHz audio of item `push`. */
  | { push: string; pcm: ArrayBuffer }
  /** Item `end` is complete (`response.output_audio.done`). */
  | { end: string }
  /** Fade out and drop the queue; `clear` comes back as `cleared` once the output is silent. */
  | { clear: number };

/**
 * Player worklet → main thread, every ~20 ms while anything moves, and at once on a change of
 * state or a completed clear: the core's public state as it is (structured-cloned, the set of
 * items included) and the context time at the end of the block just rendered.
 */
export type PlayerReport = Pick<PlayerCore, 'state' | 'current' | 'level' | 'received' | 'underruns' | 'preroll' | 'cleared' | 'changed'> & { time: number };
