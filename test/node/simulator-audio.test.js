// Input audio: the buffer (append/commit/clear, the 100 ms commit minimum), energy-based server
// VAD honouring threshold / prefix padding / silence duration, semantic VAD, manual turns, and
// user transcription events (scripted, failed, or an honest description).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, join, silence, speech, startServer } from './helpers.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/**
 * @param {Record<string, any> | null} turnDetection
 * @param {Record<string, any>} [input] more `audio.input` settings
 */
async function connectWith(turnDetection, input = {}) {
  const client = await Client.connect(server.url);
  const mark = client.mark();
  client.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: turnDetection, ...input } } } });
  await client.waitFor('session.updated', { after: mark });
  return client;
}

test('server VAD: speech_started, speech_stopped, committed and the user item, then an automatic response', async () => {
  const client = await connectWith({ type: 'server_vad', silence_duration_ms: 300, prefix_padding_ms: 200 });
  const mark = client.mark();
  client.sendAudio(join(silence(1000), speech(800), silence(600)));
  const done = await client.waitFor('response.done', { after: mark });
  const types = client.types(mark).filter((t) => !t.startsWith('response.') && t !== 'rate_limits.updated');
  assert.deepEqual(types.slice(0, 5), [
    'input_audio_buffer.speech_started',
    'input_audio_buffer.speech_stopped',
    'input_audio_buffer.committed',
    'conversation.item.added',
    'conversation.item.done',
  ]);
  const started = await client.waitFor('input_audio_buffer.speech_started', { after: mark });
  const stopped = await client.waitFor('input_audio_buffer.speech_stopped', { after: mark });
  const committed = await client.waitFor('input_audio_buffer.committed', { after: mark });
  // Speech begins at 1000 ms: the turn's audio starts prefix_padding_ms (200) before that…
  assert.ok(Math.abs(started.audio_start_ms - 800) <= 20, `audio_start_ms ${started.audio_start_ms}`);
  // …and ends after silence_duration_ms (300) of silence following the speech (1800 ms).
  assert.ok(Math.abs(stopped.audio_end_ms - 2100) <= 20, `audio_end_ms ${stopped.audio_end_ms}`);
  assert.equal(started.item_id, stopped.item_id);
  assert.equal(committed.item_id, started.item_id);
  const added = await client.waitFor('conversation.item.added', { after: mark });
  assert.equal(added.item.id, started.item_id);
  assert.equal(added.item.role, 'user');
  assert.deepEqual(added.item.content, [{ type: 'input_audio' }]);
  assert.equal(done.response.status, 'completed');
  await client.close();
});

test('server VAD honours the threshold: quiet speech triggers only at a low threshold', async () => {
  const quiet = join(silence(300), speech(700, 0.02), silence(700));
  const strict = await connectWith({ type: 'server_vad', threshold: 0.5, create_response: false });
  let mark = strict.mark();
  strict.sendAudio(quiet);
  strict.send({ type: 'input_audio_buffer.clear' });
  await strict.waitFor('input_audio_buffer.cleared', { after: mark });
  assert.ok(!strict.types(mark).includes('input_audio_buffer.speech_started'), 'a -48 dBFS voice stays under threshold 0.5');
  await strict.close();
  const sensitive = await connectWith({ type: 'server_vad', threshold: 0.1, create_response: false });
  mark = sensitive.mark();
  sensitive.sendAudio(quiet);
  await sensitive.waitFor('input_audio_buffer.committed', { after: mark });
  await sensitive.close();
});

test('server VAD honours silence_duration_ms: a 400 ms pause splits a turn at 200 ms but not at 800 ms', async () => {
  const audio = join(silence(200), speech(600), silence(400), speech(600), silence(1000));
  const short = await connectWith({ type: 'server_vad', silence_duration_ms: 200, create_response: false });
  let mark = short.mark();
  short.sendAudio(audio);
  short.send({ type: 'input_audio_buffer.clear' });
  await short.waitFor('input_audio_buffer.cleared', { after: mark });
  assert.equal(short.types(mark).filter((t) => t === 'input_audio_buffer.committed').length, 2);
  await short.close();
  const long = await connectWith({ type: 'server_vad', silence_duration_ms: 800, create_response: false });
  mark = long.mark();
  long.sendAudio(audio);
  long.send({ type: 'input_audio_buffer.clear' });
  await long.waitFor('input_audio_buffer.cleared', { after: mark });
  assert.equal(long.types(mark).filter((t) => t === 'input_audio_buffer.committed').length, 1);
  await long.close();
});

