// Session configuration and robustness: `session.created` defaults, `session.update` merging and
// OpenAI-shaped validation errors, and garbage of every kind answered with `error` events while
// the session carries on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startServer } from './helpers.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const lookupOrder = {
  type: 'function',
  name: 'lookup_order',
  description: 'Look up an order',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

/**
 * Sends an update and returns the `session.updated` or `error` it causes.
 * @param {Client} client
 * @param {Record<string, any>} session
 * @param {string} [eventId]
 */
async function update(client, session, eventId) {
  const mark = client.mark();
  client.send({ type: 'session.update', ...(eventId ? { event_id: eventId } : {}), session });
  return client.waitFor((e) => e.type === 'session.updated' || e.type === 'error', { after: mark });
}

test('session.created carries the GA defaults: audio out, PCM 24 kHz both ways, server VAD, marin', async () => {
  const client = await Client.connect(server.url);
  const { session } = client.events[0];
  assert.deepEqual(session.output_modalities, ['audio']);
  assert.deepEqual(session.audio.input.format, { type: 'audio/pcm', rate: 24000 });
  assert.deepEqual(session.audio.output.format, { type: 'audio/pcm', rate: 24000 });
  assert.equal(session.audio.output.voice, 'marin');
  assert.equal(session.audio.output.speed, 1);
  assert.deepEqual(session.audio.input.turn_detection, {
    type: 'server_vad',
    threshold: 0.5,
    prefix_padding_ms: 300,
    silence_duration_ms: 200,
    idle_timeout_ms: null,
    create_response: true,
    interrupt_response: true,
  });
  assert.equal(session.tool_choice, 'auto');
  assert.equal(session.max_output_tokens, 'inf');
  await client.close();
});

test('session.update merges into the session and answers session.updated with the whole config', async () => {
  const client = await Client.connect(server.url);
  const first = await update(client, { type: 'realtime', instructions: 'Be brief.', tools: [lookupOrder] });
  assert.equal(first.type, 'session.updated');
  assert.equal(first.session.instructions, 'Be brief.');
  const second = await update(client, {
    type: 'realtime',
    audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'high' }, transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' }, noise_reduction: { type: 'near_field' } }, output: { voice: 'cedar', speed: 1.2 } },
  });
  assert.equal(second.session.instructions, 'Be brief.', 'untouched fields stay');
  assert.equal(second.session.tools[0].name, 'lookup_order');
  assert.deepEqual(second.session.audio.input.turn_detection, { type: 'semantic_vad', eagerness: 'high', create_response: true, interrupt_response: true });
  assert.deepEqual(second.session.audio.input.transcription, { model: 'gpt-4o-mini-transcribe', language: 'en' });
  assert.equal(second.session.audio.output.voice, 'cedar');
  assert.equal(second.session.audio.output.speed, 1.2);
  assert.deepEqual(second.session.audio.input.format, { type: 'audio/pcm', rate: 24000 }, 'format untouched');
  const manual = await update(client, { type: 'realtime', audio: { input: { turn_detection: null } } });
  assert.equal(manual.session.audio.input.turn_detection, null);
  await client.close();
});

test('invalid session.update fields get invalid_request_error with code, param and the client event_id; nothing is applied', async () => {
  const client = await Client.connect(server.url);
  /** @type {Array<[Record<string, any>, string, string]>} */
  const cases = [
    [{ type: 'realtime', modalities: ['text'] }, 'unknown_parameter', 'session.modalities'],
    [{ instructions: 'no type' }, 'missing_required_parameter', 'session.type'],
    [{ type: 'realtime', audio: { output: { voice: 'robot' } } }, 'invalid_value', 'session.audio.output.voice'],
    [{ type: 'realtime', audio: { output: { speed: 2 } } }, 'decimal_above_max_value', 'session.audio.output.speed'],
    [{ type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } }, 'invalid_value', 'session.audio.input.format.rate'],
    [{ type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 1.5 } } } }, 'decimal_above_max_value', 'session.audio.input.turn_detection.threshold'],
    [{ type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', eagerness: 'high' } } } }, 'unknown_parameter', 'session.audio.input.turn_detection.eagerness'],
    [{ type: 'realtime', output_modalities: ['audio', 'text'] }, 'invalid_value', 'session.output_modalities'],
    [{ type: 'realtime', instructions: 42 }, 'invalid_type', 'session.instructions'],
    [{ type: 'realtime', tools: [{ type: 'function' }] }, 'missing_required_parameter', 'session.tools[0].name'],
    [{ type: 'realtime', max_output_tokens: 5000 }, 'integer_above_max_value', 'session.max_output_tokens'],
    [{ type: 'realtime', tool_choice: 'sometimes' }, 'invalid_value', 'session.tool_choice'],
  ];
  for (const [i, [session, code, param]] of cases.entries()) {
    const answer = await update(client, session, `evt_case_${i}`);
    assert.equal(answer.type, 'error', `case ${i} should fail`);
    assert.equal(answer.error.type, 'invalid_request_error');
    assert.equal(answer.error.code, code, `case ${i}: ${answer.error.message}`);
    assert.equal(answer.error.param, param);
    assert.equal(answer.error.event_id, `evt_case_${i}`);
  }
  const voice = await update(client, { type: 'realtime', audio: { output: { voice: 'robot' } } });
  assert.match(voice.error.message, /^Invalid value: 'robot'\. Supported values are: 'alloy', .*'marin', and 'cedar'\.$/);
  // The whole update is rejected: a valid field next to an invalid one is not applied either.
  await update(client, { type: 'realtime', instructions: 'changed?', audio: { output: { speed: 9 } } });
  const after = await update(client, { type: 'realtime' });
  assert.notEqual(after.session.instructions, 'changed?');
  await client.close();
});

