// Protocol review, Node side: the testing kit as integrators configure it. Each test failed
// before its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

test('the testing kit runs test files one at a time: its local server (scenario, resetServer()) is shared by every file', async () => {
  const { realtimeVoicePlugin } = await import(new URL('testing/index.js', root).href);
  const plugin = realtimeVoicePlugin();
  await plugin.serverStart(/** @type {any} */ ({}));
  try {
    // Two test files' sessions on the one server: one file's afterEach(resetServer) ends the other's call.
    const mint = () => plugin.executeCommand(/** @type {any} */ ({ command: 'rv-sim', payload: { op: 'mint' } }));
    await Promise.all([mint(), mint()]);
    await plugin.executeCommand(/** @type {any} */ ({ command: 'rv-sim', payload: { op: 'reset' } }));
    assert.deepEqual(await plugin.executeCommand(/** @type {any} */ ({ command: 'rv-sim', payload: { op: 'keys' } })), [], 'reset forgets every file’s keys');
  } finally {
    await plugin.serverStop(/** @type {any} */ ({}));
  }
  // …so the config integrators copy, and the README's, must not run files concurrently
  // (web-test-runner's default concurrency is half the CPU cores).
  const { default: example } = await import(new URL('examples/testing/web-test-runner.config.mjs', root).href);
  assert.equal(example.concurrency, 1, 'examples/testing/web-test-runner.config.mjs');
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const kit = readme.slice(readme.indexOf('## Testing your integration'));
  const config = kit.slice(kit.indexOf('```js'), kit.indexOf('```', kit.indexOf('```js') + 5));
  assert.match(config, /^\s*concurrency: 1,/m, "the README's web-test-runner config");
});

test('drop with a close reason longer than a close frame carries is refused up front, and the call goes on', async () => {
  const { Client, startServer } = await import('./helpers.js');
  const server = await startServer();
  try {
    const client = await Client.connect(server.url);
    // 70 × 'é' = 140 UTF-8 bytes: more than the 123 a close frame can carry (as the dropReason fault checks).
    await assert.rejects(server.control('drop', { code: 4000, reason: 'é'.repeat(70) }), /drop: reason must be at most 123 bytes/);
    const mark = client.mark();
    client.send({ type: 'input_audio_buffer.clear' });
    await client.waitFor('input_audio_buffer.cleared', { after: mark, timeout: 2000 });
    const sessions = /** @type {Array<{open: boolean}>} */ (await server.control('sessions'));
    assert.deepEqual(sessions.map((s) => s.open), [true]);
    await client.close();
  } finally {
    await server.close();
  }
});
