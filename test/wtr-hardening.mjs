// Web-test-runner plumbing for the hardening tests (test/browser*/hardening-*.test.ts), kept out
// of test/wtr-plugins.mjs. Through `executeServerCommand('rv-hard', {op, ...})` it offers:
//
// - a fuzzing proxy: a WebSocket server on 127.0.0.1 that forwards both ways to the local
//   Realtime server (so a real conversation works through it) and, on `fuzz-batch`, injects
//   generated hostile server frames (scripts/fuzz-events.mjs) into the browser's socket, then a
//   marker event the test waits for. Seeded: `RV_FUZZ_SEED` replays a run; the seed is printed;
// - a token endpoint with failure modes (`/__rv/hardening/token`): 500, 401, a hang, HTML,
//   missing fields, a standard `sk-` key, an expired secret, …, switched by `token-mode`;
// - a second "version" of the dist bundle (`/__rv/hardening/v2/…`, VERSION rewritten);
// - Chromium DevTools probes: `heap` (after a forced GC) and `live-objects` (how many instances
//   of a prototype are still reachable after GC), for leak checks; `permission` (microphone);
// - `scan`: which secrets (the test API key, a leaked sk- key, given ephemeral keys) occur in
//   text a page captured — the standard key never enters the page;
// - `report`: prints a test's figures (`[rv-hardening] name {…}`) for RELIABILITY.md.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { createServerEventFuzzer, randomSeed } from '../scripts/fuzz-events.mjs';
import { LOCAL_API_KEY } from '../testing/index.js';

const distFile = (/** @type {string} */ name) => new URL(`../dist/${name}`, import.meta.url);
const pkgVersion = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
/** The VERSION of the rewritten copy of the bundle. */
export const SECOND_VERSION = '9.9.9-rv2';

