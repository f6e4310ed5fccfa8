// Pure-function DSP tests (no audio graph): PCM16 conversion, fades, the resampler's frequency
// response from every supported input rate (and its circular history), the capture framer, the
// player core, and the microphone error mapping.
import { expect } from '@open-wc/testing';
import { floatToInt16Sample } from '../../src/audio/pcm.js';
import { Resampler, bandEdges } from '../../src/audio/resampler.js';
import { CaptureFramer } from '../../src/audio/capture-framer.js';
import { FADE, FADE_THRESHOLD, PlayerCore, fadeIn, type Item } from '../../src/audio/player-core.js';
import { AudioError } from '../../src/audio/errors.js';
import { requestMicrophone } from '../../src/audio/audio-engine.js';

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const db = (x: number) => 20 * Math.log10(Math.max(x, 1e-12));
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** Runs `x[from..to)` through `r` (push mode, as the capture worklet does); appends to `out`. */
function feed(r: Resampler, x: Float32Array, out: number[], from = 0, to = x.length): void {
  for (let i = from; i < to; i++) {
    r.push(x[i]!);
    while (r.ready) out.push(r.pull());
  }
}

describe('pcm16 conversion', () => {
  it('maps full scale symmetrically and clips out-of-range input', () => {
    expect(floatToInt16Sample(1)).to.equal(32767);
    expect(floatToInt16Sample(-1)).to.equal(-32768);
    expect(floatToInt16Sample(1.5)).to.equal(32767);
    expect(floatToInt16Sample(-7)).to.equal(-32768);
    expect(floatToInt16Sample(Infinity)).to.equal(32767);
    expect(floatToInt16Sample(-Infinity)).to.equal(-32768);
    expect(floatToInt16Sample(NaN)).to.equal(0);
    expect(floatToInt16Sample(0)).to.equal(0);
  });

  it('rounds to nearest, halves away from zero, odd-symmetric', () => {
    const lsb = 1 / 32768;
    expect(floatToInt16Sample(0.5 * lsb)).to.equal(1);
    expect(floatToInt16Sample(-0.5 * lsb)).to.equal(-1);
    expect(floatToInt16Sample(0.49 * lsb)).to.equal(0);
    expect(Object.is(floatToInt16Sample(-0.49 * lsb), 0)).to.equal(true);
    expect(floatToInt16Sample(1.5 * lsb)).to.equal(2);
    expect(floatToInt16Sample(-1.5 * lsb)).to.equal(-2);
    expect(floatToInt16Sample(1000.4999 * lsb)).to.equal(1000);
    const rand = prng(1);
    for (let i = 0; i < 20000; i++) {
      const x = (rand() * 2 - 1) * 0.9999;
      expect(floatToInt16Sample(-x)).to.equal(-floatToInt16Sample(x) || 0);
      expect(Math.abs(floatToInt16Sample(x) - x * 32768)).to.be.at.most(0.5);
    }
  });

  it('round-trips every Int16 value exactly (÷ 32768 in the player) on a little-endian platform', () => {
    for (let v = -32768; v < 32768; v++) {
      const f = Math.fround(v / 32768); // what a Float32Array holds
      if (floatToInt16Sample(f) !== v) throw new Error(`round trip of ${v} gave ${floatToInt16Sample(f)}`);
    }
    // The wire is little-endian: so are the frames' Int16Arrays.
    expect([...new Uint8Array(new Int16Array([1, -2, 0x1234]).buffer)]).to.deep.equal([1, 0, 0xfe, 0xff, 0x34, 0x12]);
  });
});

describe('fades', () => {
  it('are raised-cosine, monotonic, FADE samples (4 ms at 24 kHz, ≤ 5 ms) long', () => {
    expect(FADE).to.equal(96);
    expect((FADE / 24000) * 1000).to.be.at.most(5);
    for (let k = 0; k < FADE; k++) {
      expect(fadeIn(k)).to.be.above(0).and.below(1);
      if (k > 0) expect(fadeIn(k)).to.be.above(fadeIn(k - 1));
      expect(fadeIn(k) + fadeIn(FADE - 1 - k)).to.be.closeTo(1, 1e-12); // fade-out = mirror image
      expect(fadeIn(k)).to.be.closeTo(Math.sin((Math.PI / 2) * ((k + 0.5) / FADE)) ** 2, 1e-12);
    }
    // Smooth start: the first step is tiny (no click of its own).
    expect(fadeIn(0)).to.be.below(0.001);
  });
});

