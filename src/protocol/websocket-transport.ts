// The production transport: one browser WebSocket per connection, authenticated with an
// ephemeral key in the subprotocol list (browsers cannot set headers). The key is used once, in
// the constructor call, and kept nowhere: not in the URL, a field, an error or the status.
import { encodeBase64 } from './base64.js';
import type { ClientEvent } from './events.js';
import { parseServerEvent } from './parse.js';
import {
  checkToken,
  TransportError,
  type RealtimeTransport,
  type TransportCloseInfo,
  type TransportConnectOptions,
  type TransportErrorCode,
  type TransportHandlers,
  type TransportStatus,
} from './transport.js';

/** A `WebSocket` constructor: the browser's, or a compatible one (`ws` in Node, a test fake). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** Options of `WebSocketTransport`. */
export interface WebSocketTransportOptions {
  /** The WebSocket constructor to use (default: `globalThis.WebSocket`, read at connect time). */
  WebSocket?: WebSocketConstructor;
}

/** The connect timeout when `connect()` gives none, ms. */
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

/** `RealtimeTransport` over a WebSocket: `?model=`, subprotocol auth, event ids, status, close codes. */
export class WebSocketTransport implements RealtimeTransport {
  #WebSocket: WebSocketConstructor | undefined;
  #ws: WebSocket | undefined;
  #status: TransportStatus = 'idle';
  #handlers: TransportHandlers | undefined;
  /** Client event ids: `evt_` + a per-transport random part + a counter (only [0-9a-z_]: no JSON escaping). */
  #idPrefix = `evt_${Math.random().toString(36).slice(2, 8)}_`;
  #counter = 0;

  constructor(options: WebSocketTransportOptions = {}) {
    this.#WebSocket = options.WebSocket;
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
  connect(options: TransportConnectOptions, handlers: TransportHandlers): Promise<void> {
    // (A throw in the executor rejects.)
    return new Promise<void>((resolve, reject) => {
      if (this.#ws) throw this.#invalidState('connect');
      const refused = checkToken(options.token);
      if (refused) throw refused;
      const Ctor = this.#WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (!Ctor) throw new TransportError('unsupported', 'no WebSocket');
      const url = realtimeUrl(options.url, options.model);
      const failure = (code: TransportErrorCode, what: string, close?: TransportCloseInfo) =>
        new TransportError(code, `connection to ${url} ${what}`, close);
      let ws: WebSocket;
      try {
        ws = new Ctor(url, ['realtime', `openai-insecure-api-key.${options.token}`]);
      } catch {
        // The browser's message may quote the subprotocols (the key): say what failed, not how.
        throw failure('connect_failed', 'failed');
      }
      ws.binaryType = 'arraybuffer';
      this.#ws = ws;
      this.#handlers = handlers;
      this.#setStatus('connecting');
      let opened = false;
      const timer = setTimeout(() => {
        this.#detach(ws);
        ws.close();
        reject(failure('connect_timeout', 'timed out'));
      }, options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
      // `ws` (Node) emits 'error' as an EventEmitter event: without a listener it would throw.
      ws.onerror = () => {};
      ws.onopen = () => {
        clearTimeout(timer);
        opened = true;
        this.#setStatus('open');
        resolve();
      };
      ws.onmessage = (event: MessageEvent) => handlers.message(parseServerEvent(event.data));
      ws.onclose = ({ code, reason }: CloseEvent) => {
        clearTimeout(timer);
        // Only `close()` sets `closing`.
        const info: TransportCloseInfo = { code, reason, initiatedByClient: this.#status === 'closing' };
        this.#detach(ws);
        if (opened) handlers.close(info);
        else reject(info.initiatedByClient ? failure('aborted', 'aborted', info) : failure('connect_failed', `failed (close ${code})`, info));
      };
    });
  }

  /** Sends a client event as JSON, stamping an `event_id` when it has none; returns the id. */
  send(event: ClientEvent): string {
    return this.#send(event.event_id, (id) => JSON.stringify({ ...event, event_id: id }));
  }

  /** Sends `input_audio_buffer.append` for PCM16 bytes, concatenated as a string (base64 needs no escaping). */
  appendAudio(pcm: ArrayBufferLike | ArrayBufferView): string {
    return this.#send('', (id) => `{"type":"input_audio_buffer.append","event_id":"${id}","audio":"${encodeBase64(pcm)}"}`);
  }

  /**
   * Closes the socket (1000 by default; codes a browser refuses become 1000). Never throws. The
   * reason is cut to 41 UTF-16 units: at most 123 UTF-8 bytes, all a close frame can carry.
   */
  close(code = 1000, reason = ''): void {
    const ws = this.#ws;
    if (!ws || this.#status === 'closing') return;
    this.#setStatus('closing');
    // Only codes a script may send (else `InvalidAccessError`).
    ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason.slice(0, 41));
  }

  #invalidState(what: string): TransportError {
    return new TransportError('invalid_state', `cannot ${what} while ${this.#status}`);
  }

  #send(id: string | undefined, frame: (id: string) => string): string {
    if (this.#status !== 'open') throw this.#invalidState('send');
    id ||= this.#idPrefix + (++this.#counter).toString(36);
    this.#ws!.send(frame(id));
    return id;
  }

  /** Forgets `ws` (its late events change nothing); the status becomes `closed`. */
  #detach(ws: WebSocket): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    this.#ws = undefined;
    this.#setStatus('closed');
  }

  #setStatus(status: TransportStatus): void {
    this.#status = status;
    this.#handlers?.status(status);
  }
}
