// Browser tests in Debian's Chromium. Groups exist because Chromium's media flags are per browser:
// `default` has a fake mic (beep) and autoplay; `speech` feeds the mic from a WAV of real speech;
// `no-media` and `no-autoplay` launch without those flags to test the failure paths (no-media has
// no microphone at all: NotFoundError); `mic-denied` has the fake device but no fake permission
// UI, so the permission request is refused (NotAllowedError).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { realtimeServerPlugin } from './test/wtr-plugins.mjs';
import { hardeningPlugin } from './test/wtr-hardening.mjs';
import { summaryReporter } from './test/wtr-reporter.mjs';

const executablePath =
  process.env.CHROME_PATH ??
  ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const baseFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-component-update',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];
const fakeMedia = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];
const autoplay = ['--autoplay-policy=no-user-gesture-required'];
const speechWav = fileURLToPath(new URL('./test/fixtures/speech-order.wav', import.meta.url));

/** @param {string[]} flags */
const chrome = (flags) =>
  chromeLauncher({ launchOptions: { executablePath, headless: true, args: [...baseFlags, ...flags] } });

/** A group runs only when its folder holds test files (wtr refuses a group that matches none). */
const hasTests = (/** @type {string} */ dir) =>
  existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.test.ts'));

export default {
  nodeResolve: true,
  concurrency: 1,
  // One browser (group) at a time: the groups share the local Realtime server, whose faults,
  // scenario and `reset` are global, and real-time audio on 2 cores glitches under a second
  // browser's load.
  concurrentBrowsers: 1,
  testFramework: { config: { timeout: 20000 } },
  browserStartTimeout: 60000,
  testsStartTimeout: 60000,
  testsFinishTimeout: 300000,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }), realtimeServerPlugin(), hardeningPlugin()],
  reporters: [defaultReporter({ reportTestResults: true, reportTestProgress: false }), summaryReporter()],
  groups: [
    { name: 'main', files: 'test/browser/**/*.test.ts', browsers: [chrome([...fakeMedia, ...autoplay])] },
    {
      name: 'speech',
      files: 'test/browser-speech/**/*.test.ts',
      browsers: [chrome([...fakeMedia, ...autoplay, `--use-file-for-fake-audio-capture=${speechWav}%noloop`])],
    },
    { name: 'no-media', files: 'test/browser-no-media/**/*.test.ts', browsers: [chrome([...autoplay])] },
    { name: 'mic-denied', files: 'test/browser-mic-denied/**/*.test.ts', browsers: [chrome(['--use-fake-device-for-media-stream', ...autoplay])] },
    { name: 'no-autoplay', files: 'test/browser-no-autoplay/**/*.test.ts', browsers: [chrome([...fakeMedia])] },
  ]
    .filter((g) => hasTests(g.files.split('/**')[0]))
    // RV_FILES=<glob> narrows a run to matching files (wtr's --files does not narrow groups).
    .flatMap((g) => {
      const only = process.env.RV_FILES;
      if (!only) return [g];
      return only.startsWith(`${g.files.split('/**')[0]}/`) ? [{ ...g, files: only }] : [];
    }),
};
