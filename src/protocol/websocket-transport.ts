// The production transport: one browser WebSocket per connection, authenticated with an
// ephemeral key in the subprotocol list (browsers cannot set headers). The key is used once, in
// the constructor call, and kept nowhere: not in the URL, a field, an error or the status.
import { encodeBase64 } from './base64.js';
import type { ClientEvent } from './events.js';
import { parseServerEvent, type ParseOptions } from './parse.js';
import {
  checkToken,
  TransportError,
  type RealtimeTransport,
  type TransportCloseInfo,
  type TransportConnectOptions,
  type TransportHandlers,
  type TransportStatus,
} from './transport.js';

/** A `WebSocket` constructor: the browser's, or a compatible one (`ws` in Node, a test fake). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** Options of `WebSocketTransport`. */
export interface WebSocketTransportOptions {
  /** The WebSocket constructor to use (default: `globalThis.WebSocket`, read at connect time). */
  WebSocket?: WebSocketConstructor;
  /** Connect timeout when `connect()` gives none, ms (default 15 000). */
  timeoutMs?: number;
  /** Passed to `parseServerEvent` for every frame. */
  parse?: ParseOptions;
}

/** The default connect timeout, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/**
 * `url` with `model` as its `model` query parameter: appended with `?` or `&`, replacing a
 * `model` the URL already had; left out when `model` is empty (a key that pins the model).
 */
export function realtimeUrl(url: string, model: string): string {
  const [, base, query] = /^([^?#]*)\??([^#]*)/.exec(url)!;
  const params = query!.split('&').filter((p) => p && !/^model(=|$)/.test(p));
  if (model) params.push(`model=${encodeURIComponent(model)}`);
  return base + (params.length ? `?${params.join('&')}` : '');
}

/** Trims a close reason to the 123 UTF-8 bytes a close frame can carry (else `SyntaxError`). */
function sendableReason(reason: string): string {
  while (new TextEncoder().encode(reason).length > 123) reason = reason.slice(0, -1);
  return reason;
}

/** `RealtimeTransport` over a WebSocket: `?model=`, subprotocol auth, event ids, status, close codes. */
export class WebSocketTransport implements RealtimeTransport {
  #options: WebSocketTransportOptions;
  #ws: WebSocket | undefined;
  #status: TransportStatus = 'idle';
  #handlers: TransportHandlers | undefined;
  #closingByClient = false;
  /** Client event ids: `evt_` + a per-transport random part + a counter (only [0-9a-z_]: no JSON escaping). */
  #idPrefix = `evt_${Math.random().toString(36).slice(2, 8)}_`;
  #counter = 0;

  constructor(options: WebSocketTransportOptions = {}) {
    this.#options = options;
  }

  /** Lifecycle of the current (or last) connection. */
  get status(): TransportStatus {
    return this.#status;
  }

  /** Bytes queued in the socket and not yet sent. */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Opens `${url}?model=…` with subprotocols `realtime` + `openai-insecure-api-key.<token>`. */
  async connect(options: TransportConnectOptions, handlers: TransportHandlers): Promise<void> {
    if (this.#ws) throw new TransportError('invalid_state', `cannot connect while ${this.#status}`);
    const refused = checkToken(options.token);
    if (refused) throw refused;
    const Ctor = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new TransportError('unsupported', 'no WebSocket here');
    const url = realtimeUrl(options.url, options.model);
    let ws: WebSocket;
    try {
      ws = new Ctor(url, ['realtime', `openai-insecure-api-key.${options.token}`]);
    } catch {
      // The browser's message may quote the subprotocols (the key): say what failed, not how.
      throw new TransportError('connect_failed', `cannot open ${url}`);
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.#handlers = handlers;
    this.#closingByClient = false;
    this.#setStatus('connecting');

    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const timer = setTimeout(() => {
        this.#detach(ws);
        ws.close();
        reject(new TransportError('connect_timeout', `no connection to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      // `ws` (Node) emits 'error' as an EventEmitter event: without a listener it would throw.
      ws.onerror = () => {};
      ws.onopen = () => {
        clearTimeout(timer);
        opened = true;
        this.#setStatus('open');
        resolve();
      };
      ws.onmessage = (event: MessageEvent) => handlers.message(parseServerEvent(event.data, this.#options.parse));
      ws.onclose = ({ code, reason }: CloseEvent) => {
        clearTimeout(timer);
        const info: TransportCloseInfo = { code, reason, initiatedByClient: this.#closingByClient };
        this.#detach(ws);
        if (opened) handlers.close(info);
        else if (info.initiatedByClient) reject(new TransportError('aborted', 'closed before it opened', info));
        else reject(new TransportError('connect_failed', `connection to ${url} failed (close ${code})`, info));
      };
    });
  }

  /** Sends a client event as JSON, stamping an `event_id` when it has none; returns the id. */
  send(event: ClientEvent): string {
    const ws = this.#openSocket();
    const id = event.event_id || this.#nextId();
    ws.send(JSON.stringify({ ...event, event_id: id }));
    return id;
  }

  /** Sends `input_audio_buffer.append` for PCM16 bytes, concatenated as a string (base64 needs no escaping). */
  appendAudio(pcm: ArrayBufferLike | ArrayBufferView): string {
    const ws = this.#openSocket();
    const id = this.#nextId();
    ws.send(`{"type":"input_audio_buffer.append","event_id":"${id}","audio":"${encodeBase64(pcm)}"}`);
    return id;
  }

  /** Closes the socket (1000 by default; codes a browser refuses become 1000). Never throws. */
  close(code = 1000, reason = ''): void {
    const ws = this.#ws;
    if (!ws || this.#status === 'closing') return;
    this.#closingByClient = true;
    this.#setStatus('closing');
    // Only codes a script may send (else `InvalidAccessError`).
    ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, sendableReason(reason));
  }

  #openSocket(): WebSocket {
    if (this.#status !== 'open') throw new TransportError('invalid_state', `cannot send while ${this.#status}`);
    return this.#ws!;
  }

  #nextId(): string {
    return this.#idPrefix + (++this.#counter).toString(36);
  }

  /** Forgets `ws` (its late events change nothing); the status becomes `closed`. */
  #detach(ws: WebSocket): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    this.#ws = undefined;
    this.#setStatus('closed');
  }

  #setStatus(status: TransportStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#handlers?.status(status);
  }
}