/** Measures a tone through a resampler to 24 kHz fed in random-sized blocks. */
function toneResponse(fin: number, freq: number, seconds = 0.25, seed = 3) {
  const r = new Resampler(fin, 24000);
  const n = Math.round(fin * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * freq * i) / fin);
  const y: number[] = [];
  const rand = prng(seed);
  for (let i = 0; i < n; ) {
    const b = Math.min(n - i, 1 + Math.floor(rand() * 300));
    feed(r, x, y, i, i + b);
    i += b;
  }
  // Skip the filter's start-up transient.
  const skip = Math.ceil(r.taps / (r.phases > 1 ? 1 : 2)) + 48;
  const ys = y.slice(skip, y.length - 8);
  const w = (2 * Math.PI * freq) / 24000;
  // Least-squares fit of a·cos + b·sin at the tone's frequency.
  let cc = 0, ss = 0, cs = 0, yc = 0, yss = 0, total = 0;
  for (let i = 0; i < ys.length; i++) {
    const c = Math.cos(w * (i + skip));
    const s = Math.sin(w * (i + skip));
    cc += c * c; ss += s * s; cs += c * s; yc += ys[i]! * c; yss += ys[i]! * s; total += ys[i]! * ys[i]!;
  }
  const det = cc * ss - cs * cs;
  const a = (yc * ss - yss * cs) / det;
  const b = (yss * cc - yc * cs) / det;
  let res = 0;
  for (let i = 0; i < ys.length; i++) {
    const e = ys[i]! - a * Math.cos(w * (i + skip)) - b * Math.sin(w * (i + skip));
    res += e * e;
  }
  const inRms = Math.SQRT1_2;
  return {
    gainDb: db(Math.hypot(a, b)),
    residualDb: db(Math.sqrt(res / ys.length) / inRms),
    totalDb: db(Math.sqrt(total / ys.length) / inRms),
    produced: y.length,
  };
}

