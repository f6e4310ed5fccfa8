// What the main thread and the worklets say to each other (types, plus the processor names,
// which both sides need). The capture node takes a boolean (muted) and posts frames; the player
// node takes commands and posts reports.
import type { Item, PlayerCore, PlayerState } from './player-core.js';

export type { Item, PlayerState };

export const CAPTURE_PROCESSOR = 'rv-capture-processor';
export const PLAYER_PROCESSOR = 'rv-player-processor';

/** Capture worklet → main thread, every 20–24 ms. `pcm` (PCM16, ≥ 480 samples) is transferred. */
export interface CaptureFrame {
  pcm: ArrayBuffer;
  /** RMS, 0–1. */
  level: number;
  /** Context time (s) of the frame's first sample. */
  capturedAt: number;
  /** The player's routine report, when one was due (it rides here rather than costing a task). */
  report?: PlayerReport | undefined;
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
 * Player worklet → main thread: at once on a change of state or a completed clear (the player's
 * port), else every ~20 ms while anything moves (on the next capture frame, or the player's port
 * when none comes). The core's public state (structured-cloned), the items rendered since the
 * previous report, and the context time at the end of the block just rendered. The two ports do
 * not order their messages against each other: the receiver drops a report older than the last.
 */
export type PlayerReport = Pick<PlayerCore, 'state' | 'current' | 'level' | 'received' | 'underruns' | 'preroll' | 'cleared'> & { changed: Item[]; time: number };
