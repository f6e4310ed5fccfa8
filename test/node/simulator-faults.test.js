// Failure on demand, and the test hooks: dropped connections (abrupt or with a close code),
// stalls, jittered and bursty audio, refused or slow token minting, refused handshakes, the
// session length limit, the frame-size limit — and every `control` operation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { sessionExpiredReason } from '../../server/simulator/connection.js';
import { API_KEY, Client, decodedBytes, postClientSecret, speech, startServer, toBase64 } from './helpers.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
before(async () => {
  server = await startServer({ scenario: { greeting: 'Hello from the fault tests, this reply is long enough to stream in several chunks.' } });
});
after(() => server.close());

/**
 * Runs one greeting response and returns its events with arrival times.
 * @param {Client} client
 */
async function timedResponse(client) {
  /** @type {number[]} */
  const times = [];
  client.ws.on('message', () => times.push(performance.now()));
  const mark = client.mark();
  client.send({ type: 'response.create' });
  const events = await client.untilResponseDone(mark);
  return { events, times: times.slice(0, events.length) };
}

test('dropAfterEvents terminates the connection abruptly (1006) once, then clears itself', async () => {
  const faults = /** @type {any} */ (await server.control('faults', { dropAfterEvents: 4 }));
  assert.equal(faults.dropAfterEvents, 4);
  const client = await Client.connect(server.url);
  client.send({ type: 'response.create' });
  const closed = await client.closed;
  assert.equal(closed.code, 1006);
  assert.equal(client.events.length, 4, 'exactly N server events were delivered');
  const now = /** @type {any} */ (await server.control('faults', {}));
  assert.equal(now.dropAfterEvents, null, 'the fault cleared after one drop');
  const next = await Client.connect(server.url);
  const mark = next.mark();
  next.send({ type: 'response.create' });
  await next.untilResponseDone(mark);
  await next.close();
  await client.close();
});

test('a drop may use a close code and reason instead, and may repeat (dropTimes)', async () => {
  await server.control('faults', { dropAfterEvents: 1, dropCode: 4001, dropReason: 'injected', dropTimes: 2 });
  try {
    for (let i = 0; i < 2; i++) {
      const ws = new WebSocket(`${server.url}?model=gpt-realtime`, ['realtime', `openai-insecure-api-key.${API_KEY}`]);
      const client = new Client(ws);
      const closed = await client.closed;
      assert.deepEqual(closed, { code: 4001, reason: 'injected' });
      assert.equal(client.events[0]?.type, 'session.created');
    }
    const after = /** @type {any} */ (await server.control('faults', {}));
    assert.equal(after.dropAfterEvents, null);
  } finally {
    await server.control('faults', { dropCode: null, dropReason: null, dropTimes: null, dropAfterEvents: null });
  }
});

test('stallMs holds every event back for that long, once', async () => {
  const client = await Client.connect(server.url);
  await server.control('faults', { stallMs: 400, stallAfterEvents: 2 });
  try {
    const { times } = await timedResponse(client);
    const gaps = times.slice(1).map((t, i) => t - /** @type {number} */ (times[i]));
    const big = gaps.filter((g) => g >= 350);
    assert.equal(big.length, 1, `one stall, gaps ${gaps.map(Math.round).join(',')}`);
    assert.equal(gaps.indexOf(/** @type {number} */ (big[0])), 1, 'after the second event');
  } finally {
    await server.control('faults', { stallMs: null, stallAfterEvents: null });
  }
  await client.close();
});

test('jitterMs delays audio deltas randomly; the audio still arrives whole and in order', async () => {
  const plain = await Client.connect(server.url);
  const reference = await timedResponse(plain);
  await plain.close();
  await server.control('faults', { jitterMs: 60 });
  try {
    const client = await Client.connect(server.url);
    const started = performance.now();
    const { events } = await timedResponse(client);
    const elapsed = performance.now() - started;
    const bytes = (/** @type {any[]} */ list) => list.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + decodedBytes(e.delta), 0);
    assert.equal(bytes(events), bytes(reference.events));
    const deltas = events.filter((e) => e.type === 'response.output_audio.delta').length;
    assert.ok(elapsed > deltas * 15, `${deltas} deltas took ${Math.round(elapsed)} ms`);
    await client.close();
  } finally {
    await server.control('faults', { jitterMs: null });
  }
});

test('burst sends audio deltas back-to-back in groups', async () => {
  const slow = await startServer({ scenario: { speedup: 2, greeting: 'A short greeting for the burst test, long enough for chunks.' }, faults: { burst: 6 } });
  const client = await Client.connect(slow.url);
  const { events, times } = await timedResponse(client);
  const deltaTimes = events.flatMap((e, i) => (e.type === 'response.output_audio.delta' ? [/** @type {number} */ (times[i])] : []));
  const gaps = deltaTimes.slice(1).map((t, i) => t - /** @type {number} */ (deltaTimes[i]));
  const tight = gaps.filter((g) => g < 3).length;
  const pauses = gaps.filter((g) => g >= 20).length;
  assert.ok(tight >= gaps.length * 0.6, `most deltas arrive together (${tight}/${gaps.length})`);
  assert.ok(pauses >= 1, 'with pauses between the groups');
  await client.close();
  await slow.close();
});

test('token faults: minting can be refused with a status, or slowed down', async () => {
  await server.control('faults', { tokenStatus: 503 });
  const refused = await postClientSecret(server);
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error.type, 'server_error');
  await server.control('faults', { tokenStatus: 429 });
  assert.equal((await postClientSecret(server)).body.error.code, 'rate_limit_exceeded');
  await server.control('faults', { tokenStatus: null, tokenDelayMs: 300 });
  const started = Date.now();
  const slow = await postClientSecret(server);
  assert.equal(slow.status, 200);
  assert.ok(Date.now() - started >= 290);
  await server.control('faults', { tokenDelayMs: null });
});

