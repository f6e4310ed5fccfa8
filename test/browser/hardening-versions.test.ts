// Issue 7 (4): two versions of the widget on one page. A host that upgrades one embed and not
// another (or a tag manager that injects an older copy) loads the built ES bundle and a second
// build with another VERSION (served by the hardening plugin), then the classic-script build of
// that second version: nothing throws, the first definition wins, each later copy warns once
// naming both versions, and the winning element still holds a conversation with the server.
// Runs the *built* bundles (`npm run build` first, as `npm test` does); must not import src/index.
import { expect, waitUntil } from '@open-wc/testing';
import { captureGlobals, fastScenario, sim, tokenRecorder, hardeningSuite } from './hardening-helpers.js';

type Widget = HTMLElement & { start(): Promise<void>; sendText(t: string): void; stop(): void; status: string; conversation: { role: string; text: string; status: string }[] };

function classicScript(src: string) {
  return new Promise<void>((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`${src} did not load: run \`npm run build\` first`));
    document.head.append(s);
  });
}

describe('hardening: two versions on one page', function () {
  this.timeout(60_000);
  const env = hardeningSuite();

  it('the first version defines the tag, later copies step aside with one warning each, and the widget works', async () => {
    expect(customElements.get('realtime-voice')).to.equal(undefined);
    const captured = captureGlobals();
    let v1!: { RealtimeVoiceElement: CustomElementConstructor & { version: string }; VERSION: string };
    let v2!: { RealtimeVoiceElement: CustomElementConstructor & { version: string }; VERSION: string };
    try {
      v1 = await import(new URL('../../dist/realtime-voice.js', import.meta.url).href);
      v2 = await import(new URL('/__rv/hardening/v2/realtime-voice.js', location.href).href);
      await classicScript(new URL('/__rv/hardening/v2/realtime-voice.iife.js', location.href).href);
      // The same first version loaded again (another embed of the same tag).
      await import(new URL('../../dist/realtime-voice.js?again', import.meta.url).href);
    } finally {
      captured.restore();
    }
    expect(captured.uncaught).to.deep.equal([]);
    expect(v1.VERSION).to.equal(env.version);
    expect(v2.VERSION).to.equal(env.secondVersion);
    expect(customElements.get('realtime-voice')).to.equal(v1.RealtimeVoiceElement);
    const warnings = captured.consoleLines.filter((l) => l.level === 'warn').map((l) => l.text);
    expect(warnings, warnings.join('\n')).to.have.length(3);
    expect(warnings[0]).to.contain(`version ${env.version}`).and.contain(env.secondVersion);
    expect(warnings[1]).to.contain(`version ${env.version}`).and.contain(env.secondVersion);
    expect(warnings[2]).to.contain('steps aside');
    expect(captured.consoleLines.filter((l) => l.level === 'error')).to.deep.equal([]);

    // The winning definition holds a conversation.
    await fastScenario();
    const el = document.createElement('realtime-voice') as Widget;
    el.setAttribute('variant', 'inline');
    Object.assign(el, { url: env.url, getToken: tokenRecorder().getToken, muted: true, session: { output_modalities: ['text'] } });
    document.body.append(el);
    await el.start();
    expect(el.status).to.equal('listening');
    el.sendText('What are your opening hours?');
    await waitUntil(() => el.conversation.some((i) => i.role === 'assistant' && i.status === 'completed' && /8 AM/.test(i.text)), 'answered', { timeout: 10_000 });
    el.remove();
    await sim('reset');
  });
});
