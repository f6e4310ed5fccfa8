// Protocol review: event sequences of the GA protocol (as the local server sends them) that the
// session mis-handled, and a testing-kit helper. Each bug's test failed before its fix; the test
// of a completed call guards what the fix keeps.
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { ScriptedTransport } from '../../src/protocol/scripted-transport.js';
import { WebSocketTransport } from '../../src/protocol/websocket-transport.js';
import type { TokenResponse } from '../../src/session/types.js';
import { waitForTranscript } from '../../testing/browser.js';
import { S, settle, setup, started, tick, useSessionHarness } from './session-harness.js';

useSessionHarness();

const lookup = { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { id: { type: 'string' } } } };
const outputs = (t: ScriptedTransport) => t.sentOfType('conversation.item.create').filter((e) => e.item.type === 'function_call_output');

describe('protocol review: a function call cut short by barge-in', () => {
  it('is not run: the cancelled call closes with partial arguments and an incomplete item (the local server sends exactly this)', async () => {
    const h = await started({ tools: [lookup] });
    h.toolCall = async () => ({ status: 'shipped' });
    S.responseCreated(h.t, 'resp_f');
    const item = { id: 'item_c', object: 'realtime.item', type: 'function_call', status: 'in_progress', name: 'lookup_order', call_id: 'call_1', arguments: '' };
    h.t.emit({ type: 'response.output_item.added', response_id: 'resp_f', output_index: 0, item });
    h.t.emit({ type: 'response.function_call_arguments.delta', response_id: 'resp_f', item_id: 'item_c', output_index: 0, call_id: 'call_1', delta: '{"id":"A' });
    // The visitor talks over it; server VAD's interrupt_response cancels the response.
    h.t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' });
    const where = { response_id: 'resp_f', item_id: 'item_c', output_index: 0, call_id: 'call_1' };
    h.t.emit({ type: 'response.function_call_arguments.done', ...where, name: 'lookup_order', arguments: '{"id":"A' });
    const cut = { ...item, status: 'incomplete', arguments: '{"id":"A' };
    h.t.emit({ type: 'response.output_item.done', response_id: 'resp_f', output_index: 0, item: cut });
    S.responseDone(h.t, 'resp_f', 'cancelled', [cut], 'turn_detected');
    await settle();
    expect(h.log.toolCalls, 'no tool call for a call the visitor interrupted').to.deep.equal([]);
    expect(h.log.errors.map((e) => e.code), 'no tool_failed for its cut arguments').to.deep.equal([]);
    expect(outputs(h.t), 'no output, and so no reply, for it').to.have.length(0);
    expect(h.t.sentOfType('response.create')).to.have.length(0);
  });

  it('a call that completed before the interruption is still answered (its item says completed)', async () => {
    const h = await started({ tools: [lookup] });
    h.toolCall = async () => ({ status: 'shipped' });
    S.responseCreated(h.t, 'resp_f');
    // Typed text interrupts (we cancel) while the server had already finished the call.
    h.session.sendText('never mind');
    const where = { response_id: 'resp_f', item_id: 'item_c', output_index: 0, call_id: 'call_2' };
    h.t.emit({ type: 'response.function_call_arguments.done', ...where, name: 'lookup_order', arguments: '{"id":"B"}' });
    const item = { id: 'item_c', object: 'realtime.item', type: 'function_call', status: 'completed', name: 'lookup_order', call_id: 'call_2', arguments: '{"id":"B"}' };
    h.t.emit({ type: 'response.output_item.done', response_id: 'resp_f', output_index: 0, item });
    await settle();
    expect(h.log.toolCalls).to.deep.equal([{ name: 'lookup_order', callId: 'call_2', arguments: { id: 'B' } }]);
    expect(outputs(h.t)).to.have.length(1);
  });
});

