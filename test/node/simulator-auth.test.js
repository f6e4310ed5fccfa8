// The local server's front door: minting client secrets over REST exactly as OpenAI answers,
// and authenticating WebSocket handshakes (browser subprotocol, backend header), including the
// rejections. Every test runs over a real socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { API_KEY, Client, mintKey, postClientSecret, sleep, startServer } from './helpers.js';
import { clientSecretError } from './schema.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/**
 * Attempts a handshake and reports the HTTP status of a refusal (or 101).
 * @param {string} url
 * @param {string[] | undefined} protocols
 * @param {Record<string, string>} [headers]
 * @returns {Promise<{status: number, body: string}>}
 */
function handshake(url, protocols, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error);
    });
  });
}

test('POST /realtime/client_secrets returns the GA client-secret shape with an ek_ key and the pinned session', async () => {
  const before = Math.floor(Date.now() / 1000);
  const { status, body } = await postClientSecret(server, {
    session: { type: 'realtime', model: 'gpt-realtime', instructions: 'You are Northwind support.', audio: { output: { voice: 'cedar' } } },
  });
  assert.equal(status, 200);
  assert.equal(clientSecretError(body), null);
  assert.match(body.value, /^ek_[0-9a-f]{32}$/);
  assert.ok(body.expires_at >= before + 600 && body.expires_at <= before + 601, 'default TTL is 600 s');
  assert.equal(body.session.type, 'realtime');
  assert.equal(body.session.object, 'realtime.session');
  assert.match(body.session.id, /^sess_[A-Za-z0-9]{21}$/);
  assert.equal(body.session.instructions, 'You are Northwind support.');
  assert.equal(body.session.audio.output.voice, 'cedar');
  assert.deepEqual(body.session.audio.input.format, { type: 'audio/pcm', rate: 24000 });
});

test('client secrets honour expires_after.seconds and reject values outside 10–7200 like OpenAI', async () => {
  const now = Math.floor(Date.now() / 1000);
  const ok = await postClientSecret(server, { expires_after: { anchor: 'created_at', seconds: 30 }, session: { type: 'realtime' } });
  assert.equal(ok.status, 200);
  assert.ok(Math.abs(ok.body.expires_at - (now + 30)) <= 1);
  const low = await postClientSecret(server, { expires_after: { seconds: 5 } });
  assert.equal(low.status, 400);
  assert.equal(low.body.error.code, 'integer_below_min_value');
  assert.equal(low.body.error.param, 'expires_after.seconds');
  const high = await postClientSecret(server, { expires_after: { seconds: 9000 } });
  assert.equal(high.body.error.code, 'integer_above_max_value');
  assert.match(high.body.error.message, /Expected a value <= 7200, but got 9000 instead/);
});

test('client-secret requests need the standard key: missing, wrong or ephemeral keys get 401 without echoing the key', async () => {
  const missing = await fetch(`${server.httpUrl}/realtime/client_secrets`, { method: 'POST', body: '{}' });
  assert.equal(missing.status, 401);
  assert.match((await missing.json()).error.message, /didn't provide an API key/);
  const wrong = await postClientSecret(server, {}, 'sk-wrong-key-1234567890');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'invalid_api_key');
  assert.ok(!JSON.stringify(wrong.body).includes('sk-wrong-key-1234567890'), 'the key is masked');
  const ek = await mintKey(server);
  const ephemeral = await postClientSecret(server, {}, ek);
  assert.equal(ephemeral.status, 401);
});

test('an invalid session in a client-secret request is a 400 naming the parameter', async () => {
  const voice = await postClientSecret(server, { session: { type: 'realtime', audio: { output: { voice: 'robot' } } } });
  assert.equal(voice.status, 400);
  assert.equal(voice.body.error.code, 'invalid_value');
  assert.equal(voice.body.error.param, 'session.audio.output.voice');
  const noType = await postClientSecret(server, { session: { instructions: 'hi' } });
  assert.equal(noType.body.error.code, 'missing_required_parameter');
  assert.equal(noType.body.error.param, 'session.type');
  const junk = await fetch(`${server.httpUrl}/realtime/client_secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}` },
    body: '{not json',
  });
  assert.equal(junk.status, 400);
});

