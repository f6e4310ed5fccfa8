// The browser recipes run, not just compile: each page is served with a token endpoint
// (createTokenHandler → the local Realtime server) and an order API, opened in Debian's Chromium
// (silent fake microphone), and asked "Where is my order 4217?" — which only comes back with
// "shipped" if the page's tool handler ran, i.e. if the framework passed `tools` as a property,
// and the framework's own state shows the transcript only if its event binding works.
// - examples/html/index.html, with the ES module build and with the classic (IIFE) build
// - examples/react/main.tsx (React 19), bundled with esbuild
// - examples/vue/main.ts + SupportWidget.vue (Vue 3), the SFC compiled as Vite's plugin does
/* global window, document, getComputedStyle, customElements -- inside page.evaluate() callbacks, which run in the browser */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { compileScript, parse } from '@vue/compiler-sfc';
import { createRealtimeServer } from '../../server/simulator/index.js';
import { createTokenHandler } from '../../server/index.js';
import { executablePath, launchChromium } from '../chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const API_KEY = 'sk-test-recipes-browser-0123456789';
const ORDERS = { 4217: { orderId: '4217', status: 'shipped', item: 'Alpine 2 tent', eta: 'Friday' } };

/** @type {any} */ let sim;
/** @type {import('node:http').Server} */ let web;
/** @type {string} */ let origin;
/** @type {import('playwright-core').Browser} */ let browser;
/** @type {Record<string, string>} */ const bundles = {};

/** An esbuild plugin that compiles .vue files the way @vitejs/plugin-vue does. */
const vuePlugin = {
  name: 'vue-sfc',
  /** @param {import('esbuild').PluginBuild} b */
  setup(b) {
    b.onLoad({ filter: /\.vue$/ }, (args) => {
      const isCustomElement = (/** @type {string} */ tag) => tag === 'realtime-voice'; // as in vite.config.ts
      const { descriptor } = parse(readFileSync(args.path, 'utf8'), { filename: args.path, templateParseOptions: { isCustomElement } });
      const script = compileScript(descriptor, { id: 'sfc', inlineTemplate: true, templateOptions: { compilerOptions: { isCustomElement } } });
      return { contents: script.content, loader: 'ts' };
    });
  },
};

/**
 * @param {string} entry
 * @returns {Promise<string>}
 */
async function bundle(entry) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"development"', __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    plugins: [vuePlugin],
  });
  return result.outputFiles[0]?.text ?? '';
}

/** @param {string} script */
const appPage = (script) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>recipe</title></head>
<body><div id="root"></div><div id="app"></div><script type="module" src="${script}"></script></body></html>`;

before(async () => {
  if (!executablePath) return;
  if (!existsSync(join(root, 'dist/realtime-voice.js')) || !existsSync(join(root, 'dist/lib/index.js'))) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build failed');
  }
  bundles.react = await bundle('examples/react/main.tsx');
  bundles.vue = await bundle('examples/vue/main.ts');

  sim = await createRealtimeServer({ apiKey: API_KEY, voiceEngine: 'synthetic', scenario: { latencyMs: 0, speedup: 20 } });
  // As a host backend would; `url` sends the widget to the local server instead of OpenAI.
  const tokens = createTokenHandler({ apiKey: API_KEY, baseUrl: sim.httpUrl, url: sim.url, rateLimit: false }).toNodeListener();
  web = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (/** @type {number} */ status, /** @type {string} */ type, /** @type {string | Buffer} */ body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/realtime/session') return tokens(req, res);
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    const order = /^\/api\/orders\/(\w+)$/.exec(url.pathname);
    if (order) return send(200, 'application/json', JSON.stringify(ORDERS[/** @type {'4217'} */ (order[1])] ?? { error: 'order_not_found' }));
    if (url.pathname === '/') {
      let html = readFileSync(join(root, 'examples/html/index.html'), 'utf8');
      if (url.searchParams.has('classic')) {
        // The recipe's commented alternative: the classic build instead of the module.
        html = html
          .replace(/<script type="module" src="\/realtime-voice\/dist\/realtime-voice.js"><\/script>/, '')
          .replace(/<!-- Or the classic build[^\n]*\n\s*(<script src="[^"]+" defer><\/script>) -->/, '$1');
      }
      return send(200, 'text/html', html);
    }
    if (url.pathname === '/csp.html') {
      // The README's strict policy: no blob:, no inline script or style.
      const worklets = url.searchParams.has('worklet-url') ? ' worklet-url="/realtime-voice/dist/worklets/"' : '';
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${new URL(sim.url).origin}`,
      });
      return res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>csp</title>
<script type="module" src="/realtime-voice/dist/realtime-voice.js"></script></head>
<body><realtime-voice variant="inline" transcript text-input language="en" token-url="/realtime/session"${worklets}></realtime-voice></body></html>`);
    }
    if (url.pathname === '/react.html') return send(200, 'text/html', appPage('/bundles/react.js'));
    if (url.pathname === '/vue.html') return send(200, 'text/html', appPage('/bundles/vue.js'));
    const name = /^\/bundles\/(\w+)\.js$/.exec(url.pathname)?.[1];
    if (name && bundles[name]) return send(200, 'text/javascript', bundles[name]);
    if (url.pathname.startsWith('/realtime-voice/dist/')) {
      const file = normalize(join(root, url.pathname.slice('/realtime-voice'.length)));
      if (file.startsWith(join(root, 'dist') + sep) && existsSync(file)) {
        return send(200, extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream', readFileSync(file));
      }
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise((resolve) => web.listen(0, '127.0.0.1', () => resolve(undefined)));
  origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (web.address()).port}`;

  // A silent microphone: the fake device's beeps would count as speech and interrupt the agent.
  browser = await launchChromium({ silentMic: true });
});

