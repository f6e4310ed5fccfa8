import { defineOnce } from './define.js';
import { RealtimeVoiceElement } from './realtime-voice.js';
import { VERSION } from './version.js';

export { RealtimeVoiceElement } from './realtime-voice.js';
export type { RealtimeVoiceStatus } from './realtime-voice.js';
export { VERSION } from './version.js';

defineOnce('realtime-voice', RealtimeVoiceElement, VERSION);
