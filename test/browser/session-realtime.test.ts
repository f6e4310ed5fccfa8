// The session layer (src/session) against the protocol layer's ScriptedTransport and a fake
// AudioPort: state machine, session.update, turns, the response queue, tools, barge-in,
// reconnection, expiry, errors and teardown. Every client frame any test sends is checked
// against the GA JSON Schema (shared/spec) after the test.
import { expect, waitUntil } from '@open-wc/testing';
import { encodeBase64 } from '../../src/protocol/base64.js';
import type { ClientEvent } from '../../src/protocol/events.js';
import { basicReplies, ScriptedTransport } from '../../src/protocol/scripted-transport.js';
import { WebSocketTransport } from '../../src/protocol/websocket-transport.js';
import { backoffDelay } from '../../src/session/backoff.js';
import { Conversation } from '../../src/session/conversation.js';
import { RealtimeSession, type SessionDeps } from '../../src/session/session.js';
import { buildSessionConfig, deepMerge, transcriptionLanguage } from '../../src/session/session-config.js';
import type { ConversationItem } from '../../src/session/types.js';
import { BASE, S, SECRET, nowS, schemaAvailable, schemaErrors, sentTypes, settle, setup, started, tick, useSessionHarness } from './session-harness.js';

useSessionHarness();

// ── tests ────────────────────────────────────────────────────────────────────────────────────

describe('session: the GA JSON Schema', () => {
  it('is available to check every client frame', function () {
    if (!schemaAvailable()) this.skip();
    // The checker itself must reject what the API rejects.
    expect(schemaErrors('RealtimeClientEvent', { type: 'conversation.item.truncate', item_id: 'x', content_index: 0, audio_end_ms: 1.5 })).not.to.deep.equal([]);
    expect(schemaErrors('RealtimeClientEvent', { type: 'session.update', session: { type: 'realtime', output_modalities: ['speech'] } })).not.to.deep.equal([]);
    expect(
      schemaErrors('RealtimeClientEvent', {
        type: 'conversation.item.create',
        item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] },
      }),
    ).to.deep.equal([]);
  });
});

