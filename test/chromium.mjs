// Launches Debian's Chromium through playwright-core for Node-driven browser work: the demo
// end-to-end test, the README screenshot and the benchmarks. Same flags as web-test-runner's.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const executablePath =
  process.env.CHROME_PATH ??
  ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** A looping WAV of silence (2 s, 16 kHz): the fake device's own beeps would count as speech. */
function silenceWav() {
  const file = join(tmpdir(), 'rv-silence-16k.wav');
  if (existsSync(file)) return file;
  const rate = 16000;
  const data = Buffer.alloc(rate * 2 * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28); // bytes per second
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  // Written aside and renamed: test files run in parallel processes.
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, Buffer.concat([h, data]));
  renameSync(partial, file);
  return file;
}

/**
 * @param {{fakeMedia?: boolean, autoplay?: boolean, micWav?: string, silentMic?: boolean, args?: string[]}} [options]
 * `micWav` feeds the fake microphone from a WAV once; `silentMic` feeds it silence.
 */
export async function launchChromium(options = {}) {
  const { fakeMedia = true, autoplay = true, micWav, silentMic = false, args = [] } = options;
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
      ...(silentMic ? [`--use-file-for-fake-audio-capture=${silenceWav()}`] : []),
      ...args,
    ],
  });
}