test('the voice cannot change once the model has spoken (cannot_update_voice), but other fields can', async () => {
  const client = await Client.connect(server.url);
  const mark = client.mark();
  client.send({ type: 'response.create' });
  await client.untilResponseDone(mark);
  const change = await update(client, { type: 'realtime', audio: { output: { voice: 'cedar' } } });
  assert.equal(change.type, 'error');
  assert.equal(change.error.code, 'cannot_update_voice');
  const same = await update(client, { type: 'realtime', instructions: 'Still fine.', audio: { output: { voice: 'marin' } } });
  assert.equal(same.type, 'session.updated');
  await client.close();
});

test('malformed frames are error events, never a crash: bad JSON, non-objects, binary, missing or unknown type', async () => {
  const client = await Client.connect(server.url);
  /** @type {Array<[string | Buffer, string | null, string | null]>} */
  const cases = [
    ['{"type": "session.update",', 'invalid_json', null],
    ['[1, 2, 3]', 'invalid_event', null],
    ['"just a string"', 'invalid_event', null],
    ['{"event_id": "evt_x"}', 'missing_required_parameter', 'type'],
    ['{"type": 7}', 'invalid_type', 'type'],
    ['{"type": "session.create", "event_id": "evt_unknown"}', 'invalid_value', 'type'],
    ['{"type": "response.audio.delta"}', 'invalid_value', 'type'],
    ['{"type": "response.create", "event_id": 12}', 'invalid_type', 'event_id'],
    [Buffer.from([0, 1, 2, 3]), 'invalid_json', null],
  ];
  for (const [frame, code, param] of cases) {
    const mark = client.mark();
    if (Buffer.isBuffer(frame)) client.ws.send(frame, { binary: true });
    else client.send(frame);
    const error = await client.waitFor('error', { after: mark });
    assert.equal(error.error.code, code, `${String(frame)} → ${error.error.message}`);
    assert.equal(error.error.param, param);
  }
  const unknown = client.events.find((e) => e.type === 'error' && e.error.event_id === 'evt_unknown');
  assert.match(unknown?.error.message, /^Invalid value: 'session\.create'\. Supported values are: 'session\.update', /);
  const mark = client.mark();
  client.send({ type: 'session.update', session: { type: 'realtime' } });
  await client.waitFor('session.updated', { after: mark });
  await client.close();
});

test('a burst of random garbage never breaks the session', async () => {
  const client = await Client.connect(server.url);
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const types = ['session.update', 'input_audio_buffer.append', 'conversation.item.create', 'conversation.item.truncate', 'response.create', 'response.cancel', 'conversation.item.delete', 'conversation.item.retrieve', 'input_audio_buffer.commit'];
  const junk = [null, 1, -1, 1e308, 'x', '', [], {}, { type: 'function' }, [{}], true, { audio: {} }, 'ÿ'.repeat(40)];
  const pick = (/** @type {any[]} */ list) => list[Math.floor(rand() * list.length)];
  for (let i = 0; i < 300; i++) {
    const event = { type: pick(types), [pick(['session', 'item', 'audio', 'item_id', 'response', 'audio_end_ms', 'content_index'])]: pick(junk) };
    if (event.type === 'response.create') continue; // would legitimately start responses
    client.send(rand() < 0.1 ? JSON.stringify(event).slice(0, Math.floor(rand() * 30)) : event);
  }
  const mark = client.mark();
  client.send({ type: 'session.update', event_id: 'evt_still_alive', session: { type: 'realtime', instructions: 'alive' } });
  const updated = await client.waitFor('session.updated', { after: mark });
  assert.equal(updated.session.instructions, 'alive');
  assert.ok(client.events.filter((e) => e.type === 'error').length > 100, 'garbage is answered with errors');
  await client.close();
});

test('output_audio_buffer.clear is WebRTC-only and answered with an error over WebSocket', async () => {
  const client = await Client.connect(server.url);
  client.send({ type: 'output_audio_buffer.clear', event_id: 'evt_clear' });
  const error = await client.waitFor('error');
  assert.equal(error.error.event_id, 'evt_clear');
  assert.match(error.error.message, /WebRTC/);
  await client.close();
});