describe('session: building session.update', () => {
  it('GA shape: PCM 24 kHz both ways, voice, transcription, noise reduction, server VAD', () => {
    const s = buildSessionConfig({ ...BASE, language: 'en-US', vadThreshold: 0.6, vadPrefixMs: 250, vadSilenceMs: 700 });
    expect(s).to.deep.equal({
      type: 'realtime',
      output_modalities: ['audio'],
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          noise_reduction: { type: 'near_field' },
          transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' },
          turn_detection: {
            type: 'server_vad',
            create_response: true,
            interrupt_response: true,
            threshold: 0.6,
            prefix_padding_ms: 250,
            silence_duration_ms: 700,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
      },
    });
    expect(schemaErrors('RealtimeClientEvent', { type: 'session.update', session: s })).to.deep.equal([]);
  });

  it('instructions only when set; semantic VAD; manual and push-to-talk mean no turn detection', () => {
    expect(buildSessionConfig(BASE)).not.to.have.property('instructions');
    expect(buildSessionConfig({ ...BASE, instructions: 'Be brief.' }).instructions).to.equal('Be brief.');
    expect(buildSessionConfig({ ...BASE, turnDetection: 'semantic_vad', eagerness: 'low' }).audio?.input?.turn_detection).to.deep.equal({
      type: 'semantic_vad',
      eagerness: 'low',
      create_response: true,
      interrupt_response: true,
    });
    expect(buildSessionConfig({ ...BASE, turnDetection: 'manual' }).audio?.input?.turn_detection).to.equal(null);
    expect(buildSessionConfig({ ...BASE, pushToTalk: true }).audio?.input?.turn_detection).to.equal(null);
  });

  it("transcription 'none' → null; noise reduction far_field / none", () => {
    expect(buildSessionConfig({ ...BASE, transcriptionModel: 'none' }).audio?.input?.transcription).to.equal(null);
    expect(buildSessionConfig({ ...BASE, noiseReduction: 'far_field' }).audio?.input?.noise_reduction).to.deep.equal({ type: 'far_field' });
    expect(buildSessionConfig({ ...BASE, noiseReduction: 'none' }).audio?.input?.noise_reduction).to.equal(null);
    expect(transcriptionLanguage('pt_BR')).to.equal('pt');
    expect(transcriptionLanguage('!!')).to.equal(undefined);
  });

  it('tools as {type:function,name,description,parameters} without handlers; none → no tools key', () => {
    const s = buildSessionConfig({
      ...BASE,
      tools: [
        { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, handler: () => 1 },
        { name: 'ping' },
      ],
    });
    expect(s.tools).to.deep.equal([
      { type: 'function', name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
      { type: 'function', name: 'ping', parameters: { type: 'object', properties: {} } },
    ]);
    expect(s.tool_choice).to.equal('auto');
    expect(buildSessionConfig(BASE)).not.to.have.property('tools');
    expect(schemaErrors('RealtimeClientEvent', { type: 'session.update', session: s })).to.deep.equal([]);
  });

  it('the session escape hatch is deep-merged last (null switches off, arrays replace)', () => {
    const s = buildSessionConfig({
      ...BASE,
      instructions: 'A',
      session: {
        instructions: 'B',
        max_output_tokens: 512,
        audio: { output: { speed: 1.1 }, input: { noise_reduction: null } },
        output_modalities: ['text'],
      },
    });
    expect(s.instructions).to.equal('B');
    expect(s.max_output_tokens).to.equal(512);
    expect(s.output_modalities).to.deep.equal(['text']);
    expect(s.audio?.output).to.deep.equal({ format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1.1 });
    expect(s.audio?.input?.noise_reduction).to.equal(null);
    expect(s.audio?.input?.format).to.deep.equal({ type: 'audio/pcm', rate: 24000 });
    const polluted = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(Object.keys(polluted)).to.deep.equal([]);
  });

  it('can leave the voice out (it cannot change once the model has spoken)', () => {
    expect(buildSessionConfig({ ...BASE, session: { audio: { output: { voice: 'cedar' } } } }, { omitVoice: true }).audio?.output).to.deep.equal({
      format: { type: 'audio/pcm', rate: 24000 },
    });
  });
});

describe('session: connecting and the state machine', () => {
  it('idle → connecting → listening; connects with the token; session.update first; connected()', async () => {
    const h = setup({ instructions: 'You help.' });
    expect(h.session.status).to.equal('idle');
    const done = h.session.start();
    expect(h.session.status).to.equal('connecting');
    expect(h.ports, 'the audio engine is created synchronously, inside the gesture').to.have.length(1);
    await done;
    expect(h.log.statuses).to.deep.equal(['connecting', 'listening']);
    expect(h.t.connects).to.deep.equal([{ url: BASE.url, model: 'gpt-realtime', token: SECRET, timeoutMs: 15000 }]);
    expect(h.t.sent[0]?.type).to.equal('session.update');
    const update = h.t.sent[0] as Extract<ClientEvent, { type: 'session.update' }>;
    expect(update.session.instructions).to.equal('You help.');
    expect(h.log.connected).to.deep.equal([{ sessionId: 'sess_scripted_1', model: 'gpt-realtime' }]);
    expect(h.port.startCalls).to.equal(1);
  });

  it("uses the token response's url and model overrides", async () => {
    const h = await started({ getToken: async () => ({ value: SECRET, url: 'wss://other.invalid/rt', model: 'gpt-realtime-mini' }) });
    expect(h.t.connects[0]).to.include({ url: 'wss://other.invalid/rt', model: 'gpt-realtime-mini' });
  });

  it('start() while running is a no-op', async () => {
    const h = await started();
    await h.session.start();
    expect(h.transports).to.have.length(1);
    expect(h.ports).to.have.length(1);
  });

  it('a full spoken turn: listening → thinking → speaking → listening (after playback, not response.done)', async () => {
    const h = await started();
    S.userTurn(h.t, 'item_u1', 'Where is my order?');
    expect(h.session.status).to.equal('thinking');
    S.reply(h.t, 'resp_1', 'item_a1', 'It shipped.');
    expect(h.port.played.map((p) => p.bytes)).to.deep.equal([9600, 9600]);
    expect(h.session.status, 'audio still sounding after response.done').to.equal('speaking');
    h.port.finishPlayback();
    expect(h.session.status).to.equal('listening');
    expect(h.log.statuses).to.deep.equal(['connecting', 'listening', 'thinking', 'speaking', 'listening']);
    expect(h.session.conversation).to.deep.equal([
      { id: 'item_u1', role: 'user', text: 'Where is my order?', status: 'completed' },
      { id: 'item_a1', role: 'assistant', text: 'It shipped.', status: 'completed' },
    ]);
    const user = h.log.transcripts.filter((u) => u.role === 'user');
    expect(user.at(-1)).to.deep.equal({ role: 'user', itemId: 'item_u1', text: 'Where is my order?', delta: 'Where is my order?', final: true });
    const assistant = h.log.transcripts.filter((u) => u.role === 'assistant');
    expect(assistant.map((u) => u.final)).to.deep.equal([false, true]);
    expect(h.log.serverEvents.length).to.be.greaterThan(10);
  });

  it('streams user transcription deltas with the whole text so far', async () => {
    const h = await started();
    h.t.emit({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_u', content_index: 0, delta: 'Hel' });
    h.t.emit({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_u', content_index: 0, delta: 'lo' });
    h.t.emit({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_u', content_index: 0, transcript: 'Hello.' });
    expect(h.log.transcripts).to.deep.equal([
      { role: 'user', itemId: 'item_u', text: 'Hel', delta: 'Hel', final: false },
      { role: 'user', itemId: 'item_u', text: 'Hello', delta: 'lo', final: false },
      { role: 'user', itemId: 'item_u', text: 'Hello.', delta: '.', final: true },
    ]);
  });

  it('the conversation snapshot is immutable and replaced on change', async () => {
    const h = await started();
    h.session.sendText('one');
    const first = h.session.conversation;
    expect(Object.isFrozen(first)).to.equal(true);
    expect(Object.isFrozen(first[0])).to.equal(true);
    h.session.sendText('two');
    expect(h.session.conversation).not.to.equal(first);
    expect(first).to.have.length(1);
  });

  it('greeting: the agent speaks first (response.create with instructions after session.update)', async () => {
    const h = setup({ greeting: 'Hi! How can I help?' });
    await h.session.start();
    const create = await h.t.waitForSent('response.create');
    expect(h.t.sent.findIndex((e) => e.type === 'session.update')).to.be.lessThan(h.t.sent.indexOf(create));
    expect(create.response?.['instructions']).to.contain('Hi! How can I help?');
    expect(h.session.status).to.equal('thinking');
  });

  it('a text-only session (no audio engine) still streams and reports speaking while output streams', async () => {
    const h = await started({}, { audio: false });
    expect(h.ports).to.have.length(0);
    h.session.sendText('hello');
    S.responseCreated(h.t, 'resp_t');
    S.itemAdded(h.t, 'resp_t', 'item_t');
    h.t.emit({ type: 'response.output_text.delta', response_id: 'resp_t', item_id: 'item_t', output_index: 0, content_index: 0, delta: 'Hi' });
    expect(h.session.status).to.equal('speaking');
    S.responseDone(h.t, 'resp_t');
    expect(h.session.status).to.equal('listening');
    expect(h.session.conversation.at(-1)?.text).to.equal('Hi');
  });
});

describe('session: typed turns and the response queue', () => {
  it('sendText → conversation.item.create (input_text) + response.create; user transcript at once', async () => {
    const h = await started();
    h.t.clearSent();
    expect(h.session.sendText('  Where is order 42?  ')).to.equal(true);
    expect(sentTypes(h.t)).to.deep.equal(['conversation.item.create', 'response.create']);
    const create = h.t.sent[0] as Extract<ClientEvent, { type: 'conversation.item.create' }>;
    expect(create.item).to.deep.include({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Where is order 42?' }] });
    const id = (create.item as { id?: string }).id!;
    expect(id.length).to.be.at.most(32);
    expect(h.session.conversation).to.deep.equal([{ id, role: 'user', text: 'Where is order 42?', status: 'completed' }]);
    expect(h.log.transcripts).to.deep.equal([{ role: 'user', itemId: id, text: 'Where is order 42?', delta: 'Where is order 42?', final: true }]);
    await settle();
    expect(h.session.conversation, 'the server echo does not duplicate the item').to.have.length(1);
  });

  it('sendText before start, or blank, returns false and sends nothing', async () => {
    const h = setup();
    expect(h.session.sendText('hello')).to.equal(false);
    await h.session.start();
    expect(h.session.sendText('   ')).to.equal(false);
    expect(h.session.conversation).to.deep.equal([]);
  });

  it('one active response at a time: response.create waits for response.done, and coalesces', async () => {
    const h = await started();
    h.t.clearSent();
    h.session.sendText('first');
    S.responseCreated(h.t, 'resp_1');
    h.session.sendText('second');
    h.session.sendText('third');
    expect(h.t.sentOfType('response.create')).to.have.length(1);
    expect(h.t.sentOfType('conversation.item.create')).to.have.length(3);
    S.responseDone(h.t, 'resp_1');
    expect(h.t.sentOfType('response.create')).to.have.length(2);
    S.responseCreated(h.t, 'resp_2');
    S.responseDone(h.t, 'resp_2');
    expect(h.t.sentOfType('response.create'), 'queued creates coalesce').to.have.length(2);
  });

  it('a create refused with conversation_already_has_active_response is re-sent after response.done, silently', async () => {
    const h = await started();
    h.session.sendText('hi');
    const create = await h.t.waitForSent('response.create');
    // Server VAD's own response got there first.
    S.responseCreated(h.t, 'resp_vad');
    h.t.emit({
      type: 'error',
      error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'busy', event_id: create.event_id },
    });
    expect(h.log.errors).to.deep.equal([]);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
    S.responseDone(h.t, 'resp_vad');
    expect(h.t.sentOfType('response.create')).to.have.length(2);
  });

  it("a typed turn is 'thinking' at once; a create refused for another reason is reported and blocks nothing", async () => {
    const h = await started();
    h.session.sendText('hi');
    const create = await h.t.waitForSent('response.create');
    expect(h.session.status, 'before any server event').to.equal('thinking');
    h.t.emit({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad response', event_id: create.event_id } });
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['server_error', false]]);
    expect(h.session.status).to.equal('listening');
    h.session.sendText('again');
    expect(h.t.sentOfType('response.create'), 'the next turn is not blocked by the refused one').to.have.length(2);
  });

  it('a typed message while the agent speaks interrupts it first (cancel, clear, truncate), then the turn', async () => {
    const h = await started();
    S.reply(h.t, 'resp_1', 'item_a1', 'A long answer', [500, 500], false);
    expect(h.session.status).to.equal('speaking');
    h.port.setHeard('item_a1', 320.7);
    h.t.clearSent();
    h.session.sendText('Actually, stop.');
    expect(sentTypes(h.t).slice(0, 2)).to.deep.equal(['response.cancel', 'conversation.item.create']);
    expect(h.t.sent[0]).to.deep.include({ type: 'response.cancel', response_id: 'resp_1' });
    expect(h.port.clearCalls).to.equal(1);
    await waitUntil(() => h.t.sentOfType('conversation.item.truncate').length === 1, 'truncate');
    expect(h.t.sentOfType('conversation.item.truncate')[0]).to.deep.include({ item_id: 'item_a1', content_index: 0, audio_end_ms: 320 });
    expect(h.log.interrupted).to.deep.equal([{ itemId: 'item_a1', audioEndMs: 320 }]);
    // The new response waits for the cancelled one to end.
    expect(h.t.sentOfType('response.create')).to.have.length(0);
    S.audio(h.t, 'resp_1', 'item_a1', 100);
    S.responseDone(h.t, 'resp_1', 'cancelled', [], 'client_cancelled');
    expect(sentTypes(h.t)).to.deep.equal(['response.cancel', 'conversation.item.create', 'conversation.item.truncate', 'response.create']);
    expect(h.port.played).to.have.length(2);
    expect(h.session.conversation.find((i) => i.id === 'item_a1')?.status).to.equal('incomplete');
  });

  it('response.create waits for the truncate (the model must not answer from unheard audio)', async () => {
    const h = await started({}, { audio: { holdClear: true } });
    S.reply(h.t, 'resp_1', 'item_a1', 'Done already', [400]);
    expect(h.session.status).to.equal('speaking');
    h.port.setHeard('item_a1', 150);
    h.t.clearSent();
    h.session.sendText('wait');
    await settle();
    expect(sentTypes(h.t)).to.deep.equal(['conversation.item.create']);
    h.port.resolveClear();
    await waitUntil(() => h.t.sentOfType('response.create').length === 1, 'response.create after the truncate');
    expect(sentTypes(h.t)).to.deep.equal(['conversation.item.create', 'conversation.item.truncate', 'response.create']);
  });
});

describe('session: barge-in (PROTOCOL.md §4)', () => {
  it('speech_started while audio plays: clear, truncate at what was heard, no cancel (server interrupts), late deltas dropped', async () => {
    const h = await started();
    S.reply(h.t, 'resp_1', 'item_a1', 'Your order', [300, 300], false);
    h.port.setHeard('item_a1', 412.9);
    h.t.clearSent();
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 5000, item_id: 'item_u2' });
    expect(h.port.clearCalls).to.equal(1);
    expect(h.session.status).to.equal('listening');
    // Late deltas of the cancelled response: neither played nor shown.
    S.audio(h.t, 'resp_1', 'item_a1', 200);
    S.transcript(h.t, 'resp_1', 'item_a1', ' shipped yesterday');
    await waitUntil(() => h.log.interrupted.length === 1, 'interrupted');
    expect(h.log.interrupted[0]).to.deep.equal({ itemId: 'item_a1', audioEndMs: 412 });
    expect(sentTypes(h.t)).to.deep.equal(['conversation.item.truncate']);
    expect(h.t.sent[0]).to.deep.include({ item_id: 'item_a1', content_index: 0, audio_end_ms: 412 });
    expect(h.port.played).to.have.length(2);
    expect(h.session.conversation.find((i) => i.id === 'item_a1')).to.deep.include({ text: 'Your order', status: 'incomplete' });
    S.responseDone(h.t, 'resp_1', 'cancelled', [], 'turn_detected');
    expect(h.session.status).to.equal('listening');
  });

  it('after response.output_audio.done (audio arrives faster than real time) the truncate still uses what was heard', async () => {
    const h = await started();
    S.reply(h.t, 'resp_1', 'item_a1', 'Everything arrived already', [1000, 1000, 1000]);
    expect(h.session.status).to.equal('speaking');
    h.port.setHeard('item_a1', 1234);
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 5000, item_id: 'item_u2' });
    await waitUntil(() => h.t.sentOfType('conversation.item.truncate').length === 1);
    expect(h.t.sentOfType('conversation.item.truncate')[0]!.audio_end_ms).to.equal(1234);
    expect(h.t.sentOfType('response.cancel'), 'no active response to cancel').to.have.length(0);
  });

  it('clamps to what was received, and to 0 when nothing was heard yet', async () => {
    const h = await started();
    S.reply(h.t, 'resp_1', 'item_a1', 'x', [100], false);
    h.port.setHeard('item_a1', 5000);
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 1, item_id: 'u' });
    await waitUntil(() => h.log.interrupted.length === 1);
    expect(h.log.interrupted[0]!.audioEndMs, 'never beyond what was received').to.equal(100);
    expect(h.t.sentOfType('conversation.item.truncate'), 'nothing to cut').to.have.length(0);

    S.responseDone(h.t, 'resp_1', 'cancelled');
    S.reply(h.t, 'resp_2', 'item_a2', 'y', [100], false);
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 2, item_id: 'u2' });
    await waitUntil(() => h.log.interrupted.length === 2);
    expect(h.t.sentOfType('conversation.item.truncate')[0]).to.deep.include({ item_id: 'item_a2', audio_end_ms: 0 });
  });

  it('never truncates before the first audio delta (a response without audio yet)', async () => {
    const h = await started();
    S.responseCreated(h.t, 'resp_1');
    S.itemAdded(h.t, 'resp_1', 'item_a1');
    h.session.interrupt();
    await settle();
    expect(h.t.sentOfType('response.cancel')).to.have.length(1);
    expect(h.t.sentOfType('conversation.item.truncate')).to.have.length(0);
    expect(h.log.interrupted).to.have.length(0);
    expect(h.session.status).to.equal('listening');
  });

  it('with interrupt_response off (session escape hatch) the session sends response.cancel itself', async () => {
    const h = await started({ session: { audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: false } } } } });
    S.reply(h.t, 'resp_1', 'item_a1', 'talking', [300], false);
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 1, item_id: 'u' });
    expect(h.t.sentOfType('response.cancel')).to.deep.equal([{ type: 'response.cancel', response_id: 'resp_1', event_id: h.t.sentOfType('response.cancel')[0]!.event_id }]);
  });

  it('interrupt() stops a speaking agent: cancel + clear + truncate + interrupted', async () => {
    const h = await started();
    S.reply(h.t, 'resp_1', 'item_a1', 'blah', [300, 300], false);
    h.port.setHeard('item_a1', 250);
    h.session.interrupt();
    expect(h.t.sentOfType('response.cancel')).to.have.length(1);
    await waitUntil(() => h.log.interrupted.length === 1);
    expect(h.log.interrupted[0]).to.deep.equal({ itemId: 'item_a1', audioEndMs: 250 });
    expect(h.session.status).to.equal('listening');
  });

  it('interrupting before response.created cancels the response once it is created', async () => {
    const h = await started();
    h.session.sendText('question');
    h.session.interrupt();
    expect(h.t.sentOfType('response.cancel')).to.have.length(0);
    S.responseCreated(h.t, 'resp_late');
    expect(h.t.sentOfType('response.cancel')[0]).to.deep.include({ response_id: 'resp_late' });
    S.audio(h.t, 'resp_late', 'item_x', 100);
    expect(h.port.played).to.have.length(0);
  });
});

