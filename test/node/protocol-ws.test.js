// The protocol layer in Node, where a real `ws` server and ajv are at hand: the WebSocket
// transport against a real socket (URL, subprotocols, frames, close codes, timeouts), every frame
// it sends checked against the GA JSON Schema's `RealtimeClientEvent`, and every GA sample of
// the browser tests against `RealtimeServerEvent`. The TypeScript sources are transpiled on the
// fly (TypeScript's own `transpileModule`, no build step), and `ws` stands in for the browser's
// WebSocket through the transport's injectable constructor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { WebSocket, WebSocketServer } from 'ws';
import Ajv2020 from 'ajv/dist/2020.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'rv-protocol-'));

/** Transpiles one TypeScript file into the scratch folder; returns the output path. */
function transpile(/** @type {string} */ file, /** @type {string} */ outName) {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, useDefineForClassFields: false },
    fileName: file,
  });
  const out = join(scratch, outName);
  writeFileSync(out, outputText);
  return out;
}

for (const f of readdirSync(join(root, 'src/protocol'))) {
  if (f.endsWith('.ts')) transpile(join(root, 'src/protocol', f), f.replace(/\.ts$/, '.js'));
}
/** @type {any} */
const protocol = await import(pathToFileURL(join(scratch, 'index.js')).href);
/** @type {any} */
const samples = await import(pathToFileURL(transpile(join(root, 'test/browser/protocol-samples.test.ts'), 'samples.js')).href);

const schemaPath = [
  join(root, 'test/fixtures/openai-realtime-ga.schema.json'),
  join(root, '../shared/spec/openai-realtime-ga.schema.json'),
].find((p) => existsSync(p));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
if (schemaPath) ajv.addSchema(JSON.parse(readFileSync(schemaPath, 'utf8')), 'rt');
const isClientEvent = schemaPath ? ajv.getSchema('rt#/$defs/RealtimeClientEvent') : undefined;
const isServerEvent = schemaPath ? ajv.getSchema('rt#/$defs/RealtimeServerEvent') : undefined;
const noSchema = schemaPath ? false : 'the GA JSON Schema is not found';

/** A local Realtime-ish server: picks the `realtime` subprotocol, records every connection and frame. */
/** @type {WebSocketServer} */ let wss;
/** @type {string} */ let wsUrl;
/** @type {{url: string, protocols: string[], frames: string[], socket: import('ws').WebSocket}[]} */
const connections = [];

before(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (set) => (set.has('realtime') ? 'realtime' : false) });
  wss.on('connection', (socket, req) => {
    const header = String(req.headers['sec-websocket-protocol'] ?? '');
    const conn = { url: req.url ?? '', protocols: header.split(',').map((s) => s.trim()), frames: /** @type {string[]} */ ([]), socket };
    connections.push(conn);
    socket.on('message', (data) => conn.frames.push(String(data)));
    socket.send(JSON.stringify(samples.GA_SAMPLES['session.created']));
  });
  await new Promise((resolve) => wss.on('listening', resolve));
  const address = /** @type {import('node:net').AddressInfo} */ (wss.address());
  wsUrl = `ws://127.0.0.1:${address.port}/v1/realtime`;
});

after(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise((resolve) => wss.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

/** Collects what the transport reports. */
function recorder() {
  /** @type {any[]} */ const messages = [];
  /** @type {string[]} */ const statuses = [];
  /** @type {any[]} */ const closes = [];
  /** @type {(() => void)[]} */ let wake = [];
  const notify = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  return {
    messages,
    statuses,
    closes,
    handlers: {
      message: (/** @type {any} */ r) => (messages.push(r), notify()),
      status: (/** @type {string} */ s) => (statuses.push(s), notify()),
      close: (/** @type {any} */ c) => (closes.push(c), notify()),
    },
    /** Resolves once `check()` is true (or rejects after 3 s). */
    until(/** @type {() => boolean} */ check) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out')), 3000);
        const poll = () => (check() ? (clearTimeout(timer), resolve(undefined)) : wake.push(poll));
        poll();
      });
    },
  };
}

