// The README's screenshot is taken here, from the real demo: `node demo/server.js` (the page,
// its token endpoint and the local Realtime server, as `npm start` runs them) in Debian's
// Chromium with a silent fake microphone, after a typed question about an order.
// `npm run screenshot` (RV_UPDATE_SCREENSHOT=1) rewrites docs/screenshot.png; otherwise the new
// image goes to a temporary file and the committed one is checked to be a PNG of the same size.
/* global window, document -- inside page callbacks, which run in the browser */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executablePath, launchChromium } from '../chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = join(root, 'docs/screenshot.png');
const VIEWPORT = { width: 1280, height: 1280 };

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/** Width and height from a PNG's IHDR chunk. @param {Buffer} png */
function pngSize(png) {
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG file');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test('screenshot of the demo page after a conversation (docs/screenshot.png)', { timeout: 120_000, skip: !executablePath && 'Chromium not found' }, async () => {
  if (!existsSync(join(root, 'dist/realtime-voice.js'))) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build failed');
  }
  const scratch = mkdtempSync(join(tmpdir(), 'rv-shot-'));
  const port = await freePort();
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1' };
  delete env.OPENAI_API_KEY; // the local Realtime server, never the cloud
  const demo = spawn(process.execPath, ['demo/server.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  demo.stdout.on('data', (d) => (log += d));
  demo.stderr.on('data', (d) => (log += d));
  // A silent microphone: the fake device's beeps would count as speech.
  const browser = await launchChromium({ silentMic: true });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${log}`)), 30_000);
      const started = () => {
        if (!log.includes('realtime-voice demo:')) return;
        clearTimeout(timer);
        resolve(undefined);
      };
      started();
      demo.stdout.on('data', started);
      demo.on('exit', (code) => reject(new Error(`the demo exited (${code}):\n${log}`)));
    });
    const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light', reducedMotion: 'reduce' });
    await page.goto(`http://127.0.0.1:${port}/`);
    const agent = page.locator('realtime-voice');
    await agent.locator('[part="panel"]').waitFor();

    await agent.locator('[part="input"]').fill('Where is my order 4217?');
    await agent.locator('[part="input"]').press('Enter');
    await agent.locator('[part~="message-assistant"]', { hasText: /shipped/i }).first().waitFor({ timeout: 45_000 });
    // Let the agent finish speaking, so the status line reads "Listening".
    await page.waitForFunction(() => document.querySelector('realtime-voice')?.getAttribute('status') === 'listening', undefined, { timeout: 45_000 });
    const messages = await agent.locator('[part~="message"]').allInnerTexts();
    assert.ok(messages.some((m) => /You:\s*Where is my order 4217\?/.test(m)), messages.join('\n'));
    assert.ok((await page.locator('#log li').count()) > 3, 'the playground logged events');

    await agent.locator('[part="input"]').blur();
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
    assert.deepEqual(pngSize(png), VIEWPORT);
    const update = process.env.RV_UPDATE_SCREENSHOT === '1' || !existsSync(committed);
    writeFileSync(update ? committed : join(scratch, 'screenshot.png'), png);
    assert.deepEqual(pngSize(readFileSync(committed)), VIEWPORT, 'docs/screenshot.png has the size this test takes');
  } finally {
    await browser.close();
    demo.kill('SIGTERM');
    await new Promise((resolve) => (demo.exitCode !== null ? resolve(undefined) : demo.once('exit', resolve)));
    rmSync(scratch, { recursive: true, force: true });
  }
});
