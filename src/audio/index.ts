// The audio engine's surface (no Lit, no protocol imports). The session uses `AudioEngine` only.
export { AudioEngine } from './audio-engine.js';
export type { AudioEngineOptions } from './audio-engine.js';
export { AudioCapture, requestMicrophone } from './capture.js';
export type { AudioCaptureOptions, FrameCallback } from './capture.js';
export { AudioPlayer } from './player.js';
export type { ClearResult, ItemRecord, PlayerOutput } from './player.js';
export { AudioError } from './errors.js';
export type { AudioErrorCode } from './errors.js';
export { loadWorklet, WORKLET_FILE } from './worklet-loader.js';
