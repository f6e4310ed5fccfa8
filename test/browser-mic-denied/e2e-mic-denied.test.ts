// Acceptance (issue 5): a microphone exists (Chromium's fake device) but the permission request
// is refused (no fake permission UI in this group: NotAllowedError), so starting a call is
// `mic_permission_denied` — provoked for real, against the local Realtime server.
import { expect } from '@open-wc/testing';
import { resolveStrings } from '../../src/i18n.js';
import { click, e2eHooks, instrument, mount, part, waitFor, waitForServer } from '../browser-support/e2e.js';

describe('e2e: microphone permission refused', function () {
  this.timeout(30000);

  e2eHooks('e2e-mic-denied');

  it('mic_permission_denied: a fatal, localised, accessible error; nothing left open; retry fails the same way', async () => {
    const devices = await navigator.mediaDevices.enumerateDevices();
    expect(devices.some((d) => d.kind === 'audioinput'), 'a microphone exists').to.equal(true);
    const probe = instrument();
    const { el, log } = await mount({ attrs: { language: 'de', 'text-input': false }, props: { muted: false } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'error', 'status error');
    const errors = log.details<{ code: string; fatal: boolean }>('rv-error');
    expect(errors.map((e) => [e.code, e.fatal])).to.deep.equal([['mic_permission_denied', true]]);
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.contain(resolveStrings('de').denied);
    expect(part(el, 'retry-button')!.textContent!.trim()).to.equal(resolveStrings('de').retry);
    await expect(el).to.be.accessible();
    await waitFor(() => probe.contexts.length > 0 && probe.contexts.every((c) => c.state === 'closed'), 'audio context closed');
    expect(probe.streams).to.deep.equal([]);
    await waitForServer((all) => all.every((s) => !s.open), 'no server session left open');
    await waitFor(() => probe.sockets.every((s) => s.readyState === WebSocket.CLOSED), 'sockets closed');
    click(el, 'retry-button');
    await waitFor(() => log.errors.length === 2, 'the retry failed too');
    expect(log.errors).to.deep.equal(['mic_permission_denied', 'mic_permission_denied']);
    await waitForServer((all) => all.every((s) => !s.open), 'no server session left open after the retry');
  });
});