describe('session: push-to-talk and the microphone', () => {
  it('frames go out only while held; release commits ≥ 100 ms and asks for a response', async () => {
    const h = await started({ pushToTalk: true });
    const update = h.t.sentOfType('session.update')[0]!;
    expect(update.session.audio?.input?.turn_detection).to.equal(null);
    h.port.emitFrame();
    expect(h.t.appendedBytes).to.equal(0);
    h.t.clearSent();
    h.session.pushToTalk(true);
    expect(sentTypes(h.t)).to.deep.equal(['input_audio_buffer.clear']);
    for (let i = 0; i < 6; i++) h.port.emitFrame(960);
    expect(h.t.appendedBytes).to.equal(5760);
    h.session.pushToTalk(false);
    expect(sentTypes(h.t)).to.deep.equal(['input_audio_buffer.clear', 'input_audio_buffer.commit', 'response.create']);
    expect(h.session.status).to.equal('thinking');
    h.port.emitFrame();
    expect(h.t.appendedBytes).to.equal(5760);
  });

  it('a push shorter than 100 ms is cleared, not committed (input_audio_buffer_commit_empty)', async () => {
    const h = await started({ turnDetection: 'manual' });
    h.t.clearSent();
    h.session.pushToTalk(true);
    h.port.emitFrame(960);
    h.session.pushToTalk(false);
    expect(sentTypes(h.t)).to.deep.equal(['input_audio_buffer.clear', 'input_audio_buffer.clear']);
  });

  it('pressing to talk while the agent speaks interrupts it', async () => {
    const h = await started({ pushToTalk: true });
    S.reply(h.t, 'resp_1', 'item_a1', 'hi', [300], false);
    h.session.pushToTalk(true);
    expect(h.t.sentOfType('response.cancel')).to.have.length(1);
    expect(h.port.clearCalls).to.equal(1);
    expect(h.session.status).to.equal('listening');
  });

  it('with server VAD the microphone streams continuously; pushToTalk() is ignored', async () => {
    const h = await started();
    h.port.emitFrame(960);
    h.port.emitFrame(960);
    expect(h.t.appendedBytes).to.equal(1920);
    h.session.pushToTalk(true);
    expect(h.t.sentOfType('input_audio_buffer.clear')).to.have.length(0);
  });

  it('mute: the port is muted, a short tail of silence (never voice) ends the turn, then nothing', async () => {
    let now = 1_000_000;
    const h = await started({}, { deps: { now: () => now } });
    h.session.setMuted(true);
    expect(h.port.muted).to.equal(true);
    h.t.clearSent();
    h.port.emitFrame(960, 0x55);
    const appended = h.t.sentOfType('input_audio_buffer.append');
    expect(appended).to.have.length(1);
    expect(appended[0]!.audio).to.equal(encodeBase64(new Uint8Array(960)));
    now += 5_000;
    h.port.emitFrame(960, 0x55);
    expect(h.t.sentOfType('input_audio_buffer.append')).to.have.length(1);
    h.session.setMuted(false);
    h.port.emitFrame(960, 0x55);
    expect(h.t.sentOfType('input_audio_buffer.append').at(-1)!.audio).to.equal(encodeBase64(new Uint8Array(960).fill(0x55)));
  });

  it('starting muted sends no audio at all', async () => {
    const h = await started({ muted: true });
    expect(h.port.options.muted).to.equal(true);
    h.port.emitFrame();
    expect(h.t.appendedBytes).to.equal(0);
  });

  it('drops frames under back-pressure instead of queueing without bound', async () => {
    const h = await started();
    h.t.bufferedAmount = 2_000_000;
    h.port.emitFrame();
    expect(h.t.appendedBytes).to.equal(0);
    h.t.bufferedAmount = 0;
    h.port.emitFrame();
    expect(h.t.appendedBytes).to.equal(960);
  });

  it('forwards levels', async () => {
    const h = await started();
    h.port.handlers.level({ input: 0.5, output: 0.1 });
    expect(h.log.levels).to.equal(1);
  });
});