test('handshakeStatus refuses WebSocket upgrades with that HTTP status', async () => {
  await server.control('faults', { handshakeStatus: 503 });
  try {
    await assert.rejects(Client.connect(server.url), (/** @type {any} */ error) => error.status === 503);
  } finally {
    await server.control('faults', { handshakeStatus: null });
  }
});

test('control("drop") ends live sessions with a given close code, or abruptly without one', async () => {
  const a = await Client.connect(server.url);
  const sessionId = a.events[0].session.id;
  assert.deepEqual(await server.control('drop', { sessionId, code: 1012, reason: 'service restart' }), { dropped: 1 });
  assert.deepEqual(await a.closed, { code: 1012, reason: 'service restart' });
  const b = await Client.connect(server.url);
  await server.control('drop', {});
  assert.equal((await b.closed).code, 1006);
  await a.close();
  await b.close();
});

test('sessions end at the maximum duration: session_expired error, then close 1001 with OpenAI\'s reason', async () => {
  assert.equal(sessionExpiredReason(3600), 'Your session hit the maximum duration of 60 minutes.');
  const short = await startServer({ maxSessionSeconds: 1 });
  const client = await Client.connect(short.url);
  assert.ok(client.events[0].session.expires_at <= Math.ceil(Date.now() / 1000) + 1);
  const closed = await client.closed;
  assert.deepEqual(closed, { code: 1001, reason: 'Your session hit the maximum duration of 1 second.' });
  const error = client.events.find((e) => e.type === 'error');
  assert.equal(error?.error.code, 'session_expired');
  assert.equal(error?.error.message, closed.reason);
  assert.deepEqual(await short.control('options', { maxSessionSeconds: 120 }), { maxSessionSeconds: 120 });
  const longer = await Client.connect(short.url);
  assert.ok(longer.events[0].session.expires_at >= Math.floor(Date.now() / 1000) + 119);
  await longer.close();
  await client.close();
  await short.close();
});

test('frames above maxFrameBytes close the connection with 1009; the server keeps serving', async () => {
  const small = await startServer({ maxFrameBytes: 32 * 1024 });
  const client = await Client.connect(small.url);
  client.send({ type: 'input_audio_buffer.append', audio: toBase64(speech(300)) }); // ~19 KB: fine
  client.send({ type: 'input_audio_buffer.append', audio: toBase64(speech(1000)) }); // ~64 KB: too big
  assert.equal((await client.closed).code, 1009);
  const next = await Client.connect(small.url);
  await next.close();
  await client.close();
  await small.close();
});

test('control hooks: sessions, events (filtered, in order), sent, keys, respond, scenario and reset return plain JSON', async () => {
  const hooks = await startServer();
  const secret = /** @type {any} */ (await hooks.control('mint', { ttlSeconds: 60, session: { instructions: 'Hooked.' } }));
  assert.match(secret.value, /^ek_/);
  assert.equal(secret.session.instructions, 'Hooked.');
  const client = await Client.connect(hooks.url, { key: secret.value });
  client.send({ type: 'session.update', event_id: 'evt_1', session: { type: 'realtime' } });
  client.send({ type: 'input_audio_buffer.append', event_id: 'evt_2', audio: toBase64(speech(40)) });
  client.send({ type: 'input_audio_buffer.clear', event_id: 'evt_3' });
  await client.waitFor('input_audio_buffer.cleared');
  const events = /** @type {any[]} */ (await hooks.control('events'));
  assert.deepEqual(events.map((e) => e.event_id), ['evt_1', 'evt_2', 'evt_3']);
  const appends = /** @type {any[]} */ (await hooks.control('events', { type: 'input_audio_buffer.append' }));
  assert.equal(appends.length, 1);
  assert.equal(appends[0].audio, '<1920 bytes>', 'appends are kept with the size of their audio (40 ms)');
  const { responseId } = /** @type {any} */ (await hooks.control('respond', { text: 'Spoken on request.' }));
  const done = await client.waitFor('response.done');
  assert.equal(done.response.id, responseId);
  assert.equal(done.response.output[0].content[0].transcript, 'Spoken on request.');
  const sent = /** @type {any[]} */ (await hooks.control('sent', { type: 'response.output_audio.delta', limit: 2 }));
  assert.equal(sent.length, 2);
  assert.match(sent[0].delta, /^<\d+ bytes>$/);
  const sessions = /** @type {any[]} */ (await hooks.control('sessions'));
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].open, true);
  assert.equal(sessions[0].auth, 'ephemeral_key');
  assert.ok(sessions[0].eventsReceived >= 3);
  const keys = /** @type {any[]} */ (await hooks.control('keys'));
  assert.equal(keys[0].value, secret.value);
  const scenario = await hooks.control('scenario', { greeting: 'Hi!', transcripts: ['one'] });
  assert.deepEqual(scenario, { greeting: 'Hi!', transcripts: ['one'] });
  for (const value of [events, sent, sessions, keys, scenario]) assert.deepEqual(JSON.parse(JSON.stringify(value)), value);
  await assert.rejects(hooks.control('faults', { bogus: 1 }), /unknown fault/);
  await assert.rejects(hooks.control('faults', { dropCode: 1006 }), /dropCode/);
  await assert.rejects(hooks.control('scenario', { replies: 'nope' }), /replies/);
  await assert.rejects(hooks.control('nope'), /unknown control op/);
  assert.deepEqual(await hooks.control('reset'), { ok: true });
  assert.equal((await client.closed).code, 1000);
  assert.deepEqual(await hooks.control('sessions'), []);
  assert.deepEqual(await hooks.control('keys'), []);
  await client.close();
  await hooks.close();
});
