// The audio engine's surface (no Lit, no protocol imports). The session uses `AudioEngine` only,
// through src/session/web-audio-port.ts.
export { AudioEngine, requestMicrophone } from './audio-engine.js';
export type { AudioEngineHandlers, AudioEngineOptions } from './audio-engine.js';
export { AudioError } from './errors.js';
export type { AudioErrorCode } from './errors.js';
export { loadWorklet } from './worklet-loader.js';
