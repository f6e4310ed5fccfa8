// The element as real host pages use it: small and zoomed viewports, a long conversation, framework
// habits (properties before the upgrade, moves, bad attribute values) and the keyboard. Driven
// through the session seam with the fake of element-ui (fake-session.ts).
import { fixture, html, expect, nextFrame } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../src/index.js';
import { RealtimeVoiceElement, RealtimeVoiceError } from '../../src/index.js';
import { resolveStrings, uiLanguage } from '../../src/i18n.js';
import { inCall, part } from './fake-session.js';

/** Waits for the element's render and the frame after it (transcript scrolling runs in a frame). */
async function settle(el: RealtimeVoiceElement) {
  await el.updateComplete;
  await nextFrame();
  await nextFrame();
}

describe('element usage on host pages', () => {
  afterEach(() => setViewport({ width: 800, height: 600 }));

  describe('small and zoomed viewports', () => {
    // 320×256 CSS px is a 1280×1024 screen at 400 % zoom (WCAG 1.4.10 reflow); 320×568 a small phone.
    for (const [width, height] of [
      [320, 568],
      [640, 360],
      [320, 256],
    ] as const) {
      it(`keeps every control of the open panel reachable and clear of the launcher at ${width}×${height}`, async () => {
        await setViewport({ width, height });
        const { el, s } = await inCall(html`<realtime-voice language="en" transcript text-input push-to-talk></realtime-voice>`);
        // An error line and the audio button make the panel as tall as it gets.
        s.cb.error(new RealtimeVoiceError('mic_unavailable', 'x', false));
        s.cb.audioBlocked(true);
        for (let i = 0; i < 6; i++) s.say(i % 2 ? 'assistant' : 'user', `m${i}`, `Message ${i}`, true);
        await settle(el);
        const launcher = part(el, 'launcher')!.getBoundingClientRect();
        for (const name of ['close-button', 'audio-button', 'input', 'send-button', 'mute-button', 'talk-button', 'end-button']) {
          const control = part(el, name)!;
          control.scrollIntoView({ block: 'nearest' });
          const r = control.getBoundingClientRect();
          // Reachable: on screen once scrolled to; usable: not under the launcher.
          expect(r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth, `${name} on screen: ${JSON.stringify(r)}`).to.equal(true);
          expect(r.bottom <= launcher.top || r.top >= launcher.bottom, `${name} clear of the launcher`).to.equal(true);
          expect(el.shadowRoot!.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === control, `${name} hit-testable`).to.equal(true);
        }
        expect(part(el, 'input')!.getBoundingClientRect().width).to.be.at.least(100);
      });
    }
  });

  describe('the page around it', () => {
    it('takes clicks only on its own launcher and panel, not on the page beside or between them', async () => {
      const { el } = await inCall(html`<realtime-voice language="en" transcript></realtime-voice>`);
      const launcher = part(el, 'launcher')!.getBoundingClientRect();
      const panel = part(el, 'panel')!.getBoundingClientRect();
      expect(panel.left).to.be.below(launcher.left - 20);
      // Beside the launcher (under the panel's width) and in the gap between launcher and panel.
      for (const [x, y] of [
        [launcher.left - 10, launcher.top + launcher.height / 2],
        [launcher.right - 10, (launcher.top + panel.bottom) / 2],
      ] as const) {
        expect(document.elementFromPoint(x, y)?.tagName, `at ${x},${y}`).to.not.equal('REALTIME-VOICE');
      }
      expect(document.elementFromPoint(launcher.left + 5, launcher.top + launcher.height / 2)).to.equal(el);
      expect(document.elementFromPoint(panel.left + 5, panel.top + 5)).to.equal(el);
    });
  });

  describe('a long conversation', () => {
    it('follows new text while at the bottom, even when a long message lands before the scroll settles', async () => {
      const { el, s } = await inCall();
      const list = part(el, 'transcript')!;
      const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 2;
      for (let i = 0; i < 200; i++) {
        s.say(i % 2 ? 'assistant' : 'user', `m${i}`, `Message number ${i} `.repeat(1 + (i % 7)), true);
        // Streamed messages arrive between frames, not only one per frame.
        if (i % 3 === 0) await settle(el);
      }
      await settle(el);
      expect(atBottom(), 'at the bottom after 200 messages').to.equal(true);
    });

    it('keeps following when a long message lands between its own scroll and that scroll\'s event', async () => {
      const { el, s } = await inCall();
      const list = part(el, 'transcript')!;
      for (let i = 0; i < 20; i++) {
        s.say('assistant', `m${i}`, `Message ${i}`, true);
        await el.updateComplete;
        await nextFrame(); // the element scrolled in this frame; its scroll event comes with the next
        s.say('user', `u${i}`, 'A long line of text that wraps. '.repeat(8), true);
        await settle(el);
      }
      expect(list.scrollHeight - list.scrollTop - list.clientHeight).to.be.below(2);
    });

    it('leaves a user who scrolled up to read where they are', async () => {
      const { el, s } = await inCall();
      const list = part(el, 'transcript')!;
      for (let i = 0; i < 40; i++) s.say('assistant', `m${i}`, `Message ${i}`, true);
      await settle(el);
      list.scrollTop = 10;
      await settle(el);
      s.say('assistant', 'new', 'More text', true);
      await settle(el);
      expect(list.scrollTop).to.equal(10);
    });

    it('shows the latest messages when the panel is opened again after the user scrolled up and closed it', async () => {
      const { el, s } = await inCall();
      for (let i = 0; i < 200; i++) s.say('assistant', `m${i}`, `Message ${i}`, true);
      await settle(el);
      part(el, 'transcript')!.scrollTop = 0;
      await settle(el);
      part(el, 'close-button')!.click();
      await settle(el);
      s.say('assistant', 'late', 'The answer', true);
      part(el, 'launcher')!.click();
      await settle(el);
      const list = part(el, 'transcript')!;
      expect(list.scrollHeight - list.scrollTop - list.clientHeight).to.be.below(2);
    });
  });

  describe('framework-style usage', () => {
    it('keeps properties set before a lazily loaded definition upgraded the element', async () => {
      const tag = 'rv-lazy-usage';
      const el = document.createElement(tag) as RealtimeVoiceElement;
      Object.assign(el, { variant: 'inline', label: 'Ask', strings: { start: 'Go' }, transcript: true });
      document.body.append(el);
      customElements.define(tag, class extends RealtimeVoiceElement {});
      await el.updateComplete;
      expect(el.variant).to.equal('inline');
      expect(part(el, 'panel')!.getAttribute('aria-label')).to.equal('Ask');
      expect(part(el, 'start-button')!.textContent).to.equal('Go');
      el.remove();
    });

    it('does not stop the call when the element is moved in the DOM', async () => {
      const { el, s } = await inCall();
      const box = document.createElement('div');
      document.body.append(box);
      box.append(el);
      await settle(el);
      expect(s.count('stop')).to.equal(0);
      expect(el.status).to.equal('listening');
      box.remove();
      await settle(el);
      expect(s.count('stop')).to.equal(1);
    });

    it('keeps the current value, with one warning, when an attribute is changed to a bad value', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" reconnect-attempts="2" vad-threshold="0.3"></realtime-voice>`);
      const seen: string[] = [];
      const original = console.warn;
      console.warn = (...args: unknown[]) => seen.push(args.join(' '));
      try {
        el.setAttribute('variant', 'popup');
        el.setAttribute('reconnect-attempts', 'lots');
        el.setAttribute('vad-threshold', '7');
        await el.updateComplete;
      } finally {
        console.warn = original;
      }
      expect(el.variant).to.equal('inline');
      expect(el.reconnectAttempts).to.equal(2);
      expect(el.vadThreshold).to.equal(0.3);
      expect(part(el, 'launcher')).to.equal(null);
      expect(seen).to.have.length(3);
      // Removing an attribute still restores the default.
      el.removeAttribute('variant');
      el.removeAttribute('reconnect-attempts');
      await el.updateComplete;
      expect(el.variant).to.equal('floating');
      expect(el.reconnectAttempts).to.equal(5);
    });

    it('goes back to the defaults when attributes are removed, and a clone starts idle', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice language="fr" label="Aide" variant="inline" position="top-left" model="m" reconnect-attempts="1" turn-detection="manual" transcript></realtime-voice>`);
      for (const a of ['language', 'label', 'variant', 'position', 'model', 'reconnect-attempts', 'turn-detection', 'transcript']) el.removeAttribute(a);
      await el.updateComplete;
      expect([el.variant, el.position, el.model, el.reconnectAttempts, el.turnDetection, el.transcript]).to.deep.equal(['floating', 'bottom-right', 'gpt-realtime', 5, 'server_vad', false]);
      expect(part(el, 'launcher')!.textContent!.trim()).to.equal(resolveStrings(uiLanguage()).label);
      const { el: calling } = await inCall();
      const clone = calling.cloneNode(true) as RealtimeVoiceElement;
      document.body.append(clone);
      await clone.updateComplete;
      expect(clone.status).to.equal('idle');
      expect(clone.getAttribute('status')).to.equal('idle');
      clone.remove();
    });

    it('hides everything, launcher included, with the hidden attribute', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice hidden></realtime-voice>`);
      expect(part(el, 'launcher')!.getBoundingClientRect().width).to.equal(0);
    });

    it('keeps a long label inside a phone screen', async () => {
      await setViewport({ width: 320, height: 568 });
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice label="Talk to our friendly customer support assistant right now"></realtime-voice>`);
      const r = part(el, 'launcher')!.getBoundingClientRect();
      expect(r.left >= 0 && r.right <= innerWidth, JSON.stringify(r)).to.equal(true);
    });

    it('replaces and merges `strings`, and keeps two instances in their own languages', async () => {
      const wrap = await fixture(html`<div><realtime-voice language="de" variant="inline"></realtime-voice><realtime-voice language="fr" variant="inline"></realtime-voice></div>`);
      const [de, fr] = wrap.querySelectorAll('realtime-voice') as unknown as RealtimeVoiceElement[];
      await de!.updateComplete;
      await fr!.updateComplete;
      expect(part(de!, 'start-button')!.textContent).to.equal('Starten');
      expect(part(fr!, 'start-button')!.textContent).to.equal('Démarrer');
      de!.strings = { start: 'Los' };
      await de!.updateComplete;
      expect(part(de!, 'start-button')!.textContent).to.equal('Los');
      expect(part(de!, 'status')!.textContent).to.equal('Bereit');
      de!.strings = { idle: 'Da' };
      await de!.updateComplete;
      expect(part(de!, 'start-button')!.textContent).to.equal('Starten');
      expect(part(de!, 'status')!.textContent).to.equal('Da');
    });
  });

  describe('keyboard', () => {
    it('Space holds to talk without scrolling the page, and types a space in the text box', async () => {
      const spacer = document.createElement('div');
      spacer.style.height = '3000px';
      document.body.prepend(spacer);
      try {
        const { el, s } = await inCall(html`<realtime-voice language="en" text-input push-to-talk></realtime-voice>`);
        scrollTo(0, 0);
        part(el, 'talk-button')!.focus();
        await sendKeys({ down: ' ' });
        await sendKeys({ up: ' ' });
        await settle(el);
        expect(s.calls.filter((c) => c[0] === 'pushToTalk').map((c) => c[1])).to.deep.equal([true, false]);
        expect(scrollY).to.equal(0);
        part(el, 'input')!.focus();
        await sendKeys({ type: 'a b' });
        expect((part(el, 'input') as HTMLInputElement).value).to.equal('a b');
        expect(s.count('pushToTalk')).to.equal(2);
      } finally {
        spacer.remove();
      }
    });

    it('Escape in the text box closes the panel and returns focus to the launcher', async () => {
      const { el } = await inCall();
      part(el, 'input')!.focus();
      await sendKeys({ press: 'Escape' });
      await settle(el);
      expect(el.open).to.equal(false);
      expect(el.shadowRoot!.activeElement === part(el, 'launcher')).to.equal(true);
    });
  });

  describe('transcript text', () => {
    it('renders markup as text and wraps a very long word inside the panel', async () => {
      const { el, s } = await inCall();
      s.say('assistant', 'a', '<img src=x onerror=alert(1)><b>bold</b>', true);
      s.say('user', 'u', 'x'.repeat(500), true);
      await settle(el);
      const [a, u] = el.shadowRoot!.querySelectorAll('li');
      expect(a!.querySelector('img, b')).to.equal(null);
      expect(a!.textContent).to.contain('<b>bold</b>');
      const list = part(el, 'transcript')!.getBoundingClientRect();
      expect(u!.getBoundingClientRect().right).to.be.at.most(list.right + 0.5);
      expect(part(el, 'transcript')!.scrollWidth).to.be.at.most(part(el, 'transcript')!.clientWidth);
    });
  });
});
