// Acceptance (issue 5): the element against the local Realtime server when things go wrong —
// reconnection after the server drops the socket mid-reply (with a fresh token from the real
// token endpoint and text typed meanwhile delivered afterwards), every error code of API.md that
// can be provoked for real in this browser group, and removal mid-call releasing everything.
// Token failures come from real HTTP endpoints that misbehave the way host backends do
// (test/wtr-plugins.mjs `/__rv/bad-token/*`) or from the real token endpoint with the upstream
// failing (the server's `tokenStatus` fault). The microphone is muted (see mount()).
import { expect } from '@open-wc/testing';
import {
  agentSaid,
  click,
  e2eHooks,
  instrument,
  mount,
  part,
  received,
  type Recorder,
  sent,
  sessions,
  sim,
  type SimKey,
  sleep,
  tokenCounter,
  waitFor,
  waitForServer,
} from '../browser-support/e2e.js';
import type { RealtimeVoiceElement } from '../../src/index.js';

/** A greeting long enough (≈ 9 s) to still be playing when a test acts mid-reply. */
const LONG_GREETING =
  'Welcome to Northwind Outfitters. I can help you with orders, returns, shipping, sizing and our opening hours, ' +
  'and I am happy to look up any order for you if you tell me its number.';

interface ErrorDetail {
  code: string;
  message: string;
  fatal: boolean;
}

/** Waits for the fatal error, then checks what the user and the host see. */
async function expectFatal(el: RealtimeVoiceElement, log: Recorder, code: string): Promise<ErrorDetail> {
  await waitFor(() => el.status === 'error', `status error (${code})`);
  const errors = log.details<ErrorDetail>('rv-error');
  const fatal = errors.filter((e) => e.fatal);
  expect(fatal.map((e) => e.code), JSON.stringify(errors)).to.deep.equal([code]);
  await el.updateComplete;
  const area = part(el, 'error')!;
  expect(area, 'an error message is shown').to.not.equal(null);
  expect(area.getAttribute('role')).to.equal('alert');
  expect(part(el, 'retry-button'), 'a retry is offered').to.not.equal(null);
  expect(log.statuses.at(-1)).to.equal('error');
  return fatal[0]!;
}

/** No server session may be left open, and none may have been opened at all when `none`. */
async function expectNoServerSession(none = false): Promise<void> {
  const all = await sessions();
  expect(all.filter((s) => s.open)).to.deep.equal([]);
  if (none) expect(all, 'no session was ever opened').to.deep.equal([]);
}

