// Edges of the element an embedding page hits: focus when the focused control goes away, the
// launcher's corner on right-to-left pages, `tools` bound unset by a framework, and a typed call
// after a refused microphone (each test failed before its fix in src/realtime-voice*.ts). The
// element is driven through its session seam with the fake session of element-ui (fake-session.ts); the
// `tools` tests use the real session.
import { fixture, html, expect, nextFrame } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import '../../src/index.js';
import { RealtimeVoiceError, type RealtimeVoiceElement } from '../../src/index.js';
import { inCall, part } from './fake-session.js';

/** What has focus, as a string (chai must never print a DOM node: serialising one hangs the runner). */
const focusedPart = (el: HTMLElement) =>
  document.activeElement === el ? (el.shadowRoot!.activeElement?.getAttribute('part') ?? el.shadowRoot!.activeElement?.className) : `outside: ${document.activeElement?.tagName}`;

/** Activates the part `name` from the keyboard (Enter); it goes away with the render that follows. */
async function pressEnterOn(el: HTMLElement & { updateComplete: Promise<boolean> }, name: string) {
  part(el, name)!.focus();
  await sendKeys({ press: 'Enter' });
  await el.updateComplete;
  await nextFrame();
  expect(part(el, name) === null, `${name} removed`).to.equal(true);
}

