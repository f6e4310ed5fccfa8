// An integrator's browser test of their help page, written with `realtime-voice/testing`.
// Run it with web-test-runner and `realtimeVoicePlugin()` (see web-test-runner.config.mjs next
// to this file). Chromium needs a fake microphone: `--use-fake-ui-for-media-stream
// --use-fake-device-for-media-stream` (and `--autoplay-policy=no-user-gesture-required`).
// The element is `muted` so the fake microphone's beeps do not count as speech.
/* global describe, it, afterEach */
import { expect, fixture, html } from '@open-wc/testing';
import 'realtime-voice';
import {
  dropConnections,
  injectFaults,
  receivedEvents,
  recordEvents,
  resetServer,
  setScenario,
  useLocalServer,
  waitForEvent,
  waitForStatus,
  waitForTranscript,
} from 'realtime-voice/testing';
import { setupSupportAgent } from './support-agent.js';

/** @type {Record<string, import('./support-agent.js').Order>} */
const ORDERS = { 4217: { orderId: '4217', status: 'shipped', item: 'Alpine 2 tent', eta: 'Friday' } };

/** Renders the part of the help page around the widget, wired as in production. */
async function renderHelpPage() {
  const page = await fixture(html`
    <main>
      <realtime-voice variant="inline" transcript text-input muted language="en" label="Talk to support"></realtime-voice>
      <p class="fallback" hidden>Voice help is unavailable. Call us on 555-0100.</p>
    </main>
  `);
  const agent = /** @type {import('realtime-voice').RealtimeVoiceElement} */ (page.querySelector('realtime-voice'));
  const fallback = /** @type {HTMLElement} */ (page.querySelector('.fallback'));
  setupSupportAgent(agent, { fetchOrder: async (id) => ORDERS[id], fallback });
  await useLocalServer(agent); // url and token-url of the local server
  return { agent, fallback };
}

describe('help page voice agent', function () {
  this.timeout(20000);

  afterEach(async () => {
    // Ends every session on the server and restores the plugin's scenario and faults.
    await resetServer();
  });

  it('answers a typed question in the transcript', async () => {
    await setScenario({ replies: ['We are open every day from 8 AM to 8 PM.'] });
    const { agent } = await renderHelpPage();
    const log = recordEvents(agent);

    agent.sendText('When are you open?');
    const reply = await waitForTranscript(agent, { match: /open every day/ });

    expect(reply.text).to.equal('We are open every day from 8 AM to 8 PM.');
    expect(log.types()).to.include.members(['rv-status', 'rv-connected', 'rv-transcript']);
    const messages = [...agent.shadowRoot.querySelectorAll('[part~="message"]')].map((m) => m.textContent.trim());
    expect(messages).to.deep.equal(['You: When are you open?', 'Agent: We are open every day from 8 AM to 8 PM.']);
    await expect(agent).to.be.accessible();
    agent.stop();
    await waitForStatus(agent, 'idle');
  });

  it('looks an order up with our own tool and says the result', async () => {
    // No scenario: the local agent calls `lookup_order` when it hears an order number and
    // reads the tool's output back.
    const { agent } = await renderHelpPage();

    const call = waitForEvent(agent, 'rv-server-event', {
      predicate: (e) => e.detail.event.type === 'response.function_call_arguments.done',
    });
    agent.sendText('Where is my order 4217?');
    const { event } = (await call).detail;
    expect(event.name).to.equal('lookup_order');
    expect(JSON.parse(event.arguments)).to.deep.equal({ order_id: '4217' });
    await waitForTranscript(agent, { match: /shipped/i });

    // What our handler answered is what the agent received.
    const created = await receivedEvents({ type: 'conversation.item.create' });
    const output = created.find((e) => e.item.type === 'function_call_output');
    expect(JSON.parse(output.item.output)).to.include({ status: 'shipped', item: 'Alpine 2 tent' });
    agent.stop();
  });

  it('reconnects by itself when the connection drops', async () => {
    const { agent } = await renderHelpPage();
    agent.sendText('Hello');
    await waitForTranscript(agent);

    const disconnected = waitForEvent(agent, 'rv-disconnected');
    const reconnected = waitForEvent(agent, 'rv-connected');
    await dropConnections();
    expect((await disconnected).detail.willReconnect).to.equal(true);
    await reconnected;
    await waitForStatus(agent, 'listening');
    agent.stop();
  });

  it('offers the phone line when voice help is unavailable', async () => {
    // The OpenAI side refuses to mint a key: our token endpoint answers 502, the widget stops.
    await injectFaults({ tokenStatus: 503 });
    const { agent, fallback } = await renderHelpPage();

    agent.sendText('Hello?');
    const error = await waitForEvent(agent, 'rv-error');

    expect(error.detail).to.include({ code: 'token_fetch_failed', fatal: true });
    expect(agent.status).to.equal('error');
    expect(fallback.hidden).to.equal(false);
    expect(agent.shadowRoot.querySelector('[part="error"]')).to.not.equal(null);
  });
});