describe('session: tools', () => {
  const lookup = { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { id: { type: 'string' } } } };
  const call = (t: ScriptedTransport, callId: string, name: string, args: string, resp = 'resp_f') =>
    t.emit({ type: 'response.function_call_arguments.done', response_id: resp, item_id: `item_${callId}`, output_index: 0, call_id: callId, name, arguments: args });
  const outputs = (t: ScriptedTransport) =>
    t.sentOfType('conversation.item.create').flatMap((e) => (e.item.type === 'function_call_output' ? [e.item] : []));

  it('the toolCall callback (rv-tool-call respondWith) answers: function_call_output then response.create', async () => {
    const h = await started({ tools: [lookup] });
    h.toolCall = async () => ({ status: 'shipped' });
    S.responseCreated(h.t, 'resp_f');
    call(h.t, 'call_1', 'lookup_order', '{"id":"A-17"}');
    expect(h.log.toolCalls).to.deep.equal([{ name: 'lookup_order', callId: 'call_1', arguments: { id: 'A-17' } }]);
    expect(h.session.status).to.equal('thinking');
    await settle();
    expect(outputs(h.t)).to.deep.equal([{ type: 'function_call_output', call_id: 'call_1', output: '{"status":"shipped"}' }]);
    expect(h.t.sentOfType('response.create'), 'waits for the function-call response to end').to.have.length(0);
    S.responseDone(h.t, 'resp_f');
    const types = sentTypes(h.t);
    expect(types.slice(-2)).to.deep.equal(['conversation.item.create', 'response.create']);
  });

  it("a tool's own handler wins over the callback; strings are sent as is", async () => {
    const seen: unknown[] = [];
    const h = await started({ tools: [{ ...lookup, handler: (args, info) => (seen.push(args, info), 'in transit') }] });
    call(h.t, 'call_2', 'lookup_order', '{"id":"B"}');
    await settle();
    expect(h.log.toolCalls).to.deep.equal([]);
    expect(seen).to.deep.equal([{ id: 'B' }, { callId: 'call_2', name: 'lookup_order' }]);
    expect(outputs(h.t)).to.deep.equal([{ type: 'function_call_output', call_id: 'call_2', output: 'in transit' }]);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('a throwing handler → error output + tool_failed (non-fatal)', async () => {
    const h = await started({
      tools: [
        {
          ...lookup,
          handler: () => {
            throw new Error('Order not found');
          },
        },
      ],
    });
    call(h.t, 'call_3', 'lookup_order', '{}');
    await settle();
    expect(outputs(h.t)[0]!.output).to.equal('{"error":"Order not found"}');
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['tool_failed', false]]);
    expect(h.session.status).to.not.equal('error');
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('a rejected respondWith promise → error output + tool_failed', async () => {
    const h = await started({ tools: [lookup] });
    h.toolCall = () => Promise.reject(new Error('backend down'));
    call(h.t, 'call_r', 'lookup_order', '{}');
    await settle();
    expect(JSON.parse(outputs(h.t)[0]!.output)).to.deep.equal({ error: 'backend down' });
    expect(h.log.errors[0]?.code).to.equal('tool_failed');
  });

  it('a result that is not JSON (a cycle, a BigInt) → error output + tool_failed', async () => {
    const cyclic: Record<string, unknown> = { id: 'A-17' };
    cyclic['self'] = cyclic;
    const h = await started({ tools: [lookup, { name: 'count', handler: () => 10n }] });
    h.toolCall = async () => cyclic;
    call(h.t, 'call_c', 'lookup_order', '{}');
    call(h.t, 'call_b', 'count', '{}');
    await settle();
    expect(outputs(h.t).map((o) => [o.call_id, JSON.parse(o.output)])).to.deep.equal([
      ['call_c', { error: 'The result is not JSON.' }],
      ['call_b', { error: 'The result is not JSON.' }],
    ]);
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['tool_failed', false], ['tool_failed', false]]);
    expect(h.t.sentOfType('response.create'), 'one reply once both are answered').to.have.length(1);
  });

  it('a tool that never answers → error output after toolTimeoutMs + tool_failed; a late answer is ignored', async () => {
    const h = await started({ tools: [lookup], toolTimeoutMs: 20 });
    let resolveLate: (v: unknown) => void = () => undefined;
    h.toolCall = () => new Promise((resolve) => (resolveLate = resolve));
    call(h.t, 'call_4', 'lookup_order', '{}');
    await waitUntil(() => outputs(h.t).length === 1, 'timeout output');
    expect(outputs(h.t)[0]!.output).to.contain('timed out');
    expect(h.log.errors[0]?.code).to.equal('tool_failed');
    resolveLate('late');
    await settle();
    expect(outputs(h.t)).to.have.length(1);
  });

  it('an unknown tool nobody answers → error output + tool_failed, never hanging', async () => {
    const h = await started({ tools: [lookup] });
    call(h.t, 'call_5', 'delete_everything', '{}');
    await settle();
    expect(outputs(h.t)[0]!.output).to.contain('no tool named');
    expect(h.log.errors[0]?.code).to.equal('tool_failed');
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('a tool the host answers via the callback even if not declared (pinned by the backend) is fine', async () => {
    const h = await started();
    h.toolCall = async () => 42;
    call(h.t, 'call_6', 'server_pinned_tool', '{"x":1}');
    await settle();
    expect(outputs(h.t)[0]!.output).to.equal('42');
    expect(h.log.errors).to.deep.equal([]);
  });

  it('a declared tool that is declined gets an error output, without tool_failed', async () => {
    const h = await started({ tools: [lookup] });
    call(h.t, 'call_7', 'lookup_order', '{}');
    await settle();
    expect(outputs(h.t)[0]!.output).to.contain('not available');
    expect(h.log.errors).to.deep.equal([]);
  });

  it('arguments that are not JSON → error output + tool_failed, no handler call', async () => {
    const h = await started({ tools: [lookup] });
    call(h.t, 'call_8', 'lookup_order', '{"id":');
    await settle();
    expect(h.log.toolCalls).to.deep.equal([]);
    expect(outputs(h.t)[0]!.output).to.contain('not valid JSON');
    expect(h.log.errors[0]?.code).to.equal('tool_failed');
  });

  it('output_item.done of a function_call works too, deduplicated by call_id; parallel calls → one response.create', async () => {
    const h = await started({ tools: [lookup] });
    const answers: ((v: unknown) => void)[] = [];
    h.toolCall = () => new Promise((resolve) => answers.push(resolve));
    S.responseCreated(h.t, 'resp_f');
    const fc = (id: string) => ({ id: `item_${id}`, object: 'realtime.item', type: 'function_call', status: 'completed', call_id: id, name: 'lookup_order', arguments: '{}' });
    h.t.emit({ type: 'response.output_item.done', response_id: 'resp_f', output_index: 0, item: fc('c1') });
    call(h.t, 'c1', 'lookup_order', '{}');
    h.t.emit({ type: 'response.output_item.done', response_id: 'resp_f', output_index: 1, item: fc('c2') });
    S.responseDone(h.t, 'resp_f', 'completed', [fc('c1'), fc('c2')]);
    expect(h.log.toolCalls.map((c) => c.callId)).to.deep.equal(['c1', 'c2']);
    answers[0]!('a');
    await settle();
    expect(h.t.sentOfType('response.create'), 'waits for every call of the turn').to.have.length(0);
    answers[1]!('b');
    await settle();
    expect(outputs(h.t).map((o) => o.call_id)).to.deep.equal(['c1', 'c2']);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('beta-shaped arguments.done without a name uses the name from output_item.added', async () => {
    const h = await started({ tools: [lookup] });
    h.toolCall = async () => 'ok';
    h.t.emit({
      type: 'response.output_item.added',
      response_id: 'resp_f',
      output_index: 0,
      item: { id: 'item_c9', object: 'realtime.item', type: 'function_call', status: 'in_progress', call_id: 'c9', name: 'lookup_order', arguments: '' },
    });
    h.t.emit({ type: 'response.function_call_arguments.done', response_id: 'resp_f', item_id: 'item_c9', output_index: 0, call_id: 'c9', arguments: '{}' });
    expect(h.log.toolCalls[0]?.name).to.equal('lookup_order');
  });
});

describe('session: reconnection', () => {
  it('abnormal close → reconnecting → fresh token, session.update, replay as items, connected again', async () => {
    let tokens = 0;
    const h = await started({ getToken: async () => ({ value: `${SECRET}${++tokens}`, expires_at: nowS() + 600 }) });
    h.session.sendText('Where is order 42?');
    S.reply(h.t, 'resp_1', 'item_a1', 'It shipped yesterday.', [100]);
    h.port.finishPlayback();
    S.userTurn(h.t, 'item_u2', 'Thanks');
    S.responseCreated(h.t, 'resp_2');
    const first = h.t;
    first.simulateClose(1006, '');
    expect(h.log.disconnected).to.deep.equal([{ code: 1006, reason: '', willReconnect: true }]);
    expect(h.session.status).to.equal('reconnecting');
    await waitUntil(() => h.log.connected.length === 2, 'reconnected');
    expect(h.session.status).to.equal('thinking');
    expect(h.transports).to.have.length(2);
    expect(h.t.connects[0]!.token).to.equal(`${SECRET}2`);
    const sent = h.t.sent;
    expect(sent[0]?.type).to.equal('session.update');
    const items = h.t.sentOfType('conversation.item.create').map((e) => e.item);
    const textId = h.session.conversation[0]!.id;
    expect(items).to.deep.equal([
      { id: textId, type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Where is order 42?' }] },
      { id: 'item_a1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It shipped yesterday.' }] },
      { id: 'item_u2', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
    ]);
    // The last user turn was never answered: ask again.
    expect(h.t.sentOfType('response.create')).to.have.length(1);
    expect(h.log.statuses).to.include('reconnecting');
    await settle();
    expect(h.session.conversation, 'echoes of replayed items are not duplicated').to.have.length(3);
  });

  it('typed messages while reconnecting are queued and delivered after the replay', async () => {
    let gate: () => void = () => undefined;
    let calls = 0;
    const h = await started({
      getToken: () => {
        calls++;
        if (calls === 1) return Promise.resolve({ value: SECRET });
        return new Promise((resolve) => (gate = () => resolve({ value: SECRET })));
      },
    });
    h.session.sendText('before');
    S.responseCreated(h.t, 'r');
    S.responseDone(h.t, 'r');
    h.t.simulateClose(1011, 'server error');
    await waitUntil(() => calls === 2);
    expect(h.session.sendText('while away')).to.equal(true);
    expect(h.session.conversation.at(-1)).to.deep.include({ text: 'while away', status: 'in_progress' });
    gate();
    await waitUntil(() => h.log.connected.length === 2);
    const items = h.t.sentOfType('conversation.item.create').map((e) => (e.item as { content: { text: string }[] }).content[0]!.text);
    expect(items).to.deep.equal(['before', 'while away']);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
    expect(h.session.conversation.at(-1)?.status).to.equal('completed');
  });

  it('exponential backoff with jitter, then connection_lost after reconnectAttempts', async () => {
    const delays: number[] = [];
    const h = await started(
      { reconnectAttempts: 3 },
      {
        deps: {
          random: () => 0.25,
          backoff: { baseMs: 4, maxMs: 12 },
          setTimeout: (cb, ms) => {
            if (ms < 1000) delays.push(ms);
            return setTimeout(cb, Math.min(ms, 20));
          },
          clearTimeout: (handle) => clearTimeout(handle as number),
        },
        onTransport: (t, index) => {
          if (index > 0) t.failNextConnect();
        },
      },
    );
    h.t.simulateClose(1006);
    await waitUntil(() => h.session.status === 'error', 'gave up', { timeout: 3000 });
    expect(h.transports).to.have.length(4);
    expect(delays).to.deep.equal([0, 1, 2].map((n) => backoffDelay(n, () => 0.25, { baseMs: 4, maxMs: 12 })));
    expect(delays).to.deep.equal([3, 5, 8]);
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['connection_lost', true]]);
    expect(h.log.statuses.slice(-2)).to.deep.equal(['reconnecting', 'error']);
    expect(h.port.closed).to.equal(true);
  });

  it('backoffDelay: doubles, caps, and jitters within [½, 1]', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, () => 1, { baseMs: 100, maxMs: 500 }))).to.deep.equal([100, 200, 400, 500, 500]);
    expect([0, 1, 2].map((n) => backoffDelay(n, () => 0, { baseMs: 100, maxMs: 500 }))).to.deep.equal([50, 100, 200]);
  });

  for (const reconnectAttempts of [0, 0.5]) {
    it(`reconnectAttempts ${reconnectAttempts} → connection_lost at once, not a promised reconnect`, async () => {
      const h = await started({ reconnectAttempts });
      h.t.simulateClose(1006);
      expect(h.log.disconnected).to.deep.equal([{ code: 1006, reason: '', willReconnect: false }]);
      expect(h.log.errors.map((e) => [e.code, e.message])).to.deep.equal([['connection_lost', 'The connection was lost (1006).']]);
      expect(h.log.statuses).to.not.include('reconnecting');
      expect(h.session.status).to.equal('error');
      expect(h.transports).to.have.length(1);
    });
  }

  it('a token fetch failing or a token refused during reconnection is retried', async () => {
    let calls = 0;
    const h = await started({
      // Both drops come within STABLE_MS: one count of attempts for both.
      reconnectAttempts: 5,
      getToken: async () => {
        calls++;
        if (calls === 2) throw new Error('blip');
        if (calls === 4) return { value: '' };
        return { value: SECRET };
      },
    });
    h.t.simulateClose(1006);
    await waitUntil(() => h.log.connected.length === 2, 'reconnected after a token blip');
    expect(calls).to.equal(3);
    h.t.simulateClose(1006);
    await waitUntil(() => h.log.connected.length === 3, 'reconnected after a bad token');
    expect(calls).to.equal(5);
    expect(h.log.errors).to.deep.equal([]);
  });

  it('a tool answer that arrives after the socket was replaced goes to the new socket, after the call it answers', async () => {
    const h = await started({ tools: [{ name: 'slow' }] });
    let answer: (v: unknown) => void = () => undefined;
    h.toolCall = () => new Promise((resolve) => (answer = resolve));
    h.t.emit({ type: 'response.function_call_arguments.done', response_id: 'r', item_id: 'i', output_index: 0, call_id: 'c', name: 'slow', arguments: '{}' });
    const first = h.t;
    first.simulateClose(1006);
    await waitUntil(() => h.log.connected.length === 2);
    expect(h.t.sentOfType('response.create'), 'no reply before the answer').to.have.length(0);
    expect(h.session.status).to.equal('thinking');
    answer('late');
    await settle();
    expect(first.sentOfType('conversation.item.create')).to.have.length(0);
    expect(h.t.sentOfType('conversation.item.create').map((e) => e.item)).to.deep.equal([
      { type: 'function_call', call_id: 'c', name: 'slow', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'late' },
    ]);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('the 60-minute close is session_expired (no reconnect); start() continues the conversation without a greeting', async () => {
    const h = setup({ greeting: 'Hello!' });
    await h.session.start();
    S.responseCreated(h.t, 'g');
    S.itemAdded(h.t, 'g', 'item_g');
    S.transcriptDone(h.t, 'g', 'item_g', 'Hello!');
    S.responseDone(h.t, 'g');
    h.session.sendText('hi');
    h.t.simulateClose(1001, 'Your session hit the maximum duration of 60 minutes.');
    expect(h.log.disconnected.at(-1)).to.deep.equal({ code: 1001, reason: 'Your session hit the maximum duration of 60 minutes.', willReconnect: false });
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['session_expired', true]]);
    expect(h.session.status).to.equal('error');
    expect(h.port.closed, 'the mic is released').to.equal(true);
    await settle();
    expect(h.transports).to.have.length(1);

    await h.session.start();
    expect(h.transports).to.have.length(2);
    expect(h.ports).to.have.length(2);
    expect(h.session.status).to.equal('thinking');
    const replayed = h.t.sentOfType('conversation.item.create').map((e) => (e.item as { role: string }).role);
    expect(replayed).to.deep.equal(['assistant', 'user']);
    const creates = h.t.sentOfType('response.create');
    expect(creates).to.have.length(1);
    expect(creates[0]!.response, 'no second greeting').to.equal(undefined);
  });

  it("OpenAI's session_expired error event before the close: one session_expired, no server_error", async () => {
    const h = await started();
    h.t.emit({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.', event_id: null } });
    expect(h.log.errors).to.deep.equal([]);
    h.t.simulateClose(1001, 'Session expired');
    expect(h.log.errors.map((e) => e.code)).to.deep.equal(['session_expired']);
    await settle();
    expect(h.transports).to.have.length(1);
  });

  it('a close before session.created on the first connect → connection_failed', async () => {
    const h = setup({}, { onTransport: (t) => t.failNextConnect() });
    await h.session.start();
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['connection_failed', true]]);
    expect(h.session.status).to.equal('error');
    expect(h.port.closed).to.equal(true);
  });

  it('no session.created within the connect timeout → connection_failed', async () => {
    const h = setup({}, { transport: { sessionCreated: false }, deps: { connectTimeoutMs: 30 } });
    await h.session.start();
    expect(h.log.errors.map((e) => e.code)).to.deep.equal(['connection_failed']);
    expect(h.t.status).to.equal('closed');
  });
});