describe('element edges', () => {
  describe('focus management', () => {
    it('keeps keyboard focus in the panel after "Try again" (the activated button disappears)', async () => {
      const { el, s } = await inCall();
      s.cb.error(new RealtimeVoiceError('connection_failed', 'x', true));
      s.set('error');
      await el.updateComplete;
      await pressEnterOn(el, 'retry-button');
      expect(s.count('start')).to.equal(2);
      // Focus must stay inside the widget, so Escape still closes the panel and Tab goes on from here.
      expect(String(focusedPart(el))).to.not.match(/^outside/);
    });

    it('keeps keyboard focus in the panel after "Tap to enable audio" (the activated button disappears)', async () => {
      const { el, s } = await inCall();
      s.cb.audioBlocked(true);
      await el.updateComplete;
      await pressEnterOn(el, 'audio-button');
      expect(s.count('resumeAudio')).to.equal(1);
      expect(String(focusedPart(el))).to.not.match(/^outside/);
    });

    it('keeps keyboard focus in the panel when the call ends under the focused Mute button', async () => {
      const { el, s } = await inCall();
      part(el, 'mute-button')!.focus();
      s.cb.error(new RealtimeVoiceError('connection_lost', 'x', true));
      s.set('error');
      await el.updateComplete;
      await nextFrame();
      expect(part(el, 'mute-button') === null).to.equal(true);
      expect(String(focusedPart(el))).to.not.match(/^outside/);
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      expect(el.open).to.equal(false);
    });
  });

  describe('screen-reader announcements', () => {
    it('announces the same reply again when the agent repeats itself', async () => {
      const { el, s } = await inCall();
      const live = el.shadowRoot!.querySelector('[aria-live]')!;
      const say = async (id: string) => {
        s.cb.transcript({ role: 'assistant', itemId: id, text: 'Sorry, I did not catch that.', delta: 'Sorry, I did not catch that.', final: true });
        await el.updateComplete;
      };
      await say('a1');
      expect(live.textContent!.trim()).to.equal('Sorry, I did not catch that.');
      let mutations = 0;
      const observer = new MutationObserver((records) => (mutations += records.length));
      observer.observe(live, { subtree: true, childList: true, characterData: true });
      await say('a2');
      await say('a3');
      observer.takeRecords().forEach(() => mutations++);
      observer.disconnect();
      // Assistive technology announces a polite region when its content changes, not otherwise.
      expect(mutations, 'the region changed for each repeat').to.be.at.least(2);
      expect(live.textContent!.replace(/\u200b/g, '')).to.equal('Sorry, I did not catch that.');
    });
  });

  describe('languages', () => {
    it('tags the transcript with the conversation language, and the speaker names with the UI language', async () => {
      // Spanish has no UI strings: the UI falls back to English, the conversation is Spanish.
      const { el, s } = await inCall(html`<realtime-voice language="es" transcript text-input></realtime-voice>`);
      s.conversation.push({ id: 'a1', role: 'assistant', text: 'Su pedido ha salido.', status: 'completed' });
      s.cb.transcript({ role: 'assistant', itemId: 'a1', text: 'Su pedido ha salido.', delta: 'Su pedido ha salido.', final: true });
      await el.updateComplete;
      const langOf = (node: Node | null) => (node instanceof Element ? node : node?.parentElement)?.closest('[lang]')?.getAttribute('lang');
      const li = part(el, 'message')!;
      const text = [...li.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.includes('pedido'))!;
      expect(langOf(text), 'the reply').to.equal('es');
      expect(langOf(li.querySelector('.sr')), 'its speaker name').to.equal('en');
      expect(langOf(el.shadowRoot!.querySelector('[aria-live]')), 'the announcement').to.equal('es');
      expect(langOf(part(el, 'status')), 'the UI').to.equal('en');
    });
  });

  describe('forced colours (Windows high contrast)', () => {
    afterEach(() => executeServerCommand('rv-forced-colors', false));

    it('tells a pressed Mute button from a released one when the system forces its colours', async () => {
      await executeServerCommand('rv-forced-colors', true);
      expect(matchMedia('(forced-colors: active)').matches, 'emulated').to.equal(true);
      const { el } = await inCall();
      const mute = part(el, 'mute-button')!;
      const look = () => {
        const c = getComputedStyle(mute);
        return [c.backgroundColor, c.color, c.borderColor, c.borderWidth, c.outlineStyle, c.outlineWidth].join(' ');
      };
      const released = look();
      mute.click();
      await el.updateComplete;
      expect(mute.getAttribute('aria-pressed')).to.equal('true');
      expect(look(), 'the pressed state must show in the forced palette').to.not.equal(released);
    });
  });

  describe('right-to-left pages', () => {
    for (const dir of ['rtl', 'ltr'] as const) {
      for (const position of ['bottom-right', 'bottom-left', 'top-right', 'top-left'] as const) {
        it(`keeps the launcher in the ${position} corner with the panel open on a dir="${dir}" page`, async () => {
          const root = await fixture<HTMLElement>(html`<div dir=${dir}><realtime-voice open position=${position} language="en"></realtime-voice></div>`);
          const el = root.querySelector('realtime-voice')!;
          await el.updateComplete;
          const launcher = part(el, 'launcher')!.getBoundingClientRect();
          const panel = part(el, 'panel')!.getBoundingClientRect();
          expect(panel.width).to.be.greaterThan(launcher.width + 50);
          // The launcher sits in its corner, flush with the panel's outer edge, whatever the page's direction.
          const [edge, other] = position.endsWith('right') ? (['right', 'left'] as const) : (['left', 'right'] as const);
          expect(Math.round(launcher[edge])).to.equal(Math.round(panel[edge]));
          expect(Math.round(Math.abs(launcher[other] - panel[other]))).to.be.greaterThan(50);
          expect(Math.round(edge === 'right' ? innerWidth - launcher.right : launcher.left)).to.equal(20);
        });
      }
    }
  });

  describe('property values a framework binds', () => {
    for (const tools of [undefined, null]) {
      it(`starts a call (or reports a typed error) when tools is ${tools}, as a framework binds an unset prop`, async () => {
        const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" language="en"></realtime-voice>`);
        (el as unknown as { tools: unknown }).tools = tools;
        await el.updateComplete;
        const seen: string[] = [];
        el.addEventListener('rv-status', (e) => seen.push(e.detail.status));
        el.addEventListener('rv-error', (e) => seen.push(e.detail.code));
        const original = console.error;
        const logged: unknown[] = [];
        console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
        try {
          part(el, 'start-button')!.click();
          await el.updateComplete;
        } finally {
          console.error = original;
          el.stop();
        }
        expect(logged.map(String)).to.deep.equal([]);
        expect(seen[0]).to.equal('connecting');
      });

      it(`hands the session no tools when tools becomes ${tools} during a call`, async () => {
        const { el, s } = await inCall();
        (el as unknown as { tools: unknown }).tools = tools;
        await el.updateComplete;
        expect(s.last('updateConfig')).to.deep.equal(['updateConfig', { tools: [] }]);
      });
    }
  });

  describe('typed call without a microphone', () => {
    it('shows (and announces) the agent’s replies when text-input goes on typed after a refused mic, even without transcript', async () => {
      // No `transcript`: a voice call is heard. After a refused microphone, `text-input` keeps the call
      // going as text, with no audio: the reply must then reach the visitor some other way.
      const { el, s } = await inCall(html`<realtime-voice language="en" text-input></realtime-voice>`);
      s.cb.error(new RealtimeVoiceError('mic_permission_denied', 'denied', false));
      await el.updateComplete;
      expect(el.status).to.equal('listening');
      expect(part(el, 'error')!.textContent).to.contain('Microphone access was denied.');
      el.sendText('Where is my order?');
      s.conversation.push({ id: 'u1', role: 'user', text: 'Where is my order?', status: 'completed' });
      s.conversation.push({ id: 'a1', role: 'assistant', text: 'It ships tomorrow.', status: 'completed' });
      s.cb.transcript({ role: 'assistant', itemId: 'a1', text: 'It ships tomorrow.', delta: 'It ships tomorrow.', final: true });
      await el.updateComplete;
      expect(part(el, 'transcript')?.textContent).to.contain('It ships tomorrow.');
      expect(el.shadowRoot!.querySelector('[aria-live]')?.textContent).to.equal('It ships tomorrow.');
    });
  });
});
