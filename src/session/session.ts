// The session: one conversation with a Realtime server, across reconnects. It owns the token
// fetch, the transport, the audio engine (through `AudioPort`), the response queue, tools,
// barge-in and reconnection, and reports through `SessionCallbacks`. No Lit, no DOM events.
//
// Statuses (API.md): `idle` → `connecting` → `listening` ⇄ `thinking` ⇄ `speaking`; `reconnecting`
// while the socket is being replaced; `error` after a fatal error. While connected, the status is
// *derived* from state (`#phase`) rather than set by individual events, so no event order can
// leave it stale:
//   listening — the user is talking, or nothing is pending;
//   speaking  — assistant audio is sounding (the player says so, not the server's `done` events:
//               audio arrives faster than real time), or streaming text in a text-only session;
//   thinking  — a response is requested/running/expected, or a tool call is being answered.

// Bundle order: the audio modules (with the inlined worklet source) first, ~50 B less gzip.
import { createWebAudioPort } from './web-audio-port.js';
import { TokenSource, type ResolvedToken } from '../auth/token.js';
import { decodeBase64 } from '../protocol/base64.js';
import type {
  ClientEvent,
  KnownServerEvent,
  OutputAudioDeltaEvent,
  ParseResult,
  RealtimeErrorDetail,
  RealtimeItem,
  RealtimeResponse,
  RealtimeSessionConfig,
} from '../protocol/events.js';
import type { RealtimeTransport, TransportError } from '../protocol/transport.js';
import { WebSocketTransport } from '../protocol/websocket-transport.js';
import type { AudioEngineFactory, AudioPort } from './audio-port.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Conversation, itemCreateEvent } from './conversation.js';
import { buildSessionConfig, isManualTurns } from './session-config.js';
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
  /** Wall clock in epoch ms (token expiry, the mute tail). Default `Date.now`. */
  now?: () => number;
  /** Uniform [0, 1) for backoff jitter. Default `Math.random`. */
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
  /**
   * How long the server may stay silent while a response is requested or running before the
   * connection counts as lost and is replaced (default `STALL_TIMEOUT_MS`, 15 s; 0 disables).
   */
  stallTimeoutMs?: number;
  /** Where `debug` output goes (default `console.debug`). */
  logger?: (...args: unknown[]) => void;
}

/** Tool calls that take longer are answered with an error output (and `tool_failed`). */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
/** `input_audio_buffer.commit` needs ≥ ~100 ms of audio (PROTOCOL.md §0.9): 100 ms at 48 kB/s. */
const MIN_COMMIT_BYTES = 4_800;
/** PCM16 at 24 kHz: bytes per millisecond. */
const BYTES_PER_MS = 48;
/** Above this much unsent data, microphone frames are dropped rather than queued without bound. */
const MAX_BUFFERED_BYTES = 1_000_000;
/** After muting with server VAD, silence is sent at least this long so the server ends the user's turn. */
const MUTE_TAIL_MS = 1_500;
/** How long to wait for the player to confirm a clear before computing what was heard. */
const CLEAR_WAIT_MS = 250;
/** A server that sends nothing this long while a response is requested or running has stalled. */
export const STALL_TIMEOUT_MS = 15_000;
/** A connection that lasts this long resets the reconnect count: one that drops at once is an attempt that failed. */
const STABLE_MS = 10_000;
/** Close codes after which reconnecting cannot help (protocol / policy violations). */
const FATAL_CLOSE_CODES = [1002, 1003, 1007, 1008];
/** OpenAI's 60-minute limit: close 1001 with this reason (PROTOCOL.md §0.4). */
const SESSION_EXPIRED_RE = /maximum duration|60 minutes/i;
/** Server error codes that are expected races, handled here rather than reported. */
const BENIGN_ERRORS = ['response_cancel_not_active', 'conversation_already_has_active_response', 'session_expired'];

type ResponseParams = Record<string, unknown> | undefined;
/** A function call and, once the host answered, its output: the events a new connection replays. */
interface PendingCall {
  call: ClientEvent;
  output?: ClientEvent;
  timer: unknown;
}
interface AudioItem {
  itemId: string;
  responseId: string;
  contentIndex: number;
  bytes: number;
}

/** Debug output never shows a key (defence in depth: none is logged). */
const redact = (text: string) => text.replace(/\b([se]k[-_]|openai-insecure-api-key\.)[^\s",\]]+/g, '$1…');

function describe(value: unknown): string {
  let text: string | undefined;
  try {
    // An error as `Name: message` (its `toString()`): as JSON it would be `{}`.
    text = typeof value === 'string' || value instanceof Error ? String(value) : JSON.stringify(value);
  } catch {
    /* a cycle: String() below */
  }
  return redact(String(text ?? value).slice(0, 400));
}

/** A tool's result as the `output` string of `function_call_output`; `undefined` when it is not JSON (a cycle, a BigInt). */
function toolOutput(value: unknown): string | undefined {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? '{}');
  } catch {
    return undefined;
  }
}

const errorOutput = (error: string) => JSON.stringify({ error });

const lostError = (detail: string | number) => new RealtimeVoiceError('connection_lost', `The connection was lost (${detail}).`, true);

/** A fresh client item id: ≤ 32 characters, as the API requires. */
const newItemId = () => 'item_rv' + Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => (b % 36).toString(36)).join('');

/**
 * One conversation with a Realtime server. Create it with the element's configuration and
 * callbacks; call `start()` from a user gesture.
 *
 * Tool precedence: a tool's own `handler` answers its calls when present (no `toolCall`
 * callback then); otherwise `callbacks.toolCall` (the element's cancelable `rv-tool-call`).
 * Nobody answering, a throw, a rejection or a timeout all become an error output so the model
 * never waits; throws, rejections, timeouts, results that are not JSON and calls of tools that
 * are not declared in `tools` also report `tool_failed` (non-fatal). A declared tool that is
 * declined (`undefined` from the callback) is answered with an error output silently.
 */
