// Web-test-runner plumbing shared by our own suite (and, later, by `realtime-voice/testing`):
// starts the local Realtime server and a token endpoint, and gives browser tests their URLs
// through a virtual module plus `executeServerCommand('rv-sim', …)` for the server's test hooks.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const simulatorPath = fileURLToPath(new URL('../server/simulator/index.js', import.meta.url));
const handlerPath = fileURLToPath(new URL('../server/index.js', import.meta.url));

/** The API key the local server accepts in tests; never sent to a browser. */
export const TEST_API_KEY = 'sk-test-local-realtime-server-key';

/**
 * @param {{scenario?: unknown, serverOptions?: Record<string, unknown>}} [options]
 * @returns {import('@web/test-runner').TestRunnerPlugin}
 */
export function realtimeServerPlugin(options = {}) {
  /** @type {any} */ let server;
  /** @type {any} */ let tokenHandler;
  return {
    name: 'realtime-voice-local-server',
    async serverStart({ app }) {
      if (!existsSync(simulatorPath)) return;
      const { createRealtimeServer } = await import(pathToFileURL(simulatorPath).href);
      server = await createRealtimeServer({
        host: '127.0.0.1',
        port: 0,
        apiKey: TEST_API_KEY,
        scenario: options.scenario,
        ...options.serverOptions,
      });
      if (existsSync(handlerPath)) {
        const { createTokenHandler } = await import(pathToFileURL(handlerPath).href);
        tokenHandler = createTokenHandler({ apiKey: TEST_API_KEY, baseUrl: server.httpUrl, rateLimit: false });
        app.use(async (ctx, next) => {
          if (ctx.path !== '/session') return next();
          const node = tokenHandler.toNodeListener();
          ctx.respond = false;
          await node(ctx.req, ctx.res);
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
      if (command !== 'rv-sim') return undefined;
      if (!server) throw new Error('the local Realtime server is not running');
      const { op, ...args } = /** @type {{op: string}} */ (payload);
      return (await server.control(op, args)) ?? null;
    },
  };
}
