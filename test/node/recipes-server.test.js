// The token-endpoint recipes of the README (examples/server/) answer a browser's POST with an
// ephemeral key minted by the local Realtime server, exactly as they would with OpenAI:
// Express 5 (with and without a JSON body parser in front), plain node:http, a Next.js App
// Router route handler and a Hono app (the TypeScript ones bundled with esbuild, as their
// frameworks would). The key they hand out opens a Realtime session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import express from 'express';
import { WebSocket } from 'ws';
import { createRealtimeServer } from '../../server/simulator/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const API_KEY = 'sk-test-recipes-server-0123456789';

/** @type {any} */ let sim;
/** @type {string} */ let scratch;

before(async () => {
  sim = await createRealtimeServer({ apiKey: API_KEY, voiceEngine: 'synthetic' });
  // What the recipes read from the environment.
  process.env.OPENAI_API_KEY = API_KEY;
  process.env.OPENAI_BASE_URL = sim.httpUrl;
  scratch = mkdtempSync(join(tmpdir(), 'rv-server-recipes-'));
});

after(async () => {
  await sim?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * Bundles a TypeScript recipe for Node and imports it.
 * @param {string} entry
 */
async function importBundled(entry) {
  const outfile = join(scratch, `${entry.replace(/\W+/g, '_')}.mjs`);
  const result = await build({ entryPoints: [join(root, entry)], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent' });
  writeFileSync(outfile, result.outputFiles[0]?.text ?? '');
  return import(pathToFileURL(outfile).href);
}

/**
 * Listens on a free port and returns the base URL and a closer.
 * @param {import('node:http').Server} server
 */
async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve(undefined)); }),
  };
}

/**
 * A browser's token request (same-origin unless `origin` is given) and a check of the answer.
 * @param {string} url
 * @param {string} [origin]
 */
async function requestToken(url, origin) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: '{}' });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/**
 * The key opens a session on the local server, configured with what the recipe pinned.
 * @param {string} key
 * @returns {Promise<any>}
 */
function sessionCreated(key) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(sim.url, ['realtime', `openai-insecure-api-key.${key}`]);
    ws.on('message', (data) => {
      const event = JSON.parse(String(data));
      if (event.type === 'session.created') {
        ws.close();
        resolve(event.session);
      }
    });
    ws.on('error', reject);
  });
}

/** @param {{status: number, headers: Headers, body: any}} answer */
async function assertMinted(answer) {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.match(answer.body.value, /^ek_/);
  assert.equal(typeof answer.body.expires_at, 'number');
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.ok(!JSON.stringify(answer.body).includes(API_KEY));
  const session = await sessionCreated(answer.body.value);
  assert.match(session.instructions, /support agent of Example Shop/);
}

test('Express: the recipe app mints a key; allowed and refused origins', async () => {
  const { app } = await import('../../examples/server/express.js');
  const { base, close } = await listen(createServer(app));
  try {
    await assertMinted(await requestToken(`${base}/realtime/session`));
    const cross = await requestToken(`${base}/realtime/session`, 'https://shop.example');
    assert.equal(cross.status, 200);
    assert.equal(cross.headers.get('access-control-allow-origin'), 'https://shop.example');
    const refused = await requestToken(`${base}/realtime/session`, 'https://evil.example');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'origin_not_allowed');
  } finally {
    await close();
  }
});

test('Express: works behind express.json() too (the parsed body is ignored)', async () => {
  const { tokenHandler } = await import('../../examples/server/token-handler.js');
  const app = express();
  app.use(express.json());
  app.post('/realtime/session', tokenHandler.toNodeListener());
  const { base, close } = await listen(createServer(app));
  try {
    await assertMinted(await requestToken(`${base}/realtime/session`));
  } finally {
    await close();
  }
});

test('plain node:http: the recipe server mints a key and 404s elsewhere', async () => {
  const { server } = await import('../../examples/server/node-http.js');
  const { base, close } = await listen(server);
  try {
    await assertMinted(await requestToken(`${base}/realtime/session`));
    assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
  } finally {
    await close();
  }
});

test('Next.js App Router: the route handler mints a key and is never cached', async () => {
  const route = await importBundled('examples/server/next/app/realtime/session/route.ts');
  assert.equal(route.dynamic, 'force-dynamic');
  const response = await route.POST(new Request('https://shop.example/realtime/session', { method: 'POST', headers: { origin: 'https://shop.example', host: 'shop.example' }, body: '{}' }));
  const answer = { status: response.status, headers: response.headers, body: await response.json() };
  assert.equal(answer.status, 200);
  assert.match(answer.body.value, /^ek_/);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  const session = await sessionCreated(answer.body.value);
  assert.match(session.instructions, /Example Shop/);
});

test('Hono: the app mints a key with the key from its environment bindings', async () => {
  const { app } = await importBundled('examples/server/hono.ts');
  const env = { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: sim.httpUrl };
  const request = () => new Request('https://shop.example/realtime/session', { method: 'POST', headers: { 'cf-connecting-ip': '203.0.113.7' } });
  const response = await app.fetch(request(), env);
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.match(body.value, /^ek_/);
  assert.equal((await app.fetch(new Request('https://shop.example/realtime/session'), env)).status, 404, 'GET is not routed');
});
