// Issue 7 (6), the local Realtime server (`realtime-voice/simulator`) under abuse: 1,000
// malformed WebSocket frames on one connection (each answered with an `error` event, the
// session still usable), frames over the size limit (closed with 1009), invalid UTF-8 (1007),
// upgrades with missing/wrong/expired keys and wrong paths (401/404/400), malformed REST bodies
// (400/413), raw TCP connections and sessions that never send anything, and 500 concurrent
// sessions. Through all of it the server keeps serving a normal client, and its memory stays
// bounded (closed sessions are pruned; idle sessions end at the session time limit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { API_KEY, Client, mintKey, postClientSecret, startServer } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = /** @type {() => void} */ (runInNewContext('gc'));
const retainedHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;

before(async () => {
  server = await startServer({ maxFrameBytes: 1024 * 1024, logger: { warn: () => undefined } });
});
after(async () => {
  await server.close();
});

/** A normal client still gets a typed answer from the server. */
async function stillServes() {
  const client = await Client.connect(server.url, { key: await mintKey(server) });
  client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
  const mark = client.mark();
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What are your opening hours?' }] } });
  client.send({ type: 'response.create' });
  const events = await client.untilResponseDone(mark);
  assert.equal(events.at(-1).response.status, 'completed');
  client.ws.close();
  await client.closed;
}

/** 1,000 malformed frames of 20 kinds. @returns {Array<string | Buffer>} */
function malformedFrames() {
  const kinds = [
    () => '{not json',
    () => '',
    () => '[]',
    () => '42',
    () => 'null',
    () => '"type"',
    () => '{}',
    () => '{"type":42}',
    () => '{"type":null}',
    () => '{"type":"no.such.event"}',
    () => '{"type":"__proto__"}',
    () => JSON.stringify({ type: 'session.update', event_id: 'x'.repeat(600) }),
    () => JSON.stringify({ type: 'session.update', event_id: 7 }),
    () => JSON.stringify({ type: 'session.update', session: 5 }),
    () => JSON.stringify({ type: 'input_audio_buffer.append', audio: '!!!not base64!!!' }),
    () => JSON.stringify({ type: 'conversation.item.create', item: { type: 'message', role: 'wizard', content: 'x' } }),
    () => JSON.stringify({ type: 'conversation.item.truncate', item_id: 'nope', content_index: 0, audio_end_ms: -5 }),
    () => JSON.stringify({ type: 'response.cancel', response_id: { $ne: 1 } }),
    () => `{"type":"x"${',"a":['.repeat(500)}${']'.repeat(500)}}`,
    () => Buffer.from([0x00, 0xff, 0x10, 0x7b]),
  ];
  return Array.from({ length: 1000 }, (_, i) => /** @type {() => string | Buffer} */ (kinds[i % kinds.length])());
}

test('1,000 malformed frames on one connection: 1,000 error events, the session stays open and usable', async () => {
  const client = await Client.connect(server.url, { key: await mintKey(server) });
  const mark = client.mark();
  const frames = malformedFrames();
  const t0 = performance.now();
  for (const frame of frames) client.ws.send(frame, { binary: Buffer.isBuffer(frame) });
  await client.waitFor(() => client.events.slice(mark).filter((e) => e.type === 'error').length >= 1000, { timeout: 15_000 });
  const errors = client.events.slice(mark).filter((e) => e.type === 'error');
  assert.equal(errors.length, 1000);
  assert.ok(errors.every((e) => typeof e.error?.message === 'string' && e.error.message.length < 2000), 'bounded error messages');
  assert.deepEqual(client.schemaErrors, [], 'every error event matches the GA schema');
  assert.equal(client.ws.readyState, WebSocket.OPEN);
  // The same session still works.
  client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
  const m2 = client.mark();
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
  client.send({ type: 'response.create' });
  const done = (await client.untilResponseDone(m2)).at(-1);
  assert.equal(done.response.status, 'completed');
  const codes = [...new Set(errors.map((e) => e.error.code ?? e.error.type))];
  console.log(`[rv-hardening] server-malformed ${JSON.stringify({ frames: frames.length, errors: errors.length, ms: Math.round(performance.now() - t0), codes })}`);
  client.ws.close();
  await client.closed;
});

test('frames over the size limit close the connection with 1009, invalid UTF-8 with 1007; the server keeps serving', async () => {
  const big = await Client.connect(server.url, { key: await mintKey(server) });
  big.ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(2 * 1024 * 1024) }));
  assert.equal((await big.closed).code, 1009);
  const utf = await Client.connect(server.url, { key: await mintKey(server) });
  utf.ws.send(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), { binary: false });
  assert.equal((await utf.closed).code, 1007);
  await stillServes();
});