describe('resampler to 24 kHz', () => {
  const RATES = [16000, 22050, 44100, 48000, 96000];
  for (const fin of RATES) {
    it(`from ${fin} Hz: passband ±1 dB to 9 kHz (input permitting), ≥ 50 dB rejection, streaming-exact`, () => {
      const { passHz } = bandEdges(fin, 24000);
      const passTones = [50, 440, 1000, 2500, 4000, 6000, 7000, 8000, 9000].filter((f) => f <= Math.min(9000, passHz));
      if (fin >= 22050) expect(passHz).to.be.at.least(9000);
      for (const f of passTones) {
        const m = toneResponse(fin, f);
        expect(Math.abs(m.gainDb), `${f} Hz gain ${m.gainDb.toFixed(3)} dB`).to.be.at.most(1);
        // Nothing else comes out: no aliases (decimation) and no images (interpolation).
        expect(m.residualDb, `${f} Hz alias/image residual ${m.residualDb.toFixed(1)} dB`).to.be.at.most(-50);
      }
      // Every tone at or above 12.5 kHz the input can carry is ≥ 50 dB down, wherever it aliases.
      const stopTones = [12500, 13000, 14000, 16000, 18000, 20000, 22000, 24000, 30000, 36000, 44000, 47500].filter((f) => f < fin / 2);
      if (fin > 24000) expect(stopTones.length).to.be.at.least(6);
      for (const f of stopTones) {
        const m = toneResponse(fin, f);
        expect(m.totalDb, `${f} Hz leaks ${m.totalDb.toFixed(1)} dB`).to.be.at.most(-50);
      }
      // Output count matches the ratio.
      expect(Math.abs(toneResponse(fin, 1000, 0.5).produced - 12000)).to.be.at.most(2);
    });
  }

  it('its circular history wraps losslessly: identical output for any block partition', () => {
    for (const fin of [44100, 16000]) {
      const x = new Float32Array(5000).map((_, i) => Math.sin(i * 0.37) * 0.5 + Math.sin(i * 0.011) * 0.3);
      const a: number[] = [];
      feed(new Resampler(fin, 24000), x, a);
      const parts = new Resampler(fin, 24000);
      const b: number[] = [];
      for (let i = 0; i < x.length; i += 128) feed(parts, x, b, i, Math.min(x.length, i + 128));
      expect(b.length).to.equal(a.length);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`differs at ${i}`);
    }
  });

  it('has unit DC gain and a small group delay; designs odd rates with bounded tables; equal rates are the identity', () => {
    for (const fin of [16000, 22050, 44100, 48000, 96000, 8000, 11025, 32000, 192000, 44056]) {
      const r = new Resampler(fin, 24000);
      expect(r.phases * r.taps).to.be.at.most(1024 * 300);
      expect(r.delay / fin, `${fin}`).to.be.below(0.0031);
      const y: number[] = [];
      feed(r, new Float32Array((fin / 10) | 0).fill(0.5), y);
      expect(Math.abs(y.length - 2400)).to.be.at.most(2);
      expect(y[y.length - 1]).to.be.closeTo(0.5, 1e-4);
    }
    // An odd rate (phases capped) still lands a 1 kHz tone within ±1 dB.
    expect(Math.abs(toneResponse(44056, 1000).gainDb)).to.be.below(0.1);
    const same = new Resampler(24000, 24000);
    expect([same.taps, same.delay]).to.deep.equal([1, 0]);
    const x = new Float32Array([0.1, -0.25, 1 / 32768, 0.99]);
    const y: number[] = [];
    feed(same, x, y);
    expect(y).to.deep.equal([...x]);
  });

  it('upsamples 24 kHz to the context rates for the player with the same bar (pull mode)', () => {
    for (const fout of [44100, 48000]) {
      const r = new Resampler(24000, fout);
      let n = 0;
      const y = new Float32Array(11000);
      for (let i = 0; i < y.length; i++) {
        while (!r.ready) r.push(Math.sin((2 * Math.PI * 9000 * n++) / 24000));
        y[i] = r.pull();
      }
      // Measure the 9 kHz tone and what is left (images at 15 kHz and beyond).
      const w = (2 * Math.PI * 9000) / fout;
      let yc = 0, ys = 0, cnt = 0;
      const from = 200;
      for (let i = from; i < y.length; i++) { yc += y[i]! * Math.cos(w * i); ys += y[i]! * Math.sin(w * i); cnt++; }
      const amp = (2 / cnt) * Math.hypot(yc, ys);
      expect(Math.abs(db(amp))).to.be.below(1);
      const phase = Math.atan2(-ys, yc);
      let res = 0;
      for (let i = from; i < y.length; i++) res += (y[i]! - amp * Math.cos(w * i + phase)) ** 2;
      expect(db(Math.sqrt(res / cnt) / Math.SQRT1_2)).to.be.below(-50);
    }
  });
});

