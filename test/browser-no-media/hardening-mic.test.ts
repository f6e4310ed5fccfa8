// Issue 7 (3): the microphone absent or refused. This group's Chromium has no fake devices: with
// the permission granted (through DevTools) there is still no device → `mic_unavailable`; with
// it `denied` Chromium also answers NotFoundError here (no device to refuse), so the refused
// case with a device present runs in the mic-denied group
// (test/browser-mic-denied/hardening-mic-denied.test.ts, same checks). Either is fatal, shown with a retry, and leaves nothing behind: no live track,
// no open AudioContext, no open socket (the connection started alongside the microphone is
// closed), no server session, no pending widget timer; a retry fails the same way, cleanly.
import '../../src/index.js';
import { describeMicFailure } from '../browser/hardening-helpers.js';

describeMicFailure('hardening: no microphone device', [['granted', 'mic_unavailable', 'No microphone was found.']]);