describe('protocol review: against the local Realtime server', function () {
  this.timeout(20000);
  let url: string | null = null;

  before(async function () {
    url = ((await import(new URL('/__rv/config.js', location.href).href)).default as { url: string | null }).url;
    if (!url) this.skip();
  });

  afterEach(async () => {
    await executeServerCommand('rv-sim', { op: 'reset' });
  });

  it('a typed message that interrupts a function call being streamed: the cut call is not run', async () => {
    const order = 'A'.repeat(120);
    await executeServerCommand('rv-sim', {
      op: 'scenario',
      replies: [{ toolCall: { name: 'lookup_order', arguments: { order_id: order }, say: '' } }, 'Okay.'],
      latencyMs: 0,
      // Slow: the arguments stream for seconds.
      speedup: 0.1,
    });
    const getToken = () => executeServerCommand<TokenResponse, object>('rv-sim', { op: 'mint' });
    const h = setup({ getToken, url: url!, tools: [lookup] }, { deps: { transport: () => new WebSocketTransport() } });
    h.toolCall = async () => ({ status: 'shipped' });
    const types = () => h.log.serverEvents.map((e) => e.type);
    await h.session.start();
    await waitUntil(() => types().includes('session.updated'), 'configured');
    h.session.sendText('Where is my order?');
    await waitUntil(() => types().includes('response.function_call_arguments.delta'), 'the call is being streamed', { timeout: 5000 });
    h.session.sendText('Never mind.');
    await waitUntil(() => types().includes('response.done'), 'the cut response ended', { timeout: 10000 });
    await tick(500);
    const done = h.log.serverEvents.find((e) => e.type === 'response.function_call_arguments.done') as unknown as { arguments: string };
    expect(done.arguments.length, 'the server closed the call with cut arguments').to.be.below(JSON.stringify({ order_id: order }).length);
    expect(h.log.toolCalls).to.deep.equal([]);
    expect(h.log.errors.map((e) => e.code)).to.deep.equal([]);
    const received = (await executeServerCommand('rv-sim', { op: 'events', type: 'conversation.item.create' })) as { item: { type: string } }[];
    expect(received.filter((e) => e.item.type === 'function_call_output')).to.have.length(0);
  });
});

describe('protocol review: the voice after audio the visitor never heard', () => {
  it('audio of an interrupted response still counts as spoken: a later voice change is left out, or the server rejects the whole update (cannot_update_voice)', async () => {
    const h = await started();
    S.responseCreated(h.t, 'r1');
    S.itemAdded(h.t, 'r1', 'item_a1');
    // The visitor types before the first delta arrives: r1 is cancelled, its audio dropped…
    h.session.sendText('hello?');
    // …but the server had already produced it (the local server rejects a voice change from here on).
    S.audio(h.t, 'r1', 'item_a1', 200);
    S.responseDone(h.t, 'r1', 'cancelled', [], 'client_cancelled');
    h.t.clearSent();
    h.session.updateConfig({ voice: 'cedar', instructions: 'Be brief.' });
    const s = h.t.sentOfType('session.update').at(-1)!.session;
    expect(s.instructions).to.equal('Be brief.');
    expect(s.audio?.output, 'no voice: it would make the server refuse the instructions too').to.not.have.property('voice');
  });
});

describe('protocol review: realtime-voice/testing', () => {
  const emit = (target: EventTarget, detail: unknown) => {
    const event = new Event('rv-transcript');
    Object.defineProperty(event, 'detail', { value: detail });
    target.dispatchEvent(event);
  };

  it('waitForTranscript matches with a global or sticky RegExp however often it is reused (no lastIndex carried over)', async () => {
    const el = new EventTarget();
    for (const OPEN of [/open/g, /open/y]) {
      for (const text of ['We are open every day', 'open until 8']) {
        const waiting = waitForTranscript(el, { match: OPEN, timeout: 500 });
        emit(el, { role: 'assistant', final: true, itemId: 'i', delta: '', text: OPEN.sticky ? `open: ${text}` : text });
        expect((await waiting).text).to.include('open');
      }
    }
  });
});
