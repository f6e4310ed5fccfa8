import { expect } from '@open-wc/testing';
import {
  basicReplies,
  decodeBase64,
  ScriptedTransport,
  TransportError,
  type ParseResult,
  type TransportCloseInfo,
  type TransportHandlers,
  type TransportStatus,
} from '../../src/protocol/index.js';

const TOKEN = 'ek_scripted_test';
const OPTIONS = { url: 'wss://h/v1/realtime', model: 'gpt-realtime', token: TOKEN };

function recorder() {
  const messages: ParseResult[] = [];
  const statuses: TransportStatus[] = [];
  const closes: TransportCloseInfo[] = [];
  const handlers: TransportHandlers = {
    message: (r) => messages.push(r),
    status: (s) => statuses.push(s),
    close: (c) => closes.push(c),
  };
  const types = () => messages.map((m) => (m.ok ? m.event.type : `!${m.error.code}`));
  return { messages, statuses, closes, handlers, types };
}
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('ScriptedTransport', () => {
  it('connects asynchronously, then plays session.created (with the model) a task later', async () => {
    const t = new ScriptedTransport();
    const rec = recorder();
    const connecting = t.connect(OPTIONS, rec.handlers);
    expect(t.status).to.equal('connecting');
    await connecting;
    expect(t.status).to.equal('open');
    expect(rec.messages).to.have.length(0);
    await tick();
    expect(rec.types()).to.deep.equal(['session.created']);
    const created = rec.messages[0]!;
    expect(created.ok && created.event.known && created.event.type === 'session.created' && created.event.session.model).to.equal('gpt-realtime');
    expect(t.connects).to.deep.equal([OPTIONS]);
    expect(rec.statuses).to.deep.equal(['connecting', 'open']);
  });

  it('sessionCreated: false plays nothing; an object is merged into the session', async () => {
    const quiet = new ScriptedTransport({ sessionCreated: false });
    const rec = recorder();
    await quiet.connect(OPTIONS, rec.handlers);
    await tick(5);
    expect(rec.messages).to.have.length(0);
    const custom = new ScriptedTransport({ sessionCreated: { id: 'sess_custom', instructions: 'x' } });
    const rec2 = recorder();
    await custom.connect(OPTIONS, rec2.handlers);
    await tick();
    const ev = rec2.messages[0]!;
    expect(ev.ok && ev.event.known && ev.event.type === 'session.created' && ev.event.session.id).to.equal('sess_custom');
  });

  it('records sent events with stamped ids; appendAudio records base64 and counts bytes', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    await t.connect(OPTIONS, recorder().handlers);
    const a = t.send({ type: 'response.create' });
    const b = t.send({ type: 'response.cancel', event_id: 'mine' });
    const c = t.appendAudio(new Int16Array([1, -1, 300]));
    expect(new Set([a, b, c]).size).to.equal(3);
    expect(b).to.equal('mine');
    expect(t.sent.map((e) => e.event_id)).to.deep.equal([a, 'mine', c]);
    const append = t.sentOfType('input_audio_buffer.append')[0]!;
    expect(Array.from(new Int16Array(decodeBase64(append.audio)!))).to.deep.equal([1, -1, 300]);
    expect(t.appendedBytes).to.equal(6);
  });

  it('emit() sends objects, raw strings and beta names through parseServerEvent', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    const rec = recorder();
    await t.connect(OPTIONS, rec.handlers);
    const r1 = t.emit({ type: 'response.audio.delta', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0, delta: 'AAAA' });
    t.emit('{"type":"error","event_id":"e","error":{"type":"invalid_request_error","message":"m"}}');
    t.emit('{broken');
    t.emit({ type: 'response.output_audio.delta', delta: 1 });
    t.emit(new ArrayBuffer(3));
    t.emit({ type: 'vendor.custom' });
    expect(r1.ok && r1.event.event_id).to.match(/^event_/);
    expect(rec.types()).to.deep.equal(['response.output_audio.delta', 'error', '!invalid_json', '!invalid_field', '!binary_frame', 'vendor.custom']);
  });

  it('waitForSent resolves for events already sent or sent later, by type or predicate, and times out clearly', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    await t.connect(OPTIONS, recorder().handlers);
    t.send({ type: 'input_audio_buffer.clear' });
    expect((await t.waitForSent('input_audio_buffer.clear')).type).to.equal('input_audio_buffer.clear');
    const later = t.waitForSent('conversation.item.truncate');
    setTimeout(() => t.send({ type: 'conversation.item.truncate', item_id: 'item_9', content_index: 0, audio_end_ms: 640 }), 5);
    const truncate = await later;
    expect(truncate.audio_end_ms).to.equal(640); // typed as the truncate event
    const second = t.waitForSent('input_audio_buffer.clear', { since: t.sent.length });
    t.send({ type: 'input_audio_buffer.clear' });
    expect((await second).event_id).to.equal(t.sent.at(-1)!.event_id);
    const byPredicate = t.waitForSent((e) => e.type === 'response.cancel' && e.response_id === 'r2');
    t.send({ type: 'response.cancel', response_id: 'r1' });
    t.send({ type: 'response.cancel', response_id: 'r2' });
    expect((await byPredicate).event_id).to.equal(t.sent.at(-1)!.event_id);
    try {
      await t.waitForSent('session.update', { timeoutMs: 20 });
      throw new Error('should time out');
    } catch (e) {
      expect(String(e)).to.contain('no session.update within 20 ms');
    }
  });

  it('replies: basicReplies answer like the server, a task later; on() adds or removes one', async () => {
    const t = new ScriptedTransport({ sessionCreated: false, replies: basicReplies });
    const rec = recorder();
    await t.connect(OPTIONS, rec.handlers);
    t.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.' } });
    t.send({ type: 'conversation.item.truncate', item_id: 'item_2', content_index: 0, audio_end_ms: 1500 });
    expect(rec.messages).to.have.length(0); // not synchronous
    await tick();
    expect(rec.types()).to.deep.equal(['session.updated', 'conversation.item.truncated']);
    const updated = rec.messages[0]!;
    expect(updated.ok && updated.event.known && updated.event.type === 'session.updated' && updated.event.session.instructions).to.equal('Be brief.');
    t.on('response.create', (e, tr) => [
      { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } },
      { type: 'response.done', response: { id: 'resp_1', status: 'completed', metadata: e.response ?? null } },
      `{"type":"rate_limits.updated","event_id":"x","rate_limits":[]}`,
      ...(tr === t ? [] : [{ type: 'never' }]),
    ]);
    t.send({ type: 'response.create' });
    await tick();
    expect(rec.types().slice(2)).to.deep.equal(['response.created', 'response.done', 'rate_limits.updated']);
    t.on('response.create', undefined);
    t.send({ type: 'response.create' });
    await tick();
    expect(rec.messages).to.have.length(5);
  });

  it('simulateClose surfaces code and reason with initiatedByClient false; send then throws', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    const rec = recorder();
    await t.connect(OPTIONS, rec.handlers);
    t.simulateClose(1001, 'Your session hit the maximum duration of 60 minutes.');
    expect(rec.closes).to.deep.equal([{ code: 1001, reason: 'Your session hit the maximum duration of 60 minutes.', initiatedByClient: false }]);
    expect(t.status).to.equal('closed');
    expect(() => t.send({ type: 'response.create' })).to.throw(TransportError).with.property('code', 'invalid_state');
    expect(() => t.emit({ type: 'x' })).to.throw();
  });

  it('close() goes closing, then closed with initiatedByClient true a microtask later', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    const rec = recorder();
    await t.connect(OPTIONS, rec.handlers);
    t.close(1000, 'done');
    expect(t.status).to.equal('closing');
    expect(rec.closes).to.have.length(0);
    await Promise.resolve();
    expect(rec.closes).to.deep.equal([{ code: 1000, reason: 'done', initiatedByClient: true }]);
    expect(rec.statuses).to.deep.equal(['connecting', 'open', 'closing', 'closed']);
  });

  it('failNextConnect fails one connect (then connects again); close() while connecting aborts', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    t.failNextConnect();
    try {
      await t.connect(OPTIONS, recorder().handlers);
      throw new Error('should fail');
    } catch (e) {
      expect(e).to.be.instanceOf(TransportError);
      expect((e as TransportError).code).to.equal('connect_failed');
    }
    expect(t.status).to.equal('closed');
    const custom = new Error('custom');
    t.failNextConnect(custom);
    try {
      await t.connect(OPTIONS, recorder().handlers);
    } catch (e) {
      expect(e).to.equal(custom);
    }
    await t.connect(OPTIONS, recorder().handlers);
    expect(t.status).to.equal('open');
    const slow = new ScriptedTransport({ connectDelayMs: 50 });
    const connecting = slow.connect(OPTIONS, recorder().handlers);
    slow.close();
    try {
      await connecting;
      throw new Error('should abort');
    } catch (e) {
      expect((e as TransportError).code).to.equal('aborted');
    }
  });

  it('refuses sk- keys like the WebSocket transport', async () => {
    const t = new ScriptedTransport();
    try {
      await t.connect({ ...OPTIONS, token: 'sk-live-123' }, recorder().handlers);
      throw new Error('should refuse');
    } catch (e) {
      expect((e as TransportError).code).to.equal('insecure_api_key');
    }
    expect(t.connects).to.have.length(0);
  });

  it('bufferedAmount is settable for back-pressure tests; clearSent forgets', async () => {
    const t = new ScriptedTransport({ sessionCreated: false });
    await t.connect(OPTIONS, recorder().handlers);
    t.bufferedAmount = 1 << 20;
    expect(t.bufferedAmount).to.equal(1 << 20);
    t.send({ type: 'response.create' });
    t.clearSent();
    expect(t.sent).to.have.length(0);
  });
});
