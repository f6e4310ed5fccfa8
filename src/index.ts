import { defineOnce } from './define.js';
import { RealtimeVoiceElement } from './realtime-voice.js';

export { RealtimeVoiceElement } from './realtime-voice.js';
export type { RealtimeVoiceStatus, SessionFactory, SessionHandle } from './realtime-voice.js';
export * from './events.js';
export type { RealtimeVoiceStrings } from './i18n.js';
export { RealtimeVoiceError } from './session/types.js';
export type {
  ConversationItem,
  ErrorCode,
  GetToken,
  RealtimeTool,
  SessionCallbacks,
  SessionConfig,
  TokenResponse,
} from './session/types.js';
export { VERSION } from './version.js';

defineOnce('realtime-voice', RealtimeVoiceElement);
