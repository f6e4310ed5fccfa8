// Issue 7 (3): the microphone refused while a device exists (this group has the fake device but
// no fake permission UI, and DevTools sets the page's microphone permission to `denied`) →
// `mic_permission_denied`: fatal, shown with a retry, everything released, the retry fails the
// same way. The no-device case runs in the no-media group (test/browser-no-media/hardening-mic.test.ts).
import '../../src/index.js';
import { describeMicFailure } from '../browser/hardening-helpers.js';

describeMicFailure('hardening: microphone permission denied', [['denied', 'mic_permission_denied', 'Microphone access was denied.']]);
