// The session under event orders and timings the other suites do not cover: push-to-talk held
// across a (re)connection, the response.create queue, barge-in over two sounding items, parallel
// tools, replies held while the visitor talks, clearing tools or instructions mid-call, a lost
// microphone (each test failed before its fix in src/session/session.ts). The harness of
// session-realtime (scripted transport, fake audio port, every frame checked against the GA
// schema), except where the local Realtime server's VAD is the judge.
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { ScriptedTransport } from '../../src/protocol/scripted-transport.js';
import { WebSocketTransport } from '../../src/protocol/websocket-transport.js';
import type { SessionConfig, TokenResponse } from '../../src/session/types.js';
import { S, settle, setup, started, tick, useSessionHarness } from './session-harness.js';

useSessionHarness();

describe('session edges: push-to-talk across (re)connection', () => {
  it('a talk button held while connecting: the speech after session.created is sent, and the release commits it', async () => {
    const h = setup({ pushToTalk: true }, { transport: { connectDelayMs: 30 } });
    const starting = h.session.start();
    expect(h.session.status).to.equal('connecting');
    // The visitor presses (and keeps holding) the talk button while the widget connects.
    h.session.pushToTalk(true);
    await starting;
    expect(h.session.status).to.equal('listening');
    // Still holding, the visitor speaks 200 ms.
    for (let i = 0; i < 10; i++) h.port.emitFrame(960);
    h.session.pushToTalk(false);
    expect(h.t.appendedBytes, 'the held speech reached the server').to.equal(9600);
    expect(h.t.sentOfType('input_audio_buffer.commit'), 'the release ends the turn').to.have.length(1);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('a talk button held through a reconnect: the speech after the reconnect is sent, and the release commits it', async () => {
    const h = await started({ pushToTalk: true });
    h.session.pushToTalk(true);
    h.port.emitFrame(960);
    h.t.simulateClose(1006, '');
    await waitUntil(() => h.log.connected.length === 2, 'reconnected');
    for (let i = 0; i < 10; i++) h.port.emitFrame(960);
    h.session.pushToTalk(false);
    expect(h.t.appendedBytes, 'the held speech reached the new server').to.equal(9600);
    expect(h.t.sentOfType('input_audio_buffer.commit')).to.have.length(1);
  });

  it('a talk button pressed while reconnecting holds back the reply the drop cut short until the release', async () => {
    const h = await started({ pushToTalk: true });
    h.session.sendText('where is my order?');
    await h.t.waitForSent('response.create');
    h.t.simulateClose(1006, '');
    // The visitor starts talking while the widget reconnects.
    h.session.pushToTalk(true);
    await waitUntil(() => h.log.connected.length === 2, 'reconnected');
    await settle();
    expect(h.t.sentOfType('response.create'), 'no reply over the held button').to.have.length(0);
    expect(h.session.status).to.equal('listening');
    for (let i = 0; i < 10; i++) h.port.emitFrame(960);
    h.session.pushToTalk(false);
    expect(h.t.sentOfType('input_audio_buffer.commit')).to.have.length(1);
    expect(h.t.sentOfType('response.create'), 'one reply, after the release').to.have.length(1);
  });

  it('a press before start() does not count as held once the call starts', async () => {
    const h = setup({ pushToTalk: true });
    h.session.pushToTalk(true);
    await h.session.start();
    h.port.emitFrame(960);
    expect(h.t.appendedBytes).to.equal(0);
  });
});

describe('session edges: the response.create queue', () => {
  it('a create refused for an active response is re-queued once: one answer, not two', async () => {
    const h = await started();
    h.session.sendText('first');
    const create = await h.t.waitForSent('response.create');
    // Meanwhile the visitor typed again; that turn's create waits behind the pending one.
    h.session.sendText('second');
    // Server VAD's own response got there first, and ours is refused.
    S.responseCreated(h.t, 'resp_vad');
    S.refused(h.t, create.event_id, 'conversation_already_has_active_response');
    S.responseDone(h.t, 'resp_vad');
    expect(h.t.sentOfType('response.create')).to.have.length(2);
    S.responseCreated(h.t, 'resp_2');
    S.responseDone(h.t, 'resp_2', 'completed');
    expect(h.t.sentOfType('response.create'), 'both typed turns are answered by one response').to.have.length(2);
  });

  it('interrupt() during a create that is then refused does not cancel a later, unrelated response', async () => {
    const h = await started();
    h.session.sendText('question');
    const create = await h.t.waitForSent('response.create');
    h.session.interrupt();
    // The create fails (e.g. a rate limit): no response comes of it.
    S.refused(h.t, create.event_id, 'rate_limit_exceeded');
    // Later, the visitor speaks and server VAD answers.
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' });
    h.t.emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 900, item_id: 'item_u' });
    S.responseCreated(h.t, 'resp_vad');
    expect(h.t.sentOfType('response.cancel'), 'the new answer is not cancelled').to.deep.equal([]);
    S.audio(h.t, 'resp_vad', 'item_a', 100);
    expect(h.port.played, 'and it is heard').to.have.length(1);
  });
});

