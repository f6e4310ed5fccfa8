// The element driven through its session seam (fake-session.ts: a fake that records what the
// element asks of it and calls back the way RealtimeSession does). The UI, events,
// keyboard/focus, aria and teardown are checked here; the real session is tested end to end elsewhere.
import { fixture, html, expect, oneEvent, nextFrame, aTimeout } from '@open-wc/testing';
import { sendKeys, emulateMedia } from '@web/test-runner-commands';
import '../../src/index.js';
import {
  RealtimeVoiceError,
  RealtimeVoiceStatusEvent,
  RealtimeVoiceToolCallEvent,
  type RealtimeVoiceElement,
} from '../../src/index.js';
import type { ServerEvent } from '../../src/protocol/events.js';
import { useFake } from './fake-session.js';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const focused = (el: HTMLElement) => el.shadowRoot!.activeElement as HTMLElement | null;

/** An element in a call (`listening`), panel open, with its fake. */
async function inCall(template = html`<realtime-voice language="en" transcript text-input></realtime-voice>`) {
  const el = await fixture<RealtimeVoiceElement>(template);
  const fake = useFake(el);
  part(el, 'launcher')?.click();
  if (el.variant === 'inline') part(el, 'start-button')!.click();
  const s = fake.session!;
  s.set('listening');
  await el.updateComplete;
  return { el, s, fake };
}

