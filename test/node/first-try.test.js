// A web team's first try, as the README tells it: `npm start` on a shared machine (HOST=0.0.0.0),
// on a port that is taken, and with OPENAI_API_KEY set (against a fake OpenAI on this machine:
// what the demo's token endpoint asks for, and that the key reaches that one header only); then
// the script-tag embed: a plain page on a nested path that loads both bundles, twice each, from
// another origin, with a relative `worklet-url` and a CSP without blob:.
/* global document -- page functions run in the browser */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTokenHandler } from '../../server/index.js';
import { executablePath, launchChromium } from '../chromium.mjs';
import { API_KEY, Client, freePort, startDemo, startServer, stopChild } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'sk-first-try-0123456789abcdefghijklmnop';
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const built = ['realtime-voice.js', 'realtime-voice.iife.js', 'worklets/audio-processors.js'].every((f) => existsSync(dist + f));

/**
 * POSTs to the demo with an explicit Host header (fetch may not set one), as a browser on
 * another machine would send it.
 * @param {number} port
 * @param {string} path
 * @param {Record<string, string>} [headers]
 * @returns {Promise<{status: number, headers: import('node:http').IncomingHttpHeaders, text: string}>}
 */
function post(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

/**
 * Runs `node demo/server.js` until it exits (for start-up failures).
 * @param {Record<string, string>} env
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
function runDemoToExit(env) {
  const { OPENAI_API_KEY: _unused, ...base } = process.env;
  const child = spawn(process.execPath, ['demo/server.js'], { cwd: repoRoot, env: { ...base, HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

/** @returns {Promise<{port: number, close: () => Promise<void>}>} a port held by another listener */
async function occupy() {
  const holder = createNetServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (holder.address()).port;
  return { port, close: () => new Promise((resolve) => holder.close(() => resolve())) };
}

test('HOST=0.0.0.0: the page gets the Realtime URL of the host it was requested from (never ws://0.0.0.0), and it connects', { timeout: 60_000 }, async (t) => {
  const realtimePort = await freePort();
  const demo = await startDemo({ HOST: '0.0.0.0', REALTIME_PORT: String(realtimePort) });
  t.after(() => stopChild(demo.child));

  // Another machine asked for the page as http://192.0.2.10:PORT/: the WebSocket must go there too.
  const remote = await post(demo.port, '/session', { host: `192.0.2.10:${demo.port}`, origin: `http://192.0.2.10:${demo.port}` });
  assert.equal(remote.status, 200, remote.text);
  assert.equal(JSON.parse(remote.text).url, `ws://192.0.2.10:${realtimePort}/v1/realtime`);

  // This machine, by name and by IPv6 literal; the first one is really connected to.
  const local = JSON.parse((await post(demo.port, '/session', { host: `127.0.0.1:${demo.port}` })).text);
  assert.equal(local.url, `ws://127.0.0.1:${realtimePort}/v1/realtime`);
  assert.equal(JSON.parse((await post(demo.port, '/session', { host: `[::1]:${demo.port}` })).text).url, `ws://[::1]:${realtimePort}/v1/realtime`);
  const client = await Client.connect(local.url, { key: local.value, model: local.model });
  await client.close();
  assert.doesNotMatch(demo.output(), /0\.0\.0\.0/, 'the console names no address a browser cannot open');
});

test('HOST=0.0.0.0 in Chromium: a page opened by another address of this machine (127.0.0.2) starts a call', { timeout: 60_000, skip: !built ? 'dist/ is missing: run `npm run build`' : !executablePath && 'Chromium not found' }, async (t) => {
  const demo = await startDemo({ HOST: '0.0.0.0' });
  t.after(() => stopChild(demo.child));
  // The last --host-resolver-rules wins: let this address through as well.
  const browser = await launchChromium({ silentMic: true, args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  /** @type {string[]} */
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`http://127.0.0.2:${demo.port}/`);
  await page.locator('#agent [part=start-button]').click();
  await page.waitForFunction(() => ['listening', 'error'].includes(String(document.getElementById('agent')?.getAttribute('status'))), null, { timeout: 20_000 });
  assert.equal(await page.locator('#agent').getAttribute('status'), 'listening', await page.locator('#log').innerText());
  assert.match(sockets[0] ?? '', /^ws:\/\/127\.0\.0\.2:\d+\/v1\/realtime\?model=gpt-realtime$/);
  await page.locator('#agent [part=end-button]').click();
});

test('HOST=127.0.0.1 (the default): the Realtime URL stays the loopback one, whatever Host the request names', { timeout: 30_000 }, async (t) => {
  const demo = await startDemo();
  t.after(() => stopChild(demo.child));
  const answer = JSON.parse((await post(demo.port, '/session', { host: `attacker.example:${demo.port}` })).text);
  assert.match(answer.url, /^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
});

test('PORT or REALTIME_PORT in use: one line that names the port and the variable, exit code 1, no stack trace', { timeout: 40_000 }, async (t) => {
  const held = await occupy();
  t.after(() => held.close());
  /** @type {Record<string, string>[]} */
  const runs = [{ PORT: String(held.port) }, { PORT: String(await freePort()), REALTIME_PORT: String(held.port) }];
  for (const env of runs) {
    const variable = env.REALTIME_PORT ? 'REALTIME_PORT' : 'PORT';
    const run = await runDemoToExit(env);
    assert.equal(run.code, 1, `${variable}: exit code\n${run.stdout}${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${variable}: one line, got:\n${run.stderr}`);
    assert.match(lines[0] ?? '', new RegExp(`127\\.0\\.0\\.1:${held.port}.*in use.*${variable}`));
    assert.doesNotMatch(run.stdout, /realtime-voice demo: http/, 'no URL printed for a server that is not listening');
  }
});

test('OPENAI_API_KEY set: the token endpoint asks client_secrets with the GA request shape; the key goes nowhere else', { timeout: 40_000 }, async (t) => {
  /** @type {{method?: string, url?: string, headers: import('node:http').IncomingHttpHeaders, body: any}[]} */
  const received = [];
  let refuse = false;
  const fakeOpenAI = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(text) });
      res.writeHead(refuse ? 401 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          refuse
            ? { error: { code: 'invalid_api_key', message: `Incorrect API key provided: ${KEY}.` } }
            : { value: 'ek_first_try', expires_at: 1756310470, session: { type: 'realtime', model: 'gpt-realtime' } },
        ),
      );
    });
  });
  await new Promise((resolve) => fakeOpenAI.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => new Promise((resolve) => fakeOpenAI.close(() => resolve(undefined))));
  const fakePort = /** @type {import('node:net').AddressInfo} */ (fakeOpenAI.address()).port;

  const demo = await startDemo({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${fakePort}/v1` });
  t.after(() => stopChild(demo.child));
  const ok = await post(demo.port, '/session', { origin: `http://127.0.0.1:${demo.port}` });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(JSON.parse(ok.text), { value: 'ek_first_try', expires_at: 1756310470, session: { type: 'realtime', model: 'gpt-realtime' }, model: 'gpt-realtime' });
  assert.equal(received.length, 1);
  const [call] = received;
  assert.equal(call?.method, 'POST');
  assert.equal(call?.url, '/v1/realtime/client_secrets');
  assert.equal(call?.headers.authorization, `Bearer ${KEY}`);
  assert.match(String(call?.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(call?.body ?? {}).sort(), ['expires_after', 'session']);
  assert.deepEqual(call?.body.expires_after, { anchor: 'created_at', seconds: 600 });
  assert.deepEqual(call?.body.session, {
    type: 'realtime',
    model: 'gpt-realtime',
    instructions: call?.body.session.instructions,
    audio: { output: { voice: 'marin' } },
  });
  assert.match(call?.body.session.instructions, /Northwind Outfitters/);

  // OpenAI refuses, quoting the key: the page gets JSON with a clear message, the log the status.
  refuse = true;
  const refused = await post(demo.port, '/session');
  assert.equal(refused.status, 502);
  assert.deepEqual(JSON.parse(refused.text).error.code, 'upstream_error');
  const page = await (await fetch(demo.url)).text();
  await new Promise((resolve) => setTimeout(resolve, 200)); // the log line is written after the answer
  assert.match(demo.output(), /answered 401 \(invalid_api_key\)/);
  for (const [where, text] of [['success answer', ok.text], ['refusal', refused.text], ['page', page], ['console', demo.output()]]) {
    assert.ok(!String(text).includes(KEY) && !String(text).includes(KEY.slice(3, 20)), `${where} does not contain the key`);
  }
});

test('token handler: each refusal says in its JSON what to change, and none quotes the key', async () => {
  const handler = createTokenHandler({ apiKey: KEY, rateLimit: { max: 1 }, fetch: async () => new Response('{}', { status: 500 }), logger: { warn: () => undefined } });
  const at = (/** @type {RequestInit} */ init) => handler(new Request('http://shop.test/realtime/session', { method: 'POST', ...init }));
  // A development proxy that rewrites Host (Vite's changeOrigin) makes the page cross-origin.
  const foreign = await at({ headers: { origin: 'http://localhost:5173', host: 'localhost:3000' } });
  const refused = await at({});
  const limited = await at({});
  const wrongMethod = await at({ method: 'GET' });
  const answers = [];
  for (const [res, status, code, says] of /** @type {const} */ ([
    [foreign, 403, 'origin_not_allowed', /allowedOrigins/],
    [refused, 502, 'upstream_error', /refused/],
    [limited, 429, 'rate_limited', /Try again/],
    [wrongMethod, 405, 'method_not_allowed', /POST/],
  ])) {
    const text = await res.text();
    answers.push(text);
    assert.equal(res.status, status, text);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const { error } = JSON.parse(text);
    assert.equal(error.code, code);
    assert.match(error.message, says);
  }
  assert.ok(answers.every((a) => !a.includes(KEY)));
});


/**
 * @param {import('node:http').RequestListener} listener
 * @returns {Promise<{server: import('node:http').Server, origin: string}>}
 */
async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return { server, origin: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}` };
}

test(
  'script tags: both bundles twice each from another origin, on a nested page with a relative worklet-url and no blob: — one definition, three warnings, a typed answer',
  { timeout: 60_000, skip: !built ? 'dist/ is missing: run `npm run build`' : !executablePath && 'Chromium not found' },
  async (t) => {
    const realtime = await startServer();
    t.after(() => realtime.close());
    const tokens = createTokenHandler({ apiKey: API_KEY, baseUrl: realtime.httpUrl, url: realtime.url, rateLimit: false }).toNodeListener();
    // The CDN: dist/ under a path of its own, with CORS (module scripts are fetched in CORS mode).
    const cdn = await listen((req, res) => {
      const file = /^\/cdn\/realtime-voice@0\/dist\/([\w.-]+\.js)$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1];
      if (!file || !existsSync(dist + file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' }).end(readFileSync(dist + file));
    });
    t.after(() => new Promise((resolve) => cdn.server.close(() => resolve(undefined))));
    const bundle = (/** @type {string} */ f) => `${cdn.origin}/cdn/realtime-voice@0/dist/${f}`;
    /** @type {string[]} */
    const workletRequests = [];
    const csp = `default-src 'self'; script-src 'self' ${cdn.origin}; connect-src 'self' ${new URL(realtime.url).origin.replace('http', 'ws')}`;
    const shop = await listen((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/session') return void tokens(req, res);
      if (path === '/shop/help/') {
        return void res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': csp }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Help</title>
<script src="${bundle('realtime-voice.iife.js')}"></script>
<script src="${bundle('realtime-voice.iife.js')}?again"></script>
<script type="module" src="${bundle('realtime-voice.js')}"></script>
<script type="module" src="${bundle('realtime-voice.js')}?again"></script>
</head><body>
<realtime-voice variant="inline" transcript text-input muted language="en" token-url="/session" worklet-url="../../static/realtime-voice/worklets"></realtime-voice>
</body></html>`);
      }
      if (path === '/static/realtime-voice/worklets/audio-processors.js') {
        workletRequests.push(path);
        return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(`${dist}worklets/audio-processors.js`));
      }
      res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
    });
    t.after(() => new Promise((resolve) => shop.server.close(() => resolve(undefined))));

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    /** @type {string[]} */
    const problems = [];
    /** @type {string[]} */
    const warnings = [];
    page.on('pageerror', (e) => problems.push(`uncaught: ${e}`));
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
      else if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${shop.origin}/shop/help/`);
    const el = page.locator('realtime-voice');
    await el.locator('[part=start-button]').click();
    await page.waitForFunction(() => document.querySelector('realtime-voice')?.getAttribute('status') === 'listening', null, { timeout: 15_000 });
    await el.locator('[part=input]').fill('What are your opening hours?');
    await el.locator('[part=send-button]').click();
    await el.locator('[part~="message-assistant"]', { hasText: /8 AM/ }).first().waitFor({ timeout: 15_000 });
    assert.deepEqual(problems, []);
    assert.deepEqual(workletRequests, ['/static/realtime-voice/worklets/audio-processors.js'], 'the relative worklet-url resolved against the page');
    assert.equal(warnings.filter((w) => w.includes('steps aside')).length, 3, warnings.join('\n'));
    await el.locator('[part=end-button]').click();
  },
);
