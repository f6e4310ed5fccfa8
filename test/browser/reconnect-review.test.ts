// Review of reconnection, token refresh and session expiry: the element and its session against
// the local Realtime server, with faults injected at the moments a visitor would hit them.
import { expect } from '@open-wc/testing';
import type { RealtimeTool, RealtimeVoiceElement } from '../../src/index.js';
import { agentSaid, click, e2eHooks, mount, received, sim, sleep, waitFor } from '../browser-support/e2e.js';

const LOOKUP_ORDER: RealtimeTool = {
  name: 'lookup_order',
  description: 'Look up the status of a customer order by its number.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

/** The server session of the element's second connection (from its rv-connected, not the server's list, which may hold other files' sessions). */
const secondSession = (log: { details<T>(type: string): T[] }) => ({ id: log.details<{ sessionId: string }>('rv-connected')[1]!.sessionId });

const creates = async (sessionId?: string) =>
  (await received(sessionId ? { sessionId } : {})).filter((e) => e.type === 'conversation.item.create').map((e) => e['item'] as Record<string, unknown>);

describe('reconnect review: drops, tokens and expiry', function () {
  this.timeout(40000);

  e2eHooks('reconnect-review');

  it('a drop while the host answers a tool call: its answer reaches the new session, which replies with it', async () => {
    const { el, log } = await mount({ props: { tools: [LOOKUP_ORDER] } });
    let release!: () => void;
    const calls: string[] = [];
    el.addEventListener('rv-tool-call', (e) => {
      calls.push(e.detail.callId);
      e.respondWith(new Promise((resolve) => (release = () => resolve({ orderId: '4217', status: 'shipped', carrier: 'DHL' }))));
    });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('Where is my order 4217?');
    await waitFor(() => calls.length === 1, 'tool call');
    await sim('drop', {});
    await waitFor(() => log.of('rv-connected').length === 2, 'reconnected');
    // The host answers after the reconnect: the model must not go on without the answer meanwhile.
    await sleep(300);
    expect(el.status).to.equal('thinking');
    release();
    await waitFor(() => agentSaid(el, /4217.*shipped with DHL/), 'the answer spoken after the reconnect', 20000);
    expect(calls, 'the host ran the tool once').to.have.length(1);
    const second = secondSession(log);
    const items = (await creates(second.id)).map((i) => [i['type'], i['role'] ?? i['call_id']]);
    expect(items).to.deep.equal([
      ['message', 'user'],
      ['message', 'assistant'],
      ['function_call', calls[0]],
      ['function_call_output', calls[0]],
    ]);
    const asked = await received({ sessionId: second.id, type: 'response.create' });
    expect(asked, 'one reply, after the output').to.have.length(1);
    expect(el.conversation.some((i) => /anything else/i.test(i.text))).to.equal(false);
    expect(log.errors).to.deep.equal([]);
  });

  it('a tool answered while reconnecting: the call and its output are replayed before the reply', async () => {
    const { el, log } = await mount({ props: { tools: [LOOKUP_ORDER] } });
    let release!: () => void;
    el.addEventListener('rv-tool-call', (e) => {
      e.respondWith(new Promise((resolve) => (release = () => resolve({ orderId: '4217', status: 'shipped', carrier: 'DHL' }))));
    });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('Where is my order 4217?');
    await waitFor(() => release, 'tool call');
    el.addEventListener('rv-status', (e) => e.detail.status === 'reconnecting' && release());
    await sim('drop', {});
    await waitFor(() => agentSaid(el, /4217.*shipped with DHL/), 'the answer spoken after the reconnect', 20000);
    const second = secondSession(log);
    const types = (await received({ sessionId: second.id })).map((e) => (e.type === 'conversation.item.create' ? (e['item'] as { type: string }).type : e.type));
    expect(types.filter((t) => t !== 'input_audio_buffer.append')).to.deep.equal(['session.update', 'message', 'message', 'function_call', 'function_call_output', 'response.create']);
    expect(log.errors).to.deep.equal([]);
  });

  it('a server that drops every connection right after session.created: reconnect-attempts bounds the attempts', async () => {
    const { el, log } = await mount({ attrs: { 'reconnect-attempts': '3' } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    // Each new connection is dropped after session.created and session.updated.
    await sim('faults', { dropAfterEvents: 2, dropTimes: 8 });
    await sim('drop', {});
    await waitFor(() => el.status === 'error' || log.of('rv-connected').length > 5, 'gave up', 20000);
    expect(log.of('rv-connected'), 'the first connection and 3 reconnects').to.have.length(4);
    expect(log.errors).to.deep.equal(['connection_lost']);
    await sim('faults', { dropAfterEvents: null, dropTimes: null });
  });

  it('a drop during the greeting: the greeting is said again, not replaced by a reply to nobody', async () => {
    const greeting = 'Welcome to Northwind Outfitters. I can help you with orders, returns, shipping, sizing and our opening hours.';
    const { el, log } = await mount({ attrs: { greeting } });
    // Drops the first connection a few events into the greeting, after some of its transcript.
    await sim('faults', { dropAfterEvents: 12 });
    click(el, 'start-button');
    await waitFor(() => log.of('rv-connected').length === 2, 'reconnected');
    const cut = el.conversation[0]!;
    expect(cut, 'the greeting was cut short').to.deep.include({ role: 'assistant', status: 'incomplete' });
    expect(greeting.startsWith(cut.text) && cut.text.length < greeting.length).to.equal(true);
    await waitFor(() => agentSaid(el, /Northwind.*opening hours\.$/), 'the whole greeting', 20000);
    const second = secondSession(log);
    const asked = (await received({ sessionId: second.id, type: 'response.create' })).map((e) => e['response'] as { instructions?: string } | undefined);
    expect(asked).to.have.length(1);
    expect(asked[0]?.instructions).to.contain(greeting);
    expect(el.conversation.filter((i) => i.status === 'completed').map((i) => i.text)).to.deep.equal([greeting]);
    expect(log.errors).to.deep.equal([]);
  });
});

describe('reconnect review: the token endpoint failing while reconnecting', function () {
  this.timeout(40000);

  e2eHooks('reconnect-review-tokens');

  /** A `getToken` over the real endpoint whose `n`th answer (1-based) `spoil` may change; counts calls. */
  function spoiled(real: NonNullable<RealtimeVoiceElement['getToken']>, spoil: (n: number, token: Record<string, unknown>) => Record<string, unknown>) {
    const hook = Object.assign(async (init: { signal: AbortSignal }) => spoil(++hook.calls, (await real(init)) as Record<string, unknown>), { calls: 0 });
    return hook;
  }

  it('an expired token on the first reconnect: the backoff goes on and the next attempt connects', async () => {
    const { el, log } = await mount({ attrs: { 'reconnect-attempts': '3' } });
    const hook = spoiled(el.getToken!, (n, token) => (n === 2 ? { ...token, expires_at: Math.floor(Date.now() / 1000) - 5 } : token));
    el.getToken = hook;
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    await sim('drop', {});
    await waitFor(() => log.of('rv-connected').length === 2, 'reconnected with the next token');
    expect(hook.calls).to.equal(3);
    expect(log.errors).to.deep.equal([]);
    expect(log.statuses.slice(-2)).to.deep.equal(['reconnecting', 'listening']);
  });

  it('expired tokens on every reconnect: bounded attempts, a final error that says why', async () => {
    const { el, log } = await mount({ attrs: { 'reconnect-attempts': '3' } });
    const hook = spoiled(el.getToken!, (n, token) => (n > 1 ? { ...token, expires_at: 1 } : token));
    el.getToken = hook;
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    await sim('drop', {});
    await waitFor(() => el.status === 'error', 'error', 20000);
    expect(hook.calls, 'the first token and one per reconnect attempt').to.equal(4);
    const errors = log.details<{ code: string; message: string; fatal: boolean }>('rv-error');
    expect(errors.map((e) => [e.code, e.fatal])).to.deep.equal([['connection_lost', true]]);
    expect(errors[0]!.message).to.match(/3 reconnects failed.*expired/);
    await sleep(2000);
    expect(hook.calls, 'nothing after the final error').to.equal(4);
  });
});
