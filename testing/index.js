// `realtime-voice/testing` (Node side): a web-test-runner plugin for integrators' own browser
// tests. It starts the local Realtime server (`realtime-voice/simulator`) with a scenario, mounts
// a token endpoint made with `createTokenHandler` (exactly what a host backend does, pointed at
// the local server), and hands both URLs to the tests through the virtual module
// `/__rv/config.js`. Tests drive the server (scenario, faults, drops, inspection) with the
// `rv-sim` server command; `realtime-voice/testing/browser` wraps all of this in helpers.
//
// Our own suite runs on this plugin too (test/wtr-plugins.mjs adds only test-only routes and
// commands around it).
import { createRealtimeServer } from '../server/simulator/index.js';
import { createTokenHandler } from '../server/index.js';

/** The virtual module that tells browser tests where the server is. */
export const CONFIG_MODULE = '/__rv/config.js';
/** The server command browser tests call (`executeServerCommand('rv-sim', {op, ...args})`). */
export const COMMAND = 'rv-sim';
/** A stand-in for the standard API key; it only opens the local server and never reaches a browser. */
export const LOCAL_API_KEY = 'sk-local-realtime-voice-testing';

/**
 * @typedef {object} RealtimeVoicePluginOptions
 * @property {import('../server/simulator/index.js').Scenario} [scenario] what the local agent
 *   says: scripted transcripts, replies, tool calls (see the README); tests can replace it with
 *   `setScenario()`. Omitted: the built-in support agent answers.
 * @property {Record<string, unknown>} [session] the session configuration the token endpoint
 *   pins (instructions, voice, tools, …), as your real backend's `createTokenHandler({session})`
 * @property {string} [tokenPath] where the token endpoint is mounted on the test server (`/session`)
 * @property {boolean} [pinUrl] whether the token response carries the local server's `url` (true),
 *   so a page that only sets `token-url` connects to it. `false` answers like a backend without
 *   `createTokenHandler({url})`: the page's own `url` decides (a relay in front of the server, an
 *   unreachable URL for a failure test)
 * @property {Partial<import('../server/simulator/index.js').RealtimeServerOptions>} [serverOptions]
 *   more options for `createRealtimeServer` (`voiceEngine`, `faults`, `maxSessionSeconds`, `seed`, …)
 */

/**
 * The web-test-runner plugin. Add it to `plugins` in `web-test-runner.config.mjs`.
 * @param {RealtimeVoicePluginOptions} [options]
 * @returns {import('@web/test-runner').TestRunnerPlugin}
 */
export function realtimeVoicePlugin(options = {}) {
  const tokenPath = options.tokenPath ?? '/session';
  if (!tokenPath.startsWith('/')) throw new TypeError('realtimeVoicePlugin: tokenPath must start with "/"');
  /** @type {import('../server/simulator/index.js').RealtimeServer | undefined} */
  let server;
  /** @type {ReturnType<ReturnType<typeof createTokenHandler>['toNodeListener']> | undefined} */
  let tokenListener;
  return {
    name: 'realtime-voice-testing',

    async serverStart() {
      server = await createRealtimeServer({
        host: '127.0.0.1',
        port: 0,
        apiKey: LOCAL_API_KEY,
        // The generated voice is deterministic and needs no optional package.
        voiceEngine: 'synthetic',
        ...options.serverOptions,
        ...(options.scenario ? { scenario: options.scenario } : {}),
      });
      tokenListener = createTokenHandler({
        // The key the server was given (a `serverOptions.apiKey` too), or minting would fail.
        apiKey: options.serverOptions?.apiKey ?? LOCAL_API_KEY,
        baseUrl: server.httpUrl,
        // The token response carries the local URL, so a page that only sets `token-url` connects here.
        url: options.pinUrl === false ? undefined : server.url,
        session: options.session ?? {},
        rateLimit: false,
      }).toNodeListener();
    },

    async serverStop() {
      await server?.close();
      server = undefined;
    },

    async serve(context) {
      if (context.path === CONFIG_MODULE) {
        const config = { url: server?.url ?? null, httpUrl: server?.httpUrl ?? null, tokenUrl: tokenPath };
        return { body: `export default ${JSON.stringify(config)};`, type: 'js' };
      }
      if (context.path === tokenPath && tokenListener) {
        // The token endpoint answers any method itself (POST, or 405/204 as a real backend
        // would). Middleware added in `serverStart` would come too late: the dev server has
        // already composed its middleware stack by then, so this is the hook that sees requests.
        context.respond = false;
        await tokenListener(context.req, context.res);
      }
      return undefined;
    },

    async executeCommand({ command, payload }) {
      if (command !== COMMAND) return undefined;
      if (!server) throw new Error('realtime-voice/testing: the local Realtime server is not running');
      const { op, ...args } = /** @type {{op: string}} */ (payload ?? {});
      if (typeof op !== 'string') throw new TypeError('realtime-voice/testing: the rv-sim command needs an "op"');
      return (await server.control(op, args)) ?? null;
    },
  };
}
