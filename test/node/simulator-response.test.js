// Responses: the full GA event sequence, audio faster than real time in varied chunk sizes,
// text-only output, function calls and their continuation, cancel, barge-in, truncation,
// item retrieve/delete, one active response at a time, token limits and out-of-band responses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, decodedBytes, join, silence, speech, startServer } from './helpers.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const lookupOrder = {
  type: 'function',
  name: 'lookup_order',
  description: 'Look up an order by number',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

/**
 * @param {Client} client
 * @param {Record<string, any>} session
 */
async function configure(client, session) {
  const mark = client.mark();
  client.send({ type: 'session.update', session: { type: 'realtime', ...session } });
  await client.waitFor('session.updated', { after: mark });
}

/**
 * @param {Client} client
 * @param {string} text
 */
function say(client, text) {
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
}

/**
 * A server whose audio streams near real time, for interruption tests.
 * @param {Record<string, any>} scenario
 */
const slowServer = (scenario) =>
  startServer({ scenario: { latencyMs: 0, speedup: 2, greeting: 'Hello there, this is a short reply for testing interruptions.', ...scenario } });

test('an audio response follows the GA sequence, audio arrives faster than real time in chunks from ~400 B to ~16 KB', async () => {
  const client = await Client.connect(server.url);
  const mark = client.mark();
  const started = Date.now();
  client.send({ type: 'response.create' });
  const events = await client.untilResponseDone(mark);
  const elapsed = Date.now() - started;
  const skeleton = events.map((e) => e.type).filter((t) => !t.endsWith('.delta'));
  assert.deepEqual(skeleton, [
    'response.created',
    'response.output_item.added',
    'conversation.item.added',
    'response.content_part.added',
    'response.output_audio.done',
    'response.output_audio_transcript.done',
    'response.content_part.done',
    'response.output_item.done',
    'conversation.item.done',
    'response.done',
  ]);
  const created = events[0];
  assert.match(created.response.id, /^resp_[A-Za-z0-9]{21}$/);
  assert.equal(created.response.status, 'in_progress');
  const deltas = events.filter((e) => e.type === 'response.output_audio.delta');
  const sizes = deltas.map((d) => decodedBytes(d.delta));
  assert.ok(Math.min(...sizes) < 2000 && Math.max(...sizes) > 8000, `sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`);
  assert.ok(Math.max(...sizes) <= 16000);
  assert.ok(sizes.every((n) => n % 2 === 0), 'whole PCM16 samples');
  const audioMs = sizes.reduce((a, b) => a + b, 0) / 48;
  assert.ok(elapsed < audioMs / 4, `streamed ${audioMs.toFixed(0)} ms of audio in ${elapsed} ms`);
  const transcript = events.filter((e) => e.type === 'response.output_audio_transcript.delta').map((e) => e.delta).join('');
  assert.equal(transcript, events.find((e) => e.type === 'response.output_audio_transcript.done')?.transcript);
  assert.match(transcript, /Northwind Outfitters/, 'the default agent greets');
  const part = events.find((e) => e.type === 'response.content_part.added');
  assert.deepEqual(part.part, { type: 'audio', transcript: '' });
  const done = events.at(-1);
  assert.equal(done.response.status, 'completed');
  assert.deepEqual(done.response.output[0].content, [{ type: 'output_audio', transcript }]);
  assert.ok(done.response.usage.output_token_details.audio_tokens > 0);
  assert.equal(done.response.usage.total_tokens, done.response.usage.input_tokens + done.response.usage.output_tokens);
  const limits = await client.waitFor('rate_limits.updated', { after: mark });
  assert.equal(limits.rate_limits.length, 2);
  await client.close();
});

test('typed turns get answers from the built-in support agent', async () => {
  const client = await Client.connect(server.url);
  for (const [question, answer] of [
    ['How long does shipping take?', /business days/],
    ['Can I return my jacket?', /30 days/],
    ['Thanks!', /welcome/],
  ]) {
    const mark = client.mark();
    say(client, String(question));
    client.send({ type: 'response.create' });
    const events = await client.untilResponseDone(mark);
    assert.match(events.find((e) => e.type === 'response.output_audio_transcript.done')?.transcript, /** @type {RegExp} */ (answer));
  }
  await client.close();
});

