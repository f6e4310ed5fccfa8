// The integrators' testing kit end to end: web-test-runner runs the README's complete example
// (examples/testing/host-page.test.js) with the example config
// (examples/testing/web-test-runner.config.mjs → `realtimeVoicePlugin()` from
// `realtime-voice/testing`), in Debian's Chromium. Only the browser launcher is ours (root,
// headless, no network); everything else is what an integrator's project would run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { executablePath } from '../chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const href = (/** @type {string} */ path) => pathToFileURL(join(root, path)).href;

/** The npm build the example imports (`realtime-voice` → dist/lib); built when missing. */
function ensureBuilt() {
  if (existsSync(join(root, 'dist/lib/index.js'))) return;
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  assert.equal(r.status, 0, 'npm run build failed');
}

test('the example host-page test passes under web-test-runner with realtimeVoicePlugin()', { timeout: 240_000, skip: !executablePath && 'Chromium not found' }, async () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'rv-kit-'));
  const summary = join(dir, 'summary.json');
  const config = join(dir, 'wtr.config.mjs');
  writeFileSync(
    config,
    `import base from ${JSON.stringify(href('examples/testing/web-test-runner.config.mjs'))};
import { chromeLauncher } from ${JSON.stringify(import.meta.resolve('@web/test-runner-chrome'))};
import { defaultReporter } from ${JSON.stringify(import.meta.resolve('@web/test-runner'))};
import { summaryReporter } from ${JSON.stringify(href('test/wtr-reporter.mjs'))};
const args = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-component-update',
  '--disable-background-networking', '--disable-quic', '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'];
export default {
  ...base,
  rootDir: ${JSON.stringify(root)},
  files: ['examples/testing/host-page.test.js'],
  concurrency: 1,
  browserStartTimeout: 60000,
  testsFinishTimeout: 180000,
  browsers: base.browsers.map(() => chromeLauncher({ launchOptions: {
    executablePath: ${JSON.stringify(executablePath)}, headless: true,
    args: [...args, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  } })),
  reporters: [defaultReporter({ reportTestResults: true, reportTestProgress: false }), summaryReporter()],
};
`,
  );
  try {
    const bin = fileURLToPath(new URL('dist/bin.js', import.meta.resolve('@web/test-runner')));
    const child = spawn(process.execPath, [bin, '--config', config], { cwd: root, env: { ...process.env, RV_SUMMARY_FILE: summary } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.ok(existsSync(summary), `web-test-runner printed no summary:\n${output}`);
    const counts = JSON.parse(readFileSync(summary, 'utf8'));
    assert.deepEqual(counts, { passed: 4, failed: 0, skipped: 0 }, output);
    assert.equal(code, 0, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the plugin mints with the key its server was given; pinUrl decides whether the token names the server', async () => {
  const { realtimeVoicePlugin } = await import(href('testing/index.js'));
  const { createServer } = await import('node:http');
  for (const [options, pinned] of /** @type {const} */ ([
    [{ serverOptions: { apiKey: 'sk-custom-key-of-this-project' } }, true],
    [{ pinUrl: false }, false],
  ])) {
    const plugin = realtimeVoicePlugin(options);
    await plugin.serverStart(/** @type {any} */ ({}));
    // The dev server's part, reduced to what the plugin's `serve` hook reads.
    const http = createServer((req, res) => void plugin.serve(/** @type {any} */ ({ path: new URL(req.url ?? '/', 'http://x').pathname, req, res })));
    await new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(undefined)));
    try {
      const { port } = /** @type {import('node:net').AddressInfo} */ (http.address());
      const res = await fetch(`http://127.0.0.1:${port}/session`, { method: 'POST' });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.match(body.value, /^ek_/);
      assert.equal(typeof body.url === 'string' && body.url.startsWith('ws://127.0.0.1:'), pinned);
    } finally {
      http.close();
      await plugin.serverStop();
    }
  }
});
