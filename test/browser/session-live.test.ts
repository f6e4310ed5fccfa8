// The session over a real WebSocket against the local Realtime server (server/simulator), text
// turns only (no microphone: voice end-to-end belongs to the acceptance suite): a typed exchange,
// the greeting, a tool round trip with a handler, reconnection after the server drops the socket
// mid-reply (fresh token, replay, queued text), the 60-minute end, and the token endpoint.
// Skipped when the local server is not running in the harness.
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { RealtimeSession } from '../../src/session/session.js';
import type { ConversationItem, RealtimeVoiceError, SessionCallbacks, SessionConfig, SessionStatus, TokenResponse } from '../../src/session/types.js';
import { BASE } from './session-harness.js';

interface LocalServer {
  url: string | null;
  tokenUrl: string;
}
interface SimSession {
  id: string;
  open: boolean;
  closeCode?: number | null;
}
interface SimEvent {
  type: string;
  [key: string]: unknown;
}

const sim = <T>(op: string, args: object = {}) => executeServerCommand<T, object>('rv-sim', { op, ...args });

let server: LocalServer;

interface Live {
  session: RealtimeSession;
  statuses: SessionStatus[];
  errors: RealtimeVoiceError[];
  connected: { sessionId: string }[];
  tokens: number;
}

const sessions: RealtimeSession[] = [];

function live(config: Partial<SessionConfig> = {}): Live {
  const out: Live = { session: undefined as unknown as RealtimeSession, statuses: [], errors: [], connected: [], tokens: 0 };
  const callbacks: SessionCallbacks = {
    status: (s) => out.statuses.push(s),
    connected: (info) => out.connected.push(info),
    disconnected: () => undefined,
    transcript: () => undefined,
    toolCall: () => undefined,
    interrupted: () => undefined,
    error: (e) => out.errors.push(e),
    serverEvent: () => undefined,
    level: () => undefined,
    audioBlocked: () => undefined,
  };
  out.session = new RealtimeSession(
    {
      ...BASE,
      getToken: () => {
        out.tokens++;
        return sim<TokenResponse>('mint');
      },
      url: server.url!,
      ...config,
    },
    callbacks,
    { audio: null, backoff: { baseMs: 20, maxMs: 100 } },
  );
  sessions.push(out.session);
  return out;
}

const said = (items: readonly ConversationItem[], re: RegExp) => items.some((i) => i.role === 'assistant' && i.status === 'completed' && re.test(i.text));

describe('session over a real WebSocket (local Realtime server)', function () {
  this.timeout(30000);

  before(async function () {
    server = (await import(new URL('/__rv/config.js', location.href).href)).default as LocalServer;
    if (!server.url) this.skip();
  });

  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.stop();
    await sim('reset');
  });

  it('a typed exchange: listening → thinking → … → listening, the reply in the conversation', async () => {
    const l = live();
    await l.session.start();
    expect(l.session.status).to.equal('listening');
    expect(l.connected[0]!.sessionId).to.match(/^sess_/);
    l.session.sendText('What are your opening hours?');
    await waitUntil(() => said(l.session.conversation, /8 AM/), 'the agent answered', { timeout: 15000 });
    await waitUntil(() => l.session.status === 'listening', 'back to listening', { timeout: 15000 });
    expect(l.statuses).to.include('thinking');
    expect(l.session.conversation[0]).to.deep.include({ role: 'user', text: 'What are your opening hours?', status: 'completed' });
    expect(l.errors).to.deep.equal([]);
    // What the server received is what the protocol says.
    const received = await sim<SimEvent[]>('events');
    const update = received.find((e) => e.type === 'session.update') as { session: { audio: { input: { format: unknown } } } } | undefined;
    expect(update?.session.audio.input.format).to.deep.equal({ type: 'audio/pcm', rate: 24000 });
  });

  it('greeting: the agent speaks first', async () => {
    const l = live({ greeting: 'Welcome to the test shop!' });
    await l.session.start();
    await waitUntil(() => said(l.session.conversation, /^Welcome to the test shop!$/), 'greeted', { timeout: 15000 });
  });

  it("a tool round trip through the tool's handler", async () => {
    const calls: unknown[] = [];
    const l = live({
      tools: [
        {
          name: 'lookup_order',
          description: 'Looks up an order',
          parameters: { type: 'object', properties: { order_id: { type: 'string' } } },
          handler: (args) => (calls.push(args), { status: 'shipped', carrier: 'DHL' }),
        },
      ],
    });
    await l.session.start();
    l.session.sendText('Where is order 12345?');
    await waitUntil(() => said(l.session.conversation, /shipped/i), 'the tool result was spoken', { timeout: 15000 });
    expect(JSON.stringify(calls)).to.contain('12345');
    expect(l.errors).to.deep.equal([]);
  });

  it('the server drops the socket mid-reply: reconnects with a fresh token, replays, delivers queued text', async () => {
    const l = live();
    await l.session.start();
    l.session.sendText('What is your returns policy?');
    await waitUntil(() => said(l.session.conversation, /return/i), 'first answer', { timeout: 15000 });
    await waitUntil(() => l.session.status === 'listening', 'listening', { timeout: 15000 });
    // Drop after a few server events of the next reply: mid-reply.
    await sim('faults', { dropAfterEvents: 4 });
    l.session.sendText('How long does shipping take?');
    await waitUntil(() => l.statuses.includes('reconnecting'), 'reconnecting', { timeout: 15000 });
    await sim('faults', { dropAfterEvents: null });
    await waitUntil(() => l.connected.length === 2, 'reconnected', { timeout: 15000 });
    expect(l.tokens).to.equal(2);
    await waitUntil(() => said(l.session.conversation, /business days/i), 'the unanswered turn was answered', { timeout: 15000 });
    const sessionsNow = await sim<SimSession[]>('sessions');
    expect(sessionsNow.filter((s) => s.open)).to.have.length(1);
    const received = await sim<SimEvent[]>('events');
    const replayed = received.filter((e) => e.type === 'conversation.item.create').map((e) => (e['item'] as { role: string }).role);
    expect(replayed.slice(0, 2)).to.deep.equal(['user', 'assistant']);
    expect(l.errors).to.deep.equal([]);
  });

  it('the 60-minute end (shortened) is session_expired; start() continues the conversation', async () => {
    await sim('options', { maxSessionSeconds: 1 });
    const l = live();
    await l.session.start();
    l.session.sendText('Hello');
    await waitUntil(() => l.session.status === 'error', 'expired', { timeout: 10000 });
    expect(l.errors.map((e) => e.code)).to.deep.equal(['session_expired']);
    await sim('options', { maxSessionSeconds: 3600 });
    await l.session.start();
    expect(l.session.status).to.not.equal('error');
    await waitUntil(() => l.connected.length === 2, 'continued', { timeout: 10000 });
    expect(l.session.conversation[0]).to.deep.include({ role: 'user', text: 'Hello' });
  });

  it('a real token endpoint at tokenUrl (the host token handler), when mounted', async function () {
    const probe = await fetch(server.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    if (!probe.ok) this.skip();
    const l = live({ getToken: undefined, tokenUrl: server.tokenUrl });
    await l.session.start();
    expect(l.errors).to.deep.equal([]);
    expect(l.session.status).to.equal('listening');
  });
});