test('create_response: false reports the turn but starts no response', async () => {
  const client = await connectWith({ type: 'server_vad', create_response: false });
  const mark = client.mark();
  client.sendAudio(join(silence(200), speech(500), silence(500)));
  client.send({ type: 'input_audio_buffer.clear' });
  await client.waitFor('input_audio_buffer.cleared', { after: mark });
  assert.ok(client.types(mark).includes('input_audio_buffer.committed'));
  assert.ok(!client.types(mark).includes('response.created'));
  await client.close();
});

test('semantic_vad is accepted and behaves like VAD whose silence depends on eagerness', async () => {
  const audio = join(silence(200), speech(500), silence(2000));
  /** @type {Record<string, number>} */
  const waited = {};
  for (const eagerness of ['high', 'low']) {
    const client = await connectWith({ type: 'semantic_vad', eagerness, create_response: false });
    const mark = client.mark();
    client.sendAudio(audio);
    const stopped = await client.waitFor('input_audio_buffer.speech_stopped', { after: mark });
    waited[eagerness] = stopped.audio_end_ms - 700;
    await client.close();
  }
  assert.ok((waited.high ?? 0) < (waited.low ?? 0), `high ${waited.high} ms < low ${waited.low} ms`);
  assert.ok((waited.high ?? 0) >= 250 && (waited.low ?? 0) <= 1600);
});

test("a 20 ms beep every 500 ms (Chromium's fake microphone) is never taken for speech", async () => {
  const client = await connectWith({ type: 'server_vad', threshold: 0.5 });
  const beep = speech(20, 0.8);
  const period = join(beep, silence(480));
  const mark = client.mark();
  client.sendAudio(join(period, period, period, period, period, period));
  client.send({ type: 'input_audio_buffer.clear' });
  await client.waitFor('input_audio_buffer.cleared', { after: mark });
  assert.ok(!client.types(mark).includes('input_audio_buffer.speech_started'));
  await client.close();
});

test('manual turns (turn_detection null): no VAD events; commit creates the user item; clear empties the buffer', async () => {
  const client = await connectWith(null);
  let mark = client.mark();
  client.sendAudio(speech(400));
  client.send({ type: 'input_audio_buffer.commit', event_id: 'evt_commit' });
  const committed = await client.waitFor('input_audio_buffer.committed', { after: mark });
  assert.match(committed.item_id, /^item_/);
  assert.equal(committed.previous_item_id, null);
  assert.ok(!client.types(mark).some((t) => t.includes('speech_')));
  assert.ok(!client.types(mark).includes('response.created'), 'manual turns wait for response.create');
  mark = client.mark();
  client.sendAudio(speech(300));
  client.send({ type: 'input_audio_buffer.clear' });
  await client.waitFor('input_audio_buffer.cleared', { after: mark });
  client.send({ type: 'input_audio_buffer.commit', event_id: 'evt_empty' });
  const empty = await client.waitFor('error', { after: mark });
  assert.equal(empty.error.code, 'input_audio_buffer_commit_empty');
  assert.equal(empty.error.event_id, 'evt_empty');
  assert.equal(empty.error.message, 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.');
  await client.close();
});

test('committing less than 100 ms is input_audio_buffer_commit_empty, with how much there was', async () => {
  const client = await connectWith(null);
  client.sendAudio(speech(60));
  client.send({ type: 'input_audio_buffer.commit' });
  const error = await client.waitFor('error');
  assert.equal(error.error.code, 'input_audio_buffer_commit_empty');
  assert.match(error.error.message, /buffer only has 60\.00ms of audio/);
  await client.close();
});

test('appends must be base64: anything else is an invalid_value error on "audio"', async () => {
  const client = await connectWith(null);
  client.send({ type: 'input_audio_buffer.append', audio: 'not base64!', event_id: 'evt_b64' });
  client.send({ type: 'input_audio_buffer.append' });
  const bad = await client.waitFor((e) => e.type === 'error' && e.error.event_id === 'evt_b64');
  assert.equal(bad.error.param, 'audio');
  const missing = await client.waitFor((e) => e.type === 'error' && e.error.code === 'missing_required_parameter');
  assert.equal(missing.error.param, 'audio');
  await client.close();
});

test('scripted transcripts produce transcription delta/completed events and drive the reply', async () => {
  await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5, transcripts: ['How long does shipping take?'] });
  try {
    const client = await connectWith({ type: 'server_vad' }, { transcription: { model: 'gpt-4o-mini-transcribe' } });
    const mark = client.mark();
    client.sendAudio(join(silence(200), speech(700), silence(500)));
    const completed = await client.waitFor('conversation.item.input_audio_transcription.completed', { after: mark });
    assert.equal(completed.transcript, 'How long does shipping take?');
    assert.equal(completed.content_index, 0);
    assert.equal(completed.usage.type, 'tokens');
    const deltas = client.events.slice(mark).filter((e) => e.type === 'conversation.item.input_audio_transcription.delta');
    assert.ok(deltas.length > 1);
    assert.equal(deltas.map((d) => d.delta).join(''), 'How long does shipping take?');
    const transcript = await client.waitFor('response.output_audio_transcript.done', { after: mark });
    assert.match(transcript.transcript, /business days/);
    await client.close();
  } finally {
    await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5 });
  }
});

