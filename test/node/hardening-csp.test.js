// Issue 7 (3): a host page served with `Content-Security-Policy: default-src 'self'` (no blob:,
// no inline script), with the built bundle, the worklet files, the real token handler and the
// Realtime WebSocket all on the page's own origin (the socket is proxied to the local server, so
// `connect-src 'self'` allows it).
// - Without `worklet-url` the Blob-URL worklets are refused: `worklet_load_failed`, fatal, its
//   message naming the fix (`worklet-url`, or `blob:` in script-src); nothing else is refused.
// - With `worklet-url` (ES module and classic-script bundles) a typed conversation completes
//   with zero CSP violations and no error.
// Needs `npm run build` (dist/); skipped without it or without Chromium.
/* global window, document, customElements -- page functions run in the browser */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTokenHandler } from '../../server/index.js';
import { API_KEY, startServer } from './helpers.js';
import { executablePath, launchChromium } from '../chromium.mjs';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const built = existsSync(`${dist}realtime-voice.js`) && existsSync(`${dist}realtime-voice.iife.js`) && existsSync(`${dist}worklets`);
const skip = !built ? 'dist/ is missing: run `npm run build`' : !executablePath ? 'Chromium not found' : false;
const CSP = "default-src 'self'";

/** @type {Awaited<ReturnType<typeof startServer>>} */
let realtime;
/** @type {import('node:http').Server} */
let host;
/** @type {string} */
let origin;
/** @type {import('playwright-core').Browser} */
let browser;

/** What the host page runs (an external script: inline ones are refused by the policy). */
const HOST_JS = `
const log = (window.__log = []);
document.addEventListener('securitypolicyviolation', (e) => log.push({ type: 'csp', directive: e.violatedDirective, blocked: e.blockedURI }));
window.addEventListener('error', (e) => log.push({ type: 'uncaught', message: String(e.message) }));
window.addEventListener('unhandledrejection', (e) => log.push({ type: 'uncaught', message: String(e.reason) }));
// A positive control: eval is refused under this policy, and must show up as a violation.
try { (0, eval)('1'); } catch { /* refused */ }
const el = document.querySelector('realtime-voice');
for (const t of ['rv-error', 'rv-status']) el.addEventListener(t, (e) => log.push({ type: t, ...e.detail }));
`;

/** @param {{workletUrl?: string, bundle: 'es' | 'iife', port: number}} o */
const page = ({ workletUrl, bundle, port }) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CSP host</title>
${bundle === 'es' ? '<script type="module" src="/dist/realtime-voice.js"></script>' : '<script src="/dist/realtime-voice.iife.js"></script>'}
</head><body>
<realtime-voice variant="inline" transcript text-input muted language="en" token-url="/session" url="ws://127.0.0.1:${port}/v1/realtime"${workletUrl ? ` worklet-url="${workletUrl}"` : ''}></realtime-voice>
<script type="module" src="/host.js"></script>
</body></html>`;

before(async () => {
  if (skip) return;
  realtime = await startServer();
  const tokens = createTokenHandler({ apiKey: API_KEY, baseUrl: realtime.httpUrl, rateLimit: false }).toNodeListener();
  host = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (/** @type {string} */ type, /** @type {string | Buffer} */ body) => {
      res.writeHead(200, { 'content-type': type, 'content-security-policy': CSP, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/session') return void tokens(req, res);
    if (url.pathname === '/page.html') {
      const workletUrl = url.searchParams.get('worklets') ?? undefined;
      return send('text/html', page({ workletUrl, bundle: url.searchParams.get('bundle') === 'iife' ? 'iife' : 'es', port: /** @type {import('node:net').AddressInfo} */ (host.address()).port }));
    }
    if (url.pathname === '/host.js') return send('text/javascript', HOST_JS);
    const file = /^\/dist\/((?:worklets\/)?[\w.-]+\.js)$/.exec(url.pathname)?.[1];
    if (file && existsSync(dist + file)) return send('text/javascript', readFileSync(dist + file));
    res.writeHead(404, { 'content-security-policy': CSP }).end();
  });
  // The Realtime socket on the page's own origin: the upgrade is piped to the local server.
  const upstream = new URL(realtime.url);
  host.on('upgrade', (req, socket, head) => {
    const up = connect(Number(upstream.port), upstream.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
      up.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', () => resolve(undefined)));
  origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (host.address()).port}`;
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  host?.closeAllConnections();
  await new Promise((resolve) => host?.close(() => resolve(undefined)));
  await realtime?.close();
});