describe('session edges: barge-in', () => {
  it("barge-in while the previous item still sounds and the next one has started arriving truncates the item being heard", async () => {
    const h = await started();
    // A preamble ("Let me look that up"), 1 s, arrives at once (faster than real time)...
    S.responseCreated(h.t, 'resp_1');
    S.audio(h.t, 'resp_1', 'item_pre', 1000);
    S.audioDone(h.t, 'resp_1', 'item_pre');
    S.responseDone(h.t, 'resp_1');
    // ...then the tool's answer starts streaming while the preamble is still playing.
    S.responseCreated(h.t, 'resp_2');
    S.audio(h.t, 'resp_2', 'item_ans', 500);
    h.port.setHeard('item_pre', 400);
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 5000, item_id: 'item_u' });
    await waitUntil(() => h.log.interrupted.length > 0, 'interrupted');
    await settle();
    const truncates = h.t.sentOfType('conversation.item.truncate').map((e) => [e.item_id, e.audio_end_ms]);
    expect(truncates, 'the preamble is cut where the visitor stopped hearing it').to.deep.include(['item_pre', 400]);
    expect(h.log.interrupted[0], 'rv-interrupted names what was heard').to.deep.equal({ itemId: 'item_pre', audioEndMs: 400 });
  });

  it('the visitor starts talking before our create is answered: the reply that comes of it is cancelled (server VAD cancels only what was active)', async () => {
    const h = await started();
    h.session.sendText('question');
    await h.t.waitForSent('response.create');
    // Speech starts while our create is unanswered; the response the server then creates did
    // not exist when its VAD interrupted, so nothing but us cancels it.
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' });
    S.responseCreated(h.t, 'resp_late');
    expect(h.t.sentOfType('response.cancel').map((e) => e.response_id)).to.deep.equal(['resp_late']);
    S.audio(h.t, 'resp_late', 'item_late', 200);
    expect(h.port.played, 'nothing of it plays over the visitor').to.deep.equal([]);
  });
});

describe('session edges: tools', () => {
  it('parallel calls, the first answered at once: response.create waits for the second', async () => {
    let answerLookup: (value: unknown) => void = () => undefined;
    const h = await started({
      tools: [
        { name: 'local_time', handler: () => '12:00' },
        { name: 'lookup_order', handler: () => new Promise((resolve) => (answerLookup = resolve)) },
      ],
    });
    const call = (callId: string, name: string, index: number) =>
      h.t.emit({ type: 'response.function_call_arguments.done', response_id: 'resp_f', item_id: `item_${callId}`, output_index: index, call_id: callId, name, arguments: '{}' });
    S.responseCreated(h.t, 'resp_f');
    call('c1', 'local_time', 0);
    // The server's frames are separate tasks: the synchronous handler has answered before the next one.
    await tick();
    call('c2', 'lookup_order', 1);
    S.responseDone(h.t, 'resp_f');
    expect(h.t.sentOfType('response.create'), 'the model must not continue without the second output').to.have.length(0);
    answerLookup({ status: 'shipped' });
    await settle();
    const after = h.t.sent.filter((e) => e.type === 'conversation.item.create' || e.type === 'response.create').map((e) => e.type);
    expect(after).to.deep.equal(['conversation.item.create', 'conversation.item.create', 'response.create']);
  });
});

