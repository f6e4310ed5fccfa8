// Our suite's web-test-runner plugin: the published testing kit (`realtime-voice/testing`), so
// the suite runs on exactly the plugin integrators use, plus what only our own tests need:
// misbehaving token backends (`/__rv/bad-token/<kind>`) and `rv-validate`.
import { COMMAND, LOCAL_API_KEY, realtimeVoicePlugin } from '../testing/index.js';

/**
 * Misbehaving host backends, for the widget's token error paths (`POST /__rv/bad-token/<kind>`):
 * what a real backend answers when it is misconfigured. Nothing here stands in for OpenAI.
 * @type {Record<string, {status: number, type: string, body: string}>}
 */
const BAD_TOKENS = {
  // Hands the browser its standard API key (the one the local server accepts, so a widget that
  // used it would be seen connecting): the widget must refuse it (`insecure_api_key`).
  'api-key': { status: 200, type: 'application/json', body: JSON.stringify({ value: LOCAL_API_KEY, expires_at: 4102444800 }) },
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
 * @param {Pick<import('../testing/index.js').RealtimeVoicePluginOptions, 'scenario' | 'serverOptions'>} [options]
 * @returns {import('@web/test-runner').TestRunnerPlugin}
 */
export function realtimeServerPlugin(options = {}) {
  const kit = realtimeVoicePlugin({
    ...options,
    // Some tests point the element past the server (the hardening fuzzing proxy, a dead port):
    // the page's `url` must decide, not the token response.
    pinUrl: false,
    // espeak-ng speech when it is installed (the kit's default is the synthetic voice).
    serverOptions: { voiceEngine: 'auto', ...options.serverOptions },
  });
  return {
    ...kit,
    async serve(context) {
      const bad = context.path.startsWith('/__rv/bad-token/') ? BAD_TOKENS[context.path.slice('/__rv/bad-token/'.length)] : undefined;
      if (!bad) return kit.serve?.(context);
      // Written as is (any method), like the kit's token endpoint: a served body would go
      // through the dev server's transforms and always be a 200.
      context.respond = false;
      context.res.writeHead(bad.status, { 'content-type': bad.type }).end(bad.body);
      return undefined;
    },
    async executeCommand(args) {
      if (args.command === 'rv-forced-colors') {
        // Windows high-contrast mode, emulated over CDP: the runner's emulate-media command and
        // puppeteer's emulateMediaFeatures know no `forced-colors`.
        const page = /** @type {any} */ (args.session.browser).getPage(args.session.id);
        const cdp = await page.createCDPSession();
        await cdp.send('Emulation.setEmulatedMedia', { features: [{ name: 'forced-colors', value: args.payload ? 'active' : 'none' }] });
        return true;
      }
      if (args.command !== 'rv-validate') return kit.executeCommand?.(args);
      const control = (/** @type {string} */ op, /** @type {Record<string, unknown>} */ more = {}) =>
        kit.executeCommand?.({ ...args, command: COMMAND, payload: { op, ...more } });
      return validateReceived(/** @type {(op: string, args?: Record<string, unknown>) => Promise<any>} */ (control));
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
 * @param {(op: string, args?: Record<string, unknown>) => Promise<any>} control the server's
 *   test hooks, through the kit's `rv-sim` command
 * @returns {Promise<{checked: number, received: number, sessions: number, types: Record<string, number>, errors: string[]}>}
 */
async function validateReceived(control) {
  // Imported on first use: compiling the schema costs the whole run about half a second.
  const { clientEventError } = await import('./node/schema.js');
  /** @type {{id: string, eventsReceived: number}[]} */
  const sessions = await control('sessions');
  /** @type {string[]} */
  const errors = [];
  /** @type {Record<string, number>} */
  const types = {};
  let checked = 0;
  let received = 0;
  for (const s of sessions) {
    received += s.eventsReceived;
    /** @type {{type?: string}[]} */
    const events = await control('events', { sessionId: s.id });
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
