// The WAV-fed fake microphone (test/fixtures/speech-order.wav, espeak speech at 48 kHz, played
// once per capture) captured through the real capture path at 24 kHz must match the source:
// envelope correlation ≥ 0.8 against the WAV decoded here. The envelope is the 20 ms RMS of
// each frame; the best lag is searched.
//
// Two captures: with the production constraints (echo cancellation, noise suppression and auto
// gain on), whose AGC compresses the dynamics — so the envelope is compared in dB, as loudness is
// heard (linear r ≈ 0.83, dB r ≈ 0.98 here) — and with the browser's processing off, which
// isolates our resampler and framing: linear r ≈ 0.99 and the same level as the file (±1 dB).
import { expect } from '@open-wc/testing';
import { AudioEngine } from '../../src/audio/audio-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pearson(a: ArrayLike<number>, b: ArrayLike<number>, n: number, offA: number, offB: number): number {
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a[offA + i]!; sb += b[offB + i]!; }
  const ma = sa / n, mb = sb / n;
  let num = 0, da = 0, dbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[offA + i]! - ma, y = b[offB + i]! - mb;
    num += x * y; da += x * x; dbb += y * y;
  }
  return da > 0 && dbb > 0 ? num / Math.sqrt(da * dbb) : 0;
}

/** Best correlation of `captured` against `reference` over lags (frames into the reference). */
function bestCorrelation(reference: number[], captured: number[]): { r: number; lag: number; n: number } {
  let best = { r: -1, lag: 0, n: 0 };
  for (let lag = -25; lag <= 150; lag++) {
    const offRef = Math.max(0, lag);
    const offCap = Math.max(0, -lag);
    const n = Math.min(reference.length - offRef, captured.length - offCap);
    if (n < 100) continue;
    const r = pearson(reference, captured, n, offRef, offCap);
    if (r > best.r) best = { r, lag, n };
  }
  return best;
}

async function referenceEnvelope(): Promise<number[]> {
  const bytes = await (await fetch('/test/fixtures/speech-order.wav')).arrayBuffer();
  const decoder = new OfflineAudioContext(1, 1, 24000);
  const audio = await decoder.decodeAudioData(bytes); // resampled to 24 kHz by the browser
  const x = audio.getChannelData(0);
  const env: number[] = [];
  for (let f = 0; f + 480 <= x.length; f += 480) {
    let s = 0;
    for (let i = f; i < f + 480; i++) s += x[i]! * x[i]!;
    env.push(Math.sqrt(s / 480));
  }
  return env;
}

const dB = (env: number[]) => env.map((v) => Math.max(-60, 20 * Math.log10(v + 1e-9)));

async function captureEnvelope(seconds: number, processing: boolean): Promise<{ env: number[]; rate: number }> {
  // The envelope in 20 ms windows, as the reference's (frames are 20–24 ms: cut at block ends).
  const env: number[] = [];
  let sum = 0;
  let n = 0;
  const media = navigator.mediaDevices;
  const gum = media.getUserMedia;
  // The browser's processing off: the engine's microphone request, with these constraints instead.
  if (!processing) media.getUserMedia = () => gum.call(media, { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const engine = new AudioEngine(
    { muted: false },
    {
      frame: (pcm) => {
        for (const v of new Int16Array(pcm)) {
          sum += (v / 32768) ** 2;
          if (++n === 480) {
            env.push(Math.sqrt(sum / 480));
            sum = n = 0;
          }
        }
      },
      level: () => {},
      playback: () => {},
      blocked: () => {},
      error: () => {},
    },
  );
  try {
    await engine.start();
  } finally {
    media.getUserMedia = gum;
  }
  const rate = engine.context.sampleRate;
  await sleep(seconds * 1000);
  await engine.close();
  return { env, rate };
}

/** Captures (retrying once: CPU load can cost quanta; the file replays with each capture). */
async function bestOf(processing: boolean, score: (env: number[]) => { r: number; lag: number; n: number }) {
  const attempts: { r: number; lag: number; n: number; frames: number; rate: number; env: number[] }[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const { env, rate } = await captureEnvelope(4, processing);
    attempts.push({ ...score(env), frames: env.length, rate, env });
    if (attempts[attempts.length - 1]!.r >= 0.8) break;
  }
  return attempts;
}

describe('speech through the capture path', function () {
  this.timeout(40000);
  let reference: number[];

  before(async () => {
    reference = await referenceEnvelope();
  });

  it('with echo cancellation, noise suppression and AGC on: dB-envelope correlation ≥ 0.8', async () => {
    expect(reference.length).to.be.above(300); // ~6.7 s
    const attempts = await bestOf(true, (env) => bestCorrelation(dB(reference), dB(env)));
    console.log(`speech capture (processing on): ${JSON.stringify(attempts.map((a) => ({ r: +a.r.toFixed(3), lagMs: a.lag * 20, frames: a.frames, contextRate: a.rate })))}`);
    const last = attempts[attempts.length - 1]!;
    expect(last.frames).to.be.within(185, 205);
    expect(last.r).to.be.at.least(0.8);
  });

  it('with the browser processing off: envelope correlation ≥ 0.8 and the level of the file ±1 dB', async () => {
    const attempts = await bestOf(false, (env) => bestCorrelation(reference, env));
    console.log(`speech capture (processing off): ${JSON.stringify(attempts.map((a) => ({ r: +a.r.toFixed(3), lagMs: a.lag * 20, frames: a.frames, contextRate: a.rate })))}`);
    const last = attempts[attempts.length - 1]!;
    expect(last.r).to.be.at.least(0.8);
    // Level: energy over the aligned frames.
    const offRef = Math.max(0, last.lag);
    const offCap = Math.max(0, -last.lag);
    let eRef = 0;
    let eCap = 0;
    for (let i = 0; i < last.n; i++) {
      eRef += reference[offRef + i]! ** 2;
      eCap += last.env[offCap + i]! ** 2;
    }
    expect(Math.abs(10 * Math.log10(eCap / eRef))).to.be.below(1);
  });
});