export class RealtimeSession {
  #config: SessionConfig;
  #callbacks: SessionCallbacks;
  #deps: SessionDeps;
  #tokens: TokenSource;
  #conversation = new Conversation((update) => this.#emit('transcript', update));

  #status: SessionStatus = 'idle';
  /** True from `start()` until teardown: the session wants to be connected. */
  #running = false;
  /** Bumped for every connection attempt and teardown; stale async work compares and bails. */
  #epoch = 0;
  #transport: RealtimeTransport | null = null;
  #audio: AudioPort | null = null;
  /** Reconnection attempts since the connection was lost; 0 while not reconnecting. */
  #attempt = 0;
  #timers = new Set<unknown>();
  /** Fails a connection attempt that has no `session.created` in time. */
  #readyTimer: unknown = null;
  #tokenAbort: AbortController | null = null;
  /** The stall watchdog's timer (see `#watchStall`). */
  #stallTimer: unknown = null;
  #startWaiters: (() => void)[] = [];
  #stopPromise: Promise<void> | null = null;
  #blocked = false;
  /** When the microphone was last muted (`-Infinity`: from the start), for the silence tail. */
  #mutedAt = -Infinity;
  /** Typed messages waiting for a connection (ids of conversation items). */
  #outbox: string[] = [];
  /** A reply was requested or running when the connection dropped: ask for it again once reconnected. */
  #resumeReply = false;

  // Per connection (`#resetConnection`).
  /** `session.created` arrived on the current transport. */
  #ready = false;
  #sentConfig: RealtimeSessionConfig | null = null;
  #modelHasSpoken = false;
  #responseQueue: ResponseParams[] = [];
  /** Our `response.create` that no `response.created` answered yet. */
  #pendingCreateId: string | null = null;
  /** An interruption came while our `response.create` was unanswered: cancel what it creates. */
  #cancelNextResponse = false;
  #sentCreates = new Map<string, ResponseParams>();
  #activeResponseId: string | null = null;
  /** Ids of interrupted responses and items (server ids are unique across kinds): late output is dropped. */
  #dropped = new Set<string>();
  /** The assistant audio item heard last; `null` once interrupted (its playback is being cleared). */
  #lastAudio: AudioItem | null = null;
  /** The audio item before it: audio arrives faster than real time, so it may still be sounding. */
  #prevAudio: AudioItem | null = null;
  /** Output streams that no player reports on: text, or audio in a session without an engine. */
  #streaming = false;
  #awaitingResponse = false;
  #userSpeaking = false;
  #truncatesPending = 0;
  /**
   * Tool calls of this session not yet answered, or answered while reconnecting: what gives the
   * next connection the call (and its output), so a drop loses neither. Calls without an output
   * hold the reply back.
   */
  #calls = new Map<string, PendingCall>();
  #handledCalls = new Set<string>();
  #callNames = new Map<string, string>();
  #pttDown = false;
  #pttBytes = 0;
  /** The server said `session_expired` (an `error` event): the close that follows is the end. */
  #expiryAnnounced = false;

  constructor(config: SessionConfig, callbacks: SessionCallbacks, deps: SessionDeps = {}) {
    this.#config = { ...config, tools: [...config.tools] };
    this.#callbacks = callbacks;
    this.#deps = deps;
    // The token source reads its options (`tokenUrl`, `getToken`, `fetch`, `now`) from these.
    this.#tokens = new TokenSource({ ...config, ...deps, timeoutMs: deps.tokenTimeoutMs });
  }

  /** Current status (API.md). */
  get status(): SessionStatus {
    return this.#status;
  }

  /** The conversation so far: user and assistant messages, in order (an immutable snapshot). */
  get conversation(): readonly ConversationItem[] {
    return this.#conversation.items;
  }

