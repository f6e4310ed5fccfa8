// Chromium without the fake-media flags: getUserMedia is refused. Without a text box the element
// must show a localised, accessible error with a retry, end in status `error`, and fire a fatal
// `rv-error` (with one, the call goes on typed: e2e-no-mic.test.ts).
import { fixture, html, expect, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.js';
import type { RealtimeVoiceElement, TokenResponse } from '../../src/index.js';

describe('<realtime-voice> when the microphone is refused', function () {
  this.timeout(30000);

  it('reports mic_permission_denied (or mic_unavailable) and offers a retry', async () => {
    const config = (await import(new URL('/__rv/config.js', location.href).href)).default as { url: string | null };
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice language="de" transcript></realtime-voice>`);
    if (config.url) Object.assign(el, { url: config.url, getToken: () => executeServerCommand<TokenResponse, object>('rv-sim', { op: 'mint' }) });
    const error = oneEvent(el, 'rv-error');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=launcher]')!.click();
    const { detail } = await error;
    expect(detail.code).to.be.oneOf(['mic_permission_denied', 'mic_unavailable']);
    expect(detail.fatal).to.equal(true);
    await waitUntil(() => el.status === 'error', 'status error');
    await el.updateComplete;
    const area = el.shadowRoot!.querySelector<HTMLElement>('[part=error]')!;
    expect(area.getAttribute('role')).to.equal('alert');
    expect(area.textContent).to.contain(detail.code === 'mic_unavailable' ? 'Kein Mikrofon gefunden.' : 'Der Zugriff auf das Mikrofon wurde verweigert.');
    expect(el.shadowRoot!.querySelector('[part=retry-button]')!.textContent!.trim()).to.equal('Erneut versuchen');
    await expect(el).to.be.accessible();
    // Retrying fails the same way, and cleanly.
    const again = oneEvent(el, 'rv-error');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=retry-button]')!.click();
    expect((await again).detail.code).to.equal(detail.code);
    await waitUntil(() => el.status === 'error', 'status error again');
  });
});