test('text-only modality streams output_text deltas and no audio', async () => {
  const client = await Client.connect(server.url);
  await configure(client, { output_modalities: ['text'] });
  const mark = client.mark();
  say(client, 'What are your opening hours?');
  client.send({ type: 'response.create' });
  const events = await client.untilResponseDone(mark);
  assert.ok(!events.some((e) => e.type.includes('audio')));
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(text, events.find((e) => e.type === 'response.output_text.done')?.text);
  assert.match(text, /8 AM to 8 PM/);
  assert.deepEqual(events.find((e) => e.type === 'response.content_part.added')?.part, { type: 'text', text: '' });
  assert.deepEqual(events.at(-1).response.output[0].content, [{ type: 'output_text', text }]);
  assert.deepEqual(events.at(-1).response.output_modalities, ['text']);
  await client.close();
});

test('response.create may override modality, voice, metadata and instructions for one response', async () => {
  const client = await Client.connect(server.url);
  const mark = client.mark();
  client.send({
    type: 'response.create',
    response: { output_modalities: ['text'], instructions: 'Say exactly: "Welcome back to Northwind!"', metadata: { purpose: 'greeting' } },
  });
  const events = await client.untilResponseDone(mark);
  assert.equal(events.find((e) => e.type === 'response.output_text.done')?.text, 'Welcome back to Northwind!');
  assert.deepEqual(events.at(-1).response.metadata, { purpose: 'greeting' });
  const bad = client.mark();
  client.send({ type: 'response.create', event_id: 'evt_bad', response: { output_modalities: ['audio', 'text'] } });
  const error = await client.waitFor('error', { after: bad });
  assert.equal(error.error.param, 'response.output_modalities');
  assert.equal(error.error.event_id, 'evt_bad');
  await client.close();
});

test('an order number with a lookup_order tool: a spoken preamble, then a function call; its output is spoken next', async () => {
  const client = await Client.connect(server.url);
  await configure(client, { tools: [lookupOrder] });
  let mark = client.mark();
  say(client, 'Where is my order 4217?');
  client.send({ type: 'response.create' });
  let events = await client.untilResponseDone(mark);
  const added = events.filter((e) => e.type === 'response.output_item.added');
  assert.deepEqual(added.map((e) => [e.output_index, e.item.type]), [[0, 'message'], [1, 'function_call']]);
  const call = added[1].item;
  assert.match(call.call_id, /^call_[A-Za-z0-9]{16}$/);
  assert.equal(call.name, 'lookup_order');
  const argDeltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
  const argsDone = events.find((e) => e.type === 'response.function_call_arguments.done');
  assert.equal(argDeltas.map((e) => e.delta).join(''), argsDone.arguments);
  assert.deepEqual(JSON.parse(argsDone.arguments), { order_id: '4217' });
  assert.equal(argsDone.call_id, call.call_id);
  assert.equal(events.at(-1).response.output[1].arguments, argsDone.arguments);
  mark = client.mark();
  client.send({
    type: 'conversation.item.create',
    item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ orderId: '4217', status: 'shipped', item: 'Alpine 2 tent', carrier: 'Parcel Express', eta: 'Friday' }) },
  });
  client.send({ type: 'response.create' });
  events = await client.untilResponseDone(mark);
  const spoken = events.find((e) => e.type === 'response.output_audio_transcript.done')?.transcript;
  assert.equal(spoken, 'Order 4217, the Alpine 2 tent, has shipped with Parcel Express. It should arrive Friday.');
  await client.close();
});

test('without such a tool (or with tool_choice "none") the agent answers an order question directly', async () => {
  const client = await Client.connect(server.url);
  let mark = client.mark();
  say(client, 'Status of order 1001 please');
  client.send({ type: 'response.create' });
  let events = await client.untilResponseDone(mark);
  assert.ok(!events.some((e) => e.type.startsWith('response.function_call')));
  assert.match(events.find((e) => e.type === 'response.output_audio_transcript.done')?.transcript, /^Order 1001 /);
  await configure(client, { tools: [lookupOrder], tool_choice: 'none' });
  mark = client.mark();
  say(client, 'And order 5550?');
  client.send({ type: 'response.create' });
  events = await client.untilResponseDone(mark);
  assert.ok(!events.some((e) => e.type.startsWith('response.function_call')));
  await client.close();
});

