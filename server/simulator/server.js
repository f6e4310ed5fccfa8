// `createRealtimeServer`: one node:http server carrying both the REST endpoint
// (`POST /v1/realtime/client_secrets`) and the Realtime WebSocket (`/v1/realtime`), plus the
// `control(op, args)` hooks tests use to script it, inspect it and inject faults.
import { STATUS_CODES, createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { KeyStore, readUpgradeCredential } from './auth.js';
import { Connection, LOG_LIMIT } from './connection.js';
import { mergeFaults, noFaults, isSendableCloseCode } from './faults.js';
import { createRandom, sessionId } from './ids.js';
import { checkApiKey, clientSecretResponse, handleRest } from './rest.js';
import { normalizeScenario, scenarioJson } from './scenario.js';
import { RealtimeSession } from './session.js';
import { applySessionUpdate, defaultSessionConfig, publicSession } from './session-config.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./faults.js').Faults} Faults */
/** @typedef {import('./scenario.js').Scenario} Scenario */
/** @typedef {import('./connection.js').SessionRecord} SessionRecord */
/** @typedef {import('./voice.js').VoiceEngine} VoiceEngine */

/** A 15 MiB append (OpenAI's limit) in base64 plus the JSON around it. */
const DEFAULT_MAX_FRAME_BYTES = Math.ceil((15 * 1024 * 1024 * 4) / 3) + 64 * 1024;
/** Closed sessions remembered for `control('sessions')`… */
const CLOSED_SESSIONS_KEPT = 100;
/** …of which the most recent keep their event logs for `control('events' | 'sent')`. */
const CLOSED_SESSION_LOGS_KEPT = 10;

/**
 * @typedef {object} RealtimeServerOptions
 * @property {string} [host] interface to bind, `127.0.0.1` by default
 * @property {number} [port] 0 (default) picks a free port
 * @property {string} [apiKey] the standard key backends present (Bearer header, or the
 *   `openai-insecure-api-key.` subprotocol) and that mints client secrets; when omitted any
 *   non-ephemeral key is accepted (local development only)
 * @property {Scenario} [scenario] scripted transcripts/replies (see scenario.js)
 * @property {number} [maxSessionSeconds] session length limit, 3600 like OpenAI; small values make
 *   the "session expired" path testable
 * @property {number} [maxFrameBytes] largest WebSocket message accepted (default ≈ 21 MB: a 15 MiB
 *   append in base64); larger ones close the connection with 1009
 * @property {Partial<Faults>} [faults] faults active from the start
 * @property {VoiceEngine} [voiceEngine] `auto` (espeak-ng when installed), `espeak` or `synthetic`
 * @property {number} [seed] seeds audio chunk sizes and jitter, for reproducible runs
 * @property {string} [defaultModel] model of sessions started with a standard key and no `?model=`
 * @property {{info?: (...args: unknown[]) => void, warn?: (...args: unknown[]) => void}} [logger]
 *   where diagnostics go; default: warnings to console.warn, nothing else
 */

/**
 * @typedef {object} RealtimeServer
 * @property {string} url `ws://HOST:PORT/v1/realtime` (append `?model=…` as with OpenAI)
 * @property {string} httpUrl `http://HOST:PORT/v1`, the REST base URL (`${httpUrl}/realtime/client_secrets`)
 * @property {number} port
 * @property {() => Promise<void>} close closes every session (1001) and the listener
 * @property {(op: string, args?: Json) => Promise<unknown>} control test hooks; see `controlOps`
 */

/** The `control` operations, for error messages and docs. */
export const controlOps = ['mint', 'keys', 'sessions', 'events', 'sent', 'faults', 'drop', 'scenario', 'options', 'respond', 'reset'];

/**
 * Starts a local, OpenAI-compatible Realtime server.
 * @param {RealtimeServerOptions} [options]
 * @returns {Promise<RealtimeServer>}
 */
