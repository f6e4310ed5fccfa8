// The local Realtime server and the token handler against what a hostile or broken client sends:
// request-targets that are no URL, TRACE, a malformed Host, huge frames, a flood it never reads,
// and a custom voice that must come back in a schema-valid session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTokenHandler } from '../../server/index.js';
import { API_KEY, Client, mintKey, postClientSecret, startServer, withServer } from './helpers.js';
import { clientEventError, clientSecretError } from './schema.js';

setFlagsFromString('--expose-gc');
const gc = /** @type {() => void} */ (runInNewContext('gc'));
const retainedHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const quiet = { warn: () => undefined };

/**
 * Writes a raw HTTP request and returns the status line of the answer ('' when none came).
 * @param {number} port
 * @param {string} head the request line and headers, without the final blank line
 * @returns {Promise<string>}
 */
async function rawStatus(port, head) {
  const socket = tcpConnect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => (got += d));
  socket.on('error', () => undefined);
  socket.write(`${head}\r\n\r\n`);
  for (let i = 0; i < 40 && !got.includes('\r\n'); i++) await new Promise((r) => setTimeout(r, 25));
  socket.destroy();
  return got.split('\r\n')[0] ?? '';
}

test('simulator: an upgrade whose request-target is not a URL is refused with 4xx, and never crashes the server', async () => {
  /** @type {unknown[]} */
  const crashes = [];
  const onCrash = (/** @type {unknown} */ error) => void crashes.push(error);
  process.on('uncaughtException', onCrash);
  const server = await startServer({ logger: quiet });
  try {
    for (const target of ['http://[', '//[x', 'http://%zz/']) {
      const status = await rawStatus(
        server.port,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: realtime, openai-insecure-api-key.${API_KEY}`,
      );
      assert.match(status, /^HTTP\/1\.1 4\d\d /, `${target}: ${JSON.stringify(status)}`);
    }
    assert.deepEqual(crashes.map(String), [], 'uncaught exceptions (the server process would have died)');
    const client = await Client.connect(server.url, { key: await mintKey(server) });
    await client.close();
  } finally {
    process.off('uncaughtException', onCrash);
    await server.close();
  }
});

test('simulator REST: a request-target that is not a URL gets a 4xx, not a 500 with a warning', async () => {
  /** @type {unknown[][]} */
  const warnings = [];
  await withServer({ logger: { warn: (...args) => void warnings.push(args) } }, async (server) => {
    for (const target of ['http://[', '//[x']) {
      const status = await rawStatus(server.port, `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close`);
      assert.match(status, /^HTTP\/1\.1 4\d\d /, `${target}: ${JSON.stringify(status)}`);
    }
    assert.deepEqual(warnings.map(String), []);
  });
});

test('simulator: a custom voice ({id}) accepted from a schema-valid request is reported in a schema-valid session', async () => {
  await withServer({ logger: quiet }, async (server) => {
    const session = { type: 'realtime', audio: { output: { voice: { id: 'voice_1234' } } } };
    const update = { type: 'session.update', session };
    assert.equal(clientEventError(update), null, 'the request is valid GA');
    const client = await Client.connect(server.url, { key: await mintKey(server) });
    const mark = client.mark();
    client.send(update);
    const answer = await client.waitFor((e) => e.type === 'session.updated' || e.type === 'error', { after: mark });
    assert.equal(answer.type, 'session.updated');
    await client.close(); // fails on any server event that breaks the schema
    const minted = await postClientSecret(server, { session });
    assert.equal(minted.status, 200);
    assert.equal(clientSecretError(minted.body), null);
  });
});

test('simulator: huge client frames are not kept whole in the session log (30 × 4 MB frames retain < 40 MB)', async () => {
  await withServer({ logger: quiet }, async (server) => {
    const client = await Client.connect(server.url, { key: await mintKey(server) });
    const before = retainedHeap();
    const pad = 'x'.repeat(4 * 1024 * 1024);
    const mark = client.mark();
    for (let i = 0; i < 30; i++) client.send(`{"type":"no.such.event","pad":"${pad}"}`);
    await client.waitFor(() => client.events.slice(mark).filter((e) => e.type === 'error').length >= 30, { timeout: 20_000 });
    const grownMB = (retainedHeap() - before) / 2 ** 20;
    await client.close();
    assert.ok(grownMB < 40, `heap retained after 30 frames of 4 MB: ${grownMB.toFixed(1)} MB`);
  });
});

test('simulator: a client that floods frames but never reads cannot make the server buffer without bound', async () => {
  await withServer({ logger: quiet }, async (server) => {
    const client = await Client.connect(server.url, { key: await mintKey(server) });
    // Stop reading: every error event the server answers with (~220 B for a 7-byte frame) piles
    // up in its socket buffer.
    /** @type {any} */ (client.ws)._socket.pause();
    const before = (gc(), process.memoryUsage());
    for (let i = 0; i < 400_000; i++) client.ws.send('0');
    // Until the server has answered (or dropped) them all: its count of sent events stops moving.
    const sent = async () => /** @type {{eventsSent: number}[]} */ (await server.control('sessions'))[0]?.eventsSent ?? 0;
    for (let last = -1, now = await sent(), i = 0; now !== last && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      [last, now] = [now, await sent()];
    }
    await new Promise((r) => setTimeout(r, 250));
    const after = (gc(), process.memoryUsage());
    const grownMB = (after.heapUsed + after.external - before.heapUsed - before.external) / 2 ** 20;
    client.ws.terminate();
    assert.ok(grownMB < 60, `memory held for a client that does not read: ${grownMB.toFixed(1)} MB`);
    const other = await Client.connect(server.url, { key: await mintKey(server) });
    await other.close();
  });
});

test('token handler (node listener): TRACE gets 405 with Allow, a malformed Host 400 — not a 500 with a warning', async () => {
  /** @type {string[]} */
  const warnings = [];
  const handler = createTokenHandler({ apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9/v1', logger: { warn: (...args) => void warnings.push(args.join(' ')) } });
  const listener = handler.toNodeListener();
  const http = createServer((req, res) => void listener(req, res));
  await new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (http.address());
  try {
    const trace = await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'TRACE', path: '/session' }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, allow: res.headers.allow }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(trace, { status: 405, allow: 'POST, OPTIONS' });
    const badHost = await rawStatus(port, 'POST /session HTTP/1.1\r\nHost: [x\r\nContent-Length: 0\r\nConnection: close');
    assert.match(badHost, /^HTTP\/1\.1 400 /);
    assert.deepEqual(warnings, [], 'a client mistake is not a server failure worth a warning');
  } finally {
    await new Promise((resolve) => http.close(() => resolve(undefined)));
  }
});