describe('session: errors', () => {
  it('error events → server_error, non-fatal; the call goes on', async () => {
    const h = await started();
    h.t.emit({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad thing', param: 'session.voice', event_id: null } });
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['server_error', false]]);
    expect(h.log.errors[0]!.message).to.contain('Bad thing');
    expect(h.session.status).to.equal('listening');
  });

  it('a browser without WebSocket, or a transport that cannot be made → unsupported_browser, fatal', async () => {
    const saved = window.WebSocket;
    const failing: Partial<SessionDeps>[] = [
      { transport: () => new WebSocketTransport() },
      {
        transport: () => {
          throw new TypeError('no transport');
        },
      },
    ];
    try {
      (window as { WebSocket?: unknown }).WebSocket = undefined;
      for (const deps of failing) {
        const h = setup({}, { deps });
        await h.session.start();
        expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['unsupported_browser', true]]);
        expect(h.session.status).to.equal('error');
      }
    } finally {
      window.WebSocket = saved;
    }
  });

  it('a failed response → server_error (non-fatal)', async () => {
    const h = await started();
    S.responseCreated(h.t, 'r');
    h.t.emit({
      type: 'response.done',
      response: { id: 'r', object: 'realtime.response', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: 'overloaded' } }, output: [] },
    });
    expect(h.log.errors.map((e) => e.code)).to.deep.equal(['server_error']);
    expect(h.log.errors[0]!.message).to.contain('overloaded');
  });

  it('malformed frames are logged and ignored, never thrown; unknown events pass through', async () => {
    const lines: string[] = [];
    const h = await started({ debug: true }, { deps: { logger: (...args) => lines.push(args.join(' ')) } });
    h.t.emit('this is not json');
    h.t.emit(new ArrayBuffer(8));
    h.t.emit({ type: 'response.output_audio.delta', delta: 42 });
    h.t.emit({ type: 'response.brand_new_event', foo: 1 });
    expect(lines.filter((l) => l.includes('bad frame'))).to.have.length(3);
    expect(h.log.errors).to.deep.equal([]);
    expect(h.log.serverEvents.at(-1)?.type).to.equal('response.brand_new_event');
    expect(h.session.status).to.equal('listening');
  });

  it('a callback that throws does not break the session', async () => {
    const h = setup();
    const session = new RealtimeSession(BASE, {
      status: () => {
        throw new Error('host bug');
      },
      connected: () => undefined,
      disconnected: () => undefined,
      transcript: () => undefined,
      toolCall: () => undefined,
      interrupted: () => undefined,
      error: () => undefined,
      serverEvent: () => undefined,
      level: () => undefined,
      audioBlocked: () => undefined,
    }, { audio: null, transport: () => { const t = new ScriptedTransport({ replies: basicReplies }); h.transports.push(t); return t; } });
    await session.start();
    expect(session.status).to.equal('listening');
    await session.stop();
  });

  it('autoplay blocked → audioBlocked(true) + audio_blocked; resumeAudio() → audioBlocked(false)', async () => {
    const h = await started();
    h.port.setBlocked(true);
    expect(h.log.blocked).to.deep.equal([true]);
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['audio_blocked', false]]);
    expect(await h.session.resumeAudio()).to.equal(true);
    expect(h.port.resumeCalls).to.equal(1);
    expect(h.log.blocked).to.deep.equal([true, false]);
    expect(h.session.status).to.equal('listening');
  });

  it('a microphone failure at start → its code (mic_permission_denied), fatal, everything closed', async () => {
    const denied = Object.assign(new Error('Microphone access was denied.'), { name: 'AudioError', code: 'mic_permission_denied' });
    const h = setup({}, { audio: { startError: denied } });
    await h.session.start();
    await settle();
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['mic_permission_denied', true]]);
    expect(h.session.status).to.equal('error');
    expect(h.port.closeCalls).to.equal(1);
    expect(h.transports.every((t) => t.status === 'closed' || t.status === 'idle')).to.equal(true);
  });

  it('with text input, a refused microphone is non-fatal: the call goes on as text, the engine closed', async () => {
    const denied = Object.assign(new Error('Microphone access was denied.'), { name: 'AudioError', code: 'mic_permission_denied' });
    const h = setup({ textInput: true }, { audio: { startError: denied } });
    await h.session.start();
    await settle();
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['mic_permission_denied', false]]);
    expect(h.session.status).to.equal('listening');
    expect(h.port.closeCalls).to.equal(1);
    h.t.clearSent();
    expect(h.session.sendText('Where is my order?')).to.equal(true);
    expect(sentTypes(h.t)).to.deep.equal(['conversation.item.create', 'response.create']);
    // The reply's audio has nowhere to go: its transcript still streams, and the status follows it.
    S.reply(h.t, 'resp_1', 'item_a1', 'It shipped.', [480], true);
    expect(h.port.played).to.have.length(0);
    expect(h.session.conversation.find((i) => i.id === 'item_a1')).to.deep.include({ text: 'It shipped.', status: 'completed' });
    expect(h.session.status).to.equal('listening');
  });

  it('with text input, a microphone lost mid-call is non-fatal too; other audio failures stay fatal', async () => {
    const h = await started({ textInput: true });
    h.port.handlers.error(Object.assign(new Error('The microphone stopped.'), { name: 'AudioError', code: 'mic_unavailable' }));
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['mic_unavailable', false]]);
    expect(h.port.closeCalls).to.equal(1);
    expect(h.session.status).to.equal('listening');
    const worklet = Object.assign(new Error('no worklet'), { name: 'AudioError', code: 'worklet_load_failed' });
    const h2 = setup({ textInput: true }, { audio: { startError: worklet } });
    await h2.session.start();
    await settle();
    expect(h2.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['worklet_load_failed', true]]);
  });

  for (const [label, getToken, code] of [
    ['a throwing getToken', async () => Promise.reject(new Error('nope')), 'token_fetch_failed'],
    ['an empty token', async () => ({ value: '' }), 'token_invalid'],
    ['an expired token', async () => ({ value: SECRET, expires_at: 1000 }), 'token_invalid'],
    ['an sk- key', async () => 'sk-proj-SECRETdoNotSend', 'insecure_api_key'],
  ] as const) {
    it(`${label} → ${code}, fatal, nothing connected`, async () => {
      const h = setup({ getToken });
      await h.session.start();
      expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([[code, true]]);
      expect(h.log.errors[0]!.message).not.to.contain('SECRET');
      expect(h.session.status).to.equal('error');
      expect(h.transports, 'no transport was even created').to.have.length(0);
      expect(h.port.closed).to.equal(true);
    });
  }

  it('a tokenUrl that 404s (real fetch) → token_fetch_failed', async () => {
    const h = setup({ getToken: undefined, tokenUrl: '/no-such-token-endpoint' });
    await h.session.start();
    expect(h.log.errors.map((e) => e.code)).to.deep.equal(['token_fetch_failed']);
  });

  it('debug output never contains the credential', async () => {
    const lines: string[] = [];
    const h = await started({ debug: true, getToken: async () => ({ value: SECRET, expires_at: nowS() + 600 }) }, { deps: { logger: (...args) => lines.push(args.join(' ')) } });
    h.session.sendText('hello');
    S.reply(h.t, 'r', 'i', 'hi', [100]);
    h.t.emit('garbage');
    h.t.simulateClose(1006);
    await waitUntil(() => h.log.connected.length === 2);
    await h.session.stop();
    expect(lines.length).to.be.greaterThan(10);
    expect(lines.join('\n')).not.to.contain('SECRET');
  });
});