after(async () => {
  await browser?.close();
  web?.closeAllConnections();
  await new Promise((resolve) => (web ? web.close(() => resolve(undefined)) : resolve(undefined)));
  await sim?.close();
});

/**
 * Opens a page, collecting console errors and uncaught exceptions.
 * @param {string} path
 */
async function open(path) {
  const page = await browser.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Failed to resolve component/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(origin + path);
  return { page, problems };
}

const skip = !executablePath && 'Chromium not found';

test('plain HTML (ES module build): a typed question is answered through the page\'s tool', { timeout: 60_000, skip }, async () => {
  const { page, problems } = await open('/');
  await page.locator('realtime-voice [part="launcher"]').click(); // opens the panel and starts the call
  await page.locator('realtime-voice [part="input"]').fill('Where is my order 4217?');
  await page.locator('realtime-voice [part="input"]').press('Enter');
  await page.locator('realtime-voice [part~="message-assistant"]', { hasText: /shipped/i }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#fallback').isHidden(), true);
  assert.equal(await page.locator('realtime-voice').evaluate((el) => getComputedStyle(el).getPropertyValue('--realtime-voice-accent').trim()), '#0b6e4f');
  assert.deepEqual(problems, []);
  await page.close();
});

test('plain HTML (classic IIFE build): the element is defined and renders', { timeout: 30_000, skip }, async () => {
  const { page, problems } = await open('/?classic');
  assert.equal(await page.locator('script[type="module"][src*="realtime-voice.js"]').count(), 0);
  await page.locator('realtime-voice [part="launcher"]').waitFor();
  assert.equal(await page.evaluate(() => typeof customElements.get('realtime-voice')), 'function');
  assert.equal(await page.locator('realtime-voice [part="launcher"]').innerText(), 'Talk to support');
  assert.deepEqual(problems, []);
  await page.close();
});

test('React 19: properties, onrv-* event props and the tool handler work', { timeout: 60_000, skip }, async () => {
  const { page, problems } = await open('/react.html');
  await page.locator('realtime-voice [part="panel"]').waitFor();
  assert.equal(await page.locator('realtime-voice').evaluate((el) => /** @type {any} */ (el).tools.length), 1, 'tools is set as a property');
  assert.equal(await page.locator('realtime-voice').evaluate((el) => /** @type {any} */ (el).tokenUrl), '/realtime/session');
  await page.getByRole('button', { name: 'Ask about order 4217' }).click();
  await page.locator('[data-testid="log"] li', { hasText: /^Agent: .*shipped/i }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="log"] li').first().innerText(), 'You: Where is my order 4217?');
  assert.notEqual(await page.getByTestId('status').innerText(), 'idle', 'onrv-status updated React state');
  assert.deepEqual(problems, []);
  await page.close();
});

test('Vue 3: isCustomElement, :tools.prop, @rv-* listeners and the tool handler work', { timeout: 60_000, skip }, async () => {
  const { page, problems } = await open('/vue.html');
  await page.locator('realtime-voice [part="panel"]').waitFor();
  assert.equal(await page.locator('realtime-voice').evaluate((el) => /** @type {any} */ (el).tools.length), 1, 'tools is set as a property');
  await page.getByRole('button', { name: 'Ask about order 4217' }).click();
  await page.locator('[data-testid="log"] li', { hasText: /^Agent: .*shipped/i }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="log"] li').first().innerText(), 'You: Where is my order 4217?');
  assert.notEqual(await page.getByTestId('status').innerText(), 'idle', '@rv-status updated Vue state');
  assert.deepEqual(problems, []);
  await page.close();
});

/**
 * Opens the strict-CSP page, records violations and rv-error codes, and asks a question.
 * @param {string} path
 */
async function strictPage(path) {
  const { page, problems } = await open(path);
  await page.locator('realtime-voice [part="panel"]').waitFor();
  // Playwright's evaluate is not subject to the page's CSP.
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.violations = [];
    w.errors = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    document.querySelector('realtime-voice')?.addEventListener('rv-error', (e) => w.errors.push(/** @type {any} */ (e).detail.code));
  });
  await page.locator('realtime-voice [part="input"]').fill('What are your opening hours?');
  await page.locator('realtime-voice [part="input"]').press('Enter');
  return { page, problems };
}

test('strict CSP (no blob:, no inline styles): works with worklet-url', { timeout: 60_000, skip }, async () => {
  const { page } = await strictPage('/csp.html?worklet-url');
  await page.locator('realtime-voice [part~="message-assistant"]').first().waitFor({ timeout: 30_000 });
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).errors), []);
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).violations), []);
  const radius = await page.locator('realtime-voice [part="panel"]').evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
  assert.equal(radius, '12px', 'the shadow styles apply under style-src self');
  await page.close();
});

test('strict CSP without worklet-url: worklet_load_failed, and the panel says so', { timeout: 60_000, skip }, async () => {
  const { page } = await strictPage('/csp.html');
  await page.locator('realtime-voice [part="error"]').waitFor({ timeout: 30_000 });
  assert.ok((await page.evaluate(() => /** @type {any} */ (window).errors)).includes('worklet_load_failed'));
  assert.equal(await page.locator('realtime-voice').getAttribute('status'), 'error');
  await page.close();
});