describe('capture framer', () => {
  it('turns quanta at 48 kHz into PCM16 frames of 20 ms or more, cut at block ends, with level and capture time', () => {
    const frames: { pcm: Int16Array; level: number; at: number }[] = [];
    const framer = new CaptureFramer(48000, (pcm, level, at) => frames.push({ pcm: new Int16Array(pcm), level, at }));
    const q = new Float32Array(128);
    const start = 4800; // context frame of the first quantum
    for (let k = 0; k < 375; k++) {
      for (let i = 0; i < 128; i++) q[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * (k * 128 + i)) / 48000);
      framer.process(q, start + k * 128);
    }
    // 64 outputs per block: 480 is reached within the 8th block, so every frame is 8 blocks (512
    // samples, 21.3 ms); 1 s makes 46 of them (the filter's delay only shifts the time stamps).
    expect(frames.length).to.equal(46);
    for (const f of frames) expect(f.pcm.length).to.equal(512);
    expect(frames[10]!.level).to.be.closeTo(0.5 * Math.SQRT1_2, 0.01);
    // Stamped with the resampler's group delay taken off.
    expect(frames[0]!.at).to.be.closeTo(start / 48000 - new Resampler(48000, 24000).delay / 48000, 1e-9);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.at - frames[i - 1]!.at).to.be.closeTo(512 / 24000, 1e-9);
  });

  it('at 44.1 kHz cuts each frame at the block end that reaches 480 samples (seven blocks), nothing lost', () => {
    const frames: Int16Array[] = [];
    const at: number[] = [];
    const framer = new CaptureFramer(44100, (pcm, _l, t) => (frames.push(new Int16Array(pcm)), at.push(t)));
    const q = new Float32Array(128);
    const perBlock: number[] = [];
    for (let k = 0; k < 1000; k++) {
      for (let i = 0; i < 128; i++) q[i] = 0.3 * Math.sin((2 * Math.PI * 440 * (k * 128 + i)) / 44100);
      const before = frames.length;
      framer.process(q, k * 128);
      perBlock.push(frames.length - before);
    }
    // One frame every seventh block (69–70 outputs each: 480 is reached in the seventh), never two.
    expect(Math.max(...perBlock)).to.equal(1);
    expect(perBlock.map((n, k) => (n ? k % 7 : -1)).filter((r) => r >= 0)).to.satisfy((rs: number[]) => rs.every((r) => r === 6));
    const lengths = frames.map((f) => f.length);
    expect([...new Set(lengths)].sort()).to.deep.equal([487, 488]);
    // Contiguous: each frame starts where the previous one ended, on the context clock.
    for (let i = 1; i < frames.length; i++) expect(at[i]! - at[i - 1]!).to.be.closeTo(lengths[i - 1]! / 24000, 1e-9);
    // 1000 blocks of 128 at 44.1 kHz are 69,659 outputs at 24 kHz: all but the last partial frame.
    const total = lengths.reduce((a, b) => a + b, 0);
    expect(Math.floor((1000 * 128 * 24000) / 44100) - total).to.be.within(0, 480 + 70);
  });

  it('keeps time stamps on the context clock across skipped quanta', () => {
    const at: number[] = [];
    const framer = new CaptureFramer(24000, (_p, _l, t) => at.push(t));
    const q = new Float32Array(128);
    for (let k = 0; k < 10; k++) framer.process(q, k * 128);
    for (let k = 20; k < 30; k++) framer.process(q, k * 128);
    // 128 outputs per block at 24 kHz: frames of 4 blocks (512 samples).
    expect(at[0]).to.equal(0);
    expect(at[1]).to.be.closeTo(512 / 24000, 1e-9);
    // Frame 2's first sample (output 1024) was captured before the gap of 10 quanta; frame 3's
    // (output 1536, the 2nd block after the gap) after it.
    expect(at[2]).to.be.closeTo(1024 / 24000, 1e-9);
    expect(at[3]).to.be.closeTo((20 * 128 + 256) / 24000, 1e-9);
  });

  it('mute sends digital silence and no sample captured after it', () => {
    const frames: Int16Array[] = [];
    const framer = new CaptureFramer(44100, (pcm) => frames.push(new Int16Array(pcm)));
    const loud = new Float32Array(128).fill(0.25);
    for (let k = 0; k < 200; k++) framer.process(loud, k * 128);
    const before = frames.length;
    expect(frames[before - 1]!.every((v) => v === 8192)).to.equal(true);
    framer.setMuted(true);
    for (let k = 200; k < 400; k++) framer.process(loud, k * 128);
    const muted = frames.slice(before);
    expect(muted.length).to.be.at.least(25);
    for (const f of muted) expect(f.every((v) => v === 0)).to.equal(true);
    framer.setMuted(false);
    for (let k = 400; k < 700; k++) framer.process(loud, k * 128);
    expect(frames[frames.length - 1]!.every((v) => v === 8192)).to.equal(true);
  });
});

/** Renders `quanta` blocks of 128 frames from a PlayerCore; returns the concatenated output. */
function renderCore(core: PlayerCore, quanta: number, frame0 = 0): Float32Array {
  const out = new Float32Array(quanta * 128);
  for (let q = 0; q < quanta; q++) core.render(out.subarray(q * 128, (q + 1) * 128), frame0 + q * 128);
  return out;
}

/** The counters of `id` among the items rendered since the set was last emptied. */
const rendered = (core: PlayerCore, id: string): Item | undefined => [...core.changed].find((i) => i.id === id);

/** Speech-like test audio: tones under a Hann envelope, so it starts and ends at exactly 0. */
function burst(samples: number, seed = 5, peak = 0.6): Int16Array {
  const rand = prng(seed);
  const f = [200 + rand() * 300, 800 + rand() * 1200, 2500 + rand() * 2000];
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    const env = Math.sin((Math.PI * i) / (samples - 1)) ** 2;
    const v = f.reduce((s, fr, k) => s + Math.sin((2 * Math.PI * fr * i) / 24000 + k) / (k + 1), 0) / 1.9;
    pcm[i] = floatToInt16Sample(peak * env * v);
  }
  return pcm;
}