test('upgrades without a valid key or to a wrong path are refused with the right status; REST abuse gets 400/401/413', async () => {
  const expired = /** @type {{value: string}} */ (await server.control('mint', { ttlSeconds: -5 })).value;
  const cases = [
    { name: 'no key', url: server.url, protocols: ['realtime'], status: 401 },
    { name: 'wrong key', url: server.url, protocols: ['realtime', 'openai-insecure-api-key.sk-wrong-0123456789abcdef'], status: 401 },
    { name: 'unknown ek', url: server.url, protocols: ['realtime', 'openai-insecure-api-key.ek_forged0123456789'], status: 401 },
    { name: 'expired ek', url: server.url, protocols: ['realtime', `openai-insecure-api-key.${expired}`], status: 401 },
    { name: 'beta shape', url: server.url, protocols: ['realtime', 'openai-beta.realtime-v1', `openai-insecure-api-key.${API_KEY}`], status: 400 },
    { name: 'no realtime subprotocol', url: server.url, protocols: [`openai-insecure-api-key.${API_KEY}`], status: 400 },
    { name: 'wrong path', url: server.url.replace('/v1/realtime', '/v1/other'), protocols: ['realtime', `openai-insecure-api-key.${API_KEY}`], status: 404 },
  ];
  for (const c of cases) {
    const status = await new Promise((resolve) => {
      const ws = new WebSocket(c.url, c.protocols);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          // Refusals never echo a full key.
          assert.equal(body.includes('sk-wrong-0123456789abcdef'), false);
          resolve(res.statusCode);
        });
      });
      ws.on('open', () => {
        ws.close();
        resolve('opened');
      });
      ws.on('error', () => undefined);
    });
    assert.equal(status, c.status, c.name);
  }
  // REST: ephemeral keys cannot mint, bodies are validated and bounded.
  const ek = await mintKey(server);
  assert.equal((await postClientSecret(server, { session: { type: 'realtime' } }, ek)).status, 401);
  const post = (/** @type {string} */ body) => fetch(`${server.httpUrl}/realtime/client_secrets`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body });
  assert.equal((await post('{not json')).status, 400);
  assert.equal((await post('{"unknown_param":1}')).status, 400);
  assert.equal((await post('{"expires_after":{"anchor":"created_at","seconds":99999}}')).status, 400);
  assert.equal((await post(JSON.stringify({ session: { type: 'realtime', instructions: 'x'.repeat(2 * 1024 * 1024) } }))).status, 413);
  await stillServes();
});

test('idle TCP connections and sessions that never send: the server keeps serving; idle sessions end at the session limit', async () => {
  /** @type {import('node:net').Socket[]} */
  const raw = [];
  for (let i = 0; i < 200; i++) {
    const s = tcpConnect(server.port, '127.0.0.1');
    s.on('error', () => undefined);
    raw.push(s);
  }
  await new Promise((r) => setTimeout(r, 100));
  await stillServes();
  // 100 sessions that never send, on a server whose sessions last 1 s (OpenAI: 60 min).
  const short = await startServer({ maxSessionSeconds: 1, logger: { warn: () => undefined } });
  try {
    const key = /** @type {{value: string}} */ (await short.control('mint', {})).value;
    const idle = await Promise.all(Array.from({ length: 100 }, () => Client.connect(short.url, { key })));
    const closes = await Promise.all(idle.map((c) => c.closed));
    assert.deepEqual([...new Set(closes.map((c) => c.code))], [1001]);
    assert.ok(idle.every((c) => c.events.some((e) => e.type === 'error' && e.error.code === 'session_expired')));
    // The server marks a session closed on its own 'close' event, just after the client's.
    const openCount = async () => (/** @type {{open: boolean}[]} */ (await short.control('sessions'))).filter((s) => s.open).length;
    for (let i = 0; i < 40 && (await openCount()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await openCount(), 0);
  } finally {
    await short.close();
    for (const s of raw) s.destroy();
  }
});

test('500 concurrent sessions: all get session.created, a normal client is still served, memory stays bounded and closed sessions are pruned', async () => {
  const heapBefore = retainedHeap();
  const key = await mintKey(server);
  const t0 = performance.now();
  const clients = await Promise.all(Array.from({ length: 500 }, () => Client.connect(server.url, { key })));
  const openMs = performance.now() - t0;
  assert.equal(clients.length, 500);
  const live = /** @type {{open: boolean}[]} */ (await server.control('sessions')).filter((s) => s.open).length;
  assert.ok(live >= 500, `${live} open sessions`);
  await stillServes();
  const heapOpenMB = (retainedHeap() - heapBefore) / 2 ** 20;
  await Promise.all(clients.map((c) => (c.ws.close(), c.closed)));
  const openCount = async () => (/** @type {{open: boolean}[]} */ (await server.control('sessions'))).filter((s) => s.open).length;
  for (let i = 0; i < 40 && (await openCount()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await openCount(), 0);
  // Closed sessions are remembered up to 100 (for the test hooks): a long-running server stays small.
  await stillServes();
  assert.ok((/** @type {unknown[]} */ (await server.control('sessions'))).length <= 102);
  clients.length = 0;
  const heapAfterMB = (retainedHeap() - heapBefore) / 2 ** 20;
  assert.ok(heapOpenMB < 200, `heap with 500 sessions open: ${heapOpenMB.toFixed(1)} MB`);
  assert.ok(heapAfterMB < 20, `heap retained after they closed: ${heapAfterMB.toFixed(1)} MB`);
  console.log(`[rv-hardening] server-500 ${JSON.stringify({ openSeconds: +(openMs / 1000).toFixed(2), heapWith500OpenMB: +heapOpenMB.toFixed(1), heapAfterCloseMB: +heapAfterMB.toFixed(1) })}`);
});
