// The session: one conversation with a Realtime server, across reconnects. It owns the token
// fetch, the transport, the audio engine (through `AudioPort`), the response queue, tools,
// barge-in and reconnection, and reports through `SessionCallbacks`. No Lit, no DOM events.
//
// Statuses (API.md): `idle` → `connecting` → `listening` ⇄ `thinking` ⇄ `speaking`; `reconnecting`
// while the socket is being replaced; `error` after a fatal error. While connected, the status is
// *derived* from state (`#updatePhase`) rather than set by individual events, so no event order
// can leave it stale:
//   listening — the user is talking, or nothing is pending;
//   speaking  — assistant audio is sounding (the player says so, not the server's `done` events:
//               audio arrives faster than real time), or streaming text in a text-only session;
//   thinking  — a response is requested/running/expected, or a tool call is being answered.
import { isAbortError, TokenSource, type ResolvedToken } from '../auth/token.js';
import { decodeBase64 } from '../protocol/base64.js';
import type {
  ClientEvent,
  KnownServerEvent,
  ParseResult,
  RealtimeItem,
  RealtimeSessionConfig,
  ServerEvent,
} from '../protocol/events.js';
import { TransportError, type RealtimeTransport, type TransportCloseInfo } from '../protocol/transport.js';
import { WebSocketTransport } from '../protocol/websocket-transport.js';
import type { AudioEngineFactory, AudioPort } from './audio-port.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Conversation } from './conversation.js';
import { buildSessionConfig, isManualTurns, serverInterruptsResponse } from './session-config.js';
import { createWebAudioPort } from './web-audio-port.js';
import {
  RealtimeVoiceError,
  type ConversationItem,
  type ErrorCode,
  type SessionCallbacks,
  type SessionConfig,
  type SessionStatus,
} from './types.js';

/** Injection points, for tests and for the element to supply the real audio engine. */
export interface SessionDeps {
  /** Creates a transport for each connection (default: a `WebSocketTransport`). */
  transport?: () => RealtimeTransport;
  /**
   * Creates the audio engine at `start()` (default: the real Web Audio engine, `createWebAudioPort`);
   * `null` makes a text-only session (no microphone, no playback).
   */
  audio?: AudioEngineFactory | null;
  /** `fetch` for `token-url` (default: the global one). */
  fetch?: typeof fetch;
  /** Wall clock in epoch ms (token expiry). Default `Date.now`. */
  now?: () => number;
  /** Uniform [0, 1) for backoff jitter and item ids. Default `Math.random`. */
  random?: () => number;
  /** Timer functions (default: the global ones); tests may inject fakes. */
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Reconnection delays (default 500 ms doubling up to 15 s, with jitter). */
  backoff?: BackoffOptions;
  /** How long a connection may take to open and send `session.created` (default 15 s). */
  connectTimeoutMs?: number;
  /** How long a token request may take (default 10 s). */
  tokenTimeoutMs?: number;
  /** Where `debug` output goes (default `console.debug`). */
  logger?: (...args: unknown[]) => void;
}

/** Counters for diagnostics and tests. */
export interface SessionStats {
  /** Server frames that could not be parsed (logged, ignored). */
  malformedFrames: number;
  /** Audio/text deltas of cancelled responses or truncated items that were dropped. */
  droppedDeltas: number;
  /** Microphone frames not sent (not connected, muted, push-to-talk released, back-pressure). */
  droppedFrames: number;
  /** Connections opened (first connect plus reconnects). */
  connections: number;
}

/** Tool calls that take longer are answered with an error output (and `tool_failed`). */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
/** `input_audio_buffer.commit` needs ≥ ~100 ms of audio (PROTOCOL.md §0.9): 100 ms at 48 kB/s. */
const MIN_COMMIT_BYTES = 4_800;
/** PCM16 at 24 kHz: bytes per millisecond. */
const BYTES_PER_MS = 48;
/** Above this much unsent data, microphone frames are dropped rather than queued without bound. */
const MAX_BUFFERED_BYTES = 1_000_000;
/** After muting with server VAD, silence is sent this long so the server ends the user's turn. */
const MUTE_TAIL_MS = 1_500;
/** How long to wait for the player to confirm a clear before computing what was heard. */
const CLEAR_WAIT_MS = 250;
/** Close codes after which reconnecting cannot help (protocol / policy violations). */
const FATAL_CLOSE_CODES = new Set([1002, 1003, 1007, 1008]);
/** OpenAI's 60-minute limit: close 1001 with this reason (PROTOCOL.md §0.4). */
const SESSION_EXPIRED_RE = /maximum duration|60 minutes/i;
/** Server error codes that are expected races, handled here rather than reported. */
const BENIGN_ERROR_CODES = new Set(['response_cancel_not_active', 'conversation_already_has_active_response', 'session_expired']);

/** The stable codes of API.md (to recognise errors of the layers below that carry one). */
const ERROR_CODES = new Set<ErrorCode>([
  'token_fetch_failed',
  'token_invalid',
  'insecure_api_key',
  'mic_permission_denied',
  'mic_unavailable',
  'audio_blocked',
  'worklet_load_failed',
  'connection_failed',
  'connection_lost',
  'session_expired',
  'server_error',
  'tool_failed',
  'unsupported_browser',
]);

type Phase = 'listening' | 'thinking' | 'speaking';
type ResponseParams = Record<string, unknown> | undefined;

interface AudioItemState {
  responseId: string;
  contentIndex: number;
  receivedBytes: number;
}