describe('session: updateConfig mid-call', () => {
  it('attribute changes send a new session.update; unchanged ones send nothing', async () => {
    const h = await started();
    h.t.clearSent();
    h.session.updateConfig({ instructions: 'New rules', vadThreshold: 0.7 });
    const update = h.t.sentOfType('session.update');
    expect(update).to.have.length(1);
    expect(update[0]!.session.instructions).to.equal('New rules');
    expect(update[0]!.session.audio?.input?.turn_detection).to.deep.include({ threshold: 0.7 });
    h.session.updateConfig({ instructions: 'New rules' });
    h.session.updateConfig({ debug: false, reconnectAttempts: 2 });
    expect(h.t.sentOfType('session.update')).to.have.length(1);
    h.session.updateConfig({ tools: [{ name: 'ping' }] });
    expect(h.t.sentOfType('session.update').at(-1)!.session.tools).to.deep.equal([{ type: 'function', name: 'ping', parameters: { type: 'object', properties: {} } }]);
  });

  it('after the model has spoken, a voice change is left out (cannot_update_voice) until the next session', async () => {
    const h = await started();
    S.reply(h.t, 'r', 'i', 'hi', [100]);
    h.t.clearSent();
    h.session.updateConfig({ voice: 'cedar', instructions: 'x' });
    const s = h.t.sentOfType('session.update')[0]!.session;
    expect(s.audio?.output).to.not.have.property('voice');
    h.t.simulateClose(1006);
    await waitUntil(() => h.log.connected.length === 2);
    expect(h.t.sentOfType('session.update')[0]!.session.audio?.output?.voice).to.equal('cedar');
  });

  it('switching to push-to-talk mid-call turns server VAD off and gates the mic', async () => {
    const h = await started();
    h.session.updateConfig({ pushToTalk: true });
    expect(h.t.sentOfType('session.update').at(-1)!.session.audio?.input?.turn_detection).to.equal(null);
    const before = h.t.appendedBytes;
    h.port.emitFrame();
    expect(h.t.appendedBytes).to.equal(before);
  });

  it('muted via updateConfig mutes the port and the session (silence tail, then nothing)', async () => {
    let now = 1_000_000;
    const h = await started({}, { deps: { now: () => now } });
    h.session.updateConfig({ muted: true });
    expect(h.port.muted).to.equal(true);
    h.t.clearSent();
    h.port.emitFrame(960, 0x55);
    expect(h.t.sentOfType('input_audio_buffer.append').map((e) => e.audio)).to.deep.equal([encodeBase64(new Uint8Array(960))]);
    now += 5_000;
    h.port.emitFrame(960, 0x55);
    expect(h.t.sentOfType('input_audio_buffer.append')).to.have.length(1);
  });
});

