// An in-memory Realtime server for unit tests of the layers above the protocol: it records what
// the session sends and lets the test play the server. It behaves like `WebSocketTransport` where
// the session can tell (status order, async open and close, `send` refused unless open, frames
// parsed by `parseServerEvent`), so a session that passes against it passes against a socket.
import { encodeBase64 } from './base64.js';
import type { ClientEvent, ParseResult } from './events.js';
import { parseServerEvent } from './parse.js';
import {
  checkToken,
  TransportError,
  type RealtimeTransport,
  type TransportConnectOptions,
  type TransportHandlers,
  type TransportStatus,
} from './transport.js';

/** A server event as a test writes it: any object with a `type` (`event_id` is filled in), or raw text. */
export type ScriptedServerEvent = { type: string; [key: string]: unknown };

/** The client event of one type, e.g. `ClientEventOf<'session.update'>`. */
export type ClientEventOf<T extends ClientEvent['type']> = Extract<ClientEvent, { type: T }>;

/** What the scripted server answers to a client event: nothing, one event, or several. */
export type ScriptedReply<T extends ClientEvent['type'] = ClientEvent['type']> = (
  event: ClientEventOf<T>,
  transport: ScriptedTransport,
) => ScriptedServerEvent | string | (ScriptedServerEvent | string)[] | void;

/** Replies by client event type. */
export type ScriptedReplies = { [T in ClientEvent['type']]?: ScriptedReply<T> };

/** Options of `ScriptedTransport`. */
export interface ScriptedTransportOptions {
  /** Emit `session.created` after each connect (default true); an object is merged into its `session`. */
  sessionCreated?: boolean | Record<string, unknown>;
  /** Automatic answers, emitted a task after the client event (as a server would). See `basicReplies`. */
  replies?: ScriptedReplies;
  /** How long `connect()` takes, ms (default 0: resolves a task later). */
  connectDelayMs?: number;
}

/** Options of `waitForSent`. */
export interface WaitForSentOptions {
  /** Reject after this long, ms (default 2000). */
  timeoutMs?: number;
  /** Index in `sent` to search from (default 0: an event already sent resolves at once). */
  since?: number;
}

const later = (fn: () => void, ms = 0) => setTimeout(fn, ms);

/** A ready-made set of replies that mirror the GA server's acknowledgements. */
export const basicReplies: ScriptedReplies = {
  'session.update': (e) => ({ type: 'session.updated', session: { type: 'realtime', ...e.session } }),
  'input_audio_buffer.commit': () => ({ type: 'input_audio_buffer.committed', item_id: 'item_committed', previous_item_id: null }),
  'input_audio_buffer.clear': () => ({ type: 'input_audio_buffer.cleared' }),
  'conversation.item.create': (e) => {
    const item = { id: e.item.id ?? `item_${Math.random().toString(36).slice(2, 8)}`, status: 'completed', ...e.item };
    return [
      { type: 'conversation.item.added', item, previous_item_id: e.previous_item_id ?? null },
      { type: 'conversation.item.done', item, previous_item_id: e.previous_item_id ?? null },
    ];
  },
  'conversation.item.truncate': (e) => ({
    type: 'conversation.item.truncated',
    item_id: e.item_id,
    content_index: e.content_index,
    audio_end_ms: e.audio_end_ms,
  }),
  'conversation.item.delete': (e) => ({ type: 'conversation.item.deleted', item_id: e.item_id }),
};

/** An in-memory `RealtimeTransport` whose server is the test. */
export class ScriptedTransport implements RealtimeTransport {
  /** Every client event sent, in order, `event_id` stamped (appends included, as base64). */
  readonly sent: ClientEvent[] = [];
  /** The options of every `connect()` call, in order (a test fake may show the token). */
  readonly connects: TransportConnectOptions[] = [];
  /** PCM bytes passed to `appendAudio` since construction. */
  appendedBytes = 0;
  /** What `bufferedAmount` reports: set it to test back-pressure. */
  bufferedAmount = 0;
  /** Replies by client event type; change them at any time (or use `on`). */
  replies: ScriptedReplies;

