// The element's DOM events: `Event` subclasses with a typed `detail`, all bubbling out of the
// shadow root (`composed`), all prefixed `rv-`, all declared in `GlobalEventHandlersEventMap` so
// `el.addEventListener('rv-transcript', (e) => e.detail.text)` type-checks without casts.
import type { ErrorCode, SessionStatus } from './session/types.js';
import type { ServerEvent } from './protocol/events.js';

/** `rv-status` detail. */
export interface StatusDetail {
  status: SessionStatus;
  previous: SessionStatus;
}
/** `rv-connected` detail. */
export interface ConnectedDetail {
  sessionId: string;
  model: string;
}
/** `rv-disconnected` detail. */
export interface DisconnectedDetail {
  code: number;
  reason: string;
  willReconnect: boolean;
}
/** `rv-transcript` detail; `text` is the whole text of the item so far, `delta` what was added. */
export interface TranscriptDetail {
  role: 'user' | 'assistant';
  itemId: string;
  text: string;
  delta: string;
  final: boolean;
}
/** `rv-tool-call` detail; `arguments` is already parsed from JSON. */
export interface ToolCallDetail {
  name: string;
  callId: string;
  arguments: unknown;
}
/** `rv-interrupted` detail; `audioEndMs` is how much of the item the user actually heard. */
export interface InterruptedDetail {
  itemId: string;
  audioEndMs: number;
}
/** `rv-error` detail. */
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
  fatal: boolean;
}
/** `rv-server-event` detail. */
export interface ServerEventDetail {
  event: ServerEvent;
}

/** Base of every `rv-*` event: bubbles, crosses shadow roots, carries a typed `detail`. */
export class RealtimeVoiceEvent<D> extends Event {
  /** The event's payload. */
  readonly detail: D;
  constructor(type: string, detail: D, cancelable?: boolean) {
    super(type, { bubbles: true, composed: true, cancelable });
    this.detail = detail;
  }
}

/** `rv-status`: the connection or conversation state changed. */
export class RealtimeVoiceStatusEvent extends RealtimeVoiceEvent<StatusDetail> {
  constructor(detail: StatusDetail) {
    super('rv-status', detail);
  }
}

/** `rv-connected`: the session is configured and live. */
export class RealtimeVoiceConnectedEvent extends RealtimeVoiceEvent<ConnectedDetail> {
  constructor(detail: ConnectedDetail) {
    super('rv-connected', detail);
  }
}

/** `rv-disconnected`: the socket closed; `willReconnect` tells whether a retry follows. */
export class RealtimeVoiceDisconnectedEvent extends RealtimeVoiceEvent<DisconnectedDetail> {
  constructor(detail: DisconnectedDetail) {
    super('rv-disconnected', detail);
  }
}

/** `rv-transcript`: user or agent text grew (streaming) or was finalised. */
export class RealtimeVoiceTranscriptEvent extends RealtimeVoiceEvent<TranscriptDetail> {
  constructor(detail: TranscriptDetail) {
    super('rv-transcript', detail);
  }
}

/**
 * `rv-tool-call`: the agent called a function tool that has no `handler` of its own. A listener
 * answers with `event.respondWith(valueOrPromise)`, called synchronously while the event is
 * dispatched (as with `FetchEvent`). `preventDefault()` without `respondWith` declines the call;
 * declined or unanswered, the agent gets an error output ("not available") and never waits.
 */
export class RealtimeVoiceToolCallEvent extends RealtimeVoiceEvent<ToolCallDetail> {
  #response: Promise<unknown> | undefined;

  constructor(detail: ToolCallDetail) {
    super('rv-tool-call', detail, true);
  }

  /**
   * Supplies the tool's output (any JSON-serialisable value, or a promise of one). Call it once,
   * synchronously inside the listener; a second call, or a call after dispatch, throws
   * `InvalidStateError`.
   */
  respondWith(value: unknown): void {
    if (this.#response || this.eventPhase === Event.NONE) {
      throw new DOMException('respondWith() must be called once, while the event is dispatched', 'InvalidStateError');
    }
    this.#response = Promise.resolve(value);
    this.preventDefault();
  }

  /** The output supplied through `respondWith`, if a listener did. */
  get response(): Promise<unknown> | undefined {
    return this.#response;
  }
}

/** `rv-interrupted`: the user barged in while the agent was speaking. */
export class RealtimeVoiceInterruptedEvent extends RealtimeVoiceEvent<InterruptedDetail> {
  constructor(detail: InterruptedDetail) {
    super('rv-interrupted', detail);
  }
}

/** `rv-error`: something failed; `fatal` errors end the session (status `error`). */
export class RealtimeVoiceErrorEvent extends RealtimeVoiceEvent<ErrorDetail> {
  constructor(detail: ErrorDetail) {
    super('rv-error', detail);
  }
}

/** `rv-server-event`: every server event, after parsing (the escape hatch for anything else). */
export class RealtimeVoiceServerEvent extends RealtimeVoiceEvent<ServerEventDetail> {
  constructor(detail: ServerEventDetail) {
    super('rv-server-event', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rv-status': RealtimeVoiceStatusEvent;
    'rv-connected': RealtimeVoiceConnectedEvent;
    'rv-disconnected': RealtimeVoiceDisconnectedEvent;
    'rv-transcript': RealtimeVoiceTranscriptEvent;
    'rv-tool-call': RealtimeVoiceToolCallEvent;
    'rv-interrupted': RealtimeVoiceInterruptedEvent;
    'rv-error': RealtimeVoiceErrorEvent;
    'rv-server-event': RealtimeVoiceServerEvent;
  }
}