describe('session: stop() and teardown', () => {
  it('aborts a token fetch in flight: no error, idle, nothing connected', async () => {
    let signal: AbortSignal | undefined;
    const h = setup({ getToken: ({ signal: s }) => ((signal = s), new Promise(() => undefined)) });
    const starting = h.session.start();
    await tick();
    await h.session.stop();
    await starting;
    expect(signal?.aborted).to.equal(true);
    expect(h.log.errors).to.deep.equal([]);
    expect(h.session.status).to.equal('idle');
    expect(h.transports).to.have.length(0);
    expect(h.port.closeCalls).to.equal(1);
  });

  it('mid-reply: cancels the response, closes the socket with 1000 and the audio engine, exactly once', async () => {
    const h = await started({ tools: [{ name: 'slow' }], toolTimeoutMs: 30 });
    h.toolCall = () => new Promise(() => undefined);
    h.t.emit({ type: 'response.function_call_arguments.done', response_id: 'r0', item_id: 'i0', output_index: 0, call_id: 'c0', name: 'slow', arguments: '{}' });
    S.reply(h.t, 'resp_1', 'item_a1', 'talking', [300], false);
    const t = h.t;
    let closeInfo: { code: number; initiatedByClient: boolean } | undefined;
    const originalClose = t.handlers!.close;
    t.handlers!.close = (info) => {
      closeInfo = info;
      originalClose(info);
    };
    const stopping = h.session.stop();
    const again = h.session.stop();
    expect(again).to.equal(stopping);
    await stopping;
    await h.session.stop();
    await tick(50); // past the tool timeout: its timer was cleared
    expect(t.sentOfType('response.cancel')).to.have.length(1);
    expect(closeInfo).to.deep.include({ code: 1000, initiatedByClient: true });
    expect(h.port.closeCalls).to.equal(1);
    expect(h.session.status).to.equal('idle');
    expect(h.log.statuses.filter((s) => s === 'idle')).to.have.length(1);
    expect(h.log.disconnected).to.deep.equal([{ code: 1000, reason: 'client stopped', willReconnect: false }]);
    expect(t.sentOfType('conversation.item.create')).to.have.length(0);
    expect(h.log.errors).to.deep.equal([]);
  });

  it('a pending reconnect timer is cleared by stop()', async () => {
    const h = await started({}, { deps: { backoff: { baseMs: 40, maxMs: 40 } } });
    h.t.simulateClose(1006);
    expect(h.session.status).to.equal('reconnecting');
    await h.session.stop();
    await tick(80);
    expect(h.transports).to.have.length(1);
    expect(h.session.status).to.equal('idle');
  });

  it('stop() keeps the conversation; clearConversation() forgets it', async () => {
    const h = await started();
    h.session.sendText('hello');
    await h.session.stop();
    expect(h.session.conversation).to.have.length(1);
    h.session.clearConversation();
    expect(h.session.conversation).to.deep.equal([]);
  });
});

