import { fixture, html, expect } from '@open-wc/testing';
import '../../src/index.js';
import type { RealtimeVoiceElement } from '../../src/index.js';

describe('<realtime-voice> basics', () => {
  it('renders an accessible launcher and reflects status idle', async () => {
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice></realtime-voice>`);
    expect(el.getAttribute('status')).to.equal('idle');
    const button = el.shadowRoot!.querySelector('button')!;
    expect(button.textContent).to.equal('Talk to us');
    await expect(el).to.be.accessible();
  });
});
