// Conformance with a client nobody here wrote: the official `openai` SDK mints a client secret
// over REST and drives the local server with its Realtime WebSocket client — a text turn, and an
// audio turn that calls a function and continues after the function's output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OpenAIRealtimeWebSocket } from 'openai/realtime/websocket';
import { WebSocket } from 'ws';
import { API_KEY, join, silence, speech, startServer, toBase64 } from './helpers.js';
import { serverEventError } from './schema.js';

// The SDK's browser-style client uses the global WebSocket, which Node 20 lacks; `ws` speaks the
// same interface (addEventListener, event.data, send, close).
Object.assign(globalThis, { WebSocket });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/**
 * Mints a client secret with the SDK and opens the SDK's Realtime WebSocket with it.
 * @param {Record<string, any>} session
 */
async function sdkSession(session) {
  const backend = new OpenAI({ apiKey: API_KEY, baseURL: server.httpUrl });
  const secret = await backend.realtime.clientSecrets.create({ session: { type: 'realtime', model: 'gpt-realtime', ...session } });
  assert.match(secret.value, /^ek_/);
  const browser = new OpenAI({ apiKey: secret.value, baseURL: server.httpUrl });
  // The SDK always builds a wss:// URL from baseURL; this server speaks plain ws://.
  const rt = new OpenAIRealtimeWebSocket({ model: 'gpt-realtime', onURL: (url) => void (url.protocol = 'ws:') }, browser);
  /** @type {any[]} */
  const events = [];
  /** @type {string[]} */
  const problems = [];
  /** @type {Error[]} */
  const errors = [];
  rt.on('event', (event) => {
    events.push(event);
    const problem = serverEventError(event);
    if (problem) problems.push(problem);
  });
  rt.on('error', (error) => errors.push(error));
  /**
   * @param {(event: any) => boolean} predicate
   * @param {number} [after]
   */
  const next = (predicate, after = 0) =>
    new Promise((resolve, reject) => {
      const found = events.slice(after).find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`timeout; saw ${events.map((e) => e.type).join(', ')}`)), 8000);
      /** @param {any} event */
      const listener = (event) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        rt.off('event', listener);
        resolve(event);
      };
      rt.on('event', listener);
    });
  await next((e) => e.type === 'session.created');
  return { rt, events, problems, errors, next };
}

test('the openai SDK completes a text turn against the local server', async () => {
  const { rt, events, problems, errors, next } = await sdkSession({ output_modalities: ['text'], instructions: 'Answer briefly.' });
  assert.equal(rt.socket.protocol, 'realtime');
  assert.equal(events[0].session.instructions, 'Answer briefly.');
  const mark = events.length;
  rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'How long does shipping take?' }] } });
  rt.send({ type: 'response.create' });
  const done = /** @type {any} */ (await next((e) => e.type === 'response.done', mark));
  assert.equal(done.response.status, 'completed');
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.match(text, /business days/);
  assert.deepEqual(problems, []);
  assert.deepEqual(errors, []);
  rt.close();
});

test('the openai SDK completes an audio turn with a function call and its continuation', async () => {
  await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5, transcripts: ['Hi, where is my order 4217?'] });
  try {
    const { rt, events, problems, errors, next } = await sdkSession({
      audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'server_vad', silence_duration_ms: 300 } } },
      tools: [
        {
          type: 'function',
          name: 'lookup_order',
          description: 'Look up an order',
          parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
        },
      ],
    });
    const mark = events.length;
    const audio = join(silence(200), speech(900), silence(500));
    for (let i = 0; i < audio.length; i += 480) rt.send({ type: 'input_audio_buffer.append', audio: toBase64(audio.subarray(i, i + 480)) });
    const call = /** @type {any} */ (await next((e) => e.type === 'response.function_call_arguments.done', mark));
    assert.equal(call.name, 'lookup_order');
    assert.deepEqual(JSON.parse(call.arguments), { order_id: '4217' });
    const transcription = /** @type {any} */ (await next((e) => e.type === 'conversation.item.input_audio_transcription.completed', mark));
    assert.equal(transcription.transcript, 'Hi, where is my order 4217?');
    const first = /** @type {any} */ (await next((e) => e.type === 'response.done', mark));
    assert.equal(first.response.output.at(-1).type, 'function_call');
    const after = events.length;
    rt.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ orderId: '4217', status: 'delivered', item: 'Down jacket' }) },
    });
    rt.send({ type: 'response.create' });
    const second = /** @type {any} */ (await next((e) => e.type === 'response.done', after));
    assert.equal(second.response.output[0].content[0].transcript, 'Order 4217, the Down jacket, was delivered.');
    assert.ok(events.slice(after).some((e) => e.type === 'response.output_audio.delta'), 'spoken, with audio');
    assert.deepEqual(problems, []);
    assert.deepEqual(errors, []);
    rt.close();
  } finally {
    await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5 });
  }
});

test("the SDK's error path sees OpenAI-shaped errors (code, param, event_id)", async () => {
  const { rt, errors, next, events } = await sdkSession({});
  const mark = events.length;
  rt.send({ type: 'session.update', event_id: 'evt_sdk', session: /** @type {any} */ ({ type: 'realtime', voice: 'alloy' }) });
  await next((e) => e.type === 'error', mark);
  assert.equal(errors.length, 1);
  const error = /** @type {any} */ (errors[0]);
  assert.equal(error.error.code, 'unknown_parameter');
  assert.equal(error.error.param, 'session.voice');
  assert.equal(error.error.event_id, 'evt_sdk');
  rt.close();
});
