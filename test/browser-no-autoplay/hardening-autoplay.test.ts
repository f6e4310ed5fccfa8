// Issue 7 (3): Chromium without the autoplay flag, a strict browser's rule emulated
// (strict-autoplay.ts), the call started outside a user gesture. The AudioContext stays suspended: `audio_blocked` is reported (not fatal) with a tap target, the
// call itself connects and a spoken (audio) reply still arrives as text, the status never
// going wrong (it stays `speaking` while its audio waits); a real click on the tap target resumes
// audio, the reply plays out and the status returns to `listening`.
import { fixture, html, expect, waitUntil } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import '../../src/index.js';
import type { RealtimeVoiceElement } from '../../src/index.js';
import { strictAutoplay } from '../browser-support/strict-autoplay.js';
import { captureGlobals, fastScenario, hard, statusRecorder, tokenRecorder, hardeningSuite } from '../browser/hardening-helpers.js';

describe('hardening: autoplay blocked', function () {
  this.timeout(60_000);
  const env = hardeningSuite(resetMouse);

  it('reports audio_blocked (non-fatal), keeps the call and the transcript going, and resumes on a tap', async () => {
    await fastScenario();
    const restore = strictAutoplay();
    const captured = captureGlobals();
    try {
      const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" transcript text-input language="en"></realtime-voice>`);
      Object.assign(el, { url: env.url, getToken: tokenRecorder().getToken, muted: true });
      const status = statusRecorder(el);
      const errors: { code: string; fatal: boolean }[] = [];
      el.addEventListener('rv-error', (e) => errors.push(e.detail));
      await el.start(); // not from a gesture
      expect(el.status).to.equal('listening');
      await waitUntil(() => el.shadowRoot!.querySelector('[part=audio-button]'), 'the tap target', { timeout: 10_000 });
      expect(errors.filter((e) => e.code === 'audio_blocked').map((e) => e.fatal)).to.deep.equal([false]);
      // An audio reply while blocked: the transcript arrives, the status settles.
      el.sendText('What are your opening hours?');
      await waitUntil(() => el.conversation.some((i) => i.role === 'assistant' && i.status === 'completed' && /8 AM/.test(i.text)), 'reply transcript', { timeout: 15_000 });
      // While blocked, the reply's audio waits in the player: the status says `speaking` (audio
      // is pending) — or `listening` if nothing is queued — never `thinking` or an error.
      await waitUntil(() => el.status === 'speaking' || el.status === 'listening', `status while blocked (${el.status})`, { timeout: 5000 });
      const whileBlocked = el.status;
      const tap = el.shadowRoot!.querySelector<HTMLButtonElement>('[part=audio-button]')!;
      const r = tap.getBoundingClientRect();
      await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
      await waitUntil(() => !el.shadowRoot!.querySelector('[part=audio-button]'), 'resumed', { timeout: 5000 });
      // Resumed, the pending reply plays out (in real time) and the status settles.
      const t0 = performance.now();
      await waitUntil(() => el.status === 'listening', `settles after the tap (${el.status})`, { timeout: 20_000 });
      const settleMs = Math.round(performance.now() - t0);
      expect(errors.filter((e) => e.fatal)).to.deep.equal([]);
      expect(status.invalid).to.deep.equal([]);
      expect(captured.uncaught).to.deep.equal([]);
      await hard('report', { name: 'no-autoplay', data: { statuses: status.statuses, errors: errors.map((e) => e.code), whileBlocked, settleMsAfterTap: settleMs } });
      el.stop();
    } finally {
      restore();
      captured.restore();
    }
  });
});