/** Hides anything that looks like a key in debug output (defence in depth: none is logged). */
function redact(text: string): string {
  return text.replace(/\b(sk|ek)([-_])[\w-]{4,}/g, '$1$2…').replace(/openai-insecure-api-key\.[^\s",\]]+/g, 'openai-insecure-api-key.…');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return redact(`${value.name}: ${value.message}`);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return redact(text.length > 400 ? `${text.slice(0, 400)}…` : text);
}

/** The text of a message item's content (user text or transcript, assistant text or transcript). */
function itemText(item: RealtimeItem): string {
  let text = '';
  for (const part of item.content ?? []) text += part.text ?? part.transcript ?? '';
  return text;
}

/** A tool's result as the `output` string of `function_call_output`. */
function toolOutput(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '{}';
  try {
    return JSON.stringify(value) ?? '{}';
  } catch {
    return JSON.stringify({ error: 'The tool returned a value that cannot be serialised as JSON.' });
  }
}

function errorOutput(message: string): string {
  return JSON.stringify({ error: message });
}

/**
 * One conversation with a Realtime server. Create it with the element's configuration and
 * callbacks; call `start()` from a user gesture.
 *
 * Tool precedence: a tool's own `handler` answers its calls when present (no `toolCall`
 * callback then); otherwise `callbacks.toolCall` (the element's cancelable `rv-tool-call`).
 * Nobody answering, a throw, a rejection or a timeout all become an error output so the model
 * never waits; throws, rejections, timeouts and calls of tools that are not declared in
 * `tools` also report `tool_failed` (non-fatal). A declared tool that is declined (`undefined`
 * from the callback) is answered with an error output silently.
 */
export class RealtimeSession {
  #config: SessionConfig;
  #callbacks: SessionCallbacks;
  #deps: SessionDeps;
  #tokens: TokenSource;
  #conversation = new Conversation();
  #stats: SessionStats = { malformedFrames: 0, droppedDeltas: 0, droppedFrames: 0, connections: 0 };

  #status: SessionStatus = 'idle';
  /** True from `start()` until teardown: the session wants to be connected. */
  #running = false;
  /** Bumped for every connection attempt and teardown; stale async work compares and bails. */
  #epoch = 0;
  #transport: RealtimeTransport | null = null;
  /** `session.created` arrived on the current transport. */
  #ready = false;
  #everReady = false;
  #reconnecting = false;
  #reconnectAttempt = 0;
  #reconnectTimer: unknown = null;
  #readyTimer: unknown = null;
  #tokenAbort: AbortController | null = null;
  #audio: AudioPort | null = null;
  #startWaiters: (() => void)[] = [];
  #stopPromise: Promise<void> | null = null;
  #sessionInfo = { sessionId: '', model: '' };

  // Per connection.
  #sentConfig: RealtimeSessionConfig | null = null;
  #sentConfigJson = '';
  #modelHasSpoken = false;
  #responseQueue: ResponseParams[] = [];
  #pendingCreateId: string | null = null;
  /** An interruption came while our `response.create` was unanswered: cancel what it creates. */
  #cancelNextResponse = false;
  #sentCreates = new Map<string, ResponseParams>();
  #activeResponseId: string | null = null;
  #droppedResponses = new Set<string>();
  #droppedItems = new Set<string>();
  #audioItems = new Map<string, AudioItemState>();
  #lastAudioItemId: string | null = null;
  #playbackCleared = false;
  #streamingOutput = false;
  #audioInResponse = false;
  #awaitingResponse = false;
  #userSpeaking = false;
  #truncatesPending = 0;
  #pendingTools = 0;
  #handledCalls = new Set<string>();
  #callNames = new Map<string, string>();
  #toolTimers = new Set<unknown>();
  #pttDown = false;
  #pttBytes = 0;
  /** The server said `session_expired` (an `error` event): the close that follows is the end. */
  #expiryAnnounced = false;
  #mutedAt: number | null = null;
  #silence = new Map<number, ArrayBuffer>();

  // Across connections.
  /** Typed messages waiting for a connection (ids of conversation items). */
  #outbox: string[] = [];
  #blocked = false;

  constructor(config: SessionConfig, callbacks: SessionCallbacks, deps: SessionDeps = {}) {
    this.#config = { ...config, tools: [...config.tools] };
    this.#callbacks = callbacks;
    this.#deps = deps;
    this.#tokens = new TokenSource({
      tokenUrl: config.tokenUrl,
      getToken: config.getToken,
      fetch: deps.fetch,
      now: deps.now,
      timeoutMs: deps.tokenTimeoutMs,
    });
  }

  /** Current status (API.md). */
  get status(): SessionStatus {
    return this.#status;
  }

  /** The conversation so far: user and assistant messages, in order (an immutable snapshot). */
  get conversation(): readonly ConversationItem[] {
    return this.#conversation.items;
  }

  /** The server's session id and model of the current (or last) connection. */
  get sessionInfo(): { readonly sessionId: string; readonly model: string } {
    return { ...this.#sessionInfo };
  }

  /** Diagnostic counters. */
  get stats(): Readonly<SessionStats> {
    return { ...this.#stats };
  }

  /** The configuration in effect (a copy). */
  get config(): Readonly<SessionConfig> {
    return { ...this.#config };
  }

  /**
   * Connects and opens the microphone. Call it from a user gesture: the audio engine is created
   * synchronously, before the first `await`, so its `AudioContext` may start. Resolves once
   * connected, or once the attempt failed (the error goes to `callbacks.error`) or was stopped;
   * never rejects. A no-op while already running. After `stop()` or an error (such as
   * `session_expired`) it starts a new server session and replays the conversation into it.
   */
  start(): Promise<void> {
    if (this.#running) return this.#ready ? Promise.resolve() : this.#whenStarted();
    this.#running = true;
    this.#stopPromise = null;
    this.#everReady = false;
    this.#reconnecting = false;
    this.#reconnectAttempt = 0;
    this.#setStatus('connecting');
    const waiting = this.#whenStarted();

    // Synchronously, inside the gesture (DESIGN-NOTES.md "Starting audio inside the user's gesture").
    const factory = this.#deps.audio === undefined ? createWebAudioPort : this.#deps.audio;
    if (factory) {
      let audio: AudioPort;
      try {
        audio = factory(
          { workletUrl: this.#config.workletUrl, muted: this.#config.muted, debug: this.#config.debug },
          {
            frame: (pcm) => this.#onFrame(audio, pcm),
            level: (levels) => {
              if (this.#audio === audio) this.#emit('level', levels);
            },
            playback: () => {
              if (this.#audio === audio) this.#updatePhase();
            },
            blocked: (blocked) => {
              if (this.#audio === audio) this.#setBlocked(blocked);
            },
            error: (error) => {
              if (this.#audio === audio) this.#fail(this.#asVoiceError(error, 'mic_unavailable', true));
            },
          },
        );
      } catch (error) {
        this.#fail(this.#asVoiceError(error, 'unsupported_browser', true));
        return waiting;
      }
      this.#audio = audio;
      if (this.#config.muted) this.#mutedAt = -Infinity;
      audio.start().then(
        () => this.#log('audio started'),
        (error: unknown) => {
          if (this.#audio === audio) this.#fail(this.#asVoiceError(error, 'mic_unavailable', true));
        },
      );
    }
    void this.#connect();
    return waiting;
  }

  /**
   * Ends the call: aborts a token fetch in flight, cancels a running response, closes the socket
   * (1000), closes the audio engine and clears every timer — once, however often it is called.
   * The conversation is kept (`start()` continues it; `clearConversation()` forgets it).
   */
  stop(): Promise<void> {
    if (this.#stopPromise) return this.#stopPromise;
    if (!this.#running) {
      this.#setStatus('idle');
      return Promise.resolve();
    }
    this.#stopPromise = this.#teardown('idle', { cancelResponse: true, code: 1000, reason: 'client stopped' });
    return this.#stopPromise;
  }

  /**
   * Sends a typed user turn. A speaking agent is interrupted first. While connecting or
   * reconnecting the message is queued and delivered once connected. Returns `false` (and does
   * nothing) for blank text or when the session is not started.
   */
  sendText(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed || !this.#running) return false;
    const id = this.#newItemId();
    this.#conversation.add(id, 'user', trimmed, 'in_progress');
    this.#emit('transcript', { role: 'user', itemId: id, text: trimmed, delta: trimmed, final: true });
    if (!this.#ready) {
      this.#outbox.push(id);
      this.#log('queued a typed message until connected');
      return true;
    }
    this.#interruptIfActive(true);
    this.#deliverText(id);
    this.#requestResponse();
    return true;
  }

  /** Stops the agent now: silences playback, cancels the response, truncates what was not heard. */
  interrupt(): void {
    if (!this.#ready) return;
    this.#interruptIfActive(true);
    this.#updatePhase();
  }

  /** Mutes or unmutes the microphone (no voice leaves the browser while muted). */
  setMuted(muted: boolean): void {
    if (this.#config.muted === muted) return;
    this.#config = { ...this.#config, muted };
    this.#mutedAt = muted ? this.#now() : null;
    this.#audio?.setMuted(muted);
    if (muted && this.#pttDown) this.pushToTalk(false);
  }

  /**
   * Push-to-talk (manual turns: `push-to-talk` or `turn-detection="manual"`). `true` starts a
   * turn (interrupting a speaking agent and clearing the server's input buffer); `false` ends it:
   * commit plus `response.create` when at least 100 ms were sent, else the buffer is cleared.
   */
  pushToTalk(down: boolean): void {
    if (!isManualTurns(this.#config)) {
      this.#log('pushToTalk ignored: turns are detected by the server');
      return;
    }
    if (down === this.#pttDown) return;
    this.#pttDown = down;
    if (!this.#ready) {
      this.#pttDown = false;
      return;
    }
    if (down) {
      this.#interruptIfActive(true);
      this.#send({ type: 'input_audio_buffer.clear' });
      this.#pttBytes = 0;
      this.#userSpeaking = true;
    } else {
      this.#userSpeaking = false;
      if (this.#pttBytes >= MIN_COMMIT_BYTES) {
        this.#send({ type: 'input_audio_buffer.commit' });
        this.#requestResponse();
      } else {
        this.#send({ type: 'input_audio_buffer.clear' });
        this.#log('push-to-talk too short to commit; cleared');
      }
      this.#pttBytes = 0;
    }
    this.#updatePhase();
  }

  /**
   * Applies changed attributes/properties. Session fields (instructions, voice, turn detection,
   * transcription, noise reduction, tools, `session`) send a new `session.update` during a call;
   * token and endpoint fields apply from the next connection. The voice cannot change once the
   * model has spoken in a server session, so it is left out of such updates until a reconnect.
   */
  updateConfig(partial: Partial<SessionConfig>): void {
    const previous = this.#config;
    const { muted, ...rest } = partial;
    this.#config = { ...previous, ...rest, tools: [...(partial.tools ?? previous.tools)] };
    if ('tokenUrl' in partial || 'getToken' in partial) {
      this.#tokens.update({ tokenUrl: this.#config.tokenUrl, getToken: this.#config.getToken });
    }
    if (muted !== undefined) this.setMuted(muted);
    if (isManualTurns(previous) !== isManualTurns(this.#config)) {
      this.#pttDown = false;
      this.#userSpeaking = false;
    }
    if (this.#ready) this.#sendSessionUpdate();
  }

  /** After `audioBlocked(true)`: resumes output from a user gesture; resolves to whether audio runs. */
  async resumeAudio(): Promise<boolean> {
    const audio = this.#audio;
    if (!audio) return false;
    let running = false;
    try {
      running = await audio.resume();
    } catch (error) {
      this.#log('resume failed', error);
    }
    if (running && this.#audio === audio) this.#setBlocked(false);
    return running;
  }

  /** Forgets the conversation (the next connection starts a fresh one, with the greeting). */
  clearConversation(): void {
    this.#conversation.clear();
    this.#outbox = [];
  }

  // ── connection ────────────────────────────────────────────────────────────────────────────

  async #connect(): Promise<void> {
    const epoch = ++this.#epoch;
    this.#resetConnectionState();
    const abort = new AbortController();
    this.#tokenAbort = abort;
    let token: ResolvedToken;
    try {
      token = await this.#tokens.get(abort.signal);
    } catch (error) {
      if (epoch !== this.#epoch || isAbortError(error)) return;
      this.#attemptFailed(this.#asVoiceError(error, 'token_fetch_failed', true));
      return;
    } finally {
      if (this.#tokenAbort === abort) this.#tokenAbort = null;
    }
    if (epoch !== this.#epoch) return;

    let transport: RealtimeTransport;
    try {
      transport = this.#deps.transport ? this.#deps.transport() : new WebSocketTransport();
    } catch (error) {
      this.#attemptFailed(this.#asVoiceError(error, 'unsupported_browser', true));
      return;
    }
    this.#transport = transport;
    this.#stats.connections++;
    const url = token.url ?? this.#config.url;
    const model = token.model ?? this.#config.model;
    this.#log('connecting to', url, 'model', model);
    const timeoutMs = this.#deps.connectTimeoutMs ?? 15_000;
    this.#readyTimer = this.#setTimer(() => {
      if (epoch !== this.#epoch || this.#ready) return;
      this.#log('no session.created in time');
      this.#dropTransport(transport, 4000, 'connect timeout');
      this.#attemptFailed(new RealtimeVoiceError('connection_failed', `No session from ${url} within ${timeoutMs} ms.`, true));
    }, timeoutMs);
    try {
      await transport.connect(
        { url, model, token: token.value, timeoutMs },
        {
          message: (result) => {
            if (epoch === this.#epoch && this.#transport === transport) this.#onMessage(result);
          },
          status: (status) => {
            if (epoch === this.#epoch) this.#log('transport', status);
          },
          close: (info) => {
            if (epoch === this.#epoch && this.#transport === transport) this.#onClose(info);
          },
        },
      );
    } catch (error) {
      if (epoch !== this.#epoch || this.#transport !== transport) return;
      this.#transport = null;
      // The server may have refused the key: never reuse it.
      this.#tokens.invalidate();
      const code: ErrorCode =
        error instanceof TransportError && error.code === 'insecure_api_key'
          ? 'insecure_api_key'
          : error instanceof TransportError && error.code === 'invalid_token'
            ? 'token_invalid'
            : 'connection_failed';
      const closeInfo = error instanceof TransportError && error.close ? ` (close ${error.close.code})` : '';
      this.#attemptFailed(new RealtimeVoiceError(code, `Could not connect to the Realtime server${closeInfo}.`, true, { cause: error }));
      return;
    }
    if (epoch !== this.#epoch) return;
    this.#log('socket open; waiting for session.created');
  }

  /** A connection attempt failed before `session.created`. */
  #attemptFailed(error: RealtimeVoiceError): void {
    this.#clearTimer(this.#readyTimer);
    this.#readyTimer = null;
    const retryable = error.code === 'connection_failed' || error.code === 'token_fetch_failed';
    if (this.#reconnecting && retryable) {
      this.#log('reconnect attempt failed:', error.message);
      this.#scheduleReconnect();
      return;
    }
    this.#fail(error);
  }

  #scheduleReconnect(): void {
    const max = Math.max(0, Math.floor(this.#config.reconnectAttempts));
    if (this.#reconnectAttempt >= max) {
      this.#fail(
        new RealtimeVoiceError('connection_lost', max > 0 ? `The connection was lost and ${max} reconnection attempts failed.` : 'The connection was lost.', true),
      );
      return;
    }
    const delay = backoffDelay(this.#reconnectAttempt, this.#random, this.#deps.backoff);
    this.#reconnectAttempt++;
    this.#reconnecting = true;
    this.#epoch++;
    this.#setStatus('reconnecting');
    this.#log(`reconnecting in ${delay} ms (attempt ${this.#reconnectAttempt}/${max})`);
    this.#reconnectTimer = this.#setTimer(() => {
      this.#reconnectTimer = null;
      if (this.#running) void this.#connect();
    }, delay);
  }

  /** The socket closed without us asking. */
  #onClose(info: TransportCloseInfo): void {
    const wasReady = this.#ready;
    this.#transport = null;
    this.#log('socket closed', info.code, info.reason);
    this.#connectionLost();
    if (!wasReady) {
      this.#attemptFailed(new RealtimeVoiceError('connection_failed', `The server closed the connection (${info.code}).`, true));
      return;
    }
    if (this.#expiryAnnounced || (info.code === 1001 && SESSION_EXPIRED_RE.test(info.reason))) {
      this.#emit('disconnected', { code: info.code, reason: info.reason, willReconnect: false });
      this.#fail(new RealtimeVoiceError('session_expired', 'The session reached its maximum duration. Start again to continue the conversation.', true));
      return;
    }
    const willReconnect = this.#config.reconnectAttempts > 0 && !FATAL_CLOSE_CODES.has(info.code);
    this.#emit('disconnected', { code: info.code, reason: info.reason, willReconnect });
    if (!willReconnect) {
      this.#fail(new RealtimeVoiceError('connection_lost', `The connection was lost (${info.code}).`, true));
      return;
    }
    this.#reconnectAttempt = 0;
    this.#reconnecting = true;
    this.#scheduleReconnect();
  }

  /** Per-connection state that cannot survive the socket: responses, tool calls, playback. */
  #connectionLost(): void {
    this.#ready = false;
    for (const timer of this.#toolTimers) this.#clearTimer(timer);
    this.#toolTimers.clear();
    // Whatever was playing belongs to a response that is gone.
    if (this.#audio?.playing) void this.#audio.clear().catch(() => undefined);
    for (const item of this.#conversation.items) {
      if (item.role === 'assistant' && item.status === 'in_progress') this.#conversation.setStatus(item.id, 'incomplete');
    }
  }

  #resetConnectionState(): void {
    this.#ready = false;
    this.#sentConfig = null;
    this.#sentConfigJson = '';
    this.#modelHasSpoken = false;
    this.#responseQueue = [];
    this.#pendingCreateId = null;
    this.#cancelNextResponse = false;
    this.#sentCreates.clear();
    this.#activeResponseId = null;
    this.#droppedResponses.clear();
    this.#droppedItems.clear();
    this.#audioItems.clear();
    this.#lastAudioItemId = null;
    this.#playbackCleared = false;
    this.#streamingOutput = false;
    this.#audioInResponse = false;
    this.#awaitingResponse = false;
    this.#userSpeaking = false;
    this.#truncatesPending = 0;
    this.#pendingTools = 0;
    this.#handledCalls.clear();
    this.#callNames.clear();
    this.#pttDown = false;
    this.#pttBytes = 0;
    this.#expiryAnnounced = false;
  }

  /** `session.created`: configure, restore the conversation, deliver queued text, greet. */
  #onReady(session: RealtimeSessionConfig): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#clearTimer(this.#readyTimer);
    this.#readyTimer = null;
    const reconnected = this.#everReady;
    this.#everReady = true;
    this.#reconnecting = false;
    this.#reconnectAttempt = 0;
    this.#sessionInfo = { sessionId: session.id ?? '', model: session.model ?? this.#config.model };

    this.#sendSessionUpdate();
    const outbox = this.#outbox;
    this.#outbox = [];
    const replay = this.#conversation.replayEvents(new Set(outbox));
    for (const event of replay) this.#send(event);
    if (replay.length) this.#log(`replayed ${replay.length} conversation items`);
    for (const id of outbox) this.#deliverText(id);

    const lastReplayed = replay[replay.length - 1];
    if (outbox.length > 0 || (lastReplayed && lastReplayed.item.type === 'message' && lastReplayed.item.role === 'user')) {
      // Queued text, or a user turn the lost connection never answered.
      this.#requestResponse();
    } else if (replay.length === 0 && this.#config.greeting) {
      this.#requestResponse({ instructions: `Greet the user by saying exactly this, and nothing else: "${this.#config.greeting}"` });
    }
    this.#log(reconnected ? 'reconnected' : 'connected', this.#sessionInfo.sessionId);
    this.#emit('connected', { ...this.#sessionInfo });
    this.#updatePhase();
    this.#resolveStart();
  }

  #sendSessionUpdate(): void {
    const session = buildSessionConfig(this.#config, { omitVoice: this.#modelHasSpoken });
    const json = JSON.stringify(session);
    if (json === this.#sentConfigJson) return;
    this.#sentConfig = session;
    this.#sentConfigJson = json;
    this.#send({ type: 'session.update', session });
  }

  // ── server events ─────────────────────────────────────────────────────────────────────────

  #onMessage(result: ParseResult): void {
    if (!result.ok) {
      this.#stats.malformedFrames++;
      this.#log('ignored a malformed server frame:', result.error.code, result.error.eventType ?? '', result.error.message);
      return;
    }
    const event: ServerEvent = result.event;
    this.#emit('serverEvent', event);
    if (event.known === false) return;
    try {
      this.#handle(event as KnownServerEvent);
    } catch (error) {
      // A bug here must not take the call down; it is logged for the report.
      this.#log('error while handling', event.type, error);
    }
    this.#updatePhase();
  }

  #handle(event: KnownServerEvent): void {
    switch (event.type) {
      case 'session.created':
        this.#onReady(event.session);
        break;
      case 'session.updated':
        this.#log('session updated');
        break;
      case 'error':
        this.#onServerError(event.error);
        break;
      case 'input_audio_buffer.speech_started':
        this.#userSpeaking = true;
        this.#awaitingResponse = false;
        this.#interruptIfActive(!serverInterruptsResponse(this.#sentConfig ?? {}));
        break;
      case 'input_audio_buffer.speech_stopped':
        this.#userSpeaking = false;
        this.#awaitingResponse = this.#serverCreatesResponses();
        break;
      case 'input_audio_buffer.committed':
        this.#conversation.add(event.item_id, 'user');
        break;
      case 'conversation.item.added':
      case 'conversation.item.done':
        this.#onItem(event.item, event.type === 'conversation.item.done');
        break;
      case 'conversation.item.input_audio_transcription.delta': {
        this.#conversation.add(event.item_id, 'user');
        const update = this.#conversation.append(event.item_id, event.delta);
        if (update) this.#emit('transcript', update);
        break;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        this.#conversation.add(event.item_id, 'user');
        const update = this.#conversation.finish(event.item_id, event.transcript, 'completed');
        if (update) this.#emit('transcript', update);
        break;
      }
      case 'conversation.item.input_audio_transcription.failed': {
        this.#log('transcription failed', event.error?.code ?? '', event.error?.message ?? '');
        const update = this.#conversation.finish(event.item_id, undefined, 'incomplete');
        if (update) this.#emit('transcript', update);
        break;
      }
      case 'conversation.item.truncated':
        this.#log('truncated', event.item_id, 'at', event.audio_end_ms, 'ms');
        break;
      case 'response.created':
        this.#onResponseCreated(event.response.id);
        break;
      case 'response.output_item.added':
        if (this.#droppedResponses.has(event.response_id)) break;
        if (event.item.type === 'message' && event.item.role === 'assistant') this.#conversation.add(event.item.id, 'assistant');
        if (event.item.type === 'function_call' && event.item.call_id && event.item.name) this.#callNames.set(event.item.call_id, event.item.name);
        break;
      case 'response.output_item.done':
        this.#onOutputItemDone(event.response_id, event.item);
        break;
      case 'response.output_audio.delta':
        this.#onAudioDelta(event.response_id, event.item_id, event.content_index, event.delta);
        break;
      case 'response.output_audio.done':
        if (!this.#droppedResponses.has(event.response_id) && !this.#droppedItems.has(event.item_id)) this.#audio?.end?.(event.item_id);
        break;
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta':
        this.#onTextDelta(event.response_id, event.item_id, event.delta, event.type === 'response.output_text.delta');
        break;
      case 'response.output_audio_transcript.done':
      case 'response.output_text.done': {
        const dropped = this.#droppedResponses.has(event.response_id) || this.#droppedItems.has(event.item_id);
        const text = event.type === 'response.output_text.done' ? event.text : event.transcript;
        // After an interruption the server's full text is more than was heard: keep ours.
        const update = this.#conversation.finish(event.item_id, dropped ? undefined : text, dropped ? 'incomplete' : 'completed');
        if (update) this.#emit('transcript', update);
        break;
      }
      case 'response.function_call_arguments.done':
        this.#onToolCall(event.call_id, event.name ?? this.#callNames.get(event.call_id) ?? '', event.arguments);
        break;
      case 'response.done':
        this.#onResponseDone(event.response);
        break;
      default:
        break;
    }
  }

  #onItem(item: RealtimeItem, done: boolean): void {
    if (item.type !== 'message' || (item.role !== 'user' && item.role !== 'assistant')) return;
    const text = itemText(item);
    const added = this.#conversation.add(item.id, item.role, text, 'in_progress');
    if (added && text && item.role === 'user') {
      this.#emit('transcript', { role: 'user', itemId: item.id, text, delta: text, final: true });
    }
    if (item.role === 'user') {
      // A text item is complete as it comes; an audio item when its transcript is (or, without
      // transcription, once the server is done with it).
      const hasAudio = (item.content ?? []).some((part) => part.type === 'input_audio');
      if (!hasAudio || (done && !this.#transcribing())) this.#conversation.setStatus(item.id, 'completed');
    }
  }

  #transcribing(): boolean {
    const transcription = this.#sentConfig?.audio?.input?.transcription;
    return !!transcription;
  }

  #serverCreatesResponses(): boolean {
    const td = this.#sentConfig?.audio?.input?.turn_detection;
    return !!td && td.create_response !== false;
  }

  #onServerError(error: { type: string; code?: string | null; message: string; event_id?: string | null }): void {
    const code = error.code ?? '';
    const eventId = error.event_id ?? '';
    if (eventId && this.#sentCreates.has(eventId)) {
      const params = this.#sentCreates.get(eventId);
      this.#sentCreates.delete(eventId);
      if (this.#pendingCreateId === eventId) this.#pendingCreateId = null;
      if (code === 'conversation_already_has_active_response') {
        // Another response (server VAD's) got there first: ours runs after it.
        this.#responseQueue.unshift(params);
        this.#log('response.create deferred: a response is already active');
        return;
      }
      this.#flushResponses();
    }
    if (code === 'session_expired') {
      // OpenAI announces the 60-minute end with this error, then closes (1001): see #onClose.
      this.#expiryAnnounced = true;
    }
    if (BENIGN_ERROR_CODES.has(code)) {
      this.#log('server:', code, error.message);
      return;
    }
    this.#log('server error', error.type, code, error.message);
    this.#emit('error', new RealtimeVoiceError('server_error', `The Realtime server reported an error${code ? ` (${code})` : ''}: ${error.message}`, false));
  }

  #onResponseCreated(id: string): void {
    // Our pending create is presumed answered. If this was in fact a server-VAD response, ours
    // fails with `conversation_already_has_active_response` and `#onServerError` re-queues it
    // (its id stays in `#sentCreates` for that).
    this.#pendingCreateId = null;
    if (this.#cancelNextResponse) {
      this.#cancelNextResponse = false;
      this.#droppedResponses.add(id);
      this.#send({ type: 'response.cancel', response_id: id });
    }
    this.#activeResponseId = id;
    this.#awaitingResponse = false;
    this.#streamingOutput = false;
    this.#audioInResponse = false;
  }

  #onResponseDone(response: { id: string; status: string; status_details?: { reason?: string; error?: { code?: string } | null } | null; output?: RealtimeItem[] }): void {
    const dropped = this.#droppedResponses.has(response.id);
    for (const item of response.output ?? []) {
      if (item.type === 'message' && this.#conversation.get(item.id)?.status === 'in_progress') {
        this.#conversation.setStatus(item.id, response.status === 'completed' && !dropped ? 'completed' : 'incomplete');
      }
    }
    if (response.status === 'failed') {
      const reason = response.status_details?.error?.code ?? response.status_details?.reason ?? 'unknown';
      this.#emit('error', new RealtimeVoiceError('server_error', `The response failed (${reason}).`, false));
    }
    if (this.#activeResponseId === response.id || this.#activeResponseId === null) {
      this.#activeResponseId = null;
      this.#streamingOutput = false;
    }
    this.#log('response', response.id, response.status, response.status_details?.reason ?? '');
    this.#flushResponses();
  }

  #onOutputItemDone(responseId: string, item: RealtimeItem): void {
    if (item.type === 'function_call') {
      if (item.call_id && (item.status === undefined || item.status === 'completed')) {
        this.#onToolCall(item.call_id, item.name ?? this.#callNames.get(item.call_id) ?? '', item.arguments ?? '');
      }
      return;
    }
    if (item.type !== 'message' || item.role !== 'assistant') return;
    const dropped = this.#droppedResponses.has(responseId) || this.#droppedItems.has(item.id);
    this.#conversation.setStatus(item.id, dropped || item.status === 'incomplete' ? 'incomplete' : 'completed');
  }

  #onAudioDelta(responseId: string, itemId: string, contentIndex: number, delta: string): void {
    if (this.#droppedResponses.has(responseId) || this.#droppedItems.has(itemId)) {
      this.#stats.droppedDeltas++;
      return;
    }
    const pcm = decodeBase64(delta);
    if (!pcm) {
      this.#stats.malformedFrames++;
      this.#log('ignored an audio delta that is not base64');
      return;
    }
    this.#conversation.add(itemId, 'assistant');
    let state = this.#audioItems.get(itemId);
    if (!state) {
      state = { responseId, contentIndex, receivedBytes: 0 };
      this.#audioItems.set(itemId, state);
    }
    state.receivedBytes += pcm.byteLength;
    this.#lastAudioItemId = itemId;
    this.#modelHasSpoken = true;
    this.#streamingOutput = true;
    this.#audioInResponse = true;
    this.#playbackCleared = false;
    this.#audio?.play(itemId, pcm);
  }

  #onTextDelta(responseId: string, itemId: string, delta: string, text: boolean): void {
    if (this.#droppedResponses.has(responseId) || this.#droppedItems.has(itemId)) {
      this.#stats.droppedDeltas++;
      return;
    }
    this.#conversation.add(itemId, 'assistant');
    if (text) this.#streamingOutput = true;
    const update = this.#conversation.append(itemId, delta);
    if (update) this.#emit('transcript', update);
  }

  // ── responses ─────────────────────────────────────────────────────────────────────────────

  /** Queues a `response.create`; sent when no response is active (only one may be). */
  #requestResponse(params?: Record<string, unknown>): void {
    if (params === undefined && this.#responseQueue.includes(undefined)) return;
    this.#responseQueue.push(params);
    this.#flushResponses();
  }

  #flushResponses(): void {
    if (!this.#ready || this.#pendingCreateId !== null || this.#activeResponseId !== null) return;
    // A truncate in flight must reach the server before the model answers from its memory.
    if (this.#truncatesPending > 0 || this.#responseQueue.length === 0) return;
    const params = this.#responseQueue.shift();
    const id = this.#send(params ? { type: 'response.create', response: params } : { type: 'response.create' });
    if (id === null) return;
    this.#pendingCreateId = id;
    this.#sentCreates.set(id, params);
    if (this.#sentCreates.size > 32) this.#sentCreates.delete(this.#sentCreates.keys().next().value as string);
  }

  // ── barge-in ──────────────────────────────────────────────────────────────────────────────

  /** Whether assistant output is audible or being produced. */
  #assistantActive(): boolean {
    const activeResponse = this.#activeResponseId !== null && !this.#droppedResponses.has(this.#activeResponseId);
    return activeResponse || this.#pendingCreateId !== null || this.#isAudible();
  }

  #isAudible(): boolean {
    return !!this.#audio && this.#audio.playing && !this.#playbackCleared;
  }

  /**
   * Barge-in (PROTOCOL.md §4): silence playback, cancel the response when the server will not,
   * truncate the heard item to what was heard, and drop late deltas. `cancel` is false only for
   * server VAD with `interrupt_response` on (the server cancels by itself).
   */
  #interruptIfActive(cancel: boolean): void {
    if (!this.#assistantActive()) return;
    const responseId = this.#activeResponseId;
    if (responseId !== null && !this.#droppedResponses.has(responseId)) {
      this.#droppedResponses.add(responseId);
      if (cancel) this.#send({ type: 'response.cancel', response_id: responseId });
    } else if (responseId === null && this.#pendingCreateId !== null && cancel) {
      this.#cancelNextResponse = true;
    }
    this.#streamingOutput = false;
    const itemId = this.#lastAudioItemId;
    const audible = this.#isAudible();
    if (itemId === null || (!audible && this.#audioItems.get(itemId)?.responseId !== responseId)) return;
    // From here on nothing of this item may be played.
    this.#droppedItems.add(itemId);
    this.#lastAudioItemId = null;
    this.#playbackCleared = true;
    this.#conversation.setStatus(itemId, 'incomplete');
    void this.#truncate(itemId);
  }

  async #truncate(itemId: string): Promise<void> {
    const epoch = this.#epoch;
    const audio = this.#audio;
    const state = this.#audioItems.get(itemId);
    this.#truncatesPending++;
    try {
      if (audio) {
        let timer: unknown = null;
        await Promise.race([
          audio.clear().catch((error: unknown) => this.#log('player clear failed', error)),
          new Promise<void>((resolve) => (timer = this.#setTimer(resolve, CLEAR_WAIT_MS))),
        ]);
        this.#clearTimer(timer);
      }
      if (epoch !== this.#epoch || !state || state.receivedBytes <= 0) return;
      const receivedMs = Math.floor(state.receivedBytes / BYTES_PER_MS);
      const heard = audio?.heardMs(itemId) ?? 0;
      const audioEndMs = Math.max(0, Math.min(receivedMs, Math.floor(Number.isFinite(heard) ? heard : 0)));
      if (audioEndMs < receivedMs) {
        this.#send({ type: 'conversation.item.truncate', item_id: itemId, content_index: state.contentIndex, audio_end_ms: audioEndMs });
      }
      this.#log(`interrupted ${itemId}: heard ${audioEndMs} of ${receivedMs} ms`);
      this.#emit('interrupted', { itemId, audioEndMs });
    } finally {
      if (epoch === this.#epoch) {
        this.#truncatesPending--;
        this.#flushResponses();
        this.#updatePhase();
      }
    }
  }

  // ── typed text ────────────────────────────────────────────────────────────────────────────

  #deliverText(id: string): void {
    const item = this.#conversation.get(id);
    if (!item) return;
    this.#send({ type: 'conversation.item.create', item: { id, type: 'message', role: 'user', content: [{ type: 'input_text', text: item.text }] } });
    this.#conversation.setStatus(id, 'completed');
  }

  // ── tools ─────────────────────────────────────────────────────────────────────────────────

  #onToolCall(callId: string, name: string, argumentsJson: string): void {
    if (!callId || this.#handledCalls.has(callId)) return;
    this.#handledCalls.add(callId);
    const epoch = this.#epoch;
    this.#pendingTools++;
    const finish = (output: string, failure?: string): void => {
      if (epoch !== this.#epoch) {
        this.#log(`tool ${name} answered after the connection changed; dropped`);
        return;
      }
      if (failure !== undefined) this.#emit('error', new RealtimeVoiceError('tool_failed', failure, false));
      this.#send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } });
      this.#pendingTools--;
      if (this.#pendingTools === 0) this.#requestResponse();
      this.#updatePhase();
    };

    let args: unknown;
    try {
      args = argumentsJson.trim() === '' ? {} : JSON.parse(argumentsJson);
    } catch {
      finish(errorOutput('The arguments were not valid JSON.'), `The agent called tool "${name}" with arguments that are not JSON.`);
      return;
    }
    const tool = this.#config.tools.find((t) => t.name === name);
    let result: unknown;
    try {
      result = tool?.handler ? tool.handler(args, { callId, name }) : this.#callbacks.toolCall({ name, callId, arguments: args });
    } catch (error) {
      result = Promise.reject(error);
    }
    if (result === undefined && !tool?.handler) {
      if (tool) {
        this.#log(`tool ${name} was declined or has no listener`);
        finish(errorOutput(`The tool "${name}" is not available right now.`));
      } else {
        finish(errorOutput(`There is no tool named "${name}".`), `The agent called an unknown tool "${name}".`);
      }
      return;
    }
    this.#log('tool call', name, callId);

    const timeoutMs = this.#config.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    let settled = false;
    const timer = this.#setTimer(() => {
      this.#toolTimers.delete(timer);
      if (settled) return;
      settled = true;
      finish(errorOutput(`The tool "${name}" timed out.`), `Tool "${name}" did not answer within ${timeoutMs} ms.`);
    }, timeoutMs);
    this.#toolTimers.add(timer);
    Promise.resolve(result).then(
      (value) => {
        if (settled) return;
        settled = true;
        this.#clearTimer(timer);
        this.#toolTimers.delete(timer);
        finish(toolOutput(value));
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        this.#clearTimer(timer);
        this.#toolTimers.delete(timer);
        const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'failed';
        finish(errorOutput(message.slice(0, 500) || 'The tool failed.'), `Tool "${name}" failed: ${message.slice(0, 200)}`);
      },
    );
  }

  // ── microphone ────────────────────────────────────────────────────────────────────────────

  #onFrame(audio: AudioPort, pcm: ArrayBuffer): void {
    if (this.#audio !== audio) return;
    const transport = this.#transport;
    if (!this.#ready || !transport || pcm.byteLength === 0) {
      this.#stats.droppedFrames++;
      return;
    }
    const manual = isManualTurns(this.#config);
    if (manual && !this.#pttDown) {
      this.#stats.droppedFrames++;
      return;
    }
    let payload = pcm;
    if (this.#config.muted) {
      // Never voice while muted; with server VAD a short tail of silence ends the user's turn.
      if (manual || this.#mutedAt === null || this.#now() - this.#mutedAt > MUTE_TAIL_MS) {
        this.#stats.droppedFrames++;
        return;
      }
      payload = this.#silenceOf(pcm.byteLength);
    }
    if (transport.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#stats.droppedFrames++;
      return;
    }
    try {
      transport.appendAudio(payload);
      if (this.#pttDown) this.#pttBytes += payload.byteLength;
    } catch (error) {
      this.#stats.droppedFrames++;
      this.#log('append failed', error);
    }
  }

  #silenceOf(bytes: number): ArrayBuffer {
    let buffer = this.#silence.get(bytes);
    if (!buffer) {
      buffer = new ArrayBuffer(bytes);
      this.#silence.set(bytes, buffer);
    }
    return buffer;
  }

  // ── status ────────────────────────────────────────────────────────────────────────────────

  #updatePhase(): void {
    if (!this.#running || !this.#ready) return;
    this.#setStatus(this.#phase());
  }

  #phase(): Phase {
    if (this.#userSpeaking) return 'listening';
    const speaking = this.#audio ? this.#isAudible() || (this.#streamingOutput && !this.#audioInResponse) : this.#streamingOutput;
    if (speaking) return 'speaking';
    const activeResponse = this.#activeResponseId !== null && !this.#droppedResponses.has(this.#activeResponseId);
    if (activeResponse || this.#pendingCreateId !== null || this.#responseQueue.length > 0 || this.#pendingTools > 0 || this.#awaitingResponse) {
      return 'thinking';
    }
    return 'listening';
  }

  #setStatus(status: SessionStatus): void {
    const previous = this.#status;
    if (previous === status) return;
    this.#status = status;
    this.#log('status', previous, '→', status);
    this.#emit('status', status, previous);
  }

  #setBlocked(blocked: boolean): void {
    if (this.#blocked === blocked) return;
    this.#blocked = blocked;
    this.#emit('audioBlocked', blocked);
    if (blocked) {
      this.#emit('error', new RealtimeVoiceError('audio_blocked', 'The browser blocked audio playback until the page is tapped or clicked.', false));
    }
  }

  // ── errors and teardown ───────────────────────────────────────────────────────────────────

  /**
   * A typed error from anything thrown below: a `RealtimeVoiceError` as is; an error carrying
   * one of our codes (the audio engine's `AudioError`) keeps its code and message; anything else
   * becomes `fallback`. Audio-blocked is never fatal.
   */
  #asVoiceError(error: unknown, fallback: ErrorCode, fatal = false): RealtimeVoiceError {
    if (error instanceof RealtimeVoiceError) return error;
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && ERROR_CODES.has(code as ErrorCode) && error instanceof Error) {
      return new RealtimeVoiceError(code as ErrorCode, redact(error.message), fatal && code !== 'audio_blocked', { cause: error });
    }
    const name = error instanceof Error ? error.name : 'Error';
    return new RealtimeVoiceError(fallback, `${fallback.replace(/_/g, ' ')} (${name}).`, fatal, { cause: error });
  }

  /** Reports an error; a fatal one ends the session with status `error`. */
  #fail(error: RealtimeVoiceError): void {
    if (!error.fatal) {
      this.#emit('error', error);
      return;
    }
    if (!this.#running) return;
    this.#log('fatal:', error.code, error.message);
    void this.#teardown('error', { code: 1000, reason: error.code, error });
  }

  async #teardown(
    finalStatus: 'idle' | 'error',
    options: { cancelResponse?: boolean; code: number; reason: string; error?: RealtimeVoiceError },
  ): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#epoch++;
    this.#tokenAbort?.abort();
    this.#tokenAbort = null;
    this.#clearTimer(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#clearTimer(this.#readyTimer);
    this.#readyTimer = null;
    for (const timer of this.#toolTimers) this.#clearTimer(timer);
    this.#toolTimers.clear();

    const transport = this.#transport;
    const wasReady = this.#ready;
    this.#transport = null;
    if (transport) {
      if (wasReady && options.cancelResponse && this.#activeResponseId !== null && !this.#droppedResponses.has(this.#activeResponseId)) {
        try {
          transport.send({ type: 'response.cancel', response_id: this.#activeResponseId });
        } catch {
          /* the socket is going anyway */
        }
      }
      this.#dropTransport(transport, options.code, options.reason);
    }
    this.#connectionLost();
    this.#resetConnectionState();
    this.#reconnecting = false;
    this.#setBlocked(false);
    const audio = this.#audio;
    this.#audio = null;
    this.#mutedAt = null;

    if (wasReady) this.#emit('disconnected', { code: options.code, reason: options.reason, willReconnect: false });
    if (options.error) this.#emit('error', options.error);
    this.#setStatus(finalStatus);
    this.#resolveStart();
    if (audio) {
      try {
        await audio.close();
      } catch (error) {
        this.#log('audio close failed', error);
      }
    }
  }

  #dropTransport(transport: RealtimeTransport, code: number, reason: string): void {
    if (this.#transport === transport) this.#transport = null;
    try {
      transport.close(code, reason);
    } catch (error) {
      this.#log('close failed', error);
    }
  }

  #whenStarted(): Promise<void> {
    return new Promise((resolve) => this.#startWaiters.push(resolve));
  }

  #resolveStart(): void {
    const waiters = this.#startWaiters;
    this.#startWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  /** Sends a client event on the current transport; `null` when there is none or it refused. */
  #send(event: ClientEvent): string | null {
    const transport = this.#transport;
    if (!transport) return null;
    try {
      const id = transport.send(event);
      if (this.#config.debug) this.#log('→', event.type, event.type === 'session.update' ? event.session : '');
      return id;
    } catch (error) {
      this.#log('send failed', event.type, error);
      return null;
    }
  }

  /** Calls a host callback; a throwing callback is logged, never allowed to break the session. */
  #emit<K extends keyof SessionCallbacks>(name: K, ...args: Parameters<SessionCallbacks[K]>): void {
    try {
      (this.#callbacks[name] as (...a: unknown[]) => unknown)(...args);
    } catch (error) {
      this.#log(`callback ${name} threw`, error);
    }
  }

  #log(...args: unknown[]): void {
    if (!this.#config.debug) return;
    const logger = this.#deps.logger ?? ((...a: unknown[]) => console.debug(...a));
    logger('[realtime-voice]', ...args.map(describe));
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  #random = (): number => (this.#deps.random ?? Math.random)();

  #setTimer(callback: () => void, ms: number): unknown {
    return this.#deps.setTimeout ? this.#deps.setTimeout(callback, ms) : setTimeout(callback, ms);
  }

  #clearTimer(handle: unknown): void {
    if (handle === null || handle === undefined) return;
    if (this.#deps.clearTimeout) this.#deps.clearTimeout(handle);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }

  #newItemId(): string {
    // ≤ 32 characters, as the API requires of client-chosen ids; not from the injectable
    // `random` (a test's constant would make every id equal).
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    let id = 'item_rv';
    for (const byte of bytes) id += (byte % 36).toString(36);
    return id;
  }
}
