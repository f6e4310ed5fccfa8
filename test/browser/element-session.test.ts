// The element with the real RealtimeSession against the local Realtime server (typed turns, mic
// muted so the fake mic's beeps do not barge in): the
// UI renders what the real session reports, a tool round trip goes through `rv-tool-call` and
// `respondWith`, and removing the element mid-call closes the server session. Voice end-to-end
// tests live with the acceptance suite.
import { fixture, html, expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.js';
import type { RealtimeVoiceElement, TokenResponse } from '../../src/index.js';

interface LocalServer {
  url: string | null;
}
interface SimSession {
  id: string;
  open: boolean;
  closeCode?: number | null;
}

const sim = <T>(op: string, args: object = {}) => executeServerCommand<T, object>('rv-sim', { op, ...args });

async function connectedElement(extra: Partial<RealtimeVoiceElement> = {}) {
  const config = (await import(new URL('/__rv/config.js', location.href).href)).default as LocalServer;
  const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" transcript text-input language="en"></realtime-voice>`);
  Object.assign(el, { url: config.url!, getToken: () => sim<TokenResponse>('mint'), muted: true, ...extra });
  return el;
}

const agentSaid = (el: RealtimeVoiceElement, re: RegExp) =>
  el.conversation.some((i) => i.role === 'assistant' && i.status === 'completed' && re.test(i.text));

describe('<realtime-voice> with the real session (local server, typed turns)', function () {
  this.timeout(30000);
  before(function () {
    return import(new URL('/__rv/config.js', location.href).href).then((m: { default: LocalServer }) => {
      if (!m.default.url) this.skip();
    });
  });
  afterEach(() => sim('reset'));

  it('shows a typed exchange in the transcript, with events and status', async () => {
    const el = await connectedElement();
    const statuses: string[] = [];
    el.addEventListener('rv-status', (e) => statuses.push(e.detail.status));
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('[part=input]')!;
    input.value = 'Hello there';
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=send-button]')!.click();
    await waitUntil(() => agentSaid(el, /./), 'the agent answered', { timeout: 15000 });
    expect(statuses.slice(0, 2)).to.deep.equal(['connecting', 'thinking']);
    expect(el.getAttribute('status')).to.equal(el.status);
    const messages = [...el.shadowRoot!.querySelectorAll('[part~=message]')].map((m) => m.textContent!.trim());
    expect(messages[0]).to.equal('You: Hello there');
    expect(messages[1]).to.match(/^Agent: \S/);
    expect(el.shadowRoot!.querySelector('[aria-live]')!.textContent).to.equal(el.conversation[1]!.text);
    await expect(el).to.be.accessible();
    el.stop();
  });

  it('answers a tool call through rv-tool-call and respondWith', async () => {
    const el = await connectedElement({
      tools: [{ name: 'lookup_order', description: 'Looks up an order', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } }],
    });
    const calls: unknown[] = [];
    el.addEventListener('rv-tool-call', (e) => {
      calls.push(e.detail);
      e.respondWith(Promise.resolve({ status: 'shipped', carrier: 'DHL' }));
    });
    el.sendText('Where is order 12345?');
    await waitUntil(() => agentSaid(el, /shipped/i), 'the agent spoke the tool result', { timeout: 15000 });
    expect(calls).to.have.length(1);
    expect((calls[0] as { name: string }).name).to.equal('lookup_order');
    el.stop();
  });

  it('releases the microphone, audio contexts and socket when removed mid-call', async () => {
    // Count what the call opens by wrapping the constructors it uses.
    const streams: MediaStream[] = [];
    const contexts: AudioContext[] = [];
    const sockets: WebSocket[] = [];
    const gum = navigator.mediaDevices.getUserMedia;
    const RealContext = window.AudioContext;
    const RealSocket = window.WebSocket;
    navigator.mediaDevices.getUserMedia = async (c) => {
      const stream = await gum.call(navigator.mediaDevices, c);
      streams.push(stream);
      return stream;
    };
    window.AudioContext = class extends RealContext {
      constructor(options?: AudioContextOptions) {
        super(options);
        contexts.push(this);
      }
    };
    window.WebSocket = class extends RealSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
    try {
      const el = await connectedElement({ muted: false });
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part=start-button]')!.click();
      await waitUntil(() => el.status === 'listening' && streams.length > 0, 'in a call with the mic open', { timeout: 15000 });
      expect((await sim<SimSession[]>('sessions')).filter((s) => s.open)).to.have.length(1);
      el.remove();
      await waitUntil(async () => (await sim<SimSession[]>('sessions')).every((s) => !s.open), 'server session closed', { timeout: 5000 });
      await waitUntil(() => contexts.every((c) => c.state === 'closed'), 'audio contexts closed', { timeout: 5000 });
      expect(el.status).to.equal('idle');
      expect(streams.flatMap((s) => s.getTracks()).map((t) => t.readyState)).to.not.include('live');
      expect(contexts.length).to.be.greaterThan(0);
      expect(sockets.length).to.be.greaterThan(0);
      expect(sockets.map((s) => s.readyState)).to.not.include(WebSocket.OPEN);
    } finally {
      navigator.mediaDevices.getUserMedia = gum;
      window.AudioContext = RealContext;
      window.WebSocket = RealSocket;
    }
  });
});