test('scenarios script replies and tool calls per turn', async () => {
  await server.control('scenario', {
    latencyMs: 0,
    speedup: 50,
    replies: ['First scripted answer.', { toolCall: { name: 'lookup_order', arguments: { order_id: '999' }, say: 'Checking.' } }],
    toolReplies: ['Scripted tool answer.'],
  });
  try {
    const client = await Client.connect(server.url);
    await configure(client, { tools: [lookupOrder], output_modalities: ['text'] });
    let mark = client.mark();
    say(client, 'anything');
    client.send({ type: 'response.create' });
    let events = await client.untilResponseDone(mark);
    assert.equal(events.find((e) => e.type === 'response.output_text.done')?.text, 'First scripted answer.');
    mark = client.mark();
    say(client, 'anything else');
    client.send({ type: 'response.create' });
    events = await client.untilResponseDone(mark);
    const args = events.find((e) => e.type === 'response.function_call_arguments.done');
    assert.deepEqual(JSON.parse(args.arguments), { order_id: '999' });
    mark = client.mark();
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: args.call_id, output: '{}' } });
    client.send({ type: 'response.create' });
    events = await client.untilResponseDone(mark);
    assert.equal(events.find((e) => e.type === 'response.output_text.done')?.text, 'Scripted tool answer.');
    const sessions = /** @type {any[]} */ (await server.control('sessions'));
    assert.equal(sessions.at(-1).responses, 3);
    await client.close();
  } finally {
    await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5 });
  }
});

test('only one response at a time: a second response.create gets conversation_already_has_active_response', async () => {
  const slow = await slowServer({});
  const client = await Client.connect(slow.url);
  const mark = client.mark();
  client.send({ type: 'response.create' });
  const created = await client.waitFor('response.created', { after: mark });
  client.send({ type: 'response.create', event_id: 'evt_second' });
  const error = await client.waitFor('error', { after: mark });
  assert.equal(error.error.code, 'conversation_already_has_active_response');
  assert.equal(error.error.event_id, 'evt_second');
  assert.equal(
    error.error.message,
    `Conversation already has an active response in progress: ${created.response.id}. Wait until the response is finished before creating a new one.`,
  );
  // Cancelling is synchronous: a create right behind the cancel is accepted.
  client.send({ type: 'response.cancel' });
  client.send({ type: 'response.create', event_id: 'evt_third' });
  await client.waitFor((e) => e.type === 'response.created' && e.response.id !== created.response.id, { after: mark });
  assert.ok(!client.events.some((e) => e.type === 'error' && e.error.event_id === 'evt_third'));
  await client.close();
  await slow.close();
});