test('unscripted speech is transcribed honestly ("[speech, 0.9 s]"); whisper-1 sends one delta; null scripts a failure', async () => {
  await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5, transcripts: [null] });
  try {
    const client = await connectWith(null, { transcription: { model: 'whisper-1' } });
    let mark = client.mark();
    client.sendAudio(speech(500));
    client.send({ type: 'input_audio_buffer.commit' });
    const failed = await client.waitFor('conversation.item.input_audio_transcription.failed', { after: mark });
    assert.equal(failed.error.code, 'audio_unintelligible');
    mark = client.mark();
    client.sendAudio(join(speech(600), silence(300)));
    client.send({ type: 'input_audio_buffer.commit' });
    const completed = await client.waitFor('conversation.item.input_audio_transcription.completed', { after: mark });
    assert.equal(completed.transcript, '[speech, 0.9 s]');
    assert.equal(client.events.slice(mark).filter((e) => e.type === 'conversation.item.input_audio_transcription.delta').length, 1);
    mark = client.mark();
    client.sendAudio(silence(400));
    client.send({ type: 'input_audio_buffer.commit' });
    assert.equal((await client.waitFor('conversation.item.input_audio_transcription.completed', { after: mark })).transcript, '[silence, 0.4 s]');
    await client.close();
  } finally {
    await server.control('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5 });
  }
});

test('without transcription configured no transcription events are sent (as with OpenAI)', async () => {
  const client = await connectWith(null);
  const mark = client.mark();
  client.sendAudio(speech(300));
  client.send({ type: 'input_audio_buffer.commit' });
  client.send({ type: 'response.create' });
  await client.untilResponseDone(mark);
  assert.ok(!client.types(mark).some((t) => t.includes('input_audio_transcription')));
  await client.close();
});

test('idle_timeout_ms: silence after a response triggers timeout_triggered, a committed turn and a prompting response', async () => {
  const client = await connectWith({ type: 'server_vad', idle_timeout_ms: 5000 });
  let mark = client.mark();
  client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
  client.send({ type: 'response.create' });
  await client.untilResponseDone(mark);
  mark = client.mark();
  const timeout = await client.waitFor('input_audio_buffer.timeout_triggered', { after: mark, timeout: 7000 });
  assert.ok(typeof timeout.audio_start_ms === 'number' && timeout.audio_end_ms >= timeout.audio_start_ms);
  const committed = await client.waitFor('input_audio_buffer.committed', { after: mark });
  assert.equal(committed.item_id, timeout.item_id);
  const prompt = await client.waitFor('response.output_text.done', { after: mark });
  assert.match(prompt.text, /still there/);
  await client.close();
});