/** Waits until the server has seen `n` frames on a connection. */
async function frames(/** @type {{frames: string[]}} */ conn, /** @type {number} */ n) {
  for (let i = 0; i < 300 && conn.frames.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return conn.frames;
}

const TOKEN = 'ek_68af_test_token_value';

test('every GA sample of the browser tests is a schema-valid RealtimeServerEvent and parses as known', { skip: noSchema }, () => {
  const types = Object.keys(samples.GA_SAMPLES);
  assert.equal(types.length, 46);
  for (const [type, sample] of Object.entries(samples.GA_SAMPLES)) {
    assert.ok(isServerEvent?.(sample), `${type}: ${ajv.errorsText(isServerEvent?.errors)}`);
    const result = protocol.parseServerEvent(JSON.stringify(sample));
    assert.equal(result.ok, true, `${type}: ${JSON.stringify(result.error)}`);
    assert.equal(result.event.known, true, type);
  }
});

test('the schema lists no server event type that the parser does not know', { skip: noSchema }, () => {
  const schema = JSON.parse(readFileSync(/** @type {string} */ (schemaPath), 'utf8'));
  const defs = schema.$defs;
  const types = defs.RealtimeServerEvent.anyOf.map((/** @type {any} */ r) => defs[r.$ref.split('/').pop()].properties.type.enum[0]);
  assert.equal(types.length, 46);
  for (const t of types) assert.ok(protocol.isKnownServerEventType(t), t);
});

test('every GA sample cut down to the fields its schema requires still parses as known (the parser asks no more)', { skip: noSchema }, () => {
  const defs = JSON.parse(readFileSync(/** @type {string} */ (schemaPath), 'utf8')).$defs;
  const byType = new Map(defs.RealtimeServerEvent.anyOf.map((/** @type {any} */ r) => defs[r.$ref.split('/').pop()]).map((/** @type {any} */ d) => [d.properties.type.enum[0], d]));
  for (const [type, sample] of Object.entries(samples.GA_SAMPLES)) {
    const required = byType.get(type).required ?? [];
    const minimal = Object.fromEntries(Object.entries(sample).filter(([key]) => required.includes(key)));
    assert.ok(isServerEvent?.(minimal), `${type} (required fields only): ${ajv.errorsText(isServerEvent?.errors)}`);
    const result = protocol.parseServerEvent(JSON.stringify(minimal));
    assert.equal(result.ok, true, `${type} with only ${required.join(', ')}: ${JSON.stringify(result.error)}`);
    assert.equal(result.event.known, true, type);
  }
});

test('WebSocketTransport: URL with ?model=, subprotocols realtime + key, session.created parsed', async () => {
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  await t.connect({ url: `${wsUrl}?foo=1`, model: 'gpt-realtime', token: TOKEN }, rec.handlers);
  assert.equal(t.status, 'open');
  const conn = connections.at(-1);
  assert.ok(conn);
  assert.equal(conn.url, '/v1/realtime?foo=1&model=gpt-realtime');
  assert.deepEqual(conn.protocols, ['realtime', `openai-insecure-api-key.${TOKEN}`]);
  assert.ok(!conn.url.includes(TOKEN));
  await rec.until(() => rec.messages.length > 0);
  assert.equal(rec.messages[0].ok, true);
  assert.equal(rec.messages[0].event.type, 'session.created');
  assert.deepEqual(rec.statuses, ['connecting', 'open']);
  t.close();
  await rec.until(() => rec.closes.length > 0);
  assert.equal(rec.closes[0].code, 1000);
  assert.equal(rec.closes[0].initiatedByClient, true);
  assert.deepEqual(rec.statuses, ['connecting', 'open', 'closing', 'closed']);
});

test('WebSocketTransport: every frame it sends is a schema-valid RealtimeClientEvent with a unique event_id', async () => {
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  await t.connect({ url: wsUrl, model: 'gpt-realtime', token: TOKEN }, rec.handlers);
  const conn = /** @type {any} */ (connections.at(-1));
  const pcm = new Uint8Array(961).map((_, i) => (i * 37) & 0xff); // odd length on purpose
  /** @type {any[]} */
  const events = [
    {
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        output_modalities: ['audio'],
        audio: {
          input: {
            format: { type: 'audio/pcm', rate: 24000 },
            noise_reduction: { type: 'near_field' },
            transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' },
            turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
          },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
        },
        tools: [{ type: 'function', name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }],
        tool_choice: 'auto',
        max_output_tokens: 'inf',
      },
    },
    { type: 'input_audio_buffer.commit' },
    { type: 'input_audio_buffer.clear' },
    { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } },
    { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_001', output: '{"status":"shipped"}' } },
    { type: 'response.create' },
    { type: 'response.cancel' },
    { type: 'conversation.item.truncate', item_id: 'item_002', content_index: 0, audio_end_ms: 1500 },
    { type: 'conversation.item.retrieve', item_id: 'item_002' },
    { type: 'conversation.item.delete', item_id: 'item_002' },
    { type: 'response.create', event_id: 'my_own_id' },
  ];
  const ids = events.map((e) => t.send(e));
  ids.push(t.appendAudio(pcm.buffer), t.appendAudio(new Int16Array(0)));
  assert.equal(ids[10], 'my_own_id');
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids.slice(0, 10)) assert.match(id, /^evt_[0-9a-z_]+$/);
  const got = await frames(conn, ids.length);
  assert.equal(got.length, ids.length);
  got.forEach((frame, i) => {
    const parsed = JSON.parse(frame);
    assert.equal(parsed.event_id, ids[i]);
    if (!noSchema) assert.ok(isClientEvent?.(parsed), `${parsed.type}: ${ajv.errorsText(isClientEvent?.errors)}`);
  });
  const append = JSON.parse(/** @type {string} */ (got[11]));
  assert.equal(append.type, 'input_audio_buffer.append');
  assert.deepEqual(new Uint8Array(Buffer.from(append.audio, 'base64')), pcm);
  assert.equal(JSON.parse(/** @type {string} */ (got[12])).audio, '');
  t.close();
  await rec.until(() => t.status === 'closed');
});

