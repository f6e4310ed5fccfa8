// Acceptance (issue 5): axe finds nothing in every state a real call goes through — idle,
// connecting, listening, speaking, thinking, reconnecting and error — for the floating widget
// with its panel open and for the inline one, in light and dark schemes. The states are reached
// for real against the local Realtime server; a test fails if the state is not the one claimed
// while axe runs.
import { expect } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { RealtimeVoiceElement, TokenResponse } from '../../src/index.js';
import { cleanup, click, localServer, mount, printFrameTotals, sim, tokenCounter, waitFor } from '../browser-support/e2e.js';

const LONG_GREETING =
  'Welcome to Northwind Outfitters. I can help you with orders, returns, shipping, sizing and our opening hours, ' +
  'and I am happy to look up any order for you if you tell me its number.';

/** Runs axe and checks that the element was in `status` before and after. */
async function accessibleIn(el: RealtimeVoiceElement, status: string): Promise<void> {
  expect(el.status).to.equal(status);
  expect(el.getAttribute('status')).to.equal(status);
  await el.updateComplete;
  await expect(el).to.be.accessible();
  expect(el.status, 'still in the state axe looked at').to.equal(status);
}

for (const scheme of ['light', 'dark'] as const) {
  describe(`e2e: axe in every state (${scheme} scheme)`, function () {
    this.timeout(40000);

    before(async function () {
      if (!(await localServer()).url) this.skip();
      await emulateMedia({ colorScheme: scheme });
    });
    after(async () => {
      await emulateMedia({ colorScheme: 'light' });
      printFrameTotals(`e2e-a11y-${scheme}`);
    });
    afterEach(cleanup);

    it('floating: idle (launcher), connecting, listening, thinking, speaking, reconnecting', async () => {
      // Hold the token so "connecting" lasts while axe runs.
      const real = tokenCounter();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let fetches = 0;
      const { el } = await mount({
        attrs: { variant: 'floating', greeting: LONG_GREETING },
        tokens: null,
        props: {
          getToken: async (init: { signal: AbortSignal }): Promise<TokenResponse> => {
            if (fetches++ === 0) await held;
            return real.getToken(init);
          },
        },
      });
      await accessibleIn(el, 'idle');
      click(el, 'launcher');
      await waitFor(() => el.status === 'connecting' && el.open, 'connecting, panel open');
      await accessibleIn(el, 'connecting');
      release();
      await waitFor(() => el.status === 'speaking', 'the greeting plays');
      await accessibleIn(el, 'speaking');
      el.interrupt();
      await waitFor(() => el.status === 'listening', 'listening');
      await accessibleIn(el, 'listening');
      // Thinking: a tool call (the reply is only the call) that the page answers after axe ran.
      await sim('scenario', { replies: [{ toolCall: { name: 'lookup_order', arguments: { order_id: '4217' } } }] });
      let answer: (v: unknown) => void = () => undefined;
      let called = false;
      el.tools = [{ name: 'lookup_order', description: 'Looks up an order', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } }];
      el.addEventListener('rv-tool-call', (e) => {
        called = true;
        e.respondWith(new Promise((resolve) => (answer = resolve)));
      });
      await el.updateComplete; // the tools go out in a session.update first
      el.sendText('Where is my order 4217?');
      await waitFor(() => called && el.status === 'thinking', 'waiting for the tool');
      await accessibleIn(el, 'thinking');
      answer({ status: 'shipped' });
      // Reconnecting: the server refuses new connections for a while after a drop.
      await waitFor(() => el.status === 'speaking' || el.status === 'listening', 'answered');
      await sim('faults', { handshakeStatus: 503 });
      await sim('drop', { code: 1011 });
      await waitFor(() => el.status === 'reconnecting', 'reconnecting');
      await accessibleIn(el, 'reconnecting');
      await sim('faults', { handshakeStatus: null });
      await waitFor(() => el.status === 'listening', 'reconnected', 20000);
    });

    it('inline: idle and error', async () => {
      const { el } = await mount({ props: { url: 'ws://127.0.0.1:9/v1/realtime' } });
      await accessibleIn(el, 'idle');
      click(el, 'start-button');
      await waitFor(() => el.status === 'error', 'error');
      await accessibleIn(el, 'error');
    });
  });
}