describe('<realtime-voice> UI and events', () => {
  afterEach(() => emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' }));

  describe('launcher and panel', () => {
    it('opens the panel and starts the session from the launcher click, building the config', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice token-url="/t" model="m" voice="cedar" vad-threshold="0.4" muted></realtime-voice>`);
      const tools = [{ name: 'lookup' }];
      const getToken = async () => 'ek_x';
      Object.assign(el, { tools, getToken, session: { max_output_tokens: 100 } });
      const fake = useFake(el);
      part(el, 'launcher')!.click();
      expect(fake.created).to.equal(1);
      expect(fake.session!.count('start')).to.equal(1);
      expect(fake.session!.config).to.include({
        tokenUrl: '/t', getToken, model: 'm', voice: 'cedar', vadThreshold: 0.4, muted: true, tools,
        turnDetection: 'server_vad', transcriptionModel: 'gpt-4o-mini-transcribe', reconnectAttempts: 5, pushToTalk: false,
        url: 'wss://api.openai.com/v1/realtime', debug: false,
      });
      expect(fake.session!.config.session).to.deep.equal({ max_output_tokens: 100 });
      expect(el.status).to.equal('connecting');
      expect(el.getAttribute('status')).to.equal('connecting');
      await el.updateComplete;
      await nextFrame();
      expect(el.open).to.equal(true);
      expect(focused(el)).to.equal(part(el, 'panel'));
    });

    it('is usable by keyboard: Enter opens, Escape closes and returns focus to the launcher', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
      useFake(el);
      part(el, 'launcher')!.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      await nextFrame();
      expect(el.open).to.equal(true);
      expect(focused(el)).to.equal(part(el, 'panel'));
      await sendKeys({ press: 'Tab' });
      expect(focused(el)!.getAttribute('part')).to.equal('close-button');
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      await nextFrame();
      expect(el.open).to.equal(false);
      expect(part(el, 'panel')).to.equal(null);
      expect(focused(el)).to.equal(part(el, 'launcher'));
      // Space on the launcher toggles it too, and the call keeps running while the panel is closed.
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(el.open).to.equal(true);
      expect(el.status).to.equal('connecting');
    });

    it('closes from the close button and the launcher, keeping the call', async () => {
      const { el, s } = await inCall();
      part(el, 'close-button')!.click();
      await el.updateComplete;
      await nextFrame();
      expect(el.open).to.equal(false);
      expect(focused(el)).to.equal(part(el, 'launcher'));
      part(el, 'launcher')!.click();
      await el.updateComplete;
      expect(s.count('start')).to.equal(1);
      part(el, 'launcher')!.click();
      await el.updateComplete;
      expect(el.open).to.equal(false);
      expect(s.count('stop')).to.equal(0);
    });

    it('starts and ends from one stable button in the inline variant, keeping focus on it', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" language="en"></realtime-voice>`);
      const fake = useFake(el);
      const button = part(el, 'start-button')!;
      button.focus();
      await sendKeys({ press: 'Enter' });
      fake.session!.set('listening');
      await el.updateComplete;
      expect(part(el, 'end-button')).to.equal(button);
      expect(button.textContent!.trim()).to.equal('End');
      expect(focused(el)).to.equal(button);
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(fake.session!.count('stop')).to.equal(1);
      expect(el.status).to.equal('idle');
      expect(part(el, 'start-button')).to.equal(button);
    });
  });

  describe('events', () => {
    it('maps every session callback to a typed, bubbling, composed DOM event', async () => {
      const { el, s } = await inCall();
      const expectEvent = async <K extends keyof GlobalEventHandlersEventMap>(type: K, fire: () => void, detail: object) => {
        const p = oneEvent(document, type);
        fire();
        const e = (await p) as Event & { detail: object };
        expect(e.bubbles && e.composed, type).to.equal(true);
        expect(e.target).to.equal(el);
        expect(e.detail).to.deep.equal(detail);
        return e;
      };
      const st = await expectEvent('rv-status', () => s.set('speaking'), { status: 'speaking', previous: 'listening' });
      expect(st).to.be.instanceOf(RealtimeVoiceStatusEvent);
      expect(el.getAttribute('status')).to.equal('speaking');
      await expectEvent('rv-connected', () => s.cb.connected({ sessionId: 'sess_1', model: 'm' }), { sessionId: 'sess_1', model: 'm' });
      await expectEvent('rv-disconnected', () => s.cb.disconnected({ code: 1006, reason: '', willReconnect: true }), { code: 1006, reason: '', willReconnect: true });
      await expectEvent('rv-transcript', () => s.say('assistant', 'it_1', 'Hi'), { role: 'assistant', itemId: 'it_1', text: 'Hi', delta: 'Hi', final: false });
      await expectEvent('rv-interrupted', () => s.cb.interrupted({ itemId: 'it_1', audioEndMs: 420 }), { itemId: 'it_1', audioEndMs: 420 });
      await expectEvent('rv-error', () => s.cb.error(new RealtimeVoiceError('tool_failed', 'boom')), { code: 'tool_failed', message: 'boom', fatal: false });
      const ev: ServerEvent = { type: 'rate_limits.updated', event_id: 'e1', rate_limits: [] };
      await expectEvent('rv-server-event', () => s.cb.serverEvent(ev), { event: ev });
    });

    it('types the event map (compile-time) and exposes detail', async () => {
      const { el, s } = await inCall();
      let text = '';
      el.addEventListener('rv-transcript', (e) => (text = e.detail.text));
      s.say('user', 'u1', 'ab');
      s.say('user', 'u1', 'c', true);
      expect(text).to.equal('abc');
    });

    describe('rv-tool-call', () => {
      const call = { name: 'lookup', callId: 'call_1', arguments: { order: 42 } };

      it('returns what a listener supplies through respondWith (value or promise)', async () => {
        const { el, s } = await inCall();
        el.addEventListener('rv-tool-call', (e) => {
          expect(e).to.be.instanceOf(RealtimeVoiceToolCallEvent);
          expect(e.cancelable).to.equal(true);
          expect(e.detail).to.deep.equal(call);
          e.respondWith(Promise.resolve({ status: 'shipped' }));
        }, { once: true });
        expect(await s.cb.toolCall(call)).to.deep.equal({ status: 'shipped' });
        el.addEventListener('rv-tool-call', (e) => e.respondWith(7), { once: true });
        expect(await s.cb.toolCall(call)).to.equal(7);
      });

      it('returns undefined when nobody answers (the handler or an error output follows)', async () => {
        const { s } = await inCall();
        expect(s.cb.toolCall(call)).to.equal(undefined);
      });

      it('declines on preventDefault without respondWith (no output: the session answers with an error)', async () => {
        const { el, s } = await inCall();
        let prevented = false;
        el.addEventListener('rv-tool-call', (e) => e.preventDefault(), { once: true });
        document.addEventListener('rv-tool-call', (e) => (prevented = e.defaultPrevented), { once: true });
        expect(s.cb.toolCall(call)).to.equal(undefined);
        expect(prevented).to.equal(true);
      });

      it('refuses a second respondWith and one after dispatch', async () => {
        const { el, s } = await inCall();
        let kept!: RealtimeVoiceToolCallEvent;
        let second: unknown;
        el.addEventListener('rv-tool-call', (e) => {
          kept = e;
          e.respondWith(1);
          try {
            e.respondWith(2);
          } catch (err) {
            second = err;
          }
        }, { once: true });
        expect(await s.cb.toolCall(call)).to.equal(1);
        expect((second as DOMException).name).to.equal('InvalidStateError');
        expect(() => kept.respondWith(3)).to.throw(DOMException);
      });
    });

    it('fires no events for host property changes mid-call, but forwards them to the session', async () => {
      const { el, s } = await inCall();
      const fired: string[] = [];
      for (const t of ['rv-status', 'rv-error', 'rv-transcript']) el.addEventListener(t, () => fired.push(t));
      el.muted = true;
      el.instructions = 'Be brief.';
      el.setAttribute('voice', 'cedar');
      el.setAttribute('vad-silence-ms', '700');
      el.label = 'x';
      await el.updateComplete;
      expect(fired).to.deep.equal([]);
      expect(s.last('setMuted')).to.deep.equal(['setMuted', true]);
      expect(s.last('updateConfig')).to.deep.equal(['updateConfig', { instructions: 'Be brief.', voice: 'cedar', vadSilenceMs: 700 }]);
      expect(s.count('updateConfig')).to.equal(1);
      el.language = 'de';
      await el.updateComplete;
      expect(s.last('updateConfig')).to.deep.equal(['updateConfig', { language: 'de' }]);
    });
  });

  describe('transcript and live region', () => {
    it('streams text as text: HTML payloads render inert', async () => {
      const { el, s } = await inCall();
      const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
      s.say('assistant', 'a1', payload);
      s.say('user', 'u1', '<i>me</i>', true);
      await el.updateComplete;
      const transcript = part(el, 'transcript')!;
      expect(transcript.querySelector('img, script, b, i')).to.equal(null);
      const messages = [...transcript.querySelectorAll('[part~=message]')];
      expect(messages).to.have.length(2);
      expect(messages[0]!.getAttribute('part')).to.equal('message message-assistant');
      expect(messages[0]!.textContent).to.contain(payload);
      expect(messages[1]!.getAttribute('part')).to.equal('message message-user');
      await nextFrame();
      expect((window as unknown as { __pwned?: number }).__pwned).to.equal(undefined);
    });

    it('follows new messages unless the user scrolled up', async () => {
      const { el, s } = await inCall();
      const list = part(el, 'transcript')!;
      for (let i = 0; i < 30; i++) s.say(i % 2 ? 'assistant' : 'user', `m${i}`, `message ${i}`, true);
      await el.updateComplete;
      await nextFrame(); // it scrolls in the next frame
      expect(list.scrollHeight).to.be.greaterThan(list.clientHeight);
      expect(list.scrollHeight - list.scrollTop - list.clientHeight).to.be.lessThan(2);
      list.scrollTop = 0;
      s.say('assistant', 'late', 'one more', true);
      await el.updateComplete;
      await nextFrame();
      await nextFrame();
      expect(list.scrollTop).to.equal(0);
      // Back at the bottom, it follows again.
      list.scrollTop = list.scrollHeight;
      await nextFrame();
      s.say('assistant', 'later', 'and another', true);
      await el.updateComplete;
      await nextFrame();
      expect(list.scrollHeight - list.scrollTop - list.clientHeight).to.be.lessThan(2);
      await expect(el).to.be.accessible();
    });

    it('announces finished agent text politely and names speakers for screen readers', async () => {
      const { el, s } = await inCall();
      const live = el.shadowRoot!.querySelector('[aria-live]')!;
      expect(live.getAttribute('aria-live')).to.equal('polite');
      s.say('assistant', 'a1', 'Your order ');
      await el.updateComplete;
      expect(live.textContent).to.equal('');
      s.say('assistant', 'a1', 'has shipped.', true);
      await el.updateComplete;
      expect(live.textContent).to.equal('Your order has shipped.');
      expect(part(el, 'message')!.textContent!.trim()).to.equal('Agent: Your order has shipped.');
      expect(el.conversation.map((i) => i.text)).to.deep.equal(['Your order has shipped.']);
      el.conversation.pop();
      expect(el.conversation).to.have.length(1);
    });
  });

  describe('controls', () => {
    it('mutes with a pressed-state button that reflects muted and tells the session', async () => {
      const { el, s } = await inCall();
      const mute = part(el, 'mute-button')!;
      expect(mute.getAttribute('aria-pressed')).to.equal('false');
      mute.click();
      await el.updateComplete;
      expect(el.muted).to.equal(true);
      expect(el.hasAttribute('muted')).to.equal(true);
      expect(mute.getAttribute('aria-pressed')).to.equal('true');
      expect(s.last('setMuted')).to.deep.equal(['setMuted', true]);
    });

    it('ends the call from the end button', async () => {
      const { el, s } = await inCall();
      part(el, 'end-button')!.click();
      expect(s.count('stop')).to.equal(1);
      await el.updateComplete;
      expect(part(el, 'mute-button')).to.equal(null);
      expect(part(el, 'start-button')).to.not.equal(null);
    });

    it('push-to-talk: hold the button with the pointer or Space', async () => {
      const { el, s } = await inCall(html`<realtime-voice push-to-talk language="en"></realtime-voice>`);
      const talk = part(el, 'talk-button')!;
      expect(talk.textContent!.trim()).to.equal('Hold to talk');
      talk.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, button: 0 }));
      await el.updateComplete;
      expect(talk.getAttribute('aria-pressed')).to.equal('true');
      talk.dispatchEvent(new PointerEvent('pointerup', { bubbles: true }));
      expect(s.calls.filter((c) => c[0] === 'pushToTalk')).to.deep.equal([['pushToTalk', true], ['pushToTalk', false]]);
      talk.focus();
      await sendKeys({ down: 'Space' });
      await sendKeys({ down: 'Space' }); // auto-repeat must not re-press
      expect(s.last('pushToTalk')).to.deep.equal(['pushToTalk', true]);
      await sendKeys({ up: 'Space' });
      expect(s.calls.filter((c) => c[0] === 'pushToTalk')).to.have.length(4);
      expect(s.last('pushToTalk')).to.deep.equal(['pushToTalk', false]);
      // Space did not also "click" anything (the call is still on, the panel still open).
      expect(el.open && el.status === 'listening').to.equal(true);
    });

    it('shows the talk button for manual turn detection too', async () => {
      const { el } = await inCall(html`<realtime-voice turn-detection="manual"></realtime-voice>`);
      expect(part(el, 'talk-button')).to.not.equal(null);
      el.turnDetection = 'server_vad';
      await el.updateComplete;
      expect(part(el, 'talk-button')).to.equal(null);
    });

    it('sends typed text from the text box, starting a call when idle', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" text-input></realtime-voice>`);
      const fake = useFake(el);
      part(el, 'input')!.focus();
      await sendKeys({ type: '  Where is my order?  ' });
      await sendKeys({ press: 'Enter' });
      expect(fake.session!.count('start')).to.equal(1);
      expect(fake.session!.last('sendText')).to.deep.equal(['sendText', 'Where is my order?']);
      expect((part(el, 'input') as HTMLInputElement).value).to.equal('');
      await sendKeys({ press: 'Enter' }); // empty: nothing sent
      expect(fake.session!.count('sendText')).to.equal(1);
    });

    it('offers "Tap to enable audio" when autoplay is blocked and resumes on tap', async () => {
      const { el, s } = await inCall();
      s.cb.audioBlocked(true);
      await el.updateComplete;
      const tap = part(el, 'audio-button')!;
      expect(tap.textContent!.trim()).to.equal('Tap to enable audio');
      await expect(el).to.be.accessible();
      tap.click();
      expect(s.count('resumeAudio')).to.equal(1);
      await el.updateComplete;
      expect(part(el, 'audio-button')).to.equal(null);
    });

    it('shows the audio tap target next to the launcher while the panel is closed', async () => {
      const { el, s } = await inCall();
      el.open = false;
      s.cb.audioBlocked(true);
      await el.updateComplete;
      expect(part(el, 'panel')).to.equal(null);
      expect(part(el, 'audio-button')).to.not.equal(null);
    });

    it('interrupt() is forwarded', async () => {
      const { el, s } = await inCall();
      el.interrupt();
      expect(s.count('interrupt')).to.equal(1);
    });
  });

  describe('errors', () => {
    it('shows a fatal error with a retry that starts again; non-fatal errors only fire', async () => {
      const { el, s } = await inCall();
      s.cb.error(new RealtimeVoiceError('server_error', 'x'));
      await el.updateComplete;
      expect(part(el, 'error')).to.equal(null);
      s.cb.error(new RealtimeVoiceError('mic_permission_denied', 'denied', true));
      s.set('error');
      await el.updateComplete;
      const error = part(el, 'error')!;
      expect(error.getAttribute('role')).to.equal('alert');
      expect(error.textContent).to.contain('Microphone access was denied.');
      await expect(el).to.be.accessible();
      part(el, 'retry-button')!.click();
      expect(s.count('start')).to.equal(2);
      await el.updateComplete;
      expect(part(el, 'error')).to.equal(null);
    });

    it('offers Continue (localised) when the session expired', async () => {
      const { el, s } = await inCall(html`<realtime-voice language="fr"></realtime-voice>`);
      s.cb.error(new RealtimeVoiceError('session_expired', 'expired', true));
      s.set('error');
      await el.updateComplete;
      expect(part(el, 'error')!.textContent).to.contain('La session est terminée.');
      expect(part(el, 'retry-button')!.textContent!.trim()).to.equal('Continuer');
    });
  });

  describe('audio level', () => {
    it('drives a CSS custom property on the level parts at most 20 times a second, without flicker, and resets when idle', async () => {
      const { el, s } = await inCall();
      const shown = [part(el, 'launcher')!, part(el, 'level')!];
      const lvl = () => shown.map((e) => e.style.getPropertyValue('--_lvl'));
      // The first level shows at once, in the frame's own task; the next within 50 ms waits.
      s.cb.level({ input: 0.2, output: 0 });
      expect(lvl()).to.deep.equal(['0.20', '0.20']);
      s.cb.level({ input: 0.1, output: 0.5 });
      expect(lvl()).to.deep.equal(['0.20', '0.20']);
      // Not on an ancestor: an inherited custom property would restyle the whole transcript.
      expect(part(el, 'panel')!.parentElement!.style.getPropertyValue('--_lvl')).to.equal('');
      await aTimeout(60);
      s.cb.level({ input: 0.1, output: 0.5 });
      expect(lvl()).to.deep.equal(['0.50', '0.50']);
      // The launcher's ring and the header's dot follow it through opacity and transform only.
      expect(getComputedStyle(part(el, 'launcher')!, '::after').opacity).to.equal('0.5');
      expect(getComputedStyle(part(el, 'level')!).transform).to.equal('matrix(1.5, 0, 0, 1.5, 0, 0)');
      // Levels every few ms for 200 ms (clamped to 0–1): at most one write per part per 50 ms.
      let writes = 0;
      const observer = new MutationObserver((records) => (writes += records.length));
      for (const e of shown) observer.observe(e, { attributes: true, attributeFilter: ['style'] });
      await aTimeout(60);
      const from = performance.now();
      for (let i = 0; i < 40; i++) {
        s.cb.level({ input: i % 2 ? 7 : 0.3, output: NaN });
        await aTimeout(5);
      }
      const windows = Math.ceil((performance.now() - from) / 50);
      await aTimeout(0);
      expect(writes).to.be.within(2, 2 * windows);
      expect(['0.30', '1.00']).to.include(lvl()[0]);
      observer.disconnect();
      // [wait ms before, level, what the parts show after]: silence at once, even within the 50 ms;
      // a move of one twentieth is flicker, with no frame for it, two are shown; a noise floor
      // between the two lowest steps costs nothing.
      s.cb.level({ input: 0.8, output: 0 });
      const steps: [number, number, string][] = [
        [0, 0, '0.00'],
        [0, 0.6, '0.00'],
        [60, 0.6, '0.60'],
        [60, 0.64, '0.60'],
        [60, 0.7, '0.70'],
        [60, 0.06, '0.05'],
        [60, 0.1, '0.05'],
        [0, 0.01, '0.00'],
        [60, 0.04, '0.00'],
      ];
      for (const [wait, input, shown] of steps) {
        if (wait) await aTimeout(wait);
        s.cb.level({ input, output: 0 });
        expect(lvl(), `after ${input}`).to.deep.equal([shown, shown]);
      }
      s.stop();
      await aTimeout(10);
      expect(lvl()).to.deep.equal(['0.00', '0.00']);
    });

    it('does not animate the level under prefers-reduced-motion', async () => {
      await emulateMedia({ reducedMotion: 'reduce' });
      const { el, s } = await inCall();
      s.cb.level({ input: 1, output: 0 });
      await aTimeout(75);
      const level = getComputedStyle(part(el, 'level')!);
      expect(level.transform).to.equal('none');
      expect(Number(level.opacity)).to.equal(1);
      expect(getComputedStyle(part(el, 'launcher')!, '::after').display, 'no pulsing ring').to.equal('none');
    });
  });

  describe('accessibility', () => {
    it('is axe-clean closed, open, in a call with transcript, and in dark mode', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice transcript text-input push-to-talk></realtime-voice>`);
      await expect(el).to.be.accessible();
      const { el: live, s } = await inCall(html`<realtime-voice transcript text-input push-to-talk></realtime-voice>`);
      await expect(live).to.be.accessible();
      s.say('user', 'u1', 'Where is my order?', true);
      s.say('assistant', 'a1', 'It shipped yesterday.', true);
      live.muted = true;
      await live.updateComplete;
      await expect(live).to.be.accessible();
      await emulateMedia({ colorScheme: 'dark' });
      await expect(live).to.be.accessible();
      const { el: inline } = await inCall(html`<realtime-voice variant="inline" transcript text-input></realtime-voice>`);
      await expect(inline).to.be.accessible();
    });

    it('gives every control an accessible name', async () => {
      const { el } = await inCall(html`<realtime-voice transcript text-input push-to-talk language="fr"></realtime-voice>`);
      const names = [...el.shadowRoot!.querySelectorAll('button, input')].map((n) => n.getAttribute('aria-label') ?? n.textContent!.trim());
      expect(names).to.deep.equal(['Parlez-nous', 'Fermer', 'Écrire un message', 'Envoyer', 'Couper le micro', 'Maintenir pour parler', 'Terminer']);
    });
  });

  describe('lifecycle', () => {
    it('stops the session when removed mid-call, but not when moved', async () => {
      const { el, s } = await inCall();
      const other = document.createElement('div');
      document.body.append(other);
      other.append(el);
      await Promise.resolve();
      await el.updateComplete;
      expect(s.count('stop')).to.equal(0);
      el.remove();
      await Promise.resolve();
      expect(s.count('stop')).to.equal(1);
      other.remove();
    });

    it('keeps two instances independent', async () => {
      const root = await fixture<HTMLElement>(html`<div><realtime-voice></realtime-voice><realtime-voice variant="inline"></realtime-voice></div>`);
      const [a, b] = [...root.querySelectorAll('realtime-voice')] as RealtimeVoiceElement[];
      const fa = useFake(a!);
      const fb = useFake(b!);
      part(a!, 'launcher')!.click();
      fa.session!.set('speaking');
      expect(fb.session).to.equal(undefined);
      expect(b!.status).to.equal('idle');
      part(b!, 'start-button')!.click();
      fb.session!.set('listening');
      fb.session!.cb.level({ input: 1, output: 1 });
      b!.muted = true;
      await b!.updateComplete;
      expect(fa.session!.count('setMuted')).to.equal(0);
      expect([a!.status, b!.status]).to.deep.equal(['speaking', 'listening']);
      a!.remove();
      await Promise.resolve();
      expect(fa.session!.count('stop')).to.equal(1);
      expect(fb.session!.count('stop')).to.equal(0);
    });
  });
});