  /**
   * Connects and opens the microphone. Call it from a user gesture: the audio engine is created
   * synchronously, before the first `await`, so its `AudioContext` may start. Resolves once
   * connected, or once the attempt failed (the error goes to `callbacks.error`) or was stopped;
   * never rejects. A no-op while already running. After `stop()` or an error (such as
   * `session_expired`) it starts a new server session and replays the conversation into it.
   */
  start(): Promise<void> {
    const started = new Promise<void>((resolve) => this.#startWaiters.push(resolve));
    if (this.#running) {
      if (this.#ready) this.#resolveStart();
      return started;
    }
    this.#running = true;
    this.#stopPromise = null;
    this.#attempt = 0;
    this.#pttDown = false;
    this.#setStatus('connecting');

    // Synchronously, inside the gesture (DESIGN-NOTES.md "Starting audio inside the user's gesture").
    const { audio: factory = createWebAudioPort } = this.#deps;
    if (factory) {
      let audio: AudioPort | undefined;
      // Reports of an engine that is not (or no longer) the session's are ignored.
      const ifCurrent =
        <T>(handler: (value: T) => void) =>
        (value: T) => {
          if (this.#audio === audio) handler(value);
        };
      const failed = ifCurrent((error: unknown) => {
        const voiceError = this.#asVoiceError(error, 'mic_unavailable');
        // With a text box the call goes on without the microphone, and without audio: the user
        // types and reads. Without one, there is nothing left to do.
        if (!this.#config.textInput || !voiceError.code.startsWith('mic_')) return this.#fail(voiceError);
        this.#audio = null;
        // No more audio will end a turn the server heard starting.
        this.#userSpeaking = false;
        void audio?.close().catch(() => {});
        this.#emitError(new RealtimeVoiceError(voiceError.code, voiceError.message, false, { cause: error }));
        this.#flushResponses();
        this.#updatePhase();
      });
      try {
        audio = factory(
          { workletUrl: this.#config.workletUrl, muted: this.#config.muted },
          {
            frame: ifCurrent((pcm: ArrayBuffer) => this.#sendFrame(pcm)),
            level: ifCurrent((levels: { input: number; output: number }) => this.#emit('level', levels)),
            playback: ifCurrent(() => this.#updatePhase()),
            blocked: ifCurrent((blocked: boolean) => this.#setBlocked(blocked)),
            error: failed,
          },
        );
      } catch (error) {
        this.#fail(this.#asVoiceError(error, 'unsupported_browser'));
        return started;
      }
      this.#audio = audio;
      if (this.#config.muted) this.#mutedAt = -Infinity;
      audio.start().catch(failed);
    }
    void this.#connect();
    return started;
  }

  /**
   * Ends the call: aborts a token fetch in flight, cancels a running response, closes the socket
   * (1000), closes the audio engine and clears every timer — once, however often it is called.
   * The conversation is kept (`start()` continues it; `clearConversation()` forgets it).
   */
  stop(): Promise<void> {
    this.#resumeReply = false;
    if (!this.#running && !this.#stopPromise) this.#setStatus('idle');
    return (this.#stopPromise ??= this.#teardown('idle', 1000, 'client stopped'));
  }

  /**
   * Sends a typed user turn. A speaking agent is interrupted first. While connecting or
   * reconnecting the message is queued and delivered once connected. Returns `false` (and does
   * nothing) for blank text or when the session is not started.
   */
  sendText(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed || !this.#running) return false;
    const id = newItemId();
    this.#conversation.add(id, 'user', trimmed);
    if (this.#ready) {
      this.#interrupt(true);
      // A typed turn is answered now, even if the server heard speech that has not ended (yet).
      this.#userSpeaking = false;
      this.#deliverText(id);
      this.#requestResponse();
      // Thinking at once, not when the server's echo arrives.
      this.#updatePhase();
    } else {
      this.#outbox.push(id);
    }
    return true;
  }

  /** Stops the agent now: silences playback, cancels the response, truncates what was not heard. */
  interrupt(): void {
    if (!this.#ready) return;
    this.#interrupt(true);
    this.#updatePhase();
  }

  /** Mutes or unmutes the microphone (no voice leaves the browser while muted). */
  setMuted(muted: boolean): void {
    if (this.#config.muted === muted) return;
    this.#config = { ...this.#config, muted };
    if (muted) this.#mutedAt = this.#now();
    this.#audio?.setMuted(muted);
    if (muted) this.pushToTalk(false);
  }

  /**
   * Push-to-talk (manual turns: `push-to-talk` or `turn-detection="manual"`). `true` starts a
   * turn (interrupting a speaking agent and clearing the server's input buffer); `false` ends it:
   * commit plus `response.create` when at least 100 ms were sent, else the buffer is cleared.
   * Ignored while the server detects turns.
   */
  pushToTalk(down: boolean): void {
    if (!isManualTurns(this.#config) || down === this.#pttDown) return;
    // Held while (re)connecting: the turn begins once connected (`#sendFrame` waits for `#ready`).
    this.#pttDown = down;
    if (!this.#ready) return;
    if (down) this.#interrupt(true);
    this.#userSpeaking = down;
    const commit = !down && this.#pttBytes >= MIN_COMMIT_BYTES;
    this.#send({ type: commit ? 'input_audio_buffer.commit' : 'input_audio_buffer.clear' });
    this.#pttBytes = 0;
    if (commit) this.#requestResponse();
    else this.#flushResponses();
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
    this.#tokens.update(this.#config);
    if (muted !== undefined) this.setMuted(muted);
    if (isManualTurns(previous) !== isManualTurns(this.#config)) this.#pttDown = this.#userSpeaking = false;
    if (this.#ready) this.#sendSessionUpdate();
    this.#flushResponses();
  }

  /** After `audioBlocked(true)`: resumes output from a user gesture; resolves to whether audio runs. */
  async resumeAudio(): Promise<boolean> {
    const audio = this.#audio;
    const running = (await audio?.resume().catch(() => false)) ?? false;
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
    this.#resetConnection();
    const abort = (this.#tokenAbort = new AbortController());
    let token: ResolvedToken;
    try {
      token = await this.#tokens.get(abort.signal);
    } catch (error) {
      // (An abort comes from teardown, which changed the epoch.)
      if (epoch === this.#epoch) this.#attemptFailed(this.#asVoiceError(error, 'token_fetch_failed'));
      return;
    }
    if (epoch !== this.#epoch) return;
    let transport: RealtimeTransport;
    try {
      transport = this.#deps.transport?.() ?? new WebSocketTransport();
    } catch (error) {
      return this.#attemptFailed(this.#asVoiceError(error, 'unsupported_browser'));
    }
    this.#transport = transport;
    const { url = this.#config.url, model = this.#config.model } = token;
    const timeoutMs = this.#deps.connectTimeoutMs ?? 15_000;
    const current = () => epoch === this.#epoch && this.#transport === transport;
    this.#log('connecting to', url, model);
    this.#readyTimer = this.#after(timeoutMs, () => {
      if (!current() || this.#ready) return;
      this.#closeTransport(4000, 'connect timeout');
      this.#attemptFailed(new RealtimeVoiceError('connection_failed', `No session within ${timeoutMs} ms.`, true));
    });
    try {
      await transport.connect(
        { url, model, token: token.value, timeoutMs },
        {
          message: (result) => {
            if (!current()) return;
            this.#onMessage(result);
            this.#watchStall();
          },
          status: (status) => this.#log('socket', status),
          close: ({ code, reason }) => {
            if (current()) this.#onClose(code, reason);
          },
        },
      );
    } catch (error) {
      if (!current()) return;
      this.#transport = null;
      // The server may have refused the key: never reuse it.
      this.#tokens.invalidate();
      const { code, close } = (error ?? {}) as Partial<TransportError>;
      this.#attemptFailed(
        new RealtimeVoiceError(
          code === 'insecure_api_key' ? code : code === 'invalid_token' ? 'token_invalid' : code === 'unsupported' ? 'unsupported_browser' : 'connection_failed',
          `Could not connect to the server${close ? ` (close ${close.code})` : ''}.`,
          true,
          { cause: error },
        ),
      );
    }
  }

  /** A connection attempt failed before `session.created`: retried while reconnecting, else fatal. */
  #attemptFailed(error: RealtimeVoiceError): void {
    this.#cancel(this.#readyTimer);
    // While reconnecting, a token may fail as a connection does (a host's stale cache): the next attempt fetches another.
    if (this.#attempt && ['connection_failed', 'token_fetch_failed', 'token_invalid'].includes(error.code)) {
      this.#log('attempt failed:', error.message);
      this.#reconnect(error.message);
    } else {
      this.#fail(error);
    }
  }

  /** Schedules the next attempt; after the last, fails with `connection_lost` saying why the last one failed. */
  #reconnect(why = ''): void {
    const max = this.#reconnectLimit();
    if (this.#attempt >= max) return this.#fail(lostError(`${max} reconnects failed${why && ': ' + why}`));
    const delay = backoffDelay(this.#attempt++, this.#deps.random ?? Math.random, this.#deps.backoff);
    this.#epoch++;
    this.#setStatus('reconnecting');
    this.#log('reconnecting in', delay);
    this.#after(delay, () => void this.#connect());
  }

  /** Whole reconnect attempts allowed (a property may hold any number: 0.5 allows none). */
  #reconnectLimit(): number {
    return Math.floor(this.#config.reconnectAttempts);
  }

  /** The socket closed without us asking. */
  #onClose(code: number, reason: string): void {
    const wasReady = this.#ready;
    this.#resumeReply ||= wasReady && this.#replyPending();
    this.#transport = null;
    this.#log('closed', code, reason);
    this.#connectionLost();
    if (!wasReady) return this.#attemptFailed(new RealtimeVoiceError('connection_failed', `The server closed the connection (${code}).`, true));
    const expired = this.#expiryAnnounced || (code === 1001 && SESSION_EXPIRED_RE.test(reason));
    const willReconnect = !expired && this.#reconnectLimit() > 0 && !FATAL_CLOSE_CODES.includes(code);
    this.#emit('disconnected', { code, reason, willReconnect });
    if (willReconnect) this.#reconnect();
    else if (expired) this.#fail(new RealtimeVoiceError('session_expired', 'The session reached its time limit.', true));
    else this.#fail(lostError(code));
  }

  /** What cannot survive the socket: timers of the connection (tool calls), playback, streaming items. */
  #connectionLost(): void {
    this.#ready = false;
    for (const timer of this.#timers) this.#cancel(timer);
    // Whatever was playing belongs to a response that is gone.
    if (this.#audio?.playing) this.#audio.clear().catch(() => {});
    for (const item of this.#conversation.items) {
      if (item.role === 'assistant' && item.status === 'in_progress') this.#conversation.setStatus(item.id, 'incomplete');
    }
  }

  #resetConnection(): void {
    this.#ready = this.#modelHasSpoken = this.#cancelNextResponse = this.#streaming = false;
    this.#awaitingResponse = this.#userSpeaking = this.#expiryAnnounced = false;
    this.#sentConfig = this.#pendingCreateId = this.#activeResponseId = this.#lastAudio = this.#prevAudio = null;
    this.#responseQueue = [];
    this.#truncatesPending = this.#pttBytes = 0;
    for (const collection of [this.#sentCreates, this.#dropped, this.#handledCalls, this.#callNames]) collection.clear();
  }

  /** `session.created`: configure, restore the conversation, deliver queued text, greet. */
  #onReady(session: RealtimeSessionConfig): void {
    if (this.#ready) return;
    this.#ready = true;
    // A talk button held through the (re)connect is a turn in progress: no reply starts over it.
    this.#userSpeaking = this.#pttDown;
    this.#after(STABLE_MS, () => (this.#attempt = 0));
    this.#cancel(this.#readyTimer);
    this.#sendSessionUpdate();
    const outbox = this.#outbox.splice(0);
    const replay = this.#conversation.replayEvents(new Set(outbox));
    for (const event of replay) this.#send(event);
    // Tool calls a drop interrupted: each call, and its output if the host answered meanwhile.
    for (const [id, { call, output }] of this.#calls) {
      this.#send(call);
      if (output) {
        this.#send(output);
        this.#calls.delete(id);
      }
    }
    for (const id of outbox) this.#deliverText(id);
    const resume = this.#resumeReply;
    this.#resumeReply = false;
    // Before the user's first turn, a greeting cut short is said again (a plain reply would skip it).
    if (this.#config.greeting && !this.#conversation.items.some((i) => i.role === 'user') && (resume || !replay.length)) {
      this.#requestResponse({ instructions: `Greet the user by saying exactly this, and nothing else: "${this.#config.greeting}"` });
    } else if (outbox.length || replay.at(-1)?.item.role === 'user' || (resume && replay.length)) {
      // Queued text, a user turn the lost connection never answered, or a reply it cut short.
      this.#requestResponse();
    }
    this.#emit('connected', { sessionId: session.id ?? '', model: session.model ?? this.#config.model });
    this.#resolveStart();
  }

  #sendSessionUpdate(): void {
    const session = buildSessionConfig(this.#config, { omitVoice: this.#modelHasSpoken });
    // An update keeps the fields it leaves out: what this call set and no longer sets is cleared.
    const sent = this.#sentConfig;
    if (sent?.tools) session.tools ??= [];
    if (sent?.instructions != null) session.instructions ||= '';
    if (JSON.stringify(session) === JSON.stringify(this.#sentConfig)) return;
    this.#sentConfig = session;
    this.#send({ type: 'session.update', session });
  }

  // ── server events ─────────────────────────────────────────────────────────────────────────

  #onMessage(result: ParseResult): void {
    if (!result.ok) return this.#log('bad frame:', result.error.message);
    const event = result.event;
    this.#emit('serverEvent', event);
    if (event.known === false) return;
    try {
      this.#handle(event);
    } catch (error) {
      // A bug here must not take the call down; it is logged for the report.
      this.#log('failed to handle', event.type, error);
    }
    this.#updatePhase();
  }

  #handle(event: KnownServerEvent): void {
    const conversation = this.#conversation;
    const turnDetection = this.#sentConfig?.audio?.input?.turn_detection;
    switch (event.type) {
      case 'session.created':
        return this.#onReady(event.session);
      case 'error':
        return this.#onServerError(event.error);
      case 'input_audio_buffer.speech_started':
        this.#userSpeaking = true;
        this.#awaitingResponse = false;
        // With server VAD's `interrupt_response` the server cancels the response itself.
        return this.#interrupt(turnDetection?.interrupt_response === false || !turnDetection);
      case 'input_audio_buffer.speech_stopped':
        this.#userSpeaking = false;
        this.#awaitingResponse = !!turnDetection && turnDetection.create_response !== false;
        // Server VAD's reply answers the whole conversation, tool outputs and typed text included.
        if (this.#awaitingResponse) this.#responseQueue = this.#responseQueue.filter(Boolean);
        return this.#flushResponses();
      case 'input_audio_buffer.committed':
        conversation.add(event.item_id, 'user');
        return;
      case 'conversation.item.added':
      case 'conversation.item.done':
        return this.#onItem(event.item, event.type === 'conversation.item.done');
      case 'conversation.item.input_audio_transcription.delta':
        conversation.add(event.item_id, 'user');
        return conversation.append(event.item_id, event.delta);
      case 'conversation.item.input_audio_transcription.completed':
        conversation.add(event.item_id, 'user');
        return conversation.finish(event.item_id, event.transcript);
      case 'conversation.item.input_audio_transcription.failed':
        return conversation.finish(event.item_id, undefined, 'incomplete');
      case 'response.created':
        return this.#onResponseCreated(event.response.id);
      case 'response.output_item.added': {
        const { item } = event;
        if (this.#dropped.has(event.response_id)) return;
        if (item.type === 'message' && item.role === 'assistant') conversation.add(item.id, 'assistant');
        // Beta-shaped `function_call_arguments.done` events have no name: remember it from here.
        if (item.call_id && item.name) this.#callNames.set(item.call_id, item.name);
        return;
      }
      case 'response.output_item.done':
        return this.#onOutputItemDone(event.response_id, event.item);
      case 'response.output_audio.delta':
        return this.#onAudioDelta(event);
      case 'response.output_audio.done':
        if (!this.#isDropped(event)) this.#audio?.end?.(event.item_id);
        return;
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta':
        if (this.#isDropped(event)) return;
        conversation.add(event.item_id, 'assistant');
        if (event.type === 'response.output_text.delta') this.#streaming = true;
        return conversation.append(event.item_id, event.delta);
      case 'response.output_audio_transcript.done':
      case 'response.output_text.done': {
        // After an interruption the server's full text is more than was heard: keep ours.
        const dropped = this.#isDropped(event);
        const text = 'text' in event ? event.text : event.transcript;
        return conversation.finish(event.item_id, dropped ? undefined : text, dropped ? 'incomplete' : 'completed');
      }
      case 'response.function_call_arguments.done':
        // An interrupted response's call runs only if its item completed (`#onOutputItemDone`).
        if (!this.#isDropped(event)) this.#onToolCall(event);
        return;
      case 'response.done':
        return this.#onResponseDone(event.response);
    }
  }

  #onItem({ id, type, role, content = [] }: RealtimeItem, done: boolean): void {
    if (type !== 'message' || (role !== 'user' && role !== 'assistant')) return;
    this.#conversation.add(id, role, content.map((part) => part.text ?? part.transcript ?? '').join(''));
    // A typed user item is complete as it comes; a spoken one when its transcript is (or, without
    // transcription, once the server is done with it).
    const spoken = content.some((part) => part.type === 'input_audio');
    if (role === 'user' && (!spoken || (done && !this.#sentConfig?.audio?.input?.transcription))) this.#conversation.setStatus(id, 'completed');
  }

  #onServerError({ code, message, event_id: eventId }: RealtimeErrorDetail): void {
    if (eventId && this.#sentCreates.has(eventId)) {
      const params = this.#sentCreates.get(eventId);
      this.#sentCreates.delete(eventId);
      if (this.#pendingCreateId === eventId) {
        // No response comes of it: an interruption meant for it must not cancel a later one.
        this.#pendingCreateId = null;
        this.#cancelNextResponse = false;
      }
      if (code === 'conversation_already_has_active_response') {
        // Another response (server VAD's) got there first: ours runs after it (plain requests coalesce).
        if (params || !this.#responseQueue.includes(undefined)) this.#responseQueue.unshift(params);
        return;
      }
      this.#flushResponses();
    }
    // OpenAI announces the 60-minute end with this error, then closes (1001): see #onClose.
    if (code === 'session_expired') this.#expiryAnnounced = true;
    if (BENIGN_ERRORS.includes(code ?? '')) this.#log('server:', code, message);
    else this.#emitError(new RealtimeVoiceError('server_error', `Server error${code ? ` (${code})` : ''}: ${message}`, false));
  }

  #onResponseCreated(id: string): void {
    // Our pending create is presumed answered. If this was in fact a server-VAD response, ours
    // fails with `conversation_already_has_active_response` and `#onServerError` re-queues it
    // (its id stays in `#sentCreates` for that).
    this.#pendingCreateId = null;
    if (this.#cancelNextResponse) {
      this.#cancelNextResponse = false;
      this.#cancelResponse(id, true);
    }
    this.#activeResponseId = id;
    this.#awaitingResponse = this.#streaming = false;
  }

  #onResponseDone({ id, status, status_details: details, output = [] }: RealtimeResponse): void {
    const completed = status === 'completed' && !this.#dropped.has(id);
    for (const item of output) {
      // A response cut short may send no `output_audio.done`: its audio ends here, or the player
      // would wait for more (speaking for good).
      this.#audio?.end?.(item.id);
      if (item.type === 'message' && this.#conversation.get(item.id)?.status === 'in_progress') {
        this.#conversation.setStatus(item.id, completed ? 'completed' : 'incomplete');
      }
    }
    if (status === 'failed') {
      const reason = details?.error?.code ?? details?.reason ?? 'unknown';
      this.#emitError(new RealtimeVoiceError('server_error', `The response failed (${reason}).`, false));
    }
    if (this.#activeResponseId === id || this.#activeResponseId === null) {
      this.#activeResponseId = null;
      this.#streaming = false;
    }
    this.#flushResponses();
  }

  #onOutputItemDone(responseId: string, item: RealtimeItem): void {
    if (item.type === 'function_call') {
      if ((item.status ?? 'completed') === 'completed') this.#onToolCall(item);
    } else if (item.type === 'message' && item.role === 'assistant') {
      const dropped = this.#isDropped({ response_id: responseId, item_id: item.id });
      this.#conversation.setStatus(item.id, dropped || item.status === 'incomplete' ? 'incomplete' : 'completed');
    }
  }

  #onAudioDelta(event: OutputAudioDeltaEvent): void {
    const { response_id: responseId, item_id: itemId, content_index: contentIndex } = event;
    // Even unheard, the server's conversation now has assistant audio: the voice is fixed.
    this.#modelHasSpoken = true;
    if (this.#isDropped(event)) return;
    const pcm = decodeBase64(event.delta);
    if (!pcm) return this.#log('bad frame: audio is not base64');
    this.#conversation.add(itemId, 'assistant');
    if (this.#lastAudio?.itemId !== itemId) {
      this.#prevAudio = this.#lastAudio;
      this.#lastAudio = { itemId, responseId, contentIndex, bytes: 0 };
    }
    this.#lastAudio.bytes += pcm.byteLength;
    if (this.#audio) this.#audio.play(itemId, pcm);
    else this.#streaming = true;
  }

  /** Whether output belongs to an interrupted response or item. */
  #isDropped({ response_id, item_id }: { response_id: string; item_id: string }): boolean {
    return this.#dropped.has(response_id) || this.#dropped.has(item_id);
  }

  // ── responses ─────────────────────────────────────────────────────────────────────────────

  /** Queues a `response.create`; sent when no response is active (only one may be). Plain requests coalesce. */
  #requestResponse(params?: Record<string, unknown>): void {
    if (params || !this.#responseQueue.includes(undefined)) this.#responseQueue.push(params);
    this.#flushResponses();
  }

  #flushResponses(): void {
    const busy = this.#pendingCreateId !== null || this.#activeResponseId !== null;
    // A truncate in flight must reach the server before the model answers from its memory, every
    // function call of the turn needs its output (parallel calls may be answered one by one), and
    // no reply may start while the user is talking (their turn's end brings it).
    if (!this.#ready || busy || this.#truncatesPending || this.#toolsPending() || this.#userSpeaking || !this.#responseQueue.length) return;
    const params = this.#responseQueue.shift();
    const id = this.#send({ type: 'response.create', ...(params && { response: params }) });
    if (id === null) return;
    this.#pendingCreateId = id;
    this.#watchStall();
    this.#sentCreates.set(id, params);
    if (this.#sentCreates.size > 32) this.#sentCreates.delete(this.#sentCreates.keys().next().value!);
  }

  #cancelResponse(id: string, send: boolean): void {
    this.#dropped.add(id);
    if (send) this.#send({ type: 'response.cancel', response_id: id });
  }

  // ── barge-in ──────────────────────────────────────────────────────────────────────────────

  /** The response being produced, unless it was interrupted. */
  #liveResponseId(): string | null {
    const id = this.#activeResponseId;
    return id !== null && !this.#dropped.has(id) ? id : null;
  }

  #isAudible(): boolean {
    return !!this.#audio?.playing && !!this.#lastAudio;
  }

  /**
   * Barge-in (PROTOCOL.md §4), when assistant output is audible or being produced: silence
   * playback, cancel the response when the server will not, truncate the heard item to what was
   * heard, and drop late deltas. `cancel` is false only for server VAD with `interrupt_response`
   * on (the server cancels by itself).
   */
  #interrupt(cancel: boolean): void {
    const responseId = this.#activeResponseId;
    const live = this.#liveResponseId();
    const audible = this.#isAudible();
    if (!live && this.#pendingCreateId === null && !audible) return;
    if (live) this.#cancelResponse(live, cancel);
    // What our unanswered create brings did not exist when the server's VAD interrupted: we cancel it.
    else if (responseId === null && this.#pendingCreateId !== null) this.#cancelNextResponse = true;
    this.#streaming = false;
    const last = this.#lastAudio;
    if (!last || (!audible && last.responseId !== responseId)) return;
    // From here on nothing of this item may be played.
    this.#dropped.add(last.itemId);
    this.#lastAudio = null;
    this.#conversation.setStatus(last.itemId, 'incomplete');
    void this.#truncate(last, this.#prevAudio);
  }

  /** Truncates `last`, and `prev` when it was still sounding; reports the item the listener was hearing. */
  async #truncate(last: AudioItem, prev: AudioItem | null): Promise<void> {
    const epoch = this.#epoch;
    const audio = this.#audio;
    this.#truncatesPending++;
    try {
      // Briefly wait for the player to stop, so that what it reports as heard is final.
      if (audio) await Promise.race([audio.clear().catch(() => {}), new Promise((resolve) => this.#after(CLEAR_WAIT_MS, resolve))]);
      if (epoch !== this.#epoch) return;
      let heard: { itemId: string; audioEndMs: number } | undefined;
      for (const item of [last, prev]) {
        if (!item?.bytes) continue;
        const { itemId, bytes } = item;
        const receivedMs = Math.floor(bytes / BYTES_PER_MS);
        const ms = audio?.heardMs(itemId) ?? 0;
        const audioEndMs = Math.max(0, Math.min(receivedMs, Math.floor(Number.isFinite(ms) ? ms : 0)));
        const cut = audioEndMs < receivedMs;
        if (cut) {
          this.#send({ type: 'conversation.item.truncate', item_id: itemId, content_index: item.contentIndex, audio_end_ms: audioEndMs });
          this.#conversation.setStatus(itemId, 'incomplete');
        }
        // The listener was hearing the earlier item when it was cut, else the last.
        if (cut || item === last) heard = { itemId, audioEndMs };
      }
      if (heard) this.#emit('interrupted', heard);
    } finally {
      if (epoch === this.#epoch) {
        this.#truncatesPending--;
        this.#flushResponses();
        this.#updatePhase();
      }
    }
  }

  // ── typed text and tools ──────────────────────────────────────────────────────────────────

  #deliverText(id: string): void {
    const item = this.#conversation.get(id);
    if (!item) return;
    this.#send(itemCreateEvent(item));
    this.#conversation.setStatus(id, 'completed');
  }

  /** A complete function call, from `response.function_call_arguments.done` or its output item. */
  #onToolCall({ call_id: callId, name, arguments: json = '' }: Pick<RealtimeItem, 'call_id' | 'name' | 'arguments'>): void {
    if (!callId || this.#handledCalls.has(callId)) return;
    this.#handledCalls.add(callId);
    name ??= this.#callNames.get(callId) ?? '';
    const tool = this.#config.tools.find((t) => t.name === name);
    const pending: PendingCall = {
      call: { type: 'conversation.item.create', item: { type: 'function_call', call_id: callId, name, arguments: json } },
      // Not a timer of the connection (`#after`): the call outlives a drop.
      timer: (this.#deps.setTimeout ?? setTimeout)(() => fail('The tool timed out.'), this.#config.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS),
    };
    this.#calls.set(callId, pending);
    /** Answers the call once, unless the session ended; a `failure` is also reported as `tool_failed`. */
    const answer = (output: string, failure?: string): void => {
      if (this.#calls.get(callId) !== pending || pending.output) return;
      this.#cancel(pending.timer);
      if (failure) this.#emitError(new RealtimeVoiceError('tool_failed', `Tool "${name}" failed: ${failure}`, false));
      pending.output = { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } };
      // While reconnecting, the output waits for `#onReady`.
      if (!this.#ready) return;
      this.#send(pending.output);
      this.#calls.delete(callId);
      if (!this.#toolsPending()) this.#requestResponse();
      this.#updatePhase();
    };
    const fail = (message: string) => answer(errorOutput(message), message);

    let args: unknown;
    let result: unknown;
    try {
      args = json.trim() ? JSON.parse(json) : {};
    } catch {
      return fail('The arguments were not valid JSON.');
    }
    try {
      result = tool?.handler ? tool.handler(args, { callId, name }) : this.#callbacks.toolCall({ name, callId, arguments: args });
    } catch (error) {
      result = Promise.reject(error);
    }
    if (result === undefined && !tool?.handler) {
      // Declined, or nobody listens: the model must not wait.
      return tool ? answer(errorOutput('The tool is not available right now.')) : fail(`There is no tool named "${name}".`);
    }
    Promise.resolve(result).then(
      (value) => {
        // A result that cannot be sent is the tool's bug: the host hears of it, the model gets an error.
        const output = toolOutput(value);
        if (output === undefined) fail('The result is not JSON.');
        else answer(output);
      },
      (error: unknown) => fail((error instanceof Error ? error.message : typeof error === 'string' ? error : '').slice(0, 500) || 'The tool failed.'),
    );
  }

  // ── microphone ────────────────────────────────────────────────────────────────────────────

  /** Sends a microphone frame unless it must not go: not connected, push-to-talk released, muted, back-pressure. */
  #sendFrame(pcm: ArrayBuffer): boolean {
    const transport = this.#transport;
    const manual = isManualTurns(this.#config);
    const muted = this.#config.muted;
    // Never voice while muted; with server VAD a tail of silence ends the user's turn: at least
    // MUTE_TAIL_MS, and until the server says the speech stopped (its silence duration may be longer).
    const tail = muted && !manual && (this.#userSpeaking || this.#now() - this.#mutedAt <= MUTE_TAIL_MS);
    const gated = (manual && !this.#pttDown) || (muted && !tail);
    if (!this.#ready || !transport || !pcm.byteLength || gated || transport.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    try {
      transport.appendAudio(muted ? new ArrayBuffer(pcm.byteLength) : pcm);
    } catch {
      return false;
    }
    if (this.#pttDown) this.#pttBytes += pcm.byteLength;
    return true;
  }

  // ── status ────────────────────────────────────────────────────────────────────────────────

  #updatePhase(): void {
    if (this.#running && this.#ready) this.#setStatus(this.#phase());
  }

  #phase(): SessionStatus {
    if (this.#userSpeaking) return 'listening';
    if (this.#isAudible() || this.#streaming) return 'speaking';
    return this.#replyPending() || this.#awaitingResponse ? 'thinking' : 'listening';
  }

  /** A reply is requested, running or queued, or waits for a tool's answer. */
  #replyPending(): boolean {
    return this.#liveResponseId() !== null || this.#pendingCreateId !== null || this.#responseQueue.length > 0 || this.#toolsPending();
  }

  /** A function call waits for its output (every call of a turn needs one before the reply). */
  #toolsPending(): boolean {
    return [...this.#calls.values()].some((c) => !c.output);
  }

  #setStatus(status: SessionStatus): void {
    const previous = this.#status;
    if (previous === status) return;
    this.#status = status;
    this.#log('status', status);
    this.#emit('status', status, previous);
  }

  #setBlocked(blocked: boolean): void {
    if (this.#blocked === blocked) return;
    this.#blocked = blocked;
    this.#emit('audioBlocked', blocked);
    if (blocked) this.#emitError(new RealtimeVoiceError('audio_blocked', 'Audio is blocked until a tap.', false));
  }

  // ── errors and teardown ───────────────────────────────────────────────────────────────────

  /**
   * A fatal typed error from anything thrown below: a `RealtimeVoiceError` as is; an `AudioError`
   * keeps its code and message (`audio_blocked` stays non-fatal); anything else becomes `fallback`.
   */
  #asVoiceError(error: unknown, fallback: ErrorCode): RealtimeVoiceError {
    if (error instanceof RealtimeVoiceError) return error;
    const { name = 'Error', code, message } = (error ?? {}) as { name?: string; code?: ErrorCode; message?: string };
    return name === 'AudioError' && code
      ? new RealtimeVoiceError(code, redact(String(message)), code !== 'audio_blocked', { cause: error })
      : new RealtimeVoiceError(fallback, `${fallback.replace(/_/g, ' ')} (${name}).`, true, { cause: error });
  }

  /** Reports an error; a fatal one ends the session with status `error`. */
  #fail(error: RealtimeVoiceError): void {
    if (error.fatal) void this.#teardown('error', 1000, error.code, error);
    else this.#emitError(error);
  }

  async #teardown(finalStatus: 'idle' | 'error', code: number, reason: string, error?: RealtimeVoiceError): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#epoch++;
    this.#tokenAbort?.abort();
    for (const { timer } of this.#calls.values()) this.#cancel(timer);
    this.#calls.clear();
    const wasReady = this.#ready;
    const live = this.#liveResponseId();
    if (wasReady && live && finalStatus === 'idle') this.#send({ type: 'response.cancel', response_id: live });
    this.#closeTransport(code, reason);
    this.#connectionLost();
    this.#resetConnection();
    this.#setBlocked(false);
    const audio = this.#audio;
    this.#audio = null;
    if (wasReady) this.#emit('disconnected', { code, reason, willReconnect: false });
    if (error) this.#emitError(error);
    this.#setStatus(finalStatus);
    this.#resolveStart();
    try {
      await audio?.close();
    } catch (closeError) {
      this.#log('audio close failed', closeError);
    }
  }

  #closeTransport(code: number, reason: string): void {
    this.#transport?.close(code, reason);
    this.#transport = null;
  }

  #resolveStart(): void {
    for (const resolve of this.#startWaiters.splice(0)) resolve();
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  /** Sends a client event on the current transport; `null` when there is none or it refused. */
  #send(event: ClientEvent): string | null {
    try {
      const id = this.#transport?.send(event) ?? null;
      if (id !== null) this.#log('→', event);
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

  #emitError(error: RealtimeVoiceError): void {
    this.#log('error', error.code, error.message);
    this.#emit('error', error);
  }

  #log(...args: unknown[]): void {
    if (this.#config.debug) (this.#deps.logger ?? console.debug)('[realtime-voice]', ...args.map(describe));
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  /** A timer of the current connection: `#connectionLost` and teardown clear them all. */
  #after(ms: number, callback: (value?: unknown) => void): unknown {
    const handle = (this.#deps.setTimeout ?? setTimeout)(() => {
      this.#timers.delete(handle);
      callback();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  /**
   * The stall watchdog: while a response is requested or running, a server that sends nothing for
   * `stallTimeoutMs` is treated as a dropped connection (`disconnected` with code 4000, then a
   * reconnect, or a fatal `connection_lost` when reconnecting is off). Every frame re-arms it.
   */
  #watchStall(): void {
    this.#cancel(this.#stallTimer);
    const ms = this.#deps.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    const waiting = () => this.#ready && (this.#pendingCreateId !== null || this.#activeResponseId !== null);
    this.#stallTimer =
      ms > 0 && waiting()
        ? this.#after(ms, () => {
            if (!waiting()) return;
            this.#closeTransport(4000, 'server stalled');
            this.#onClose(4000, `server silent for ${ms} ms`);
          })
        : null;
  }

  #cancel(handle: unknown): void {
    this.#timers.delete(handle);
    (this.#deps.clearTimeout ?? clearTimeout)(handle as number);
  }
}