export async function createRealtimeServer(options = {}) {
  const {
    host = '127.0.0.1',
    port = 0,
    apiKey,
    maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    voiceEngine = 'auto',
    defaultModel = 'gpt-realtime',
  } = options;
  const log = { info: options.logger?.info ?? (() => {}), warn: options.logger?.warn ?? console.warn };
  const random = createRandom(options.seed);

  const initial = {
    faults: mergeFaults(noFaults(), options.faults ?? {}),
    scenario: normalizeScenario(options.scenario),
    maxSessionSeconds: positive(options.maxSessionSeconds ?? 3600, 'maxSessionSeconds'),
  };
  let faults = initial.faults;
  let faultsVersion = 0;
  let scenario = initial.scenario;
  let scenarioVersion = 0;
  let maxSessionSeconds = initial.maxSessionSeconds;
  const keys = new KeyStore();
  /** @type {Map<string, SessionRecord>} */
  const records = new Map();

  /**
   * @param {number} ttlSeconds
   * @param {import('./session-config.js').SessionConfig} session
   * @returns {Json}
   */
  const mint = (ttlSeconds, session) => clientSecretResponse(keys.mint(session, ttlSeconds));

  const http = createServer((req, res) => {
    handleRest(req, res, { apiKey, keys, faults: () => faults, mint }).catch((error) => {
      log.warn('realtime REST handler failed:', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }));
    });
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    perMessageDeflate: false,
    // Browsers fail the handshake unless the server selects one of the offered subprotocols.
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    // A request-target that is no URL (`GET http://[`) is a 404 below, not a throw that ends the process.
    const url = new URL(URL.canParse(req.url ?? '/', 'http://localhost') ? (req.url ?? '/') : '/', 'http://localhost');
    /** @type {(status: number, message: string, code?: string | null) => void} */
    const reject = (status, message, code = null) => {
      const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    if (url.pathname.replace(/\/+$/, '') !== '/v1/realtime') return reject(404, `Invalid URL (GET ${url.pathname})`);
    if (faults.handshakeStatus !== null) return reject(faults.handshakeStatus, 'Connection refused (fault injected).');
    const { key, protocols, via } = readUpgradeCredential(req);
    const betaHeader = String(req.headers['openai-beta'] ?? '');
    if (protocols.includes('openai-beta.realtime-v1') || /realtime\s*=\s*v1/.test(betaHeader)) {
      return reject(400, 'The beta Realtime API shape is not supported. Connect without OpenAI-Beta (GA interface).', 'beta_api_shape_disabled');
    }
    if (protocols.length > 0 && !protocols.includes('realtime')) return reject(400, "Missing the 'realtime' WebSocket subprotocol.");
    if (url.searchParams.has('call_id')) return reject(400, 'Attaching to a WebRTC/SIP call (call_id) is not supported by the local Realtime server.');
    if (!key || !via) return reject(401, checkApiKey(null, apiKey)?.error.message ?? 'Missing API key.');
    /** @type {import('./auth.js').ClientSecret | undefined} */
    let secret;
    if (key.startsWith('ek_')) {
      secret = keys.get(key);
      if (!secret) return reject(401, 'Invalid ephemeral key.', 'invalid_api_key');
      // Expiry only gates the start of a session; sessions already running continue.
      if (secret.expiresAt <= Date.now() / 1000) return reject(401, 'Ephemeral key has expired.', 'invalid_api_key');
    } else {
      const denied = checkApiKey(key, apiKey);
      if (denied) return reject(401, denied.error.message, denied.error.code);
    }
    const model = secret?.session.model ?? url.searchParams.get('model') ?? defaultModel;
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        open(ws, { secret, via, model, origin: typeof req.headers.origin === 'string' ? req.headers.origin : null });
      } catch (error) {
        log.warn('realtime session failed to start:', error);
        ws.terminate();
      }
    });
  });

  /**
   * @param {import('ws').WebSocket} ws
   * @param {{secret: import('./auth.js').ClientSecret | undefined, via: 'subprotocol' | 'header', model: string, origin: string | null}} auth
   */
  function open(ws, { secret, via, model, origin }) {
    if (secret) secret.sessionsStarted++;
    const id = sessionId();
    const config = secret ? structuredClone(secret.session) : defaultSessionConfig({ model });
    /** @type {SessionRecord} */
    const record = {
      id,
      open: true,
      createdAt: new Date().toISOString(),
      closedAt: null,
      closeCode: null,
      closeReason: null,
      auth: secret ? 'ephemeral_key' : 'api_key',
      authVia: via,
      origin,
      eventsReceived: 0,
      eventsSent: 0,
      received: [],
      sent: [],
      connection: null,
      summary: null,
    };
    /** @type {Connection | undefined} */
    let connection;
    const session = new RealtimeSession({
      id,
      config,
      expiresAt: Math.floor(Date.now() / 1000) + maxSessionSeconds,
      host: {
        emit: (event) => connection?.send(event),
        scenario: () => ({ scenario, version: scenarioVersion }),
        tuning: () => ({ engine: voiceEngine, burst: faults.burst }),
        random,
        onError: (error) => log.warn(`realtime session ${id}:`, error),
      },
    });
    connection = new Connection({
      ws,
      session,
      record,
      maxSessionSeconds,
      hooks: {
        faults: () => faults,
        faultsVersion: () => faultsVersion,
        takeDrop: () => {
          if (faults.dropAfterEvents === null) return false;
          const left = faults.dropTimes - 1;
          // The fault clears itself once it has dropped `dropTimes` connections, so a client can
          // be seen reconnecting successfully.
          faults = left > 0 ? { ...faults, dropTimes: left } : { ...faults, dropAfterEvents: null, dropTimes: 1 };
          return true;
        },
        random,
        log,
      },
    });
    record.connection = connection;
    records.set(id, record);
    pruneRecords();
    log.info(`realtime session ${id} opened (${record.auth} via ${via}, model ${model})`);
    ws.on('close', (code) => log.info(`realtime session ${id} closed (${code})`));
    connection.start();
  }

  /** Bounds memory on a long-running server: old sessions lose their event logs, then go. */
  function pruneRecords() {
    const closed = [...records.values()].filter((r) => !r.open);
    closed.slice(0, Math.max(0, closed.length - CLOSED_SESSION_LOGS_KEPT)).forEach((r) => {
      r.received = [];
      r.sent = [];
    });
    for (const r of closed.slice(0, Math.max(0, closed.length - CLOSED_SESSIONS_KEPT))) records.delete(r.id);
  }

  /**
   * @param {string | undefined} id
   * @param {boolean} [liveOnly]
   * @returns {SessionRecord | undefined} the given session, else the most recent one
   */
  function pick(id, liveOnly = false) {
    if (id !== undefined) return records.get(id);
    const all = [...records.values()].filter((r) => !liveOnly || r.connection);
    return all[all.length - 1];
  }

  /**
   * The test hooks. Every result is plain JSON.
   * @param {string} op
   * @param {Json} [args]
   * @returns {Promise<unknown>}
   */
  async function control(op, args = {}) {
    switch (op) {
      case 'mint': {
        const ttl = args.ttlSeconds ?? 600;
        if (typeof ttl !== 'number' || !Number.isFinite(ttl)) throw new TypeError('mint: ttlSeconds must be a number');
        const session = args.session === undefined ? defaultSessionConfig() : applySessionUpdate(defaultSessionConfig(), { type: 'realtime', ...args.session });
        return mint(ttl, session);
      }
      case 'keys':
        return keys.list().map((k) => ({
          value: k.value,
          expires_at: k.expiresAt,
          expired: k.expiresAt <= Date.now() / 1000,
          sessions_started: k.sessionsStarted,
          session: publicSession(k.session, { id: '', expiresAt: 0 }),
        }));
      case 'sessions':
        return [...records.values()].map((r) => ({
          id: r.id,
          open: r.open,
          createdAt: r.createdAt,
          closedAt: r.closedAt,
          closeCode: r.closeCode,
          closeReason: r.closeReason,
          auth: r.auth,
          authVia: r.authVia,
          origin: r.origin,
          eventsReceived: r.eventsReceived,
          eventsSent: r.eventsSent,
          ...(r.connection ? r.connection.session.summary() : (r.summary ?? {})),
        }));
      case 'events':
      case 'sent': {
        const record = pick(args.sessionId);
        if (!record) return [];
        // The logs are trimmed in batches: the last LOG_LIMIT (2,000) events are the contract.
        let list = (op === 'events' ? record.received : record.sent).slice(-LOG_LIMIT);
        if (args.type !== undefined) list = list.filter((e) => e.type === args.type);
        if (typeof args.limit === 'number') list = list.slice(-args.limit);
        return structuredClone(list);
      }
      case 'faults':
        faults = mergeFaults(faults, args);
        faultsVersion++;
        return { ...faults };
      case 'drop': {
        const code = args.code ?? null;
        if (code !== null && !isSendableCloseCode(code)) throw new TypeError('drop: code must be a close code a server can send, or omitted for an abrupt drop');
        const reason = typeof args.reason === 'string' ? args.reason : '';
        // Checked before any connection is touched: `ws` throws on a longer one, after the session is gone.
        if (Buffer.byteLength(reason) > 123) throw new TypeError('drop: reason must be at most 123 bytes (UTF-8)');
        const targets = [...records.values()].filter((r) => r.connection && (args.sessionId === undefined || r.id === args.sessionId));
        for (const r of targets) r.connection?.drop(code, reason);
        return { dropped: targets.length };
      }
      case 'scenario':
        scenario = normalizeScenario(args);
        scenarioVersion++;
        return scenarioJson(scenario);
      case 'options':
        if (args.maxSessionSeconds !== undefined) maxSessionSeconds = positive(args.maxSessionSeconds, 'maxSessionSeconds');
        return { maxSessionSeconds };
      case 'respond': {
        const record = pick(args.sessionId, true);
        if (!record?.connection) throw new Error('respond: no open session');
        return { responseId: record.connection.session.respond(typeof args.text === 'string' ? { text: args.text } : {}) };
      }
      case 'reset': {
        faults = initial.faults;
        faultsVersion++;
        scenario = initial.scenario;
        scenarioVersion++;
        maxSessionSeconds = initial.maxSessionSeconds;
        await Promise.all([...records.values()].map((r) => r.connection?.shutdown(1000, 'reset')));
        records.clear();
        keys.clear();
        return { ok: true };
      }
      default:
        throw new Error(`unknown control op '${op}'; known: ${controlOps.join(', ')}`);
    }
  }

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve(undefined);
    });
  });
  const address = /** @type {import('node:net').AddressInfo} */ (http.address());
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  /** @type {Promise<void> | undefined} */
  let closing;
  return {
    url: `ws://${urlHost}:${address.port}/v1/realtime`,
    httpUrl: `http://${urlHost}:${address.port}/v1`,
    port: address.port,
    control,
    close() {
      closing ??= (async () => {
        await Promise.all([...records.values()].map((r) => r.connection?.shutdown(1001, 'server shutting down')));
        wss.close();
        http.closeAllConnections();
        await new Promise((resolve) => http.close(() => resolve(undefined)));
      })();
      return closing;
    },
  };
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
function positive(value, name) {
  if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`${name} must be a positive number`);
  return value;
}
