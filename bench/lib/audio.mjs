// Audio plumbing of the bench, Node side.
import { readFile, writeFile } from 'node:fs/promises';
import { WebSocket } from 'ws';

/**
 * The fake microphone for the capture and main-thread benches: the speech fixture with ±2 LSB of
 * noise, so that no stretch is digital silence (the reference recorder waits for a non-zero
 * sample, and the probe matches quanta by content). Chromium loops the file. Those benches run
 * without turn detection, so its speech never barges in.
 * @param {string} fixture
 * @param {string} out
 * @param {number} [gainDb]
 */
export async function writeMicWav(fixture, out, gainDb = 0) {
  const wav = await readFile(fixture);
  const dataAt = wav.indexOf('data') + 8;
  const n = (wav.length - dataAt) >> 1;
  const gain = 10 ** (gainDb / 20);
  const body = Buffer.alloc(n * 2);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const dither = (seed >>> 16) % 5 - 2;
    const v = Math.round(wav.readInt16LE(dataAt + 2 * i) * gain) + dither;
    body.writeInt16LE(v === 0 ? 1 : Math.max(-32768, Math.min(32767, v)), 2 * i);
  }
  const header = Buffer.from(wav.subarray(0, dataAt));
  header.writeUInt32LE(36 + body.length, 4);
  header.writeUInt32LE(body.length, dataAt - 4);
  await writeFile(out, Buffer.concat([header, body]));
}

/**
 * Makes every agent audio sample the local server sends non-zero (0 → 1, one LSB), so that the
 * tap can count played samples exactly: a zero sample out of a player is silence, a non-zero one
 * is agent audio. Done in this process, on the server's outgoing frames (the server runs here),
 * so it costs the browser nothing. Off by default; `enable(true)` for the latency benches.
 */
export function zeroFreeAgentAudio() {
  let enabled = false;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function patchedSend(data, ...rest) {
    if (enabled && typeof data === 'string' && data.length > 200 && data.slice(0, 120).includes('"response.output_audio.delta"')) {
      const event = JSON.parse(data);
      const bytes = Buffer.from(event.delta, 'base64');
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        if (bytes[i] === 0 && bytes[i + 1] === 0) bytes[i] = 1;
      }
      event.delta = bytes.toString('base64');
      data = JSON.stringify(event);
    }
    return send.call(this, data, ...rest);
  };
  return {
    /** @param {boolean} on */
    enable(on) {
      enabled = on;
    },
    restore() {
      WebSocket.prototype.send = send;
    },
  };
}