describe('player core', () => {
  it('reproduces speech-like audio bit-exactly at 24 kHz, across chunk boundaries', () => {
    const core = new PlayerCore(24000);
    const pcm = burst(24000);
    const rand = prng(11);
    for (let i = 0; i < pcm.length; ) {
      const n = Math.min(pcm.length - i, 1 + Math.floor(rand() * 4000));
      core.push('a', pcm.subarray(i, i + n));
      i += n;
    }
    core.end('a');
    const out = renderCore(core, 200);
    for (let i = 0; i < pcm.length; i++) if (Math.round(out[i]! * 32768) !== pcm[i]) throw new Error(`sample ${i}: ${out[i]! * 32768} ≠ ${pcm[i]}`);
    for (let i = pcm.length; i < out.length; i++) expect(out[i]).to.equal(0);
    expect(rendered(core, 'a')!.rendered).to.equal(24000);
    expect(rendered(core, 'a')!.last).to.be.closeTo(23999 / 24000, 1e-9); // when the last sample leaves
    expect(core.state).to.equal('idle');
  });

  it('waits for the pre-roll (20 ms) unless the item ended; grows it after an underrun', () => {
    const core = new PlayerCore(24000);
    core.push('a', new Int16Array(300).fill(100));
    let out = renderCore(core, 2);
    expect(out.every((v) => v === 0)).to.equal(true);
    expect(core.state).to.equal('buffering');
    core.push('a', new Int16Array(300).fill(100));
    renderCore(core, 1, 256);
    expect(core.state).to.equal('playing');
    // 600 samples played, then the queue ran dry without end(): an underrun.
    renderCore(core, 7, 384);
    expect(core.state).to.equal('buffering');
    expect(core.underruns).to.equal(1);
    expect(core.preroll).to.equal(960); // 480 × 2
    core.push('a', new Int16Array(500).fill(100));
    renderCore(core, 4, 1280);
    expect(core.state).to.equal('buffering'); // 500 < 960
    core.end('a');
    renderCore(core, 8, 1792);
    expect(rendered(core, 'a')!.rendered).to.equal(1100);
    expect(core.state).to.equal('idle');
    expect(core.underruns).to.equal(1); // the end of an ended item is no underrun
    // The grown pre-roll is the player's, not the reply's: the next reply waits for it too.
    expect(core.preroll).to.equal(960);
    core.push('a2', new Int16Array(600).fill(100));
    renderCore(core, 4, 2816);
    expect(core.state).to.equal('buffering'); // 600 < 960
    core.push('a2', new Int16Array(400).fill(100));
    renderCore(core, 1, 3328);
    expect(core.state).to.equal('playing');
    // A short item that ended plays at once, below the pre-roll.
    const core2 = new PlayerCore(24000);
    core2.push('b', new Int16Array(50).fill(10));
    core2.end('b');
    out = renderCore(core2, 1);
    expect(Math.round(out[0]! * 32768)).to.equal(10);
    // Data that trickles in below the pre-roll starts after 60 ms at the latest.
    const core3 = new PlayerCore(24000);
    core3.push('c', new Int16Array(100).fill(10));
    renderCore(core3, 11);
    expect(core3.state).to.equal('buffering');
    renderCore(core3, 1, 11 * 128);
    expect(core3.state).to.equal('playing');
  });

  it('keeps a grown pre-roll through 30 s of clean playback, then shrinks it ×0.8 down to 20 ms', () => {
    const core = new PlayerCore(24000);
    core.push('a', new Int16Array(480).fill(100));
    renderCore(core, 5); // 480 played, then dry: an underrun
    expect(core.preroll).to.equal(960);
    core.push('a', new Int16Array(30 * 24000 + 2000).fill(100));
    let frame = 640;
    const play = (samples: number) => {
      const quanta = Math.ceil(samples / 128);
      renderCore(core, quanta, frame);
      frame += quanta * 128;
    };
    play(30 * 24000 - 256); // just under 30 s played since the underrun
    expect(core.preroll).to.equal(960);
    play(512);
    expect(core.preroll).to.equal(768);
    expect(core.underruns).to.equal(1);
  });

  it('fades in a start that would click, and decays the held value at an underrun (4 ms, no altered samples)', () => {
    const core = new PlayerCore(24000);
    expect(FADE_THRESHOLD).to.be.below(0.01);
    core.push('a', new Int16Array(1000).fill(16384));
    const out = renderCore(core, 12);
    for (let k = 0; k < FADE; k++) expect(out[k]).to.be.closeTo(0.5 * fadeIn(k), 1e-6);
    for (let k = FADE; k < 1000; k++) expect(out[k]).to.equal(0.5);
    // Ran dry at sample 1000 (no end()): the last value decays over the fade, then silence.
    for (let k = 0; k < FADE; k++) expect(out[1000 + k]).to.be.closeTo(0.5 * fadeIn(FADE - 1 - k), 1e-6);
    for (let k = 1000 + FADE; k < out.length; k++) expect(out[k]).to.equal(0);
    expect(rendered(core, 'a')!.rendered).to.equal(1000);
  });

  it('clear fades the queued audio out within the fade and reports the item; later pushes survive', () => {
    const core = new PlayerCore(24000);
    core.push('a', new Int16Array(24000).fill(8192));
    core.end('a');
    renderCore(core, 10);
    core.clear(1);
    expect(core.cleared).to.equal(0); // not silent yet
    // A push for a new item during the fade survives the clear.
    core.push('b', new Int16Array(100).fill(0));
    const out = renderCore(core, 4, 1280);
    for (let k = 0; k < FADE; k++) expect(out[k]).to.be.closeTo(0.25 * fadeIn(FADE - 1 - k), 1e-6);
    for (let k = FADE; k < 128; k++) expect(out[k]).to.equal(0);
    expect(core.cleared).to.equal(1);
    expect(core.current!.id).to.equal('a');
    expect(rendered(core, 'a')!.rendered).to.equal(1280 + FADE);
    expect(core.received).to.equal(24100);
    expect(core.state).to.equal('buffering'); // b waits for its pre-roll
  });

  it('clears at once when nothing sounds, naming the item that was pre-rolling', () => {
    const core = new PlayerCore(24000);
    core.clear(5);
    expect(core.cleared).to.equal(5);
    expect(core.current).to.equal(null);
    core.push('x', burst(240));
    core.clear(6);
    expect([core.cleared, core.current!.id, core.state]).to.deep.equal([6, 'x', 'idle']);
    expect(renderCore(core, 4).every((v) => v === 0)).to.equal(true);
  });

  it('at 44.1 kHz keeps level and timing, and is silent within 5 ms of a clear', () => {
    const core = new PlayerCore(44100);
    const pcm = new Int16Array(24000);
    for (let i = 0; i < pcm.length; i++) pcm[i] = floatToInt16Sample(0.5 * Math.sin((2 * Math.PI * 1000 * i) / 24000));
    core.push('a', pcm);
    const out = renderCore(core, 200);
    expect(rms(out.subarray(4410, 4410 + 22050))).to.be.closeTo(0.5 * Math.SQRT1_2, 0.004);
    expect(rendered(core, 'a')!.rendered).to.be.closeTo((200 * 128 * 24000) / 44100, 40);
    core.clear(1);
    const after = renderCore(core, 4, 200 * 128);
    let last = -1;
    for (let i = 0; i < after.length; i++) if (Math.abs(after[i]!) >= 1 / 32768) last = i;
    expect(last).to.be.at.most(Math.round(0.005 * 44100));
    expect(last).to.be.above(100); // it did fade, not cut
  });
});

describe('microphone errors', () => {
  it('maps getUserMedia failures onto typed codes', async () => {
    const media = navigator.mediaDevices;
    const original = media.getUserMedia;
    try {
      const code = async (name: string) => {
        media.getUserMedia = () => Promise.reject(new DOMException('x', name));
        const error = await requestMicrophone().catch((e: unknown) => e);
        expect(error).to.be.instanceOf(AudioError);
        expect((error as AudioError).cause).to.be.instanceOf(DOMException);
        return (error as AudioError).code;
      };
      expect(await code('NotAllowedError')).to.equal('mic_permission_denied');
      expect(await code('SecurityError')).to.equal('mic_permission_denied');
      expect(await code('NotFoundError')).to.equal('mic_unavailable');
      expect(await code('NotReadableError')).to.equal('mic_unavailable');
      expect(await code('OverconstrainedError')).to.equal('mic_unavailable');
    } finally {
      media.getUserMedia = original;
    }
    expect(new AudioError('mic_unavailable', 'x').name).to.equal('AudioError');
  });
});
