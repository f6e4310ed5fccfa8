// Acceptance (issue 5): the demo page exactly as `npm start` serves it — the built bundle
// (dist/realtime-voice.js), the demo's token endpoint (createTokenHandler) and the local Realtime
// server in one process (demo/server.js) — driven in Debian's Chromium through playwright-core
// with the microphone fed from test/fixtures/speech-order.wav: start the widget, speak, see the
// agent's transcript and confirm its audio is rendered (a tap worklet on the player's output),
// then type an order question and get the answer of the page's `lookup_order` tool, which
// fetches /api/orders/4217 from the demo server.
//
// Needs the bundle: `npm test` builds before the Node tests; run `npm run build` first when
// running this file alone. Skipped (with the reason) when dist/realtime-voice.js is missing.
/* global window, document -- page functions run in the browser */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { executablePath, launchChromium } from '../chromium.mjs';
import { startDemo, stopChild } from './helpers.js';

const bundle = fileURLToPath(new URL('../../dist/realtime-voice.js', import.meta.url));
const micWav = fileURLToPath(new URL('../fixtures/speech-order.wav', import.meta.url));

// Installed before the page's scripts: taps the element's player node (its AudioWorklet) with a
// second worklet that counts non-silent samples, exposed as `window.__rvRendered` (ms).
const TAP_INIT = `(() => {
  const TAP = 'class T extends AudioWorkletProcessor{constructor(){super();this.n=0;this.k=0}process(i){const x=i[0]&&i[0][0];if(x)for(let j=0;j<x.length;j++)if(x[j]>4.6e-5||x[j]<-4.6e-5)this.n++;if(++this.k%40===0)this.port.postMessage(this.n);return true}}registerProcessor("rv-demo-tap",T);';
  const url = URL.createObjectURL(new Blob([TAP], { type: 'text/javascript' }));
  const RealContext = window.AudioContext;
  const RealNode = window.AudioWorkletNode;
  const loads = new WeakMap();
  window.__rvRendered = 0;
  window.__rvTapped = false;
  window.AudioContext = class extends RealContext {
    constructor(o) { super(o); loads.set(this, this.audioWorklet.addModule(url)); }
  };
  window.AudioWorkletNode = class extends RealNode {
    constructor(ctx, name, o) {
      super(ctx, name, o);
      if (name !== 'rv-player-processor' || window.__rvTapped) return;
      window.__rvTapped = true;
      loads.get(ctx).then(() => {
        const tap = new RealNode(ctx, 'rv-demo-tap', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
        tap.port.onmessage = (e) => { window.__rvRendered = (e.data * 1000) / ctx.sampleRate; };
        this.connect(tap);
      });
    }
  };
})();`;

test('demo page: speak to the widget, hear the agent, type an order question, get the tool-backed answer', { timeout: 120000 }, async (t) => {
  if (!existsSync(bundle)) return t.skip('dist/realtime-voice.js is missing: run `npm run build` first (npm test builds before the Node tests)');
  if (!executablePath) return t.skip('Chromium not found (apt-get install -y chromium, or set CHROME_PATH)');

  const demo = await startDemo();
  t.after(() => stopChild(demo.child));
  const browser = await launchChromium({ micWav });
  t.after(() => browser.close());
  const page = await browser.newPage();
  /** @type {string[]} */
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  /** @type {{url: string, status: number, body: string}[]} */
  const orderCalls = [];
  page.on('response', async (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/orders/')) orderCalls.push({ url: r.url(), status: r.status(), body: await r.text() });
  });
  await page.addInitScript(TAP_INIT);
  await page.goto(demo.url);

  // The page loads the built bundle, as an integrator would.
  const scripts = await page.$$eval('script[src]', (list) => list.map((s) => /** @type {HTMLScriptElement} */ (s).getAttribute('src')));
  assert.ok(scripts.includes('/dist/realtime-voice.js'), `page scripts: ${scripts}`);
  const agent = page.locator('#agent');
  await agent.locator('[part~="start-button"]').click();
  await page.waitForFunction(() => /** @type {any} */ (document.getElementById('agent')).status !== 'connecting', null, { timeout: 20000 });

  // Speak: the WAV plays into the mic from the start of the capture. The local server cannot
  // understand words, so its built-in agent answers what it heard: how many seconds of speech.
  const userSpoke = agent.locator('[part~="message-user"]').first();
  await userSpoke.waitFor({ timeout: 20000 });
  const heardReply = agent.locator('[part~="message-assistant"]', { hasText: /seconds of speech/ }).first();
  await heardReply.waitFor({ timeout: 30000 });
  assert.match(await userSpoke.innerText(), /speech, [\d.]+ s/);
  // …and the agent's audio was rendered by the player.
  await page.waitForFunction(() => /** @type {any} */ (window).__rvRendered > 1000, null, { timeout: 20000 });

  // Type the order question into the widget's text box.
  const input = agent.locator('[part~="input"]');
  await input.fill('Where is my order 4217?');
  await input.press('Enter');
  // The built-in agent speaks the tool's result: "Order 4217, the Alpine 2 tent, has shipped with …".
  const answer = agent.locator('[part~="message-assistant"]', { hasText: /Order 4217, the Alpine 2 tent, \w+ shipped with Parcel Express/ }).first();
  await answer.waitFor({ timeout: 30000 });
  assert.deepEqual(
    orderCalls.map((c) => [new URL(c.url).pathname, c.status, JSON.parse(c.body).status]),
    [['/api/orders/4217', 200, 'shipped']],
  );
  const renderedBefore = await page.evaluate(() => /** @type {any} */ (window).__rvRendered);
  await page.waitForFunction((before) => /** @type {any} */ (window).__rvRendered > before + 1000, renderedBefore, { timeout: 20000 });

  // The page's event log (demo.js) saw the call and no errors; the widget is still in the call.
  const log = await page.locator('#log').innerText();
  assert.match(log, /rv-connected/);
  assert.doesNotMatch(log, /rv-error/);
  assert.deepEqual(pageErrors, []);
  const status = await agent.getAttribute('status');
  assert.ok(['listening', 'thinking', 'speaking'].includes(String(status)), `status ${status}`);
  await agent.locator('[part~="end-button"]').click();
  await page.waitForFunction(() => /** @type {any} */ (document.getElementById('agent')).status === 'idle');
});
