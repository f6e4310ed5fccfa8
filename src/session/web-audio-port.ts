// The session's default audio: the real engine (src/audio/audio-engine.ts), which is an
// `AudioPort` itself. The session calls the factory at the top of `start()`, inside the user's
// gesture: the engine's constructor creates and resumes its context there.
import { AudioEngine } from '../audio/audio-engine.js';
import type { AudioEngineFactory } from './audio-port.js';

/** The default factory: the real Web Audio engine. */
export const createWebAudioPort: AudioEngineFactory = (options, handlers) => new AudioEngine(options, handlers);
