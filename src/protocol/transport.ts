import type { ClientEvent, ParseResult } from './events.js';

/** Transport lifecycle; how a connection ended comes with `handlers.close` (`TransportCloseInfo`). */
export type TransportStatus = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

export interface TransportConnectOptions {
  /** Realtime endpoint without query, e.g. `wss://api.openai.com/v1/realtime`. */
  url: string;
  model: string;
  /** Ephemeral key (`ek_…`); sent only in the subprotocol list, never in the URL. */
  token: string;
  /** Connection attempt timeout. */
  timeoutMs?: number;
}

export interface TransportCloseInfo {
  code: number;
  reason: string;
  /** True when we closed it ourselves (`close()`), false when the server or network did. */
  initiatedByClient: boolean;
}

export interface TransportHandlers {
  /** Every server frame, parsed at the edge: a typed event or a typed protocol error. */
  message(result: ParseResult): void;
  status(status: TransportStatus): void;
  close(info: TransportCloseInfo): void;
}

/** How the session reaches a Realtime server: a WebSocket in production, a script in unit tests. */
export interface RealtimeTransport {
  readonly status: TransportStatus;
  /**
   * Opens the connection; resolves once it is open. Rejects with a `TransportError` (never
   * naming the token): `insecure_api_key` / `invalid_token` before any connection is tried,
   * `connect_timeout`, `connect_failed` (its `close` says how), `aborted` when `close()` was
   * called meanwhile, `invalid_state` when already connecting or open. `handlers.close` is
   * called only for a connection that had opened.
   */
  connect(options: TransportConnectOptions, handlers: TransportHandlers): Promise<void>;
  /**
   * Sends a client event, stamping an `event_id` when it has none; returns the id. Throws a
   * `TransportError('invalid_state')` unless `status` is `open`.
   */
  send(event: ClientEvent): string;
  /**
   * Sends `input_audio_buffer.append` for these PCM16 bytes (24 kHz mono little-endian), built
   * as a string without `JSON.stringify`; returns its `event_id`. Throws like `send`.
   */
  appendAudio(pcm: ArrayBufferLike | ArrayBufferView): string;
  /** Bytes queued in the socket and not yet sent (back-pressure for audio appends). */
  readonly bufferedAmount: number;
  /** Closes (default 1000); `handlers.close` follows with `initiatedByClient: true`. Never throws. */
  close(code?: number, reason?: string): void;
}

/** Why a transport refused or failed; its message never contains the token. */
export type TransportErrorCode =
  | 'insecure_api_key'
  | 'invalid_token'
  | 'invalid_state'
  | 'unsupported'
  | 'connect_timeout'
  | 'connect_failed'
  | 'aborted';

/** A typed transport failure (`connect()` rejections, `send()` on a socket that is not open). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    /** What went wrong, stable for code to switch on. */
    readonly code: TransportErrorCode,
    message: string,
    /** For `connect_failed` / `aborted`: how the socket closed before it opened. */
    readonly close?: TransportCloseInfo,
  ) {
    super(message);
  }
}

/**
 * Why a key must not be used, or `undefined`: a standard API key (`sk-…`) must never be used from
 * a browser; a key with characters a WebSocket subprotocol (an RFC 7230 token) cannot carry would
 * make the browser throw a SyntaxError that quotes it.
 */
export const tokenProblem = (token: string): 'insecure_api_key' | 'invalid_token' | undefined =>
  token.trim().startsWith('sk-') ? 'insecure_api_key' : /^[\w!#$%&'*+.^`|~-]+$/.test(token) ? undefined : 'invalid_token';

/** `tokenProblem` as the error to throw (never quoting the token), or `undefined` when the token is usable. */
export function checkToken(token: unknown): TransportError | undefined {
  const problem = typeof token === 'string' ? tokenProblem(token) : 'invalid_token';
  return problem && new TransportError(problem, `unusable token (${problem})`);
}
