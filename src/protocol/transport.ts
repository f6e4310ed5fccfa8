import type { ClientEvent, ParseResult } from './events.js';

/** Transport lifecycle. `closed` carries the close code and reason of the socket. */
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
  connect(options: TransportConnectOptions, handlers: TransportHandlers): Promise<void>;
  /** Sends a client event, stamping an `event_id` when it has none; returns the id. */
  send(event: ClientEvent): string;
  /** Bytes queued in the socket and not yet sent (back-pressure for audio appends). */
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
}