describe('session: Conversation', () => {
  it('replays only items with text, with GA content types, capped', () => {
    const c = new Conversation();
    c.add('u1', 'user', 'hi', 'completed');
    c.add('u2', 'user', '', 'completed');
    c.add('a1', 'assistant', 'hello', 'incomplete');
    const events = c.replayEvents();
    expect(events.map((e) => e.item)).to.deep.equal([
      { id: 'u1', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
      { id: 'a1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] },
    ]);
    const items: ConversationItem[] = [...c.items];
    expect(items.map((i) => i.id)).to.deep.equal(['u1', 'u2', 'a1']);
  });

  it('a change replaces only the changed item: snapshots share the others, old snapshots stay as they were', () => {
    const updates: string[] = [];
    const c = new Conversation((u) => updates.push(`${u.itemId}:${u.delta}:${u.final}`));
    c.add('u1', 'user', 'hi', 'completed');
    c.add('a1', 'assistant');
    const before = c.items;
    c.append('a1', 'Hel');
    c.append('a1', 'lo');
    const during = c.items;
    expect(during[0], 'an unchanged item is not copied again').to.equal(before[0]);
    expect(during[1]).not.to.equal(before[1]);
    expect(before[1]).to.deep.equal({ id: 'a1', role: 'assistant', text: '', status: 'in_progress' });
    c.finish('a1', 'Hello.');
    c.setStatus('nope', 'completed');
    c.append('nope', 'x');
    c.finish('nope', 'x');
    expect(c.items).to.deep.equal([
      { id: 'u1', role: 'user', text: 'hi', status: 'completed' },
      { id: 'a1', role: 'assistant', text: 'Hello.', status: 'completed' },
    ]);
    expect(c.items.every((i) => Object.isFrozen(i))).to.equal(true);
    expect(c.get('a1')).to.equal(c.items[1]);
    expect(updates).to.deep.equal(['u1:hi:true', 'a1:Hel:false', 'a1:lo:false', 'a1:.:true']);
    c.clear();
    expect([c.items, c.get('a1')]).to.deep.equal([[], undefined]);
  });
});
