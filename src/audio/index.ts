// The audio engine's public surface for the session (no Lit, no protocol imports).
export { AudioEngine, computeAudioEndMs, clampAudioEndMs } from './audio-engine.js';
export type { AudioEngineOptions, BargeIn } from './audio-engine.js';
export { AudioCapture, requestMicrophone, micConstraints } from './capture.js';
export type { AudioCaptureOptions, FrameCallback, MuteMode } from './capture.js';
export { AudioPlayer, WIRE_RATE } from './player.js';
export type { AudioPlayerOptions, ClearResult, ItemStats, PlayerEventMap, PlayerOutput, PlayerSnapshot, PlayerState } from './player.js';
export { AudioError, isAudioError, micErrorFromException } from './errors.js';
export type { AudioErrorCode } from './errors.js';
export { loadWorklet, loadWorkletSource, workletFileUrl } from './worklet-loader.js';
export type { WorkletName } from './worklet-loader.js';
export { outputPathLatency, renderTimeToPerformance, speakerTimeToPerformance } from './clock.js';
