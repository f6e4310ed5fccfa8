// One WebSocket connection: parses client frames (never crashing on any input), hands events to
// its RealtimeSession, and delivers server events through a queue where the injected faults
// (stall, jitter, drop) act. The queue also keeps closing behind events already emitted, so an
// `error` sent before a close always arrives before it.
import { setTimeout as delay } from 'node:timers/promises';
import { base64Bytes } from './audio.js';
import { errorEvent, invalid, RealtimeError } from './errors.js';
import { eventId } from './ids.js';
import { isObject } from './session-config.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./faults.js').Faults} Faults */
/** @typedef {import('./session.js').RealtimeSession} RealtimeSession */

/** Most recent events kept per session for the `events` / `sent` test hooks (about 40 s of
 * 20 ms appends, logged without their audio). */
export const LOG_LIMIT = 2000;

/** Server events left unread in the socket beyond which the connection is dropped (32 MiB). */
const MAX_UNREAD_BYTES = 32 * 1024 * 1024;

/**
 * What the server keeps about a session, live or closed (`control('sessions')`).
 * @typedef {object} SessionRecord
 * @property {string} id
 * @property {boolean} open
 * @property {string} createdAt ISO time
 * @property {string | null} closedAt
 * @property {number | null} closeCode
 * @property {string | null} closeReason
 * @property {'ephemeral_key' | 'api_key'} auth
 * @property {'subprotocol' | 'header'} authVia
 * @property {string | null} origin
 * @property {number} eventsReceived
 * @property {number} eventsSent
 * @property {Json[]} received parsed client events, oldest first
 * @property {Json[]} sent server events, audio payloads replaced by their size
 * @property {Connection | null} connection the live connection, null once closed
 * @property {Json | null} summary the session's state when it closed
 */

/**
 * @typedef {object} ConnectionHooks
 * @property {() => Faults} faults
 * @property {() => number} faultsVersion bumps whenever faults are set
 * @property {() => boolean} takeDrop consumes one of `dropTimes`; false when none are left
 * @property {() => number} random
 * @property {{info: (...args: unknown[]) => void, warn: (...args: unknown[]) => void}} log
 */

export class Connection {
  #ws;
  #session;
  #record;
  #hooks;
  /** @type {Promise<void>} */
  #queue = Promise.resolve();
  #dead = false;
  #faultsVersion = -1;
  #sinceFaults = 0;
  #stalled = false;
  /** @type {NodeJS.Timeout | null} */
  #expiry = null;

