// Chromium without the autoplay flag and a strict browser's rule emulated (strict-autoplay.ts): an
// AudioContext started outside a user gesture stays suspended. The element must offer "Tap to enable audio", and a real click on it must resume.
import { fixture, html, expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand, sendMouse, resetMouse } from '@web/test-runner-commands';
import '../../src/index.js';
import { strictAutoplay } from '../browser-support/strict-autoplay.js';
import type { RealtimeVoiceElement, TokenResponse } from '../../src/index.js';

describe('<realtime-voice> when autoplay is blocked', function () {
  this.timeout(30000);
  let restore = () => {};
  afterEach(() => {
    restore();
    return resetMouse();
  });

  it('offers a tap target that resumes audio from the gesture', async () => {
    restore = strictAutoplay();
    const config = (await import(new URL('/__rv/config.js', location.href).href)).default as { url: string | null };
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" language="fr"></realtime-voice>`);
    if (config.url) Object.assign(el, { url: config.url, getToken: () => executeServerCommand<TokenResponse, object>('rv-sim', { op: 'mint' }) });
    const codes: string[] = [];
    el.addEventListener('rv-error', (e) => codes.push(e.detail.code));
    void el.start(); // not from a gesture
    await waitUntil(() => el.shadowRoot!.querySelector('[part=audio-button]'), 'the tap target', { timeout: 10000 });
    expect(codes).to.include('audio_blocked');
    const tap = el.shadowRoot!.querySelector<HTMLButtonElement>('[part=audio-button]')!;
    expect(tap.textContent!.trim()).to.equal('Touchez pour activer le son');
    await expect(el).to.be.accessible();
    const r = tap.getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
    await waitUntil(() => !el.shadowRoot!.querySelector('[part=audio-button]'), 'the tap target goes away', { timeout: 5000 });
    el.stop();
  });
});
