// The protocol layer's public surface: typed GA events, parse-at-the-edge, the transport
// contract and its WebSocket and scripted implementations, and the base64 codecs. No DOM
// (the WebSocket transport reads `globalThis.WebSocket` only when it connects), no Lit.
export type * from './events.js';
export { parseServerEvent, gaEventType, isKnownServerEventType, MAX_FRAME_LENGTH, type ParseOptions } from './parse.js';
export { encodeBase64, decodeBase64, hasNativeBase64 } from './base64.js';
export type {
  RealtimeTransport,
  TransportStatus,
  TransportConnectOptions,
  TransportCloseInfo,
  TransportHandlers,
  TransportErrorCode,
} from './transport.js';
export { TransportError, checkToken } from './transport.js';
export {
  WebSocketTransport,
  realtimeUrl,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type WebSocketConstructor,
  type WebSocketTransportOptions,
} from './websocket-transport.js';
export {
  ScriptedTransport,
  basicReplies,
  type ClientEventOf,
  type ScriptedServerEvent,
  type ScriptedReply,
  type ScriptedReplies,
  type ScriptedTransportOptions,
  type WaitForSentOptions,
} from './scripted-transport.js';
