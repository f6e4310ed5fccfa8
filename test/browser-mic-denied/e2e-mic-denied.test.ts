// Acceptance (issue 5): a microphone exists (Chromium's fake device) but the permission request
// is refused (no fake permission UI in this group: NotAllowedError), so starting a call is
// `mic_permission_denied` — provoked for real, against the local Realtime server.
import { expect } from '@open-wc/testing';
import { e2eHooks, expectFatalMicFailure } from '../browser-support/e2e.js';

describe('e2e: microphone permission refused', function () {
  this.timeout(30000);

  e2eHooks('e2e-mic-denied');

  it('mic_permission_denied: a fatal, localised, accessible error; nothing left open; retry fails the same way', async () => {
    const devices = await navigator.mediaDevices.enumerateDevices();
    expect(devices.some((d) => d.kind === 'audioinput'), 'a microphone exists').to.equal(true);
    await expectFatalMicFailure('mic_permission_denied', { language: 'de' });
  });
});
