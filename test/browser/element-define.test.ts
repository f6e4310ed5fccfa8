// Loading the script twice (or two versions) must not throw: the first copy defines the tag, the
// others step aside with one console warning each. This runs the *built* bundles, as a host page
// would load them, so `npm run build` must have run (`npm test` builds before the browser tests).
// It must not import src/: this page starts with no <realtime-voice> defined.
import { expect } from '@open-wc/testing';

const bundle = (file: string, query: string) => new URL(`../../dist/${file}?${query}`, import.meta.url).href;

/** Captures console.warn and uncaught errors while `fn` runs. */
async function watch(fn: () => Promise<unknown>) {
  const warnings: string[] = [];
  const errors: unknown[] = [];
  const original = console.warn;
  const onError = (e: ErrorEvent) => errors.push(e.error ?? e.message);
  console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
  window.addEventListener('error', onError);
  try {
    await fn();
  } finally {
    console.warn = original;
    window.removeEventListener('error', onError);
  }
  return { warnings, errors };
}

function classicScript(src: string) {
  return new Promise<void>((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`${src} did not load: run \`npm run build\` first`));
    document.head.append(s);
  });
}

describe('<realtime-voice> loaded twice', () => {
  it('defines the tag once from the first ES module copy; the second warns once and does not throw', async () => {
    expect(customElements.get('realtime-voice')).to.equal(undefined);
    let first!: { RealtimeVoiceElement: CustomElementConstructor; VERSION: string };
    let second!: { RealtimeVoiceElement: CustomElementConstructor };
    const { warnings, errors } = await watch(async () => {
      first = await import(bundle('realtime-voice.js', 'copy=1'));
      second = await import(bundle('realtime-voice.js', 'copy=2'));
    });
    expect(errors).to.deep.equal([]);
    expect(second.RealtimeVoiceElement).to.not.equal(first.RealtimeVoiceElement);
    expect(customElements.get('realtime-voice')).to.equal(first.RealtimeVoiceElement);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('<realtime-voice> is already defined').and.contain(first.VERSION);

    const el = document.createElement('realtime-voice') as HTMLElement & { updateComplete: Promise<unknown> };
    document.body.append(el);
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=launcher]')).to.not.equal(null);
    el.remove();
  });

  it('the classic-script bundle steps aside too, once per copy', async () => {
    const { warnings, errors } = await watch(async () => {
      await classicScript(bundle('realtime-voice.iife.js', 'copy=3'));
      await classicScript(bundle('realtime-voice.iife.js', 'copy=4'));
    });
    expect(errors).to.deep.equal([]);
    expect(warnings).to.have.length(2);
    expect(warnings.every((w) => w.includes('steps aside'))).to.equal(true);
  });
});