describe('e2e: failures, recovery and teardown', function () {
  this.timeout(40000);

  e2eHooks('e2e-resilience');

  it('the server drops the socket mid-reply: reconnects with a fresh token, replays, and delivers text typed meanwhile', async () => {
    const { el, log, tokens } = await mount();
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('What is your returns policy?');
    await waitFor(() => agentSaid(el, /30 days/), 'first answer');
    el.interrupt(); // no need to listen to all of it
    await waitFor(() => el.status === 'listening', 'listening again');

    // Text typed while reconnecting must not be lost: type it the moment the status says so.
    let typedWhileReconnecting = false;
    el.addEventListener('rv-status', (e) => {
      if (e.detail.status === 'reconnecting' && !typedWhileReconnecting) {
        typedWhileReconnecting = true;
        el.sendText('What are your opening hours?');
      }
    });
    // Drop the connection (TCP reset, no close frame) after a few events of the next reply.
    await sim('faults', { dropAfterEvents: 10 });
    el.sendText('How long does shipping take?');
    await waitFor(() => log.of('rv-connected').length === 2, 'reconnected');
    expect(typedWhileReconnecting).to.equal(true);
    await waitFor(() => agentSaid(el, /8 AM/), 'the text typed while reconnecting was answered', 20000);

    // It was mid-reply: audio of the second reply had arrived, its response.done had not.
    const disconnectAt = log.firstAt('rv-disconnected')!;
    const before = log.of('rv-server-event').filter((e) => e.at < disconnectAt).map((e) => (e.detail['event'] as { type: string }).type);
    const secondReply = before.slice(before.lastIndexOf('response.created'));
    expect(secondReply, 'second reply had started').to.include('response.output_audio.delta');
    expect(secondReply, 'second reply had not finished').to.not.include('response.done');
    expect(log.details('rv-disconnected')[0]).to.deep.equal({ code: 1006, reason: '', willReconnect: true });
    expect(log.statuses).to.include('reconnecting');

    // A fresh token for the new connection, from the real endpoint; each key started one session.
    expect(tokens!.count).to.equal(2);
    expect(tokens!.values[0]).to.not.equal(tokens!.values[1]);
    const keys = await sim<SimKey[]>('keys');
    expect(keys.map((k) => k.sessions_started)).to.deep.equal([1, 1]);

    // The new server session got the config, the conversation so far, then the queued text.
    const [first, second] = await sessions();
    expect(first!.open).to.equal(false);
    const events = (await received({ sessionId: second!.id })).filter((e) => e.type !== 'input_audio_buffer.append');
    expect(events[0]!.type).to.equal('session.update');
    const items = events
      .filter((e) => e.type === 'conversation.item.create')
      .map((e) => e['item'] as { role: string; content: { text: string }[] })
      .map((i) => `${i.role}: ${i.content[0]!.text}`);
    expect(items[0]).to.equal('user: What is your returns policy?');
    expect(items[1]).to.match(/^assistant: .*30 days/);
    expect(items[2]).to.equal('user: How long does shipping take?');
    expect(items.at(-1)).to.equal('user: What are your opening hours?');
    expect(events.at(-1)!.type).to.equal('response.create');
    expect(el.conversation.filter((i) => i.role === 'user').map((i) => i.text)).to.deep.equal([
      'What is your returns policy?',
      'How long does shipping take?',
      'What are your opening hours?',
    ]);
    expect(log.errors).to.deep.equal([]);
  });

  it('connection_lost: a drop with reconnect-attempts="0"; retry starts a new session that remembers the conversation', async () => {
    const { el, log } = await mount({ attrs: { 'reconnect-attempts': '0' } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('Hello');
    await waitFor(() => agentSaid(el, /help/i), 'answered');
    await sim('drop', {});
    const error = await expectFatal(el, log, 'connection_lost');
    expect(error.message).to.match(/1006/);
    expect(log.details('rv-disconnected')).to.deep.equal([{ code: 1006, reason: '', willReconnect: false }]);
    expect(log.of('rv-connected')).to.have.length(1);
    click(el, 'retry-button');
    await waitFor(() => el.status === 'listening', 'listening again');
    const items = (await received()).filter((e) => e.type === 'conversation.item.create').map((e) => (e['item'] as { role: string }).role);
    expect(items).to.deep.equal(['user', 'assistant']);
    expect(part(el, 'error')).to.equal(null);
  });

  it('connection_lost: after the reconnection attempts are used up', async () => {
    const { el, log, tokens } = await mount({ attrs: { 'reconnect-attempts': '2' } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    await sim('faults', { handshakeStatus: 503 });
    await sim('drop', { code: 1011, reason: 'server error' });
    await expectFatal(el, log, 'connection_lost');
    expect(log.details('rv-disconnected')[0]).to.deep.equal({ code: 1011, reason: 'server error', willReconnect: true });
    // One token per attempt: the first connect and the two reconnects.
    expect(tokens!.count).to.equal(3);
    expect(log.statuses.filter((s) => s === 'reconnecting').length).to.be.at.least(1);
  });

  it('session_expired: the session time limit (shortened); "Continue" starts a new session with the conversation', async () => {
    await sim('options', { maxSessionSeconds: 2 });
    const { el, log } = await mount();
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('Hello');
    await expectFatal(el, log, 'session_expired');
    const [closed] = log.details<{ code: number; reason: string; willReconnect: boolean }>('rv-disconnected');
    expect(closed).to.deep.include({ code: 1001, willReconnect: false });
    expect(closed!.reason).to.match(/maximum duration of 2 seconds/);
    expect(part(el, 'retry-button')!.textContent!.trim()).to.equal('Continue');
    await sim('options', { maxSessionSeconds: 3600 });
    click(el, 'retry-button');
    await waitFor(() => log.of('rv-connected').length === 2, 'continued');
    const replay = (await received()).filter((e) => e.type === 'conversation.item.create').map((e) => (e['item'] as { content: { text: string }[] }).content[0]!.text);
    expect(replay[0]).to.equal('Hello');
  });

  it('connection_failed: nothing listens at the url', async () => {
    const { el, log, tokens } = await mount({ props: { url: 'ws://127.0.0.1:9/v1/realtime' } });
    click(el, 'start-button');
    const error = await expectFatal(el, log, 'connection_failed');
    expect(error.message).to.not.contain('ek_');
    expect(tokens!.count).to.equal(1);
    expect(log.of('rv-connected')).to.deep.equal([]);
  });

  it('connection_failed: the server refuses the WebSocket handshake', async () => {
    await sim('faults', { handshakeStatus: 500 });
    const { el, log } = await mount();
    click(el, 'start-button');
    await expectFatal(el, log, 'connection_failed');
    await expectNoServerSession(true);
  });

  for (const [what, setup, code] of [
    ['token_fetch_failed: the token endpoint is down (503)', { tokenUrl: '/__rv/bad-token/down' }, 'token_fetch_failed'],
    ['token_fetch_failed: the token endpoint answers an HTML page', { tokenUrl: '/__rv/bad-token/html' }, 'token_fetch_failed'],
    ['token_fetch_failed: no such endpoint (404)', { tokenUrl: '/no/such/endpoint' }, 'token_fetch_failed'],
    ['token_invalid: the endpoint answers JSON without a credential', { tokenUrl: '/__rv/bad-token/no-value' }, 'token_invalid'],
    ['token_invalid: the endpoint answers an expired secret', { tokenUrl: '/__rv/bad-token/expired' }, 'token_invalid'],
  ] as const) {
    it(what, async () => {
      const { el, log } = await mount({ tokens: null, props: setup });
      click(el, 'start-button');
      await expectFatal(el, log, code);
      await expectNoServerSession(true);
    });
  }

  it('token_fetch_failed: the real token endpoint cannot reach OpenAI (upstream 500 → 502)', async () => {
    await sim('faults', { tokenStatus: 500 });
    const { el, log } = await mount({ tokens: null, props: { tokenUrl: '/session' } });
    click(el, 'start-button');
    const error = await expectFatal(el, log, 'token_fetch_failed');
    expect(error.message).to.match(/502/);
    await expectNoServerSession(true);
    // The same endpoint works once OpenAI is back: retry.
    await sim('faults', { tokenStatus: null });
    click(el, 'retry-button');
    await waitFor(() => el.status === 'listening', 'listening after retry');
  });

  it('token_fetch_failed: getToken rejects', async () => {
    const { el, log } = await mount({ tokens: null, props: { getToken: () => Promise.reject(new Error('backend says no: sk-secret-in-message')) } });
    click(el, 'start-button');
    const error = await expectFatal(el, log, 'token_fetch_failed');
    expect(error.message, 'the host message (which might quote a key) is not echoed').to.not.contain('sk-secret');
    await expectNoServerSession(true);
  });

  it('insecure_api_key: a backend that hands out its standard API key; it is never sent anywhere', async () => {
    // The key itself (the testing kit's), as the misconfigured backend hands it out.
    const apiKey = ((await (await fetch('/__rv/bad-token/api-key', { method: 'POST' })).json()) as { value: string }).value;
    const probe = instrument();
    const { el, log } = await mount({ tokens: null, props: { tokenUrl: '/__rv/bad-token/api-key' } });
    click(el, 'start-button');
    const error = await expectFatal(el, log, 'insecure_api_key');
    expect(error.message).to.not.contain(apiKey);
    // The key the server would have accepted: no socket was even created.
    expect(probe.sockets).to.deep.equal([]);
    await expectNoServerSession(true);
    // Same through getToken returning the key as a bare string.
    const other = await mount({ tokens: null, props: { getToken: async () => (await (await fetch('/__rv/bad-token/api-key', { method: 'POST' })).json()).value } });
    click(other.el, 'start-button');
    await expectFatal(other.el, other.log, 'insecure_api_key');
    expect(probe.sockets).to.deep.equal([]);
  });

  it('worklet_load_failed: a worklet-url where the worklets are not; the right one works', async () => {
    const { el, log } = await mount({ attrs: { 'worklet-url': '/no/such/worklets' } });
    click(el, 'start-button');
    const error = await expectFatal(el, log, 'worklet_load_failed');
    expect(error.message).to.match(/worklet/i);
    await waitForServer((all) => all.every((s) => !s.open), 'the connection opened in parallel was closed');
    // The built worklets (dist/worklets, made by scripts/build-worklets.mjs) load from worklet-url.
    const ok = await mount({ attrs: { 'worklet-url': '/dist/worklets' } });
    click(ok.el, 'start-button');
    await waitFor(() => ok.el.status === 'listening', 'listening with worklet-url');
    ok.el.sendText('Hi');
    await waitFor(() => ok.el.status === 'speaking', 'the player (loaded from worklet-url) plays');
    expect(ok.log.errors).to.deep.equal([]);
  });

  it('server_error: an invalid session field through the `session` escape hatch; the call goes on', async () => {
    const { el, log } = await mount({ props: { session: { audio: { output: { voice: 'robot' } } } } });
    click(el, 'start-button');
    await waitFor(() => log.errors.includes('server_error'), 'server_error');
    const [error] = log.details<ErrorDetail>('rv-error');
    expect(error).to.deep.include({ code: 'server_error', fatal: false });
    expect(error!.message).to.contain("'robot'");
    const [serverError] = await sent({ type: 'error' });
    expect((serverError!['error'] as { param: string }).param).to.match(/voice/);
    expect(el.status).to.equal('listening');
    expect(part(el, 'error')).to.equal(null);
    el.sendText('What are your opening hours?');
    await waitFor(() => agentSaid(el, /8 AM/), 'the call still works');
  });

  it('unsupported_browser: no Web Audio (a browser without AudioContext)', async () => {
    const { el, log } = await mount();
    const RealContext = window.AudioContext;
    // @ts-expect-error — simulating a browser that lacks the API
    delete window.AudioContext;
    try {
      click(el, 'start-button');
      await expectFatal(el, log, 'unsupported_browser');
    } finally {
      window.AudioContext = RealContext;
    }
    await waitForServer((all) => all.every((s) => !s.open), 'nothing left open');
  });

  it('removal mid-reply releases the microphone, audio contexts, socket and timers', async () => {
    const probe = instrument();
    const { el, tokens } = await mount({ attrs: { greeting: LONG_GREETING }, props: { muted: false } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'speaking', 'mid-reply');
    expect(probe.streams.flatMap((s) => s.getTracks()).map((t) => t.readyState)).to.deep.equal(['live']);
    expect((await sessions()).filter((s) => s.open)).to.have.length(1);
    el.remove();
    await waitForServer((all) => all.every((s) => !s.open), 'server session closed', 5000);
    await waitFor(() => probe.contexts.every((c) => c.state === 'closed'), 'audio contexts closed', 5000);
    await waitFor(() => probe.sockets.every((s) => s.readyState === WebSocket.CLOSED), 'sockets closed', 5000);
    expect(el.status).to.equal('idle');
    expect(probe.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live')).to.deep.equal([]);
    expect(probe.contexts.length).to.be.greaterThan(0);
    expect(probe.sockets).to.have.length(1);
    const [closed] = await sessions();
    expect(closed!.closeCode).to.equal(1000);
    // No timer lives on: no reconnect, no token fetch, nothing reopened.
    await sleep(1500);
    expect(probe.sockets).to.have.length(1);
    expect(probe.contexts.every((c) => c.state === 'closed')).to.equal(true);
    expect(tokens!.count).to.equal(1);
    expect(await sessions()).to.have.length(1);
  });

  it('a token counter on the real endpoint sees one fetch per connection', async () => {
    const tokens = tokenCounter();
    const { el } = await mount({ tokens });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.stop();
    await waitFor(() => el.status === 'idle', 'stopped');
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening again');
    expect(tokens.count).to.equal(2);
  });
});
