// Web-test-runner plumbing shared by our own suite (and, later, by `realtime-voice/testing`):
// starts the local Realtime server and a token endpoint, and gives browser tests their URLs
// through a virtual module plus `executeServerCommand('rv-sim', …)` for the server's test hooks.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const simulatorPath = fileURLToPath(new URL('../server/simulator/index.js', import.meta.url));
const handlerPath = fileURLToPath(new URL('../server/index.js', import.meta.url));
const schemaPath = fileURLToPath(new URL('./node/schema.js', import.meta.url));

/** The API key the local server accepts in tests; never sent to a browser. */
export const TEST_API_KEY = 'sk-test-local-realtime-server-key';

/**
 * Misbehaving host backends, for the widget's token error paths (`POST /__rv/bad-token/<kind>`):
 * what a real backend answers when it is misconfigured. Nothing here stands in for OpenAI.
 * @type {Record<string, {status: number, type: string, body: string}>}
 */
const BAD_TOKENS = {
  // Hands the browser its standard API key (the one the local server accepts, so a widget that
  // used it would be seen connecting): the widget must refuse it (`insecure_api_key`).
  'api-key': { status: 200, type: 'application/json', body: JSON.stringify({ value: TEST_API_KEY, expires_at: 4102444800 }) },
  // JSON without a credential (`token_invalid`).
  'no-value': { status: 200, type: 'application/json', body: JSON.stringify({ session: { type: 'realtime' } }) },
  // An already expired secret (`token_invalid`).
  expired: { status: 200, type: 'application/json', body: JSON.stringify({ value: 'ek_expired', expires_at: 1000000000 }) },
  // A login page / SPA fallback instead of JSON (`token_fetch_failed`).
  html: { status: 200, type: 'text/html', body: '<!doctype html><title>Sign in</title>' },
  // The backend is down (`token_fetch_failed`).
  down: { status: 503, type: 'application/json', body: JSON.stringify({ error: 'unavailable' }) },
};

/**
 * @param {{scenario?: unknown, serverOptions?: Record<string, unknown>}} [options]
 * @returns {import('@web/test-runner').TestRunnerPlugin}
 */
export function realtimeServerPlugin(options = {}) {
  /** @type {any} */ let server;
  /** @type {any} */ let tokenHandler;
  return {
    name: 'realtime-voice-local-server',
    async serverStart({ server: httpServer }) {
      if (!existsSync(simulatorPath)) return;
      const { createRealtimeServer } = await import(pathToFileURL(simulatorPath).href);
      server = await createRealtimeServer({
        host: '127.0.0.1',
        port: 0,
        apiKey: TEST_API_KEY,
        scenario: options.scenario,
        ...options.serverOptions,
      });
      // Koa composed its middleware when the dev server was created (koa-compose copies the
      // list), so `app.use()` here would never run: these routes go in front of its listener.
      /** @type {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void} */
      let tokenListener = (_req, res) => void res.writeHead(404).end();
      if (existsSync(handlerPath)) {
        const { createTokenHandler } = await import(pathToFileURL(handlerPath).href);
        tokenHandler = createTokenHandler({ apiKey: TEST_API_KEY, baseUrl: server.httpUrl, rateLimit: false });
        tokenListener = tokenHandler.toNodeListener();
      }
      if (httpServer) {
        const listeners = httpServer.listeners('request');
        httpServer.removeAllListeners('request');
        httpServer.on('request', (/** @type {import('node:http').IncomingMessage} */ req, /** @type {import('node:http').ServerResponse} */ res) => {
          const path = new URL(req.url ?? '/', 'http://localhost').pathname;
          if (path === '/session') return void tokenListener(req, res);
          const bad = path.startsWith('/__rv/bad-token/') ? BAD_TOKENS[path.slice('/__rv/bad-token/'.length)] : undefined;
          if (bad) return void res.writeHead(bad.status, { 'content-type': bad.type }).end(bad.body);
          for (const listener of listeners) listener.call(httpServer, req, res);
        });
      }
    },
    async serverStop() {
      await server?.close();
    },
    serve(context) {
      if (context.path !== '/__rv/config.js') return undefined;
      const config = { url: server?.url ?? null, httpUrl: server?.httpUrl ?? null, tokenUrl: '/session' };
      return { body: `export default ${JSON.stringify(config)};`, type: 'js' };
    },
    async executeCommand({ command, payload }) {
      if (command === 'rv-validate') return validateReceived(server);
      if (command !== 'rv-sim') return undefined;
      if (!server) throw new Error('the local Realtime server is not running');
      const { op, ...args } = /** @type {{op: string}} */ (payload);
      return (await server.control(op, args)) ?? null;
    },
  };
}

/**
 * Fields the GA reference documents as "can be set to `null` to turn off once on" but whose
 * schema (generated from the OpenAPI description) has no `null` branch. A `null` there is
 * checked as if the field were absent.
 */
const DOCUMENTED_NULLS = [['session', 'audio', 'input', 'transcription']];

/**
 * @param {any} event
 * @returns {any}
 */
function withoutDocumentedNulls(event) {
  let copy = event;
  for (const path of DOCUMENTED_NULLS) {
    const parent = path.slice(0, -1).reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), copy);
    const key = /** @type {string} */ (path.at(-1));
    if (!parent || parent[key] !== null) continue;
    if (copy === event) copy = structuredClone(event);
    delete path.slice(0, -1).reduce((node, k) => node[k], copy)[key];
  }
  return copy;
}

/**
 * Validates every client event the local server received (all sessions it still remembers)
 * against the GA JSON Schema (test/node/schema.js, the same check the Node tests use).
 * `checked < received` means the server pruned some logs, so not everything could be checked.
 * @param {any} server
 * @returns {Promise<{checked: number, received: number, sessions: number, types: Record<string, number>, errors: string[]}>}
 */
async function validateReceived(server) {
  if (!server) throw new Error('the local Realtime server is not running');
  const { clientEventError } = await import(pathToFileURL(schemaPath).href);
  /** @type {{id: string, eventsReceived: number}[]} */
  const sessions = await server.control('sessions');
  /** @type {string[]} */
  const errors = [];
  /** @type {Record<string, number>} */
  const types = {};
  let checked = 0;
  let received = 0;
  for (const s of sessions) {
    received += s.eventsReceived;
    /** @type {{type?: string}[]} */
    const events = await server.control('events', { sessionId: s.id });
    for (const event of events) {
      checked++;
      const type = String(event.type);
      types[type] = (types[type] ?? 0) + 1;
      const error = clientEventError(withoutDocumentedNulls(event));
      if (error) errors.push(`${s.id} ${type}: ${error}`);
    }
  }
  return { checked, received, sessions: sessions.length, types, errors: errors.slice(0, 20) };
}
