// Typed GA Realtime events (see docs/PROTOCOL.md). Server events are discriminated unions on
// `type`; `parseServerEvent` (parse.ts) is the only place that turns untrusted JSON into these.

/** A conversation item as the server describes it. */
export interface RealtimeItem {
  id: string;
  type: 'message' | 'function_call' | 'function_call_output' | (string & {});
  object?: 'realtime.item';
  status?: 'completed' | 'incomplete' | 'in_progress' | (string & {});
  role?: 'user' | 'assistant' | 'system';
  content?: RealtimeContentPart[];
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: string;
}

/** A content part; `type` spellings differ between places (`audio` vs `output_audio`): accept both. */
export interface RealtimeContentPart {
  type: 'input_text' | 'input_audio' | 'output_text' | 'output_audio' | 'text' | 'audio' | (string & {});
  text?: string;
  audio?: string;
  transcript?: string | null;
}

export interface RealtimeErrorDetail {
  type: string;
  code?: string | null;
  message: string;
  param?: string | null;
  event_id?: string | null;
}

export interface RealtimeResponse {
  id: string;
  object?: 'realtime.response';
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';
  status_details?: { type?: string; reason?: string; error?: { type?: string; code?: string } | null } | null;
  output?: RealtimeItem[];
  usage?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** The session configuration as `session.update` sends it and `session.created/updated` return it. */
export interface RealtimeSessionConfig {
  type?: 'realtime';
  id?: string;
  model?: string;
  instructions?: string;
  output_modalities?: ('audio' | 'text')[];
  audio?: {
    input?: {
      format?: { type: 'audio/pcm'; rate: 24000 } | { type: string; rate?: number };
      noise_reduction?: { type: 'near_field' | 'far_field' } | null;
      transcription?: { model: string; language?: string; prompt?: string } | null;
      turn_detection?: RealtimeTurnDetection | null;
    };
    output?: {
      format?: { type: 'audio/pcm'; rate: 24000 } | { type: string; rate?: number };
      voice?: string;
      speed?: number;
    };
  };
  tools?: RealtimeFunctionTool[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; name: string };
  max_output_tokens?: number | 'inf';
  expires_at?: number;
  [key: string]: unknown;
}

export type RealtimeTurnDetection =
  | {
      type: 'server_vad';
      threshold?: number;
      prefix_padding_ms?: number;
      silence_duration_ms?: number;
      create_response?: boolean;
      interrupt_response?: boolean;
      idle_timeout_ms?: number | null;
    }
  | {
      type: 'semantic_vad';
      eagerness?: 'low' | 'medium' | 'high' | 'auto';
      create_response?: boolean;
      interrupt_response?: boolean;
    };

export interface RealtimeFunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

// ── Client events (browser → server) ─────────────────────────────────────────────────────────

interface ClientBase {
  event_id?: string;
}
export interface SessionUpdateEvent extends ClientBase { type: 'session.update'; session: RealtimeSessionConfig }
export interface InputAudioBufferAppendEvent extends ClientBase { type: 'input_audio_buffer.append'; audio: string }
export interface InputAudioBufferCommitEvent extends ClientBase { type: 'input_audio_buffer.commit' }
export interface InputAudioBufferClearEvent extends ClientBase { type: 'input_audio_buffer.clear' }
export interface OutputAudioBufferClearEvent extends ClientBase { type: 'output_audio_buffer.clear' }
export interface ConversationItemCreateEvent extends ClientBase {
  type: 'conversation.item.create';
  previous_item_id?: string | null;
  item:
    | { type: 'message'; role: 'user' | 'assistant' | 'system'; content: RealtimeContentPart[]; id?: string }
    | { type: 'function_call'; call_id: string; name: string; arguments: string; id?: string }
    | { type: 'function_call_output'; call_id: string; output: string; id?: string };
}
export interface ConversationItemTruncateEvent extends ClientBase {
  type: 'conversation.item.truncate';
  item_id: string;
  content_index: number;
  audio_end_ms: number;
}
export interface ConversationItemRetrieveEvent extends ClientBase { type: 'conversation.item.retrieve'; item_id: string }
export interface ConversationItemDeleteEvent extends ClientBase { type: 'conversation.item.delete'; item_id: string }
export interface ResponseCreateEvent extends ClientBase { type: 'response.create'; response?: Record<string, unknown> }
export interface ResponseCancelEvent extends ClientBase { type: 'response.cancel'; response_id?: string }

export type ClientEvent =
  | SessionUpdateEvent
  | InputAudioBufferAppendEvent
  | InputAudioBufferCommitEvent
  | InputAudioBufferClearEvent
  | OutputAudioBufferClearEvent
  | ConversationItemCreateEvent
  | ConversationItemTruncateEvent
  | ConversationItemRetrieveEvent
  | ConversationItemDeleteEvent
  | ResponseCreateEvent
  | ResponseCancelEvent;

// ── Server events (server → browser), GA names ──────────────────────────────────────────────

interface ServerBase {
  /** The server's id for this event; `''` when a (non-OpenAI) server sent none. */
  event_id: string;
  /** Set by `parseServerEvent` on every validated event: `if (ev.known === false)` narrows to unknown. */
  known?: true;
}
interface ResponsePartRef {
  response_id: string;
  item_id: string;
  output_index: number;
  content_index: number;
}

export interface ErrorEvent extends ServerBase { type: 'error'; error: RealtimeErrorDetail }
export interface SessionCreatedEvent extends ServerBase { type: 'session.created'; session: RealtimeSessionConfig }
export interface SessionUpdatedEvent extends ServerBase { type: 'session.updated'; session: RealtimeSessionConfig }
export interface SpeechStartedEvent extends ServerBase { type: 'input_audio_buffer.speech_started'; audio_start_ms: number; item_id: string }
export interface SpeechStoppedEvent extends ServerBase { type: 'input_audio_buffer.speech_stopped'; audio_end_ms: number; item_id: string }
export interface InputAudioCommittedEvent extends ServerBase {
  type: 'input_audio_buffer.committed';
  item_id: string;
  previous_item_id?: string | null;
}
export interface InputAudioClearedEvent extends ServerBase { type: 'input_audio_buffer.cleared' }
export interface InputAudioTimeoutEvent extends ServerBase {
  type: 'input_audio_buffer.timeout_triggered';
  audio_start_ms: number;
  audio_end_ms: number;
  item_id: string;
}
export interface ItemAddedEvent extends ServerBase {
  type: 'conversation.item.added' | 'conversation.item.done';
  item: RealtimeItem;
  previous_item_id?: string | null;
}
export interface ItemRetrievedEvent extends ServerBase { type: 'conversation.item.retrieved'; item: RealtimeItem }
export interface ItemDeletedEvent extends ServerBase { type: 'conversation.item.deleted'; item_id: string }
export interface ItemTruncatedEvent extends ServerBase {
  type: 'conversation.item.truncated';
  item_id: string;
  content_index: number;
  audio_end_ms: number;
}
export interface InputTranscriptionDeltaEvent extends ServerBase {
  type: 'conversation.item.input_audio_transcription.delta';
  item_id: string;
  content_index?: number;
  /** Optional in the GA schema. */
  delta?: string;
}
export interface InputTranscriptionCompletedEvent extends ServerBase {
  type: 'conversation.item.input_audio_transcription.completed';
  item_id: string;
  content_index: number;
  transcript: string;
  usage?: Record<string, unknown>;
  logprobs?: unknown[] | null;
  languages?: unknown[];
}
export interface InputTranscriptionFailedEvent extends ServerBase {
  type: 'conversation.item.input_audio_transcription.failed';
  item_id: string;
  content_index: number;
  error: { type?: string | null; code?: string | null; message?: string | null; param?: string | null };
}
export interface ResponseCreatedEvent extends ServerBase { type: 'response.created'; response: RealtimeResponse }
export interface ResponseDoneEvent extends ServerBase { type: 'response.done'; response: RealtimeResponse }
export interface OutputItemEvent extends ServerBase {
  type: 'response.output_item.added' | 'response.output_item.done';
  response_id: string;
  output_index: number;
  item: RealtimeItem;
}
export interface ContentPartEvent extends ServerBase, ResponsePartRef {
  type: 'response.content_part.added' | 'response.content_part.done';
  part: RealtimeContentPart;
}
export interface OutputAudioDeltaEvent extends ServerBase, ResponsePartRef { type: 'response.output_audio.delta'; delta: string }
export interface OutputAudioDoneEvent extends ServerBase, ResponsePartRef { type: 'response.output_audio.done' }
export interface OutputAudioTranscriptDeltaEvent extends ServerBase, ResponsePartRef {
  type: 'response.output_audio_transcript.delta';
  delta: string;
}
export interface OutputAudioTranscriptDoneEvent extends ServerBase, ResponsePartRef {
  type: 'response.output_audio_transcript.done';
  transcript: string;
}
export interface OutputTextDeltaEvent extends ServerBase, ResponsePartRef { type: 'response.output_text.delta'; delta: string }
export interface OutputTextDoneEvent extends ServerBase, ResponsePartRef { type: 'response.output_text.done'; text: string }
export interface FunctionCallArgumentsDeltaEvent extends ServerBase {
  type: 'response.function_call_arguments.delta';
  response_id: string;
  item_id: string;
  output_index: number;
  call_id: string;
  delta: string;
}
export interface FunctionCallArgumentsDoneEvent extends ServerBase {
  type: 'response.function_call_arguments.done';
  response_id: string;
  item_id: string;
  output_index: number;
  call_id: string;
  /** In the GA schema; absent from servers that speak the beta shape: fall back to the item's `name`. */
  name?: string;
  arguments: string;
}
export interface RateLimitsUpdatedEvent extends ServerBase {
  type: 'rate_limits.updated';
  rate_limits: { name: string; limit: number; remaining: number; reset_seconds: number }[];
}
export interface OutputAudioBufferEvent extends ServerBase {
  type: 'output_audio_buffer.started' | 'output_audio_buffer.stopped' | 'output_audio_buffer.cleared';
  response_id: string;
}

export interface ConversationCreatedEvent extends ServerBase {
  type: 'conversation.created';
  conversation: { id?: string; object?: string };
}
/** SIP only: a telephone keypad press (the schema gives it no `event_id`). */
export interface DtmfEventReceivedEvent extends ServerBase {
  type: 'input_audio_buffer.dtmf_event_received';
  event: string;
  received_at: number;
}
/** Diarized transcription models: one speaker segment of the input audio. */
export interface InputTranscriptionSegmentEvent extends ServerBase {
  type: 'conversation.item.input_audio_transcription.segment';
  item_id: string;
  content_index: number;
  text: string;
  id: string;
  speaker: string;
  start: number;
  end: number;
}
/** Remote MCP tools configured in the session (by the host's client secret). */
export interface McpListToolsEvent extends ServerBase {
  type: 'mcp_list_tools.in_progress' | 'mcp_list_tools.completed' | 'mcp_list_tools.failed';
  item_id: string;
}
export interface McpCallArgumentsDeltaEvent extends ServerBase {
  type: 'response.mcp_call_arguments.delta';
  response_id: string;
  item_id: string;
  output_index: number;
  delta: string;
  obfuscation?: string | null;
}
export interface McpCallArgumentsDoneEvent extends ServerBase {
  type: 'response.mcp_call_arguments.done';
  response_id: string;
  item_id: string;
  output_index: number;
  arguments: string;
}
export interface McpCallEvent extends ServerBase {
  type: 'response.mcp_call.in_progress' | 'response.mcp_call.completed' | 'response.mcp_call.failed';
  output_index: number;
  item_id: string;
}

/** Any other well-formed event (new or rare types): passed through untyped, never an error. */
export interface UnknownServerEvent {
  type: string;
  event_id?: string;
  known: false;
  [key: string]: unknown;
}

export type KnownServerEvent =
  | ErrorEvent
  | SessionCreatedEvent
  | SessionUpdatedEvent
  | SpeechStartedEvent
  | SpeechStoppedEvent
  | InputAudioCommittedEvent
  | InputAudioClearedEvent
  | InputAudioTimeoutEvent
  | ItemAddedEvent
  | ItemRetrievedEvent
  | ItemDeletedEvent
  | ItemTruncatedEvent
  | InputTranscriptionDeltaEvent
  | InputTranscriptionCompletedEvent
  | InputTranscriptionFailedEvent
  | ResponseCreatedEvent
  | ResponseDoneEvent
  | OutputItemEvent
  | ContentPartEvent
  | OutputAudioDeltaEvent
  | OutputAudioDoneEvent
  | OutputAudioTranscriptDeltaEvent
  | OutputAudioTranscriptDoneEvent
  | OutputTextDeltaEvent
  | OutputTextDoneEvent
  | FunctionCallArgumentsDeltaEvent
  | FunctionCallArgumentsDoneEvent
  | RateLimitsUpdatedEvent
  | OutputAudioBufferEvent
  | ConversationCreatedEvent
  | DtmfEventReceivedEvent
  | InputTranscriptionSegmentEvent
  | McpListToolsEvent
  | McpCallArgumentsDeltaEvent
  | McpCallArgumentsDoneEvent
  | McpCallEvent;

export type ServerEvent = KnownServerEvent | UnknownServerEvent;
export type ServerEventType = KnownServerEvent['type'];
/** The known event of one GA type, e.g. `ServerEventOf<'response.done'>`. */
export type ServerEventOf<T extends ServerEventType> = Extract<KnownServerEvent, { type: T }>;

/** What `parseServerEvent` returns for input it cannot accept: a value, never a throw. */
export interface ProtocolError {
  type: 'protocol_error';
  code: 'invalid_json' | 'not_an_object' | 'missing_type' | 'invalid_field' | 'binary_frame' | 'too_large';
  message: string;
  /** The server event type, when one could be read. */
  eventType?: string;
  /** The offending field (`item.id`, `rate_limits[0].limit`), for `invalid_field`. */
  field?: string;
}

export type ParseResult = { ok: true; event: ServerEvent } | { ok: false; error: ProtocolError };