test('response.cancel ends the response as cancelled/client_cancelled, closing the audio item as incomplete', async () => {
  const slow = await slowServer({});
  const client = await Client.connect(slow.url);
  const mark = client.mark();
  client.send({ type: 'response.create' });
  await client.waitFor('response.output_audio.delta', { after: mark });
  client.send({ type: 'response.cancel' });
  const events = await client.untilResponseDone(mark);
  const done = events.at(-1);
  assert.equal(done.response.status, 'cancelled');
  assert.deepEqual(done.response.status_details, { type: 'cancelled', reason: 'client_cancelled' });
  assert.equal(done.response.output[0].status, 'incomplete');
  const tail = events.map((e) => e.type).filter((t) => !t.endsWith('.delta')).slice(-6);
  assert.deepEqual(tail, [
    'response.output_audio.done',
    'response.output_audio_transcript.done',
    'response.content_part.done',
    'response.output_item.done',
    'conversation.item.done',
    'response.done',
  ]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(client.events.slice(client.events.indexOf(done)).filter((e) => e.type === 'response.output_audio.delta').length, 0, 'no audio after done');
  client.send({ type: 'response.cancel', event_id: 'evt_nothing' });
  const error = await client.waitFor((e) => e.type === 'error' && e.error.event_id === 'evt_nothing');
  assert.equal(error.error.code, 'response_cancel_not_active');
  assert.equal(error.error.message, 'Cancellation failed: no active response found');
  await client.close();
  await slow.close();
});

test('barge-in: speech during a response cancels it (turn_detected) and the new turn gets its own response', async () => {
  const slow = await slowServer({});
  const client = await Client.connect(slow.url);
  await configure(client, { audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 300 } } } });
  const mark = client.mark();
  client.send({ type: 'response.create' });
  const first = await client.waitFor('response.created', { after: mark });
  await client.waitFor('response.output_audio.delta', { after: mark });
  client.sendAudio(join(silence(100), speech(600), silence(500)));
  const started = await client.waitFor('input_audio_buffer.speech_started', { after: mark });
  const cancelled = await client.waitFor((e) => e.type === 'response.done' && e.response.id === first.response.id, { after: mark });
  assert.equal(cancelled.response.status, 'cancelled');
  assert.equal(cancelled.response.status_details.reason, 'turn_detected');
  assert.ok(client.events.indexOf(started) < client.events.indexOf(cancelled), 'speech_started comes first');
  const second = await client.waitFor((e) => e.type === 'response.created' && e.response.id !== first.response.id, { after: mark });
  assert.ok(second);
  await client.close();
  await slow.close();
});

test('with interrupt_response false the response keeps going through the user speech', async () => {
  const slow = await slowServer({});
  const client = await Client.connect(slow.url);
  await configure(client, { audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: false } } } });
  const mark = client.mark();
  client.send({ type: 'response.create' });
  await client.waitFor('response.output_audio.delta', { after: mark });
  client.sendAudio(join(speech(400), silence(300)));
  await client.waitFor('input_audio_buffer.speech_started', { after: mark });
  const done = await client.waitFor('response.done', { after: mark });
  assert.equal(done.response.status, 'completed');
  await client.close();
  await slow.close();
});

test('conversation.item.truncate trims the assistant audio and deletes its transcript; retrieve shows the result', async () => {
  const client = await Client.connect(server.url);
  const mark = client.mark();
  client.send({ type: 'response.create' });
  const events = await client.untilResponseDone(mark);
  const item = events.at(-1).response.output[0];
  const totalMs = events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + decodedBytes(e.delta), 0) / 48;
  client.send({ type: 'conversation.item.truncate', item_id: item.id, content_index: 0, audio_end_ms: 1500 });
  const truncated = await client.waitFor('conversation.item.truncated', { after: mark });
  assert.deepEqual({ ...truncated, event_id: undefined }, { event_id: undefined, type: 'conversation.item.truncated', item_id: item.id, content_index: 0, audio_end_ms: 1500 });
  client.send({ type: 'conversation.item.retrieve', item_id: item.id });
  const retrieved = await client.waitFor('conversation.item.retrieved', { after: mark });
  assert.equal(retrieved.item.content[0].type, 'output_audio');
  assert.equal(decodedBytes(retrieved.item.content[0].audio), 1500 * 48);
  assert.equal(retrieved.item.content[0].transcript, '');
  client.send({ type: 'conversation.item.truncate', item_id: item.id, content_index: 0, audio_end_ms: Math.ceil(totalMs) + 1000, event_id: 'evt_long' });
  const tooLong = await client.waitFor((e) => e.type === 'error' && e.error.event_id === 'evt_long');
  assert.equal(tooLong.error.message, `Audio content of 1500ms is already shorter than ${Math.ceil(totalMs) + 1000}ms`);
  assert.equal(tooLong.error.param, 'audio_end_ms');
  await client.close();
});