test('WebSocketTransport: a server close surfaces code and reason with initiatedByClient false', async () => {
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  await t.connect({ url: wsUrl, model: 'gpt-realtime', token: TOKEN }, rec.handlers);
  connections.at(-1)?.socket.close(1001, 'Your session hit the maximum duration of 60 minutes.');
  await rec.until(() => rec.closes.length > 0);
  assert.deepEqual(rec.closes[0], { code: 1001, reason: 'Your session hit the maximum duration of 60 minutes.', initiatedByClient: false });
  assert.equal(t.status, 'closed');
  assert.throws(() => t.send({ type: 'response.create' }), (/** @type {any} */ e) => e.code === 'invalid_state');
});

test('WebSocketTransport: client close codes and reasons reach the server; bad codes become 1000', async () => {
  for (const [code, reason, expectCode] of /** @type {[number, string, number][]} */ ([[4001, 'bye', 4001], [1006, 'x', 1000]])) {
    const t = new protocol.WebSocketTransport({ WebSocket });
    const rec = recorder();
    await t.connect({ url: wsUrl, model: 'm', token: TOKEN }, rec.handlers);
    const conn = /** @type {any} */ (connections.at(-1));
    const seen = new Promise((resolve) => conn.socket.once('close', (/** @type {number} */ c, /** @type {Buffer} */ r) => resolve([c, String(r)])));
    t.close(code, reason);
    assert.deepEqual(await seen, [expectCode, reason]);
    await rec.until(() => rec.closes.length > 0);
    assert.equal(rec.closes[0].initiatedByClient, true);
  }
});

test('WebSocketTransport: binary and malformed frames become typed protocol errors, the socket stays open', async () => {
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  await t.connect({ url: wsUrl, model: 'gpt-realtime', token: TOKEN }, rec.handlers);
  const socket = /** @type {any} */ (connections.at(-1)).socket;
  socket.send(Buffer.from([1, 2, 3]), { binary: true });
  socket.send('{"type":');
  socket.send(JSON.stringify({ type: 'response.output_audio.delta', delta: 5 }));
  socket.send(JSON.stringify({ type: 'response.audio.delta', event_id: 'e', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0, delta: 'AAAA' }));
  await rec.until(() => rec.messages.length >= 5);
  assert.deepEqual(
    rec.messages.slice(1).map((m) => (m.ok ? m.event.type : m.error.code)),
    ['binary_frame', 'invalid_json', 'invalid_field', 'response.output_audio.delta'],
  );
  assert.equal(t.status, 'open');
  t.close();
  await rec.until(() => t.status === 'closed');
});

test('WebSocketTransport: refuses an sk- key before any connection, and never puts the key in an error', async () => {
  const before = connections.length;
  const t = new protocol.WebSocketTransport({ WebSocket });
  await assert.rejects(t.connect({ url: wsUrl, model: 'm', token: 'sk-proj-abc123' }, recorder().handlers), (/** @type {any} */ e) => {
    assert.equal(e.code, 'insecure_api_key');
    assert.ok(!String(e.message).includes('abc123'));
    return true;
  });
  await assert.rejects(t.connect({ url: wsUrl, model: 'm', token: 'ek_has space' }, recorder().handlers), (/** @type {any} */ e) => {
    assert.equal(e.code, 'invalid_token');
    assert.ok(!String(e.message).includes('has space'));
    return true;
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(connections.length, before);
  assert.equal(t.status, 'idle');
});

test('WebSocketTransport: connection refused rejects connect_failed without the key', async () => {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (probe.address()).port;
  await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  await assert.rejects(t.connect({ url: `ws://127.0.0.1:${port}/v1/realtime`, model: 'm', token: TOKEN }, rec.handlers), (/** @type {any} */ e) => {
    assert.equal(e.code, 'connect_failed');
    assert.ok(!JSON.stringify({ m: e.message, c: e.close }).includes(TOKEN));
    return true;
  });
  assert.equal(t.status, 'closed');
  assert.equal(rec.closes.length, 0);
});

test('WebSocketTransport: a server that never answers the handshake times out', async () => {
  /** @type {import('node:net').Socket[]} */ const sockets = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (silent.address()).port;
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  const started = Date.now();
  await assert.rejects(t.connect({ url: `ws://127.0.0.1:${port}/`, model: 'm', token: TOKEN, timeoutMs: 150 }, rec.handlers), (/** @type {any} */ e) => e.code === 'connect_timeout');
  assert.ok(Date.now() - started < 2000);
  assert.equal(t.status, 'closed');
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test('WebSocketTransport: can connect again after a close, with fresh event ids', async () => {
  const t = new protocol.WebSocketTransport({ WebSocket });
  const rec = recorder();
  await t.connect({ url: wsUrl, model: 'm', token: TOKEN }, rec.handlers);
  const a = t.send({ type: 'response.create' });
  t.close();
  await rec.until(() => t.status === 'closed');
  await t.connect({ url: wsUrl, model: 'm', token: TOKEN }, rec.handlers);
  const b = t.send({ type: 'response.create' });
  assert.notEqual(a, b);
  t.close();
  await rec.until(() => rec.closes.length === 2);
});
