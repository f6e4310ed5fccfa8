// Acceptance (issue 5): Chromium without the autoplay flag, with a strict browser's rule emulated
// (strict-autoplay.ts: Chromium itself unblocks a context once the mic is granted). A call started
// outside a user gesture connects, but its AudioContext stays suspended: `audio_blocked` (not fatal), a "tap to
// enable audio" button, and nothing rendered; a real click (a trusted gesture) on the button
// resumes audio and the greeting that was waiting is heard — checked with a tap on the player.
import { expect } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import { resolveStrings } from '../../src/i18n.js';
import { strictAutoplay } from '../browser-support/strict-autoplay.js';
import { e2eHooks, instrument, mount, part, sleep, tapNonZeroMs, waitFor } from '../browser-support/e2e.js';

describe('e2e: autoplay blocked', function () {
  this.timeout(30000);

  let restore = () => {};
  e2eHooks('e2e-audio-blocked', async () => {
    restore();
    await resetMouse();
  });

  it('audio_blocked: the call runs, the greeting waits silently, and a real tap makes it heard', async () => {
    restore = strictAutoplay();
    const probe = instrument();
    const { el, log } = await mount({ attrs: { greeting: 'Welcome to Northwind Outfitters! How can I help you today?' } });
    void el.start(); // not from a gesture
    await waitFor(() => part(el, 'audio-button'), 'the tap target');
    expect(log.details<{ code: string; fatal: boolean }>('rv-error').map((e) => [e.code, e.fatal])).to.deep.equal([['audio_blocked', false]]);
    await waitFor(() => log.of('rv-connected').length === 1, 'connected anyway');
    await waitFor(() => log.serverEvents('response.output_audio.done').length === 1, 'the greeting audio arrived');
    await sleep(300);
    const ctx = probe.contexts[0]!;
    expect(ctx.state).to.equal('suspended');
    const before = await probe.tap();
    expect(before === null || tapNonZeroMs(before) === 0, 'nothing rendered while blocked').to.equal(true);
    expect(el.status).to.not.equal('error');
    const button = part<HTMLButtonElement>(el, 'audio-button')!;
    expect(button.textContent!.trim()).to.equal(resolveStrings('en').audio);
    await expect(el).to.be.accessible();

    const r = button.getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
    await waitFor(() => !part(el, 'audio-button'), 'the tap target goes away', 5000);
    expect(ctx.state).to.equal('running');
    await waitFor(() => el.status === 'speaking', 'the greeting is played now', 5000);
    await sleep(1000);
    const after = (await probe.tap())!;
    expect(tapNonZeroMs(after), 'ms of greeting rendered after the tap').to.be.above(500);
    expect(log.errors).to.deep.equal(['audio_blocked']);
  });

  it("Chromium's own policy: with the microphone granted, a call started without a gesture plays at once", async () => {
    const probe = instrument();
    const { el, log } = await mount({ attrs: { greeting: 'Welcome to Northwind Outfitters! How can I help you today?' } });
    void el.start(); // not from a gesture
    await waitFor(() => log.serverEvents('response.output_audio.done').length === 1, 'the greeting audio arrived');
    await sleep(1000);
    expect(probe.contexts[0]!.state).to.equal('running');
    expect(part(el, 'audio-button'), 'no tap target').to.equal(null);
    expect(log.errors).to.deep.equal([]);
    expect(tapNonZeroMs((await probe.tap())!), 'ms of greeting rendered without a tap').to.be.above(500);
  });
});
