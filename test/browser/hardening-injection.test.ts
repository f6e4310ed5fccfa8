// Issue 7 (5): injection and credentials.
// - Markup in everything that reaches the UI from outside — typed text, the agent's replies,
//   user transcripts, tool outputs spoken back, tool-call names and arguments, server error
//   messages, a close reason — renders as inert text: no element is created from it, no handler
//   runs, the literal text is what the user sees.
// - No credential — the ephemeral keys the page used, the server's standard API key (behind the
//   real token handler at `/session`), a leaked `sk-` key — appears in any event detail, console
//   line (with `debug` on), URL, error message or the element's DOM. The captured text is
//   grepped on the runner's side, so the standard key never enters the page.
import { fixture, html, expect, waitUntil } from '@open-wc/testing';
import '../../src/index.js';
import type { RealtimeVoiceElement } from '../../src/index.js';
import { HTML_PAYLOADS } from '../../scripts/fuzz-events.mjs';
import { captureGlobals, foreignElements, hard, sim, RV_EVENTS, hardeningSuite } from './hardening-helpers.js';

const IMG = '<img src=x onerror="window.__rvPwned=1">';
const SCRIPT = '<script>window.__rvPwned=1</script>';

describe('hardening: injection and credentials', function () {
  this.timeout(60_000);
  const env = hardeningSuite();

  it('renders markup from every source as inert text, and leaks no credential anywhere', async () => {
    await sim('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 0, replies: [`Sure ${IMG} and ${SCRIPT} done`] });
    const captured = captureGlobals();
    const urls: string[] = [];
    const RealSocket = window.WebSocket;
    const realFetch = window.fetch;
    window.WebSocket = class extends RealSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        urls.push(String(url));
      }
    } as typeof WebSocket;
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      urls.push(String(input instanceof Request ? input.url : input));
      return realFetch(input, init);
    };
    const details: string[] = [];
    let el!: RealtimeVoiceElement;
    try {
      el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" transcript text-input language="en" debug></realtime-voice>`);
      for (const type of RV_EVENTS) el.addEventListener(type, (e) => details.push(`${type} ${JSON.stringify((e as CustomEvent).detail)}`));
      // The real token handler (server/index.js) behind `/session`, through the fuzzing proxy
      // (so the test can also inject server frames), with a tool whose output carries markup.
      Object.assign(el, {
        url: env.proxyUrl,
        tokenUrl: '/session',
        muted: true,
        session: { output_modalities: ['text'] },
        tools: [{ name: 'lookup_order', description: 'Looks up an order', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] }, handler: () => `${IMG} shipped` }],
      });
      el.addEventListener('rv-tool-call', (e) => e.respondWith({ note: SCRIPT }));
      await el.start();
      expect(el.status).to.equal('listening');

      // 1. The user types markup; the scripted reply carries markup.
      el.sendText(`Hi <b>there</b> ${IMG}`);
      await waitUntil(() => el.conversation.some((i) => i.role === 'assistant' && i.status === 'completed' && i.text.includes('<img')), 'markup reply', { timeout: 10_000 });
      // 2. A tool whose output is markup; the agent speaks it back.
      el.sendText('Where is order 12345?');
      await waitUntil(() => el.conversation.some((i) => i.role === 'assistant' && /found/.test(i.text) && i.text.includes('<img')), 'tool output spoken back', { timeout: 10_000 });
      // 3. Frames from the server with markup everywhere text can be: an assistant item, a user
      //    transcript, an error message, a tool call (name and arguments) the host answers.
      const userItem = `item_inj_user`;
      await hard('proxy-send', {
        events: [
          { type: 'conversation.item.added', item: { id: 'item_inj_asst', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: HTML_PAYLOADS.join(' | ') }] } },
          { type: 'conversation.item.done', item: { id: userItem, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] } },
          { type: 'conversation.item.input_audio_transcription.completed', item_id: userItem, content_index: 0, transcript: `I said ${SCRIPT}` },
          { type: 'error', error: { type: 'invalid_request_error', code: '<b>bad</b>', message: `Nope ${IMG}`, param: null, event_id: null } },
          { type: 'response.function_call_arguments.done', response_id: 'resp_inj', item_id: 'item_inj_call', output_index: 0, call_id: 'call_inj', name: `<svg onload="window.__rvPwned=1">`, arguments: JSON.stringify({ q: IMG }) },
        ],
      });
      await waitUntil(() => el.conversation.some((i) => i.id === userItem && i.text.includes('<script>')), 'injected frames handled', { timeout: 5000 });
      // 4. The server closes with markup in the reason: a fatal error, shown in the widget's words.
      await sim('drop', { code: 1008, reason: `<img src=x onerror=alert(1)>` });
      await waitUntil(() => el.status === 'error', 'fatal close shown', { timeout: 5000 });
      await el.updateComplete;

      expect((window as { __rvPwned?: unknown }).__rvPwned, 'markup ran').to.equal(undefined);
      expect(foreignElements(el), 'elements made from data').to.deep.equal([]);
      const shown = el.shadowRoot!.textContent!;
      // The literal text is what the user sees.
      expect(shown).to.contain(`Hi <b>there</b> ${IMG}`);
      expect(shown).to.contain(`Sure ${IMG} and ${SCRIPT} done`);
      expect(shown).to.contain(`I said ${SCRIPT}`);
      for (const payload of HTML_PAYLOADS) expect(shown, payload).to.contain(payload);
      // Error text in the UI is the widget's own, never the server's.
      expect(el.shadowRoot!.querySelector('[part=error]')!.textContent!.trim()).to.match(/^Could not connect\./);
      expect(shown).to.not.contain('Nope');
      expect(shown).to.not.contain('alert(1)');
      // The server's message reaches the host as data (rv-error detail), not as markup.
      expect(details.some((d) => d.startsWith('rv-error') && d.includes('Nope <img'))).to.equal(true);
    } finally {
      captured.restore();
      window.WebSocket = RealSocket;
      window.fetch = realFetch;
    }

    // Credentials: every ephemeral key the local server minted, the standard API key behind
    // the token handler and the leaked sk- key, searched on the runner's side.
    const keys = (await sim<{ value: string }[]>('keys')).map((k) => k.value);
    expect(keys.length, 'keys minted').to.be.greaterThan(0);
    const text = [
      ...details,
      ...captured.consoleLines.map((l) => `${l.level} ${l.text}`),
      ...captured.uncaught,
      ...urls,
      el.outerHTML,
      el.shadowRoot!.innerHTML,
      JSON.stringify(el.conversation),
      document.documentElement.outerHTML,
    ].join('\n');
    expect(captured.consoleLines.length, 'debug output was captured').to.be.greaterThan(10);
    const scan = await hard<{ found: string[]; scanned: number }>('scan', { text, keys });
    expect(scan.found, 'credentials found in events, console, URLs, errors or DOM').to.deep.equal([]);
    // The search itself works (a positive control).
    expect((await hard<{ found: string[] }>('scan', { text: `x${keys[0]}x`, keys })).found).to.deep.equal(['ephemeral key #1']);
    expect(urls.some((u) => u.startsWith('ws')), 'the socket URL was captured').to.equal(true);
    await hard('report', { name: 'injection', data: { payloads: HTML_PAYLOADS.length + 6, scannedChars: scan.scanned, keysSearched: keys.length + 2, consoleLines: captured.consoleLines.length, eventsCaptured: details.length, urls: urls.length } });
  });
});