  /**
   * @param {{ws: import('ws').WebSocket, session: RealtimeSession, record: SessionRecord, hooks: ConnectionHooks, maxSessionSeconds: number}} init
   */
  constructor({ ws, session, record, hooks, maxSessionSeconds }) {
    this.#ws = ws;
    this.#session = session;
    this.#record = record;
    this.#hooks = hooks;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    // ws reports protocol violations (oversized frames: 1009, bad UTF-8: 1007) here and closes
    // the socket itself; without a listener they would crash the process.
    ws.on('error', (error) => hooks.log.info(`realtime session ${record.id}: ${error.message}`));
    ws.on('close', (code, reason) => this.#onClose(code, reason.toString()));
    this.#expiry = setTimeout(() => this.#expire(maxSessionSeconds), maxSessionSeconds * 1000);
  }

  /** The live session. */
  get session() {
    return this.#session;
  }

  /** Sends `session.created`; call once the session's emit is wired to this connection. */
  start() {
    this.#session.start();
  }

  /**
   * Closes with a close frame and resolves once the socket is gone, terminating it if the peer
   * does not answer the close handshake within 500 ms (so shutting down never hangs).
   * @param {number} code
   * @param {string} reason
   * @returns {Promise<void>}
   */
  shutdown(code, reason) {
    const ws = this.#ws;
    if (ws.readyState === ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => ws.terminate(), 500);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.#dead) {
        if (ws.readyState === ws.OPEN) ws.close(code, reason);
      } else this.drop(code, reason);
    });
  }

  /**
   * Sends a server event (through the fault queue).
   * @param {Json} event
   */
  send(event) {
    if (this.#dead) return;
    const full = event.event_id ? event : { event_id: eventId(), ...event };
    this.#log(this.#record.sent, full.type === 'response.output_audio.delta' ? { ...full, delta: sizeLabel(base64Bytes(full.delta)) } : full);
    this.#queue = this.#queue.then(() => this.#deliver(full)).catch((error) => this.#hooks.log.warn('realtime send failed:', error));
  }

  /**
   * Ends the connection now: with a close frame when a sendable code is given, else by dropping
   * the TCP connection (the client sees 1006).
   * @param {number | null} [code]
   * @param {string} [reason]
   */
  drop(code = null, reason = '') {
    if (this.#dead) return;
    this.#dead = true;
    this.#session.close();
    if (code === null) this.#ws.terminate();
    else this.#ws.close(code, reason);
  }

  /**
   * Closes after everything already sent has been delivered.
   * @param {number} code
   * @param {string} reason
   */
  closeAfterPending(code, reason) {
    this.#queue = this.#queue.then(() => this.drop(code, reason));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * @param {import('ws').RawData} data
   * @param {boolean} isBinary
   */
  #onMessage(data, isBinary) {
    if (this.#dead) return;
    if (isBinary) {
      this.send(errorEvent(new RealtimeError({ code: 'invalid_json', message: 'Binary frames are not supported; send each event as a JSON text frame.' }), null));
      return;
    }
    const text = (Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data).toString();
    /** @type {unknown} */
    let event;
    try {
      event = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : 'invalid JSON';
      this.send(errorEvent(new RealtimeError({ code: 'invalid_json', message: `The event is not valid JSON: ${detail}` }), null));
      return;
    }
    if (!isObject(event)) {
      this.send(errorEvent(new RealtimeError({ code: 'invalid_event', message: 'The event must be a JSON object.' }), null));
      return;
    }
    this.#record.eventsReceived++;
    // Appends are logged with their size instead of their audio, as audio deltas are: 2,000
    // logged 20 ms appends would hold 2.6 MB per session (the server checks the base64 itself).
    const audio = event.type === 'input_audio_buffer.append' && typeof event.audio === 'string' ? event.audio : null;
    // Any other event over 64 KB is logged as its type and size: 2,000 frames of up to ~21 MB kept
    // whole would let one client pin gigabytes.
    const big = audio === null && text.length > 65536;
    this.#log(
      this.#record.received,
      audio !== null ? { ...event, audio: sizeLabel(base64Bytes(audio)) } : big ? { type: String(event.type).slice(0, 100), size: sizeLabel(text.length) } : event,
    );
    const clientEventId = typeof event.event_id === 'string' ? event.event_id : null;
    try {
      if (event.event_id !== undefined) {
        if (typeof event.event_id !== 'string') throw invalid.type('event_id', 'a string', event.event_id);
        if (event.event_id.length > 512) {
          throw invalid.custom('event_id', `Invalid 'event_id': string too long. Expected a string with maximum length 512, but got a string with length ${event.event_id.length} instead.`, 'string_above_max_length');
        }
      }
      if (event.type === undefined) throw invalid.missing('type');
      if (typeof event.type !== 'string') throw invalid.type('type', 'a string', event.type);
      this.#session.handle(event);
    } catch (error) {
      if (!(error instanceof RealtimeError)) this.#hooks.log.warn(`realtime session ${this.#record.id}: unexpected error handling ${String(event.type)}:`, error);
      this.send(errorEvent(error, clientEventId));
    }
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  #onClose(code, reason) {
    this.#dead = true;
    if (this.#expiry) clearTimeout(this.#expiry);
    this.#session.close();
    const record = this.#record;
    record.open = false;
    record.closedAt = new Date().toISOString();
    record.closeCode = code;
    record.closeReason = reason;
    record.connection = null;
    record.summary = this.#session.summary();
  }

  /**
   * The session hit its maximum duration: OpenAI sends a `session_expired` error, then closes
   * with 1001 and the same sentence as reason.
   * @param {number} seconds
   */
  #expire(seconds) {
    const reason = sessionExpiredReason(seconds);
    this.send(errorEvent(new RealtimeError({ code: 'session_expired', message: reason }), null));
    this.closeAfterPending(1001, reason);
  }

  /**
   * @param {Json} event
   */
  async #deliver(event) {
    if (this.#dead) return;
    const faults = this.#hooks.faults();
    const version = this.#hooks.faultsVersion();
    if (version !== this.#faultsVersion) {
      // New faults count from now on this connection.
      this.#faultsVersion = version;
      this.#sinceFaults = 0;
      this.#stalled = false;
    }
    if (faults.stallMs > 0 && !this.#stalled && this.#sinceFaults >= faults.stallAfterEvents) {
      this.#stalled = true;
      await delay(faults.stallMs);
    }
    if (faults.jitterMs > 0 && event.type === 'response.output_audio.delta') await delay(this.#hooks.random() * faults.jitterMs);
    if (this.#dead || this.#ws.readyState !== this.#ws.OPEN) return;
    // A client that stops reading (while flooding bad frames, say) is cut off, not buffered for.
    if (this.#ws.bufferedAmount > MAX_UNREAD_BYTES) return this.drop();
    this.#ws.send(serialize(event));
    this.#record.eventsSent++;
    this.#sinceFaults++;
    if (faults.dropAfterEvents !== null && this.#sinceFaults >= faults.dropAfterEvents && this.#hooks.takeDrop()) {
      this.drop(faults.dropCode, faults.dropReason);
    }
  }

  /**
   * @param {Json[]} log
   * @param {Json} event
   */
  #log(log, event) {
    log.push(event);
    // Trimmed in batches: shifting 2,000 entries on every event cost more than logging.
    if (log.length > LOG_LIMIT * 1.25) log.splice(0, log.length - LOG_LIMIT);
  }
}

/** @type {Map<number, string>} */
const sizeLabels = new Map();

/**
 * `<960 bytes>`, one string per size: the logs hold thousands of them per session, and every
 * distinct copy is more for the garbage collector to walk.
 * @param {number} bytes
 * @returns {string}
 */
function sizeLabel(bytes) {
  let label = sizeLabels.get(bytes);
  if (label === undefined) {
    if (sizeLabels.size >= 20000) sizeLabels.clear();
    label = `<${bytes} bytes>`;
    sizeLabels.set(bytes, label);
  }
  return label;
}

/**
 * The JSON text of a server event. An audio delta (its base64 last, needing no escapes) is put
 * together around its audio: JSON.stringify scans every character of it (~9 µs for a 4 KB chunk).
 * Same text on the wire. (A ready Buffer instead of the string saved a little more, but with it
 * the bench's first-audio latency in the browser went from 6 to 16 ms and underruns under jitter
 * from 1 to 6: `ws` frames a Buffer differently from a string. Measured, not yet understood.)
 * @param {Json} event
 * @returns {string}
 */
function serialize(event) {
  if (event.type !== 'response.output_audio.delta' || typeof event.delta !== 'string') return JSON.stringify(event);
  const { delta, ...rest } = event;
  return `${JSON.stringify(rest).slice(0, -1)},"delta":"${delta}"}`;
}

/**
 * OpenAI's close reason (and error message) when a session reaches its maximum duration:
 * "Your session hit the maximum duration of 60 minutes."
 * @param {number} seconds
 * @returns {string}
 */
export function sessionExpiredReason(seconds) {
  const duration = seconds % 60 === 0 ? plural(seconds / 60, 'minute') : plural(seconds, 'second');
  return `Your session hit the maximum duration of ${duration}.`;
}

/**
 * @param {number} n
 * @param {string} unit
 * @returns {string}
 */
function plural(n, unit) {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
