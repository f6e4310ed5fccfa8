// Messages between the main thread and the worklets, and the names the processors register.
// Types only (plus constants): imported by both sides.
import type { MuteMode } from './capture-framer.js';
import type { ItemStats, PlayerSnapshot, PlayerState } from './player-core.js';

/** Registered processor names (each context has its own worklet scope, so no clash between instances). */
export const CAPTURE_PROCESSOR = 'rv-capture-processor';
export const PLAYER_PROCESSOR = 'rv-player-processor';

/** `processorOptions` of the capture node. */
export interface CaptureProcessorOptions {
  outputRate?: number;
  frameSamples?: number;
  muted?: boolean;
  muteMode?: MuteMode;
}

/** Main thread → capture worklet. */
export type CaptureInMessage = { type: 'mute'; muted: boolean; mode?: MuteMode } | { type: 'close' };

/** Capture worklet → main thread. `pcm` is transferred. */
export type CaptureOutMessage = {
  type: 'frame';
  pcm: ArrayBuffer;
  level: number;
  capturedAt: number;
  seq: number;
};

/** `processorOptions` of the player node. */
export interface PlayerProcessorOptions {
  prerollMs?: number;
  maxPrerollMs?: number;
  fadeMs?: number;
  maxWaitMs?: number;
  reportIntervalMs?: number;
  initialCapacity?: number;
  maxCapacity?: number;
  /** Audio queued before the first quantum (offline rendering, tests): in order. */
  prefill?: { itemId: string; pcm: ArrayBuffer; end?: boolean }[];
}

/** Main thread → player worklet. `pcm` is transferred. */
export type PlayerInMessage =
  | { type: 'push'; itemId: string; pcm: ArrayBuffer }
  | { type: 'end'; itemId: string }
  | { type: 'clear'; id: number }
  | { type: 'report'; id: number }
  | { type: 'close' };

/** Player worklet → main thread. */
export type PlayerOutMessage =
  | ({ type: 'report'; id?: number } & PlayerSnapshot)
  | { type: 'playing'; itemId: string; time: number }
  | { type: 'underrun'; itemId: string; time: number; count: number }
  | { type: 'idle'; time: number }
  | { type: 'cleared'; ids: number[]; itemId: string | null; receivedTime: number; silentTime: number; items: ItemStats[] };

export type { ItemStats, PlayerSnapshot, PlayerState, MuteMode };
