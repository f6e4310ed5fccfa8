// The agent's voice (real espeak-ng speech when installed, the generated voice otherwise) as it
// arrives over the socket, and the `realtime-voice-server` command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableEngine } from '../../server/simulator/index.js';
import { API_KEY, Client, postClientSecret, startServer } from './helpers.js';

/**
 * The audio of one response, as PCM samples, and when its first delta arrived.
 * @param {Client} client
 * @param {Record<string, any>} [response]
 */
async function speak(client, response = {}) {
  const mark = client.mark();
  const sent = performance.now();
  client.send({ type: 'response.create', response });
  const first = await client.waitFor('response.output_audio.delta', { after: mark, timeout: 15000 });
  const firstAt = performance.now() - sent;
  const events = await client.untilResponseDone(mark, 15000);
  const bytes = Buffer.concat(events.filter((e) => e.type === 'response.output_audio.delta').map((e) => Buffer.from(e.delta, 'base64')));
  const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  assert.ok(first);
  return { pcm, firstAt, transcript: events.find((e) => e.type === 'response.output_audio_transcript.done')?.transcript };
}

/**
 * Share of 20 ms frames that are near-silent, and the mean zero-crossing rate of the others:
 * speech has pauses between words and a voice-like crossing rate, a test tone has neither.
 * @param {Int16Array} pcm
 */
function profile(pcm) {
  let quiet = 0;
  let frames = 0;
  let crossings = 0;
  let loud = 0;
  for (let i = 0; i + 480 <= pcm.length; i += 480) {
    frames++;
    let sum = 0;
    let zc = 0;
    for (let j = i; j < i + 480; j++) {
      const v = /** @type {number} */ (pcm[j]);
      sum += v * v;
      if (j > i && (v >= 0) !== (/** @type {number} */ (pcm[j - 1]) >= 0)) zc++;
    }
    const db = 10 * Math.log10(sum / 480 / 32768 ** 2 + 1e-12);
    if (db < -45) quiet++;
    else {
      loud++;
      crossings += zc;
    }
  }
  return { quietShare: quiet / frames, crossingsPer20ms: crossings / Math.max(1, loud), seconds: pcm.length / 24000 };
}

test('with espeak-ng installed the agent speaks real speech at 24 kHz, per voice, with phrases cached', async () => {
  assert.equal(await availableEngine(), 'espeak-ng', 'espeak-ng is a devDependency here');
  const server = await startServer({ voiceEngine: 'espeak' });
  const client = await Client.connect(server.url);
  const greeting = 'Hello, this is Northwind Outfitters. How can I help?';
  const first = await speak(client, { instructions: `Say: "${greeting}"` });
  assert.equal(first.transcript, greeting);
  const p = profile(first.pcm);
  assert.ok(p.seconds > 2 && p.seconds < 6, `${p.seconds.toFixed(2)} s of speech`);
  assert.ok(p.quietShare > 0.03 && p.quietShare < 0.6, `pauses between words: ${(p.quietShare * 100).toFixed(0)}% quiet frames`);
  assert.ok(p.crossingsPer20ms > 5 && p.crossingsPer20ms < 200, `voice-like zero crossings ${p.crossingsPer20ms.toFixed(1)}/20 ms`);
  const again = await speak(client, { instructions: `Say: "${greeting}"` });
  assert.deepEqual(again.pcm, first.pcm, 'the same phrase renders the same audio');
  assert.ok(again.firstAt < first.firstAt, `cached: first audio after ${again.firstAt.toFixed(0)} ms vs ${first.firstAt.toFixed(0)} ms`);
  const other = await speak(client, { instructions: `Say: "${greeting}"`, audio: { output: { voice: 'cedar' } } });
  assert.notDeepEqual(other.pcm, first.pcm, 'another voice sounds different');
  await client.close();
  await server.close();
});

test('the generated fallback voice is speech-shaped too: syllables, pauses, a voice-range pitch', async () => {
  const server = await startServer({ voiceEngine: 'synthetic' });
  const client = await Client.connect(server.url);
  const { pcm } = await speak(client, { instructions: 'Say: "Your order has shipped, and it should arrive on Friday. Anything else?"' });
  const p = profile(pcm);
  assert.ok(p.seconds > 2 && p.seconds < 8, `${p.seconds.toFixed(2)} s`);
  assert.ok(p.quietShare > 0.03, 'pauses between words');
  assert.ok(p.crossingsPer20ms > 4 && p.crossingsPer20ms < 120);
  await client.close();
  await server.close();
});

test('realtime-voice-server prints its URLs, API key and a development secret, serves them, and stops on Ctrl-C', async () => {
  const cli = fileURLToPath(new URL('../../server/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--port', '0', '--voice', 'synthetic', '--api-key', API_KEY, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    for (let i = 0; i < 100 && !out.includes('Ctrl-C stops it.'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const url = /WebSocket\s+(ws:\/\/\S+)/.exec(out)?.[1];
    const httpUrl = /REST\s+(http:\/\/\S+)/.exec(out)?.[1];
    const secret = /Dev secret\s+(ek_\S+)/.exec(out)?.[1];
    assert.ok(url && httpUrl && secret, out);
    assert.match(out, new RegExp(`API key\\s+${API_KEY}`));
    const client = await Client.connect(url, { key: secret });
    assert.equal(client.events[0].type, 'session.created');
    assert.equal((await postClientSecret({ httpUrl })).status, 200);
    child.kill('SIGINT');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.equal((await client.closed).code, 1001, 'sessions are closed as "going away"');
    await client.close();
  } finally {
    child.kill('SIGKILL');
  }
});