/** A standard key a broken backend might leak; the widget must refuse it and send it nowhere. */
export const LEAKED_SK = 'sk-proj-leaked0standard0key0hardening0test';

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function hardeningPlugin() {
  /** @type {{url: string | null, httpUrl: string | null}} */
  const upstream = { url: null, httpUrl: null };
  /** @type {import('node:http').Server | undefined} */
  let http;
  /** @type {WebSocketServer | undefined} */
  let wss;
  let proxyUrl = '';
  /** Browser-side sockets of the proxy, newest last. @type {WebSocket[]} */
  const clients = [];
  /** @type {ReturnType<typeof createServerEventFuzzer> | null} */
  let fuzzer = null;
  /** @type {{seed: number, sent: number, bytes: number, kinds: Record<string, number>}} */
  let fuzzStats = { seed: 0, sent: 0, bytes: 0, kinds: {} };
  /** Token endpoint: modes to use for the next requests, then `then`. */
  const token = { queue: /** @type {string[]} */ ([]), then: 'ok', requests: 0, hung: /** @type {Set<() => void>} */ (new Set()) };

  async function mint(ttlSeconds = 600) {
    if (!upstream.httpUrl) throw new Error('rv-hard: call op "configure" with the local server URLs first');
    const res = await fetch(`${upstream.httpUrl}/realtime/client_secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ expires_after: { anchor: 'created_at', seconds: ttlSeconds }, session: { type: 'realtime' } }),
    });
    return /** @type {{value: string, expires_at: number}} */ (await res.json());
  }

  /**
   * One request to the token endpoint in the current mode.
   * @param {import('node:http').ServerResponse} res
   */
  async function answerToken(res) {
    token.requests++;
    const mode = token.queue.length ? /** @type {string} */ (token.queue.shift()) : token.then;
    const json = (/** @type {number} */ status, /** @type {unknown} */ body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    switch (mode) {
      case 'ok':
        return json(200, await mint());
      case 'short':
        // A valid secret too short-lived to be reused (the widget keeps a token-url secret only
        // while it has over a minute left), so every reconnect asks the endpoint again.
        return json(200, await mint(10));
      case 'beta': {
        const { value, expires_at } = await mint();
        return json(200, { client_secret: { value, expires_at } });
      }
      case '500':
        return json(500, { error: { code: 'internal_error', message: 'boom' } });
      case '401':
        return json(401, { error: { code: 'unauthorized', message: 'log in first' } });
      case '429':
        res.setHeader('retry-after', '30');
        return json(429, { error: { code: 'rate_limited', message: 'slow down' } });
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><html><body><h1>Please log in</h1><script>window.__rvPwned=1</script></body></html>');
      case 'empty':
        return json(200, '');
      case 'missing':
        return json(200, { expires_at: Math.floor(Date.now() / 1000) + 600, session: {} });
      case 'not-string':
        return json(200, { value: 12345, expires_at: Math.floor(Date.now() / 1000) + 600 });
      case 'sk':
        return json(200, { value: LEAKED_SK, expires_at: Math.floor(Date.now() / 1000) + 600 });
      case 'expired': {
        const { value } = await mint();
        return json(200, { value, expires_at: Math.floor(Date.now() / 1000) - 60 });
      }
      case 'bad-chars':
        return json(200, { value: 'ek_has spaces,and"quotes', expires_at: Math.floor(Date.now() / 1000) + 600 });
      case 'hang':
        // Never answers (until the test ends, or 60 s): the widget's own timeout must fire.
        return new Promise((resolve) => {
          const done = () => {
            token.hung.delete(done);
            if (!res.writableEnded) json(504, { error: { code: 'timeout' } });
            resolve(undefined);
          };
          token.hung.add(done);
          setTimeout(done, 60_000).unref();
        });
      default:
        return json(500, { error: { code: 'unknown_mode', message: mode } });
    }
  }

  /** Forwards one browser socket to the local Realtime server, both ways, closes mirrored. */
  function proxy(/** @type {WebSocket} */ client, /** @type {import('node:http').IncomingMessage} */ req) {
    clients.push(client);
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const target = `${upstream.url}${new URL(req.url ?? '/', 'http://x').search}`;
    const server = new WebSocket(target, protocols, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    /** @type {Array<[import('ws').RawData, boolean]>} */
    const pending = [];
    server.on('open', () => {
      for (const [data, binary] of pending.splice(0)) server.send(data, { binary });
    });
    client.on('message', (data, binary) => (server.readyState === WebSocket.OPEN ? server.send(data, { binary }) : pending.push([data, binary])));
    server.on('message', (data, binary) => client.readyState === WebSocket.OPEN && client.send(data, { binary }));
    const sendable = (/** @type {number} */ c) => c === 1000 || (c >= 1001 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
    server.on('close', (code, reason) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (sendable(code)) client.close(code, reason);
      else client.terminate();
    });
    client.on('close', (code, reason) => {
      const i = clients.indexOf(client);
      if (i >= 0) clients.splice(i, 1);
      if (server.readyState === WebSocket.OPEN || server.readyState === WebSocket.CONNECTING) {
        try {
          server.close(sendable(code) ? code : 1000, reason);
        } catch {
          server.terminate();
        }
      }
    });
    server.on('error', () => client.terminate());
    client.on('error', () => server.terminate());
  }

  /** Chromium DevTools session of the page running the test. */
  async function devtools(/** @type {any} */ session) {
    const page = session?.browser?.getPage?.(session.id);
    if (!page) throw new Error('rv-hard: DevTools probes need the Chromium launcher');
    return page.createCDPSession();
  }

  return {
    name: 'realtime-voice-hardening',
    async serverStart() {
      http = createServer((_, res) => res.writeHead(404).end());
      wss = new WebSocketServer({ server: http, perMessageDeflate: false, handleProtocols: (p) => (p.has('realtime') ? 'realtime' : false) });
      wss.on('connection', proxy);
      await new Promise((resolve) => http?.listen(0, '127.0.0.1', () => resolve(undefined)));
      const address = /** @type {import('node:net').AddressInfo} */ (http.address());
      proxyUrl = `ws://127.0.0.1:${address.port}/v1/realtime`;
    },
    async serverStop() {
      for (const done of [...token.hung]) done();
      for (const c of clients) c.terminate();
      wss?.close();
      http?.closeAllConnections();
      await new Promise((resolve) => (http ? http.close(() => resolve(undefined)) : resolve(undefined)));
    },
    async serve(context) {
      if (context.path === '/__rv/hardening/token') {
        // The endpoint answers the request itself (any method, or never for `hang`), as the
        // testing kit's token route does: middleware added now would come after the dev server's.
        context.respond = false;
        context.req.resume();
        await answerToken(context.res).catch((/** @type {unknown} */ error) => {
          if (!context.res.headersSent) context.res.writeHead(500);
          context.res.end(String(error));
        });
        return undefined;
      }
      const v2 = /^\/__rv\/hardening\/v2\/(realtime-voice(?:\.iife)?\.js)$/.exec(context.path);
      if (v2) {
        // A second "version" of the built bundle: the same code with another VERSION string.
        const source = readFileSync(distFile(/** @type {string} */ (v2[1])), 'utf8');
        return { body: source.split(`"${pkgVersion}"`).join(`"${SECOND_VERSION}"`).split(`'${pkgVersion}'`).join(`'${SECOND_VERSION}'`), type: 'js' };
      }
      if (context.path !== '/__rv/hardening.js') return undefined;
      // CI counts meet the figures; RV_SOAK=1 multiplies them for a long soak.
      const soak = process.env.RV_SOAK === '1';
      const count = (/** @type {string} */ name, /** @type {number} */ ci, /** @type {number} */ long) => Number(process.env[name] || (soak ? long : ci));
      const counts = {
        fuzzEvents: count('RV_FUZZ_EVENTS', 10_000, 100_000),
        conversations: count('RV_FAULT_CONVERSATIONS', 100, 1_000),
        cycles: count('RV_LIFECYCLE_CYCLES', 200, 1_000),
      };
      const faultSeed = process.env.RV_FAULT_SEED ? Number(process.env.RV_FAULT_SEED) : null;
      const config = { proxyUrl, tokenUrl: '/__rv/hardening/token', version: pkgVersion, secondVersion: SECOND_VERSION, leakedKey: LEAKED_SK, counts, faultSeed, soak };
      return { body: `export default ${JSON.stringify(config)};`, type: 'js' };
    },
    async executeCommand({ command, payload, session }) {
      if (command !== 'rv-hard') return undefined;
      const { op, ...args } = /** @type {Record<string, any>} */ (payload);
      switch (op) {
        case 'configure':
          upstream.url = args.url;
          upstream.httpUrl = args.httpUrl;
          return { proxyUrl };
        case 'fuzz-start': {
          const envSeed = process.env.RV_FUZZ_SEED;
          const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : typeof args.seed === 'number' ? args.seed : randomSeed();
          fuzzer = createServerEventFuzzer(seed, { hugeBytes: args.hugeBytes, giantFrame: args.giantFrame });
          fuzzStats = { seed, sent: 0, bytes: 0, kinds: {} };
          console.log(`[rv-fuzz] seed=${seed} (replay: RV_FUZZ_SEED=${seed} RV_FILES='test/browser/hardening-fuzz.test.ts' npx wtr)`);
          return { seed };
        }
        case 'fuzz-batch': {
          const client = clients[clients.length - 1];
          if (!fuzzer || !client) throw new Error('rv-hard fuzz-batch: no fuzzer or no client connected through the proxy');
          for (let i = 0; i < args.count; i++) {
            const f = fuzzer.next();
            fuzzStats.sent++;
            fuzzStats.bytes += f.data.length;
            fuzzStats.kinds[f.kind] = (fuzzStats.kinds[f.kind] ?? 0) + 1;
            client.send(f.data, { binary: f.binary });
          }
          client.send(JSON.stringify({ type: 'x.rv.fuzz.marker', marker: args.marker }));
          return { ...fuzzStats };
        }
        case 'proxy-send': {
          const client = clients[clients.length - 1];
          if (!client) throw new Error('rv-hard proxy-send: no client');
          for (const event of args.events) client.send(typeof event === 'string' ? event : JSON.stringify(event));
          return { sent: args.events.length };
        }
        case 'scan': {
          // Which secrets occur in text the browser captured (events, console, URLs, errors)?
          // The test API key stays on this side; the answer names secrets, never quotes them.
          const text = String(args.text ?? '');
          /** @type {Record<string, string>} */
          const secrets = { 'the test API key': LOCAL_API_KEY, 'the leaked sk- key': LEAKED_SK };
          (args.keys ?? []).forEach((/** @type {string} */ k, /** @type {number} */ i) => (secrets[`ephemeral key #${i + 1}`] = k));
          return { scanned: text.length, found: Object.entries(secrets).filter(([, v]) => v && text.includes(v)).map(([name]) => name) };
        }
        case 'report':
          // Figures for RELIABILITY.md, printed on the runner's side (browser logs get trimmed).
          console.log(`[rv-hardening] ${args.name} ${JSON.stringify(args.data)}`);
          return { ok: true };
        case 'proxy-clients':
          return { open: clients.filter((c) => c.readyState === WebSocket.OPEN).length };
        case 'token-mode':
          token.queue = [...(args.modes ?? [])];
          token.then = args.then ?? 'ok';
          if (args.reset) token.requests = 0;
          for (const done of [...token.hung]) done();
          return { requests: token.requests };
        case 'token-stats':
          return { requests: token.requests, queued: token.queue.length };
        case 'heap': {
          const cdp = await devtools(session);
          try {
            await cdp.send('HeapProfiler.collectGarbage');
            await cdp.send('HeapProfiler.collectGarbage');
            const { usedSize, totalSize } = await cdp.send('Runtime.getHeapUsage');
            return { usedSize, totalSize };
          } finally {
            await cdp.detach();
          }
        }
        case 'permission': {
          // Sets the page origin's microphone permission (`granted` / `denied` / `prompt`).
          const cdp = await devtools(session);
          try {
            await cdp.send('Browser.setPermission', { permission: { name: 'microphone' }, setting: args.setting, origin: args.origin });
            return { ok: true };
          } finally {
            await cdp.detach();
          }
        }
        case 'live-objects': {
          // How many objects whose prototype chain includes each given prototype are reachable
          // after a full GC (DevTools' queryObjects, as `queryObjects(AudioContext)` in the console).
          const cdp = await devtools(session);
          try {
            await cdp.send('HeapProfiler.collectGarbage');
            await cdp.send('HeapProfiler.collectGarbage');
            /** @type {Record<string, number>} */
            const counts = {};
            for (const [name, expression] of Object.entries(/** @type {Record<string, string>} */ (args.prototypes))) {
              const proto = await cdp.send('Runtime.evaluate', { expression, objectGroup: 'rv-live' });
              if (!proto.result.objectId) {
                counts[name] = -1;
                continue;
              }
              const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: 'rv-live' });
              const { result } = await cdp.send('Runtime.callFunctionOn', { objectId: objects.objectId, functionDeclaration: 'function () { return this.length; }', returnByValue: true });
              counts[name] = result.value;
            }
            await cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'rv-live' });
            return counts;
          } finally {
            await cdp.detach();
          }
        }
        default:
          throw new Error(`rv-hard: unknown op ${op}`);
      }
    },
  };
}
