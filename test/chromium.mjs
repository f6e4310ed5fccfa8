// Launches Debian's Chromium through playwright-core for Node-driven browser work: the demo
// end-to-end test, the README screenshot and the benchmarks. Same flags as web-test-runner's.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const executablePath =
  process.env.CHROME_PATH ??
  ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/**
 * @param {{fakeMedia?: boolean, autoplay?: boolean, micWav?: string, args?: string[]}} [options]
 */
export async function launchChromium(options = {}) {
  const { fakeMedia = true, autoplay = true, micWav, args = [] } = options;
  if (!executablePath) throw new Error('Chromium not found: apt-get install -y chromium, or set CHROME_PATH');
  return chromium.launch({
    executablePath,
    headless: true,
    // Playwright mutes audio by default; our tests listen to what the player renders.
    ignoreDefaultArgs: ['--mute-audio'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-component-update',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
      ...(fakeMedia ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] : []),
      ...(autoplay ? ['--autoplay-policy=no-user-gesture-required'] : []),
      ...(micWav ? [`--use-file-for-fake-audio-capture=${micWav}%noloop`] : []),
      ...args,
    ],
  });
}