/**
 * Opens the host page, starts the call from a click, and returns the page and its log.
 * @param {string} query
 */
async function open(query) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${origin}/page.html?${query}`);
  await p.waitForFunction(() => customElements.get('realtime-voice') && /** @type {any} */ (window).__log);
  await p.locator('realtime-voice').locator('[part=start-button]').click();
  return { p, context, log: () => p.evaluate(() => /** @type {any[]} */ (/** @type {any} */ (window).__log)) };
}

test('default-src \'self\' without worklet-url: worklet_load_failed naming the fix, nothing else refused', { skip }, async () => {
  const { p, context, log } = await open('bundle=es');
  try {
    await p.waitForFunction(() => /** @type {any[]} */ (/** @type {any} */ (window).__log).some((e) => e.type === 'rv-error' && e.fatal), null, { timeout: 15_000 });
    const entries = await log();
    const errors = entries.filter((e) => e.type === 'rv-error');
    assert.deepEqual(errors.map((e) => [e.code, e.fatal]), [['worklet_load_failed', true]]);
    assert.match(errors[0].message, /worklet-url/);
    assert.match(errors[0].message, /blob:/);
    // Chromium refuses the blob: module with a bare AbortError and (here) no
    // securitypolicyviolation event: the widget's error is the only clear signal a host gets.
    const violations = entries.filter((e) => e.type === 'csp' && e.blocked !== 'eval');
    assert.ok(violations.every((v) => v.blocked === 'blob' || String(v.blocked).startsWith('blob:')), JSON.stringify(violations));
    assert.deepEqual(entries.filter((e) => e.type === 'uncaught'), []);
    assert.equal(await p.locator('realtime-voice').getAttribute('status'), 'error');
    assert.match((await p.locator('realtime-voice').locator('[part=error]').textContent()) ?? '', /Something went wrong/);
  } finally {
    await context.close();
  }
});

for (const bundle of /** @type {const} */ (['es', 'iife'])) {
  test(`default-src 'self' with worklet-url (${bundle} bundle): a conversation completes with no CSP violation`, { skip }, async () => {
    assert.ok(readdirSync(`${dist}worklets`).some((f) => f.endsWith('.js')), 'dist/worklets/ has the worklet files');
    const { p, context, log } = await open(`bundle=${bundle}&worklets=/dist/worklets/`);
    try {
      const el = p.locator('realtime-voice');
      await p.waitForFunction(() => document.querySelector('realtime-voice')?.getAttribute('status') === 'listening', null, { timeout: 15_000 });
      await el.locator('[part=input]').fill('What are your opening hours?');
      await el.locator('[part=send-button]').click();
      await p.waitForFunction(
        () => /** @type {any} */ (document.querySelector('realtime-voice')).conversation.some((/** @type {any} */ i) => i.role === 'assistant' && i.status === 'completed' && /8 AM/.test(i.text)),
        null,
        { timeout: 15_000 },
      );
      const entries = await log();
      const violations = entries.filter((e) => e.type === 'csp');
      assert.ok(violations.some((v) => v.blocked === 'eval'), 'the policy is enforced and its violations are seen (eval control)');
      assert.deepEqual(violations.filter((v) => v.blocked !== 'eval'), [], 'CSP violations');
      assert.deepEqual(entries.filter((e) => e.type === 'rv-error'), [], 'errors');
      assert.deepEqual(entries.filter((e) => e.type === 'uncaught'), []);
      assert.match((await el.locator('[part=transcript]').textContent()) ?? '', /8 AM/);
    } finally {
      await context.close();
    }
  });
}