describe("session edges: replies wait for the end of the visitor's turn", () => {
  const slowTool = (answers: ((value: unknown) => void)[]) => ({ name: 'lookup_order', handler: () => new Promise((resolve) => answers.push(resolve)) });
  const callTool = (t: ScriptedTransport) => {
    S.responseCreated(t, 'resp_f');
    t.emit({ type: 'response.function_call_arguments.done', response_id: 'resp_f', item_id: 'item_c', output_index: 0, call_id: 'c1', name: 'lookup_order', arguments: '{}' });
    S.responseDone(t, 'resp_f');
  };

  it("server VAD: a tool's answer mid-utterance sends its output, and server VAD's reply answers both (no create over the visitor, none after)", async () => {
    const answers: ((value: unknown) => void)[] = [];
    const h = await started({ tools: [slowTool(answers)] });
    callTool(h.t);
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' });
    answers[0]!('shipped');
    await settle();
    expect(h.t.sentOfType('conversation.item.create').map((e) => e.item.type)).to.deep.equal(['function_call_output']);
    expect(h.t.sentOfType('response.create'), 'no reply starts over the visitor').to.have.length(0);
    h.t.emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 900, item_id: 'item_u' });
    S.responseCreated(h.t, 'resp_vad');
    S.responseDone(h.t, 'resp_vad');
    await settle();
    expect(h.t.sentOfType('response.create'), "server VAD's reply covered the tool output").to.have.length(0);
  });

  /** Push-to-talk held while a tool call is answered: the reply waits for the release. */
  async function answeredWhileHeld() {
    const answers: ((value: unknown) => void)[] = [];
    const h = await started({ pushToTalk: true, tools: [slowTool(answers)] });
    callTool(h.t);
    h.session.pushToTalk(true);
    answers[0]!('shipped');
    await settle();
    expect(h.t.sentOfType('response.create'), 'held').to.have.length(0);
    return h;
  }

  it("push-to-talk: a tool's answer while the button is held is answered with the released turn, once", async () => {
    const h = await answeredWhileHeld();
    for (let i = 0; i < 10; i++) h.port.emitFrame(960);
    h.session.pushToTalk(false);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('push-to-talk: a push too short to commit still lets the held reply go', async () => {
    const h = await answeredWhileHeld();
    h.session.pushToTalk(false);
    expect(h.t.sentOfType('input_audio_buffer.commit')).to.have.length(0);
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });

  it('a typed turn is answered at once even while the server hears speech', async () => {
    const h = await started();
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' });
    h.session.sendText('hello?');
    expect(h.t.sentOfType('response.create')).to.have.length(1);
  });
});

describe('session edges: attribute changes mid-call', () => {
  it('removing every tool mid-call removes them from the server session (an update without tools keeps them)', async () => {
    const h = await started({ tools: [{ name: 'lookup_order' }] });
    expect(h.t.sentOfType('session.update')[0]!.session.tools).to.have.length(1);
    h.session.updateConfig({ tools: [] });
    const update = h.t.sentOfType('session.update').at(-1)!;
    expect(update.session.tools, 'the server drops the tools').to.deep.equal([]);
    h.session.updateConfig({ instructions: 'x' });
    expect(h.t.sentOfType('session.update').at(-1)!.session.tools, 'and they stay dropped').to.deep.equal([]);
  });

  it('clearing the instructions mid-call clears them on the server (an update without instructions keeps them)', async () => {
    const h = await started({ instructions: 'You sell shoes.' });
    h.session.updateConfig({ instructions: undefined });
    const updates = h.t.sentOfType('session.update');
    expect(updates, 'an update is sent').to.have.length(2);
    expect(updates[1]!.session.instructions, 'the GA way to clear them').to.equal('');
    h.session.updateConfig({ debug: true });
    expect(h.t.sentOfType('session.update'), 'nothing changed since').to.have.length(2);
  });

  it('a call that never had tools or instructions still sends none (those pinned by the backend stay)', async () => {
    const h = await started();
    h.session.updateConfig({ voice: 'cedar' });
    expect(h.t.sentOfType('session.update')).to.have.length(2);
    for (const update of h.t.sentOfType('session.update')) expect(update.session).to.not.have.any.keys('tools', 'instructions');
  });
});

describe('session edges: the microphone lost mid-utterance', () => {
  it('with text input, the call goes on and its status follows the reply (not stuck on listening)', async () => {
    const h = await started({ textInput: true });
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' });
    h.port.handlers.error(Object.assign(new Error('The microphone stopped.'), { name: 'AudioError', code: 'mic_unavailable' }));
    expect(h.log.errors.map((e) => [e.code, e.fatal])).to.deep.equal([['mic_unavailable', false]]);
    h.session.sendText('Where is my order?');
    expect(h.session.status, 'a typed turn is thinking').to.equal('thinking');
  });
});

// ── the local Realtime server as the judge ──

interface LocalServer {
  url: string | null;
}