  #options: ScriptedTransportOptions;
  #status: TransportStatus = 'idle';
  #handlers: TransportHandlers | undefined;
  #failNext: Error | undefined;
  #pendingConnect: { reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  #counter = 0;
  #serverCounter = 0;
  #waiters = new Set<() => void>();

  constructor(options: ScriptedTransportOptions = {}) {
    this.#options = options;
    this.replies = { ...options.replies };
  }

  /** Lifecycle of the current (or last) connection. */
  get status(): TransportStatus {
    return this.#status;
  }

  /** The handlers of the last `connect()`. */
  get handlers(): TransportHandlers | undefined {
    return this.#handlers;
  }

  /** Opens the scripted connection (a task later, or after `connectDelayMs`). */
  connect(options: TransportConnectOptions, handlers: TransportHandlers): Promise<void> {
    if (this.#status === 'connecting' || this.#status === 'open' || this.#status === 'closing') {
      return Promise.reject(new TransportError('invalid_state', `cannot connect while ${this.#status}`));
    }
    const refused = checkToken(options.token);
    if (refused) return Promise.reject(refused);
    this.connects.push({ ...options });
    this.#handlers = handlers;
    this.#setStatus('connecting');
    const failure = this.#failNext;
    this.#failNext = undefined;
    return new Promise<void>((resolve, reject) => {
      const timer = later(() => {
        this.#pendingConnect = undefined;
        if (failure) {
          this.#setStatus('closed');
          reject(failure);
          return;
        }
        this.#setStatus('open');
        resolve();
        const created = this.#options.sessionCreated ?? true;
        if (created) {
          later(() => {
            if (this.#status !== 'open') return;
            this.emit({
              type: 'session.created',
              session: {
                type: 'realtime',
                id: `sess_scripted_${this.connects.length}`,
                object: 'realtime.session',
                model: options.model,
                expires_at: Math.floor(Date.now() / 1000) + 3600,
                ...(typeof created === 'object' ? created : {}),
              },
            });
          });
        }
      }, this.#options.connectDelayMs ?? 0);
      this.#pendingConnect = { reject, timer };
    });
  }

  /** Records a client event (stamping an `event_id`), then schedules its reply, if any. */
  send(event: ClientEvent): string {
    this.#assertOpen();
    const id = event.event_id || this.#nextId();
    const stamped = (event.event_id ? { ...event } : { ...event, event_id: id }) as ClientEvent;
    this.#record(stamped);
    return id;
  }

  /** Records an `input_audio_buffer.append` of these PCM16 bytes. */
  appendAudio(pcm: ArrayBufferLike | ArrayBufferView): string {
    this.#assertOpen();
    const id = this.#nextId();
    this.appendedBytes += pcm.byteLength;
    this.#record({ type: 'input_audio_buffer.append', event_id: id, audio: encodeBase64(pcm) });
    return id;
  }

  /** Client-side close: `closing` now, then (a microtask later) `closed` and `handlers.close`. */
  close(code = 1000, reason = ''): void {
    if (this.#status === 'connecting' && this.#pendingConnect) {
      const { reject, timer } = this.#pendingConnect;
      this.#pendingConnect = undefined;
      clearTimeout(timer);
      this.#setStatus('closed');
      reject(new TransportError('aborted', 'closed before the connection opened', { code, reason, initiatedByClient: true }));
      return;
    }
    if (this.#status !== 'open') return;
    this.#setStatus('closing');
    queueMicrotask(() => this.#closed(code, reason, true));
  }

  /**
   * Plays the server: sends one frame to the session through `parseServerEvent` (synchronously).
   * An object without `event_id` gets one. Returns what the session received.
   */
  emit(event: ScriptedServerEvent | string | ArrayBuffer): ParseResult {
    if (this.#status !== 'open' || !this.#handlers) throw new Error(`ScriptedTransport.emit while ${this.#status}`);
    const frame =
      typeof event === 'object' && !(event instanceof ArrayBuffer) && event.event_id === undefined
        ? { event_id: `event_${++this.#serverCounter}`, ...event }
        : event;
    const result = parseServerEvent(frame);
    this.#handlers.message(result);
    return result;
  }

  /** Plays the server or network closing the connection (default 1006, abnormal). */
  simulateClose(code = 1006, reason = ''): void {
    if (this.#status === 'connecting' && this.#pendingConnect) {
      const { reject, timer } = this.#pendingConnect;
      this.#pendingConnect = undefined;
      clearTimeout(timer);
      this.#setStatus('closed');
      reject(new TransportError('connect_failed', `connection failed (close ${code})`, { code, reason, initiatedByClient: false }));
      return;
    }
    if (this.#status !== 'open' && this.#status !== 'closing') throw new Error(`ScriptedTransport.simulateClose while ${this.#status}`);
    this.#closed(code, reason, false);
  }

  /** Makes the next `connect()` reject with `error` (default: a `connect_failed` TransportError). */
  failNextConnect(error: Error = new TransportError('connect_failed', 'scripted connect failure', { code: 1006, reason: '', initiatedByClient: false })): void {
    this.#failNext = error;
  }

  /** Sets the automatic reply to one client event type (`undefined` removes it). */
  on<T extends ClientEvent['type']>(type: T, reply: ScriptedReply<T> | undefined): this {
    (this.replies as Record<string, unknown>)[type] = reply;
    return this;
  }

  /** The sent events of one type, in order. */
  sentOfType<T extends ClientEvent['type']>(type: T): ClientEventOf<T>[] {
    return this.sent.filter((e): e is ClientEventOf<T> => e.type === type);
  }

  /** Resolves with the first sent event (from index `since`) of this type or matching this test. */
  waitForSent<T extends ClientEvent['type']>(type: T, options?: WaitForSentOptions): Promise<ClientEventOf<T>>;
  waitForSent(match: (event: ClientEvent) => boolean, options?: WaitForSentOptions): Promise<ClientEvent>;
  waitForSent(match: string | ((event: ClientEvent) => boolean), options: WaitForSentOptions = {}): Promise<ClientEvent> {
    const test = typeof match === 'string' ? (e: ClientEvent) => e.type === match : match;
    const find = () => this.sent.slice(options.since ?? 0).find(test);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        const hit = find();
        if (!hit) return;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(hit);
      };
      const timeoutMs = options.timeoutMs ?? 2000;
      const timer = later(() => {
        this.#waiters.delete(waiter);
        const what = typeof match === 'string' ? match : 'a matching event';
        reject(new Error(`waitForSent: no ${what} within ${timeoutMs} ms (sent: ${this.sent.map((e) => e.type).join(', ') || 'nothing'})`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Forgets the sent events (e.g. after the handshake, to look at one turn). */
  clearSent(): void {
    this.sent.length = 0;
  }

  #record(event: ClientEvent): void {
    this.sent.push(event);
    for (const waiter of [...this.#waiters]) waiter();
    const reply = (this.replies as Record<string, ScriptedReply | undefined>)[event.type];
    if (!reply) return;
    later(() => {
      if (this.#status !== 'open') return;
      const out = reply(event, this);
      if (out === undefined) return;
      for (const e of Array.isArray(out) ? out : [out]) if (this.#status === 'open') this.emit(e);
    });
  }

  #closed(code: number, reason: string, initiatedByClient: boolean): void {
    if (this.#status === 'closed') return;
    this.#setStatus('closed');
    this.#handlers?.close({ code, reason, initiatedByClient });
  }

  #assertOpen(): void {
    if (this.#status !== 'open') throw new TransportError('invalid_state', `cannot send while ${this.#status}`);
  }

  #nextId(): string {
    return `evt_scripted_${(++this.#counter).toString(36)}`;
  }

  #setStatus(status: TransportStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#handlers?.status(status);
  }
}
