// The contract between the element (UI) and the session (orchestration). No Lit, no DOM events:
// the element turns these callbacks into `rv-*` DOM events.
import type { RealtimeSessionConfig, ServerEvent } from '../protocol/events.js';

export type SessionStatus = 'idle' | 'connecting' | 'listening' | 'thinking' | 'speaking' | 'reconnecting' | 'error';

/** Stable error codes of docs/API.md. */
export type ErrorCode =
  | 'token_fetch_failed'
  | 'token_invalid'
  | 'insecure_api_key'
  | 'mic_permission_denied'
  | 'mic_unavailable'
  | 'audio_blocked'
  | 'worklet_load_failed'
  | 'connection_failed'
  | 'connection_lost'
  | 'session_expired'
  | 'server_error'
  | 'tool_failed'
  | 'unsupported_browser';

/** A typed, user-presentable error. `fatal` errors end the session (status `error`). */
export class RealtimeVoiceError extends Error {
  override readonly name = 'RealtimeVoiceError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fatal = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a host backend returns (GA or beta shape), or a bare ephemeral key string. */
export interface TokenResponse {
  value?: string;
  expires_at?: number;
  client_secret?: { value: string; expires_at?: number };
  session?: Record<string, unknown>;
  url?: string;
  model?: string;
}

export type GetToken = (init: { signal: AbortSignal }) => Promise<TokenResponse | string>;

/** A function tool the agent may call; `handler` answers it without the host listening to events. */
export interface RealtimeTool {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  handler?: (args: unknown, call: { callId: string; name: string }) => unknown;
}

export type TurnDetectionMode = 'server_vad' | 'semantic_vad' | 'manual';

/** Everything the session needs from the element's attributes and properties. */
export interface SessionConfig {
  tokenUrl?: string | undefined;
  getToken?: GetToken | undefined;
  url: string;
  model: string;
  voice: string;
  instructions?: string | undefined;
  greeting?: string | undefined;
  turnDetection: TurnDetectionMode;
  vadThreshold?: number | undefined;
  vadSilenceMs?: number | undefined;
  vadPrefixMs?: number | undefined;
  eagerness?: 'low' | 'medium' | 'high' | 'auto' | undefined;
  transcriptionModel: string;
  language?: string | undefined;
  noiseReduction?: 'near_field' | 'far_field' | 'none' | undefined;
  pushToTalk: boolean;
  muted: boolean;
  /**
   * The user can type (the element's `text-input`): a microphone that is refused, missing or
   * lost is then a non-fatal error and the call goes on as text (no audio either way).
   */
  textInput?: boolean | undefined;
  workletUrl?: string | undefined;
  reconnectAttempts: number;
  debug: boolean;
  tools: RealtimeTool[];
  session?: Partial<RealtimeSessionConfig> | undefined;
  /** Milliseconds a tool may take before it is answered with an error output. */
  toolTimeoutMs?: number;
}

export interface ConversationItem {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export interface TranscriptUpdate {
  role: 'user' | 'assistant';
  itemId: string;
  text: string;
  delta: string;
  final: boolean;
}

export interface ToolCallRequest {
  name: string;
  callId: string;
  arguments: unknown;
}

/**
 * Callbacks the session calls. `toolCall` returns the output (or a promise of it), or
 * `undefined` when nobody answered — the session then answers with an error output.
 */
export interface SessionCallbacks {
  status(status: SessionStatus, previous: SessionStatus): void;
  connected(info: { sessionId: string; model: string }): void;
  disconnected(info: { code: number; reason: string; willReconnect: boolean }): void;
  transcript(update: TranscriptUpdate): void;
  toolCall(request: ToolCallRequest): Promise<unknown> | undefined;
  interrupted(info: { itemId: string; audioEndMs: number }): void;
  error(error: RealtimeVoiceError): void;
  serverEvent(event: ServerEvent): void;
  /** Input and output levels (0–1), at most once per animation frame's worth of audio. */
  level(levels: { input: number; output: number }): void;
  /** Autoplay blocked: the UI should offer a tap target that calls `session.resumeAudio()`. */
  audioBlocked(blocked: boolean): void;
}