describe('session edges: against the local Realtime server', function () {
  this.timeout(20000);
  let server: LocalServer;

  before(async function () {
    server = (await import(new URL('/__rv/config.js', location.href).href)).default as LocalServer;
    if (!server.url) this.skip();
  });

  afterEach(async () => {
    await executeServerCommand('rv-sim', { op: 'reset' });
  });

  function live(config: Partial<SessionConfig>, now: () => number = Date.now) {
    const getToken = () => executeServerCommand<TokenResponse, object>('rv-sim', { op: 'mint' });
    const h = setup({ getToken, url: server.url!, ...config }, { deps: { transport: () => new WebSocketTransport(), now } });
    const events = h.log.serverEvents;
    return { session: h.session, events, types: () => events.map((e) => e.type), ports: h.ports };
  }

  it('removing every tool mid-call removes them from the server session', async () => {
    const { session, events, types } = live({ tools: [{ name: 'lookup_order' }] });
    await session.start();
    await waitUntil(() => types().includes('session.updated'), 'configured');
    session.updateConfig({ tools: [] });
    await waitUntil(() => types().filter((t) => t === 'session.updated').length === 2, 'updated again');
    const applied = events.filter((e) => e.type === 'session.updated').at(-1) as unknown as { session: { tools: unknown[] } };
    expect(applied.session.tools, 'what the server applied').to.deep.equal([]);
  });

  it("a tool's answer that comes while the visitor is speaking does not start a reply over them: their turn is answered", async () => {
    let answer: (value: unknown) => void = () => undefined;
    let called = false;
    const { session, events, types, ports } = live({
      tools: [
        {
          name: 'lookup_order',
          parameters: { type: 'object', properties: { order_id: { type: 'string' } } },
          handler: () => ((called = true), new Promise((resolve) => (answer = resolve))),
        },
      ],
    });
    await session.start();
    await waitUntil(() => types().includes('session.updated'), 'configured');
    session.sendText('Where is order 12345?');
    await waitUntil(() => called, 'the tool was called', { timeout: 10000 });
    await waitUntil(() => types().includes('response.done'), 'the function-call response ended', { timeout: 10000 });
    const port = ports[0]!;
    // The visitor starts talking while the tool works...
    for (let i = 0; i < 30; i++) port.emitFrame(960, 0x11);
    await waitUntil(() => types().includes('input_audio_buffer.speech_started'), 'speech detected', { timeout: 5000 });
    // ...the tool answers mid-sentence...
    answer({ status: 'shipped' });
    await tick(200);
    // ...and the visitor finishes (1 s of silence ends the turn).
    for (let i = 0; i < 50; i++) port.emitFrame(960, 0);
    await waitUntil(() => types().includes('input_audio_buffer.committed'), 'the turn ended', { timeout: 5000 });
    const committedAt = types().indexOf('input_audio_buffer.committed');
    const createdBefore = events.slice(0, committedAt).filter((e) => e.type === 'response.created').length;
    expect(createdBefore, 'no reply started while the visitor was speaking (only the function-call one)').to.equal(1);
    await waitUntil(() => types().slice(committedAt).includes('response.created'), 'a reply that hears the spoken turn', { timeout: 5000 });
    await waitUntil(() => types().lastIndexOf('response.done') > types().lastIndexOf('response.created'), 'the reply ended', { timeout: 10000 });
    await tick(500);
    expect(types().slice(committedAt).filter((t) => t === 'response.created'), 'one reply, not two').to.have.length(1);
  });

  for (const silenceMs of [1000, 2000]) it(`muting mid-utterance ends the turn (vad-silence-ms ${silenceMs})`, async () => {
    let now = 1_000_000;
    const { session, types, ports } = live({ vadSilenceMs: silenceMs }, () => now);
    await session.start();
    await waitUntil(() => types().includes('session.updated'), 'configured');
    const port = ports[0]!;
    // The visitor talks for 600 ms (loud frames), then mutes mid-sentence.
    for (let i = 0; i < 30; i++) port.emitFrame(960, 0x11);
    await waitUntil(() => types().includes('input_audio_buffer.speech_started'), 'speech detected', { timeout: 5000 });
    session.setMuted(true);
    // The microphone keeps delivering frames (20 ms each) while muted, for 5 s.
    for (let i = 0; i < 250; i++) {
      now += 20;
      port.emitFrame(960, 0x11);
    }
    await waitUntil(() => types().includes('input_audio_buffer.speech_stopped'), 'the server ended the turn', { timeout: 5000 });
  });
});