test('truncate refuses user items (unsupported_content_type) and unknown items (item_truncate_invalid_item_id)', async () => {
  const client = await Client.connect(server.url);
  say(client, 'hello');
  const added = await client.waitFor('conversation.item.added');
  client.send({ type: 'conversation.item.truncate', item_id: added.item.id, content_index: 0, audio_end_ms: 0, event_id: 'evt_user' });
  const user = await client.waitFor((e) => e.type === 'error' && e.error.event_id === 'evt_user');
  assert.equal(user.error.code, 'unsupported_content_type');
  assert.equal(user.error.message, 'Only model output audio messages can be truncated');
  client.send({ type: 'conversation.item.truncate', item_id: 'item_missing', content_index: 0, audio_end_ms: 10, event_id: 'evt_missing' });
  const missing = await client.waitFor((e) => e.type === 'error' && e.error.event_id === 'evt_missing');
  assert.equal(missing.error.code, 'item_truncate_invalid_item_id');
  client.send({ type: 'conversation.item.truncate', item_id: added.item.id, content_index: 0, audio_end_ms: -5, event_id: 'evt_negative' });
  const negative = await client.waitFor((e) => e.type === 'error' && e.error.event_id === 'evt_negative');
  assert.equal(negative.error.code, 'integer_below_min_value');
  await client.close();
});

test('conversation.item.retrieve returns items with their audio; delete removes them; both refuse unknown ids', async () => {
  const client = await Client.connect(server.url);
  await configure(client, { audio: { input: { turn_detection: null } } });
  client.sendAudio(speech(300));
  client.send({ type: 'input_audio_buffer.commit' });
  const committed = await client.waitFor('input_audio_buffer.committed');
  client.send({ type: 'conversation.item.retrieve', item_id: committed.item_id });
  const retrieved = await client.waitFor('conversation.item.retrieved');
  assert.equal(retrieved.item.content[0].type, 'input_audio');
  assert.equal(decodedBytes(retrieved.item.content[0].audio), 300 * 48);
  client.send({ type: 'conversation.item.create', previous_item_id: 'root', item: { id: 'item_mine', type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Context.' }] } });
  const root = await client.waitFor((e) => e.type === 'conversation.item.added' && e.item.id === 'item_mine');
  assert.equal(root.previous_item_id, null);
  client.send({ type: 'conversation.item.delete', item_id: committed.item_id });
  const deleted = await client.waitFor('conversation.item.deleted');
  assert.equal(deleted.item_id, committed.item_id);
  const mark = client.mark();
  client.send({ type: 'conversation.item.retrieve', item_id: committed.item_id });
  client.send({ type: 'conversation.item.delete', item_id: committed.item_id });
  await client.waitFor((e) => e.type === 'error' && e.error.code === 'item_retrieve_invalid_item_id', { after: mark });
  await client.waitFor((e) => e.type === 'error' && e.error.code === 'item_delete_invalid_item_id', { after: mark });
  client.send({ type: 'conversation.item.create', item: { id: 'item_mine', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'dup' }] } });
  await client.waitFor((e) => e.type === 'error' && e.error.code === 'item_id_already_exists', { after: mark });
  await client.close();
});

test('max_output_tokens cuts a response short: status incomplete, reason max_output_tokens', async () => {
  const client = await Client.connect(server.url);
  const mark = client.mark();
  client.send({ type: 'response.create', response: { max_output_tokens: 20 } });
  const events = await client.untilResponseDone(mark);
  const done = events.at(-1);
  assert.equal(done.response.status, 'incomplete');
  assert.deepEqual(done.response.status_details, { type: 'incomplete', reason: 'max_output_tokens' });
  assert.ok(done.response.output[0].content[0].transcript.length < 40);
  await client.close();
});

test('out-of-band responses (conversation "none") leave the conversation untouched and may run beside the default one', async () => {
  const slow = await slowServer({});
  const client = await Client.connect(slow.url);
  const mark = client.mark();
  client.send({ type: 'response.create' });
  await client.waitFor('response.created', { after: mark });
  client.send({ type: 'response.create', response: { conversation: 'none', output_modalities: ['text'], metadata: { topic: 'classification' } } });
  const oob = await client.waitFor((e) => e.type === 'response.done' && e.response.metadata?.topic === 'classification', { after: mark });
  assert.equal(oob.response.conversation_id, undefined);
  const oobItem = oob.response.output[0].id;
  assert.ok(!client.events.some((e) => e.type === 'conversation.item.added' && e.item.id === oobItem));
  client.send({ type: 'response.cancel' });
  await client.close();
  await slow.close();
});