test('the REST side answers CORS preflights, 404s unknown paths and refuses the retired beta endpoint', async () => {
  const preflight = await fetch(`${server.httpUrl}/realtime/client_secrets`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  const unknown = await fetch(`${server.httpUrl}/nothing-here`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(unknown.status, 404);
  assert.match((await unknown.json()).error.message, /^Invalid URL \(POST \/v1\/nothing-here\)$/);
  const beta = await fetch(`${server.httpUrl}/realtime/sessions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(beta.status, 400);
  assert.equal((await beta.json()).error.code, 'beta_api_shape_disabled');
});

test('browsers authenticate with the ek_ subprotocol; the server selects "realtime" and applies the pinned session', async () => {
  const ek = await mintKey(server, { type: 'realtime', instructions: 'Pinned by the backend.', audio: { output: { voice: 'sage' } } });
  const client = await Client.connect(server.url, { key: ek });
  assert.equal(client.ws.protocol, 'realtime');
  const created = client.events[0];
  assert.equal(created.type, 'session.created');
  assert.match(created.event_id, /^event_[A-Za-z0-9]{21}$/);
  assert.equal(created.session.instructions, 'Pinned by the backend.');
  assert.equal(created.session.audio.output.voice, 'sage');
  assert.ok(created.session.expires_at > Date.now() / 1000 + 3500, 'sessions last an hour');
  const sessions = /** @type {any[]} */ (await server.control('sessions'));
  const record = sessions.find((s) => s.id === created.session.id);
  assert.equal(record.auth, 'ephemeral_key');
  assert.equal(record.authVia, 'subprotocol');
  await client.close();
});

test('backends authenticate with Authorization: Bearer and the standard key; ?model= picks the model', async () => {
  const client = await Client.connect(server.url, { header: true, model: 'gpt-realtime-mini' });
  assert.equal(client.events[0].session.model, 'gpt-realtime-mini');
  const sessions = /** @type {any[]} */ (await server.control('sessions'));
  assert.equal(sessions.at(-1).auth, 'api_key');
  assert.equal(sessions.at(-1).authVia, 'header');
  await client.close();
});

test('the handshake refuses unknown, expired and missing keys with 401', async () => {
  const url = `${server.url}?model=gpt-realtime`;
  const unknown = await handshake(url, ['realtime', `openai-insecure-api-key.ek_${'0'.repeat(32)}`]);
  assert.equal(unknown.status, 401);
  const expired = /** @type {{value: string}} */ (await server.control('mint', { ttlSeconds: -1 }));
  const old = await handshake(url, ['realtime', `openai-insecure-api-key.${expired.value}`]);
  assert.equal(old.status, 401);
  assert.match(JSON.parse(old.body).error.message, /expired/);
  const wrong = await handshake(url, undefined, { Authorization: 'Bearer sk-not-the-key-000000' });
  assert.equal(wrong.status, 401);
  const none = await handshake(url, ['realtime']);
  assert.equal(none.status, 401);
});

test('the handshake refuses the beta shape, a missing "realtime" subprotocol and unknown paths', async () => {
  const ek = await mintKey(server);
  const beta = await handshake(`${server.url}?model=gpt-realtime`, ['realtime', 'openai-beta.realtime-v1', `openai-insecure-api-key.${ek}`]);
  assert.equal(beta.status, 400);
  assert.equal(JSON.parse(beta.body).error.code, 'beta_api_shape_disabled');
  const betaHeader = await handshake(`${server.url}?model=gpt-realtime`, undefined, { Authorization: `Bearer ${API_KEY}`, 'OpenAI-Beta': 'realtime=v1' });
  assert.equal(betaHeader.status, 400);
  const noRealtime = await handshake(`${server.url}?model=gpt-realtime`, [`openai-insecure-api-key.${ek}`]);
  assert.equal(noRealtime.status, 400);
  const path = await handshake(server.url.replace('/v1/realtime', '/v1/other'), ['realtime', `openai-insecure-api-key.${ek}`]);
  assert.equal(path.status, 404);
});

test('a session keeps running after its key expires, and one key may start several sessions until then', async () => {
  const secret = /** @type {{value: string}} */ (await server.control('mint', { ttlSeconds: 1 }));
  const first = await Client.connect(server.url, { key: secret.value });
  const second = await Client.connect(server.url, { key: secret.value });
  await sleep(1100);
  const mark = first.mark();
  first.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
  await first.waitFor('conversation.item.done', { after: mark });
  const again = await handshake(`${server.url}?model=gpt-realtime`, ['realtime', `openai-insecure-api-key.${secret.value}`]);
  assert.equal(again.status, 401, 'but it can no longer start one');
  const keys = /** @type {any[]} */ (await server.control('keys'));
  assert.equal(keys.find((k) => k.value === secret.value).sessions_started, 2);
  await first.close();
  await second.close();
});
