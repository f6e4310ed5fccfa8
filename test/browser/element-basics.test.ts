// The element without a call: attributes, properties, converters, i18n, styling hooks, variants.
// Nothing here starts a session (the launcher is never clicked; `open` is set as a property).
import { fixture, html, expect, nextFrame } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../src/index.js';
import type { RealtimeVoiceElement } from '../../src/index.js';

const parts = (el: HTMLElement) =>
  [...el.shadowRoot!.querySelectorAll('[part]')].flatMap((n) => n.getAttribute('part')!.split(' '));
const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

/** Captures console.warn calls while `fn` runs. */
async function warnings(fn: () => unknown): Promise<string[]> {
  const seen: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => seen.push(args.join(' '));
  try {
    await fn();
  } finally {
    console.warn = original;
  }
  return seen;
}

describe('<realtime-voice> basics', () => {
  it('renders an accessible launcher and reflects status idle', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice language="en"></realtime-voice>`);
    expect(el.getAttribute('status')).to.equal('idle');
    expect(el.status).to.equal('idle');
    const button = part(el, 'launcher')!;
    expect(button.textContent!.trim()).to.equal('Talk to us');
    expect(button.getAttribute('aria-expanded')).to.equal('false');
    await expect(el).to.be.accessible();
  });

  it('has the documented defaults', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
    expect(el.url).to.equal('wss://api.openai.com/v1/realtime');
    expect(el.model).to.equal('gpt-realtime');
    expect(el.voice).to.equal('marin');
    expect(el.turnDetection).to.equal('server_vad');
    expect(el.transcriptionModel).to.equal('gpt-4o-mini-transcribe');
    expect(el.variant).to.equal('floating');
    expect(el.position).to.equal('bottom-right');
    expect(el.reconnectAttempts).to.equal(5);
    expect(el.tools).to.deep.equal([]);
    for (const flag of ['pushToTalk', 'transcript', 'textInput', 'muted', 'debug', 'open'] as const) expect(el[flag], flag).to.equal(false);
    for (const opt of ['tokenUrl', 'getToken', 'instructions', 'greeting', 'vadThreshold', 'vadSilenceMs', 'vadPrefixMs', 'eagerness', 'noiseReduction', 'label', 'workletUrl', 'session'] as const) {
      expect(el[opt], opt).to.equal(undefined);
    }
    expect(el.conversation).to.deep.equal([]);
  });

  it('maps every attribute to its property', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice
      token-url="/t" url="ws://127.0.0.1:1/v1/realtime" model="m" voice="v" instructions="be brief" greeting="hello"
      turn-detection="semantic_vad" vad-threshold="0.7" vad-silence-ms="600" vad-prefix-ms="250" eagerness="high"
      transcription-model="none" language="de-AT" noise-reduction="far_field" push-to-talk variant="inline"
      position="top-left" label="Hilfe" transcript text-input muted worklet-url="/w/" reconnect-attempts="0" debug
    ></realtime-voice>`);
    expect(el).to.include({
      tokenUrl: '/t', url: 'ws://127.0.0.1:1/v1/realtime', model: 'm', voice: 'v', instructions: 'be brief', greeting: 'hello',
      turnDetection: 'semantic_vad', vadThreshold: 0.7, vadSilenceMs: 600, vadPrefixMs: 250, eagerness: 'high',
      transcriptionModel: 'none', language: 'de-AT', noiseReduction: 'far_field', pushToTalk: true, variant: 'inline',
      position: 'top-left', label: 'Hilfe', transcript: true, textInput: true, muted: true, workletUrl: '/w/',
      reconnectAttempts: 0, debug: true,
    });
  });

  it('keeps the default and warns once, naming the attribute and allowed values, for bad enum values', async () => {
    let el!: RealtimeVoiceElement;
    const seen = await warnings(async () => {
      el = await fixture<RealtimeVoiceElement>(html`<realtime-voice turn-detection="vad" variant="popup" position="middle" eagerness="max" noise-reduction="loud"></realtime-voice>`);
    });
    expect(el.turnDetection).to.equal('server_vad');
    expect(el.variant).to.equal('floating');
    expect(el.position).to.equal('bottom-right');
    expect(el.eagerness).to.equal(undefined);
    expect(el.noiseReduction).to.equal(undefined);
    expect(seen).to.have.length(5);
    expect(seen[0]).to.contain('turn-detection="vad"').and.contain('server_vad | semantic_vad | manual');
    expect(seen[1]).to.contain('variant="popup"').and.contain('floating | inline');
    expect(seen[2]).to.contain('position').and.contain('top-left');
  });

  it('parses numbers safely: bad, empty, out of range and fractional counts keep the default', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
    const cases: [string, string, keyof RealtimeVoiceElement, unknown][] = [
      ['vad-threshold', 'abc', 'vadThreshold', undefined],
      ['vad-threshold', '', 'vadThreshold', undefined],
      ['vad-threshold', '2', 'vadThreshold', undefined],
      ['vad-threshold', 'Infinity', 'vadThreshold', undefined],
      ['vad-silence-ms', '-5', 'vadSilenceMs', undefined],
      ['vad-prefix-ms', '1e9', 'vadPrefixMs', undefined],
      ['reconnect-attempts', '1.5', 'reconnectAttempts', 5],
      ['reconnect-attempts', 'many', 'reconnectAttempts', 5],
    ];
    for (const [attr, value, prop, expected] of cases) {
      const seen = await warnings(async () => {
        el.setAttribute(attr, value);
        await el.updateComplete;
      });
      expect(el[prop], `${attr}="${value}"`).to.equal(expected);
      expect(seen, `${attr}="${value}"`).to.have.length(1);
      expect(seen[0]).to.contain(attr).and.contain('number');
    }
    const quiet = await warnings(async () => {
      el.setAttribute('vad-threshold', ' 0.25 ');
      el.setAttribute('reconnect-attempts', '3');
      await el.updateComplete;
    });
    expect(quiet).to.deep.equal([]);
    expect(el.vadThreshold).to.equal(0.25);
    expect(el.reconnectAttempts).to.equal(3);
    el.removeAttribute('reconnect-attempts');
    el.removeAttribute('vad-threshold');
    expect(el.reconnectAttempts).to.equal(5);
    expect(el.vadThreshold).to.equal(undefined);
  });

  it('restores string defaults when their attribute is removed', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice model="x" voice="y" url="ws://a" transcription-model="z"></realtime-voice>`);
    for (const a of ['model', 'voice', 'url', 'transcription-model']) el.removeAttribute(a);
    expect(el.model).to.equal('gpt-realtime');
    expect(el.voice).to.equal('marin');
    expect(el.url).to.equal('wss://api.openai.com/v1/realtime');
    expect(el.transcriptionModel).to.equal('gpt-4o-mini-transcribe');
  });

  it('reflects muted and open, and keeps status read-only', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
    el.muted = true;
    el.open = true;
    await el.updateComplete;
    expect(el.hasAttribute('muted')).to.equal(true);
    expect(el.hasAttribute('open')).to.equal(true);
    el.muted = false;
    await el.updateComplete;
    expect(el.hasAttribute('muted')).to.equal(false);
    el.setAttribute('status', 'speaking');
    expect(el.status).to.equal('idle');
    expect(() => ((el as unknown as { status: string }).status = 'speaking')).to.throw(TypeError);
    expect(el.status).to.equal('idle');
  });

  it('fires no events when the host sets properties or attributes', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
    const fired: string[] = [];
    for (const t of ['rv-status', 'rv-connected', 'rv-disconnected', 'rv-transcript', 'rv-tool-call', 'rv-interrupted', 'rv-error', 'rv-server-event']) {
      el.addEventListener(t, () => fired.push(t));
    }
    Object.assign(el, { muted: true, open: true, language: 'fr', transcript: true, textInput: true, model: 'x', tools: [{ name: 't' }] });
    el.setAttribute('push-to-talk', '');
    el.setAttribute('variant', 'inline');
    await el.updateComplete;
    el.open = false;
    await el.updateComplete;
    expect(fired).to.deep.equal([]);
  });

  describe('i18n', () => {
    const label = async (attrs: string, strings?: object) => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
      if (attrs) el.setAttribute('language', attrs);
      if (strings) el.strings = strings;
      await el.updateComplete;
      return part(el, 'launcher')!.textContent!.trim();
    };

    it('picks the table for language, by primary subtag and case-insensitively', async () => {
      expect(await label('de')).to.equal('Sprechen Sie mit uns');
      expect(await label('FR-ca')).to.equal('Parlez-nous');
      // es was dropped for the bundle budget (en + de + fr: the issue asks for two more than English).
      expect(await label('es-MX')).to.equal('Talk to us');
      expect(await label('en-GB')).to.equal('Talk to us');
    });

    it('falls back to navigator.language, then English', async () => {
      const nav = navigator.language.split('-')[0]!.toLowerCase();
      const expected = { de: 'Sprechen Sie mit uns', fr: 'Parlez-nous' }[nav] ?? 'Talk to us';
      expect(await label('')).to.equal(expected);
      expect(await label('ja')).to.equal(expected);
    });

    it('sets lang on the UI to the language it shows', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice language="fr-CA"></realtime-voice>`);
      expect(el.shadowRoot!.querySelector('[lang]')!.getAttribute('lang')).to.equal('fr');
    });

    it('applies a partial strings override on top of the language, ignoring non-strings', async () => {
      expect(await label('de', { label: 'Hilfe' })).to.equal('Hilfe');
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice language="de" variant="inline"></realtime-voice>`);
      el.strings = { start: 'Los', close: 42 as unknown as string };
      await el.updateComplete;
      expect(part(el, 'start-button')!.textContent!.trim()).to.equal('Los');
      expect(part(el, 'status')!.textContent).to.equal('Bereit');
    });

    it('lets label win over the strings table', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice language="fr" label="Soporte"></realtime-voice>`);
      expect(part(el, 'launcher')!.textContent!.trim()).to.equal('Soporte');
    });
  });

  describe('layout and styling', () => {
    it('places the floating launcher in each corner', async () => {
      for (const position of ['bottom-right', 'bottom-left', 'top-right', 'top-left'] as const) {
        const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice position=${position}></realtime-voice>`);
        const r = part(el, 'launcher')!.getBoundingClientRect();
        const [v, h] = position.split('-');
        const near = (a: number, b: number) => Math.abs(a - b) <= 21;
        expect(v === 'top' ? near(r.top, 0) : near(r.bottom, innerHeight), `${position} vertical`).to.equal(true);
        expect(h === 'left' ? near(r.left, 0) : near(r.right, innerWidth), `${position} horizontal`).to.equal(true);
      }
    });

    it('opens the floating panel from the open property without starting a call', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice transcript text-input></realtime-voice>`);
      expect(part(el, 'panel')).to.equal(null);
      el.open = true;
      await el.updateComplete;
      const panel = part(el, 'panel')!;
      expect(panel.getAttribute('role')).to.equal('dialog');
      expect(part(el, 'launcher')!.getAttribute('aria-expanded')).to.equal('true');
      expect(part(el, 'launcher')!.getAttribute('aria-controls')).to.equal(panel.id);
      expect(el.status).to.equal('idle');
      await expect(el).to.be.accessible();
    });

    it('renders the inline variant in the flow, without a launcher', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" transcript text-input></realtime-voice>`);
      expect(part(el, 'launcher')).to.equal(null);
      const panel = part(el, 'panel')!;
      expect(panel.getAttribute('role')).to.equal('region');
      expect(getComputedStyle(panel.parentElement!).position).to.equal('static');
      expect(part(el, 'close-button')).to.equal(null);
      expect(part(el, 'start-button')).to.not.equal(null);
      await expect(el).to.be.accessible();
    });

    it('exposes the documented parts', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice transcript text-input open></realtime-voice>`);
      expect(parts(el)).to.include.members(['launcher', 'panel', 'header', 'level', 'status', 'close-button', 'transcript', 'form', 'input', 'send-button', 'controls', 'start-button']);
    });

    it('maps public custom properties onto the UI', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice
        open
        style="--realtime-voice-accent: rgb(1, 2, 3); --realtime-voice-accent-foreground: rgb(4, 5, 6); --realtime-voice-background: rgb(7, 8, 9); --realtime-voice-radius: 3px; --realtime-voice-z-index: 7; --realtime-voice-offset: 40px; --realtime-voice-font: monospace"
      ></realtime-voice>`);
      const launcher = getComputedStyle(part(el, 'launcher')!);
      expect(launcher.backgroundColor).to.equal('rgb(1, 2, 3)');
      expect(launcher.color).to.equal('rgb(4, 5, 6)');
      expect(launcher.fontFamily).to.equal('monospace');
      const panel = getComputedStyle(part(el, 'panel')!);
      expect(panel.backgroundColor).to.equal('rgb(7, 8, 9)');
      expect(panel.borderTopLeftRadius).to.equal('3px');
      const wrap = getComputedStyle(part(el, 'panel')!.parentElement!);
      expect(wrap.zIndex).to.equal('7');
      expect(wrap.bottom).to.equal('40px');
    });

    it('follows prefers-color-scheme, and host overrides win in both schemes', async () => {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice open></realtime-voice>`);
      const bg = () => getComputedStyle(part(el, 'panel')!).backgroundColor;
      try {
        await emulateMedia({ colorScheme: 'light' });
        expect(bg()).to.equal('rgb(255, 255, 255)');
        await emulateMedia({ colorScheme: 'dark' });
        expect(bg()).to.equal('rgb(28, 30, 33)');
        await expect(el).to.be.accessible();
        el.style.setProperty('--realtime-voice-background', 'rgb(1, 1, 1)');
        expect(bg()).to.equal('rgb(1, 1, 1)');
      } finally {
        await emulateMedia({ colorScheme: 'light' });
      }
    });

    it('keeps two instances independent', async () => {
      const root = await fixture<HTMLElement>(html`<div>
        <realtime-voice language="de" position="top-left"></realtime-voice>
        <realtime-voice language="fr" variant="inline"></realtime-voice>
      </div>`);
      const [a, b] = [...root.querySelectorAll('realtime-voice')] as RealtimeVoiceElement[];
      a!.open = true;
      a!.muted = true;
      await a!.updateComplete;
      await nextFrame();
      expect(b!.open).to.equal(false);
      expect(b!.muted).to.equal(false);
      expect(part(a!, 'launcher')!.textContent!.trim()).to.equal('Sprechen Sie mit uns');
      expect(part(b!, 'start-button')!.textContent!.trim()).to.equal('Démarrer');
      expect(a!.shadowRoot!.getElementById('panel')).to.not.equal(null);
    });
  });
});
