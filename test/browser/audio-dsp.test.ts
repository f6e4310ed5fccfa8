// Pure-function DSP tests (no audio graph): PCM16 conversion, ring buffer, fades, the resampler's
// frequency response from every supported input rate, the capture framer and the player core.
import { expect } from '@open-wc/testing';
import { floatToInt16, floatToInt16Sample, int16ToFloat, rms } from '../../src/audio/pcm.js';
import { RingBuffer } from '../../src/audio/ring-buffer.js';
import { MAX_FADE_MS, fadeCurve, fadeInGain, fadeLength, fadeOutGain } from '../../src/audio/fades.js';
import { StreamingResampler, bandEdges, designResampler } from '../../src/audio/resampler.js';
import { CaptureFramer } from '../../src/audio/capture-framer.js';
import { FADE_THRESHOLD, PlayerCore, type PlayerCoreEvent } from '../../src/audio/player-core.js';
import { clampAudioEndMs, computeAudioEndMs } from '../../src/audio/audio-engine.js';
import { AudioError, micErrorFromException } from '../../src/audio/errors.js';

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
    expect(floatToInt16Sample(-0.49 * lsb) === 0).to.equal(true);
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

  it('round-trips every Int16 value exactly and writes little-endian bytes', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i - 32768;
    const f = new Float32Array(65536);
    expect(int16ToFloat(all, f)).to.equal(65536);
    const back = new Int16Array(65536);
    expect(floatToInt16(f, back)).to.equal(65536);
    for (let i = 0; i < 65536; i++) if (back[i] !== all[i]) throw new Error(`round trip of ${all[i]} gave ${back[i]}`);
    expect(f[0]).to.equal(-1);
    expect(Math.max(...f)).to.be.below(1);
    const bytes = new Uint8Array(new Int16Array([1, -2, 0x1234]).buffer);
    floatToInt16(new Float32Array([1 / 32768, -2 / 32768, 0x1234 / 32768]), new Int16Array(bytes.buffer));
    expect([...bytes]).to.deep.equal([1, 0, 0xfe, 0xff, 0x34, 0x12]);
  });

  it('respects offsets and counts without writing out of bounds', () => {
    const src = new Float32Array([0.1, 0.2, 0.3, 0.4]);
    const dst = new Int16Array(6).fill(7);
    expect(floatToInt16(src, dst, 1, 2, 10)).to.equal(3);
    expect([...dst]).to.deep.equal([7, 7, 6554, 9830, 13107, 7]);
    expect(rms(new Float32Array([3, -3, 3, -3]))).to.equal(3);
  });
});

describe('ring buffer', () => {
  it('wraps around many times and keeps order (Int16 and Float32)', () => {
    for (const Type of [Int16Array, Float32Array] as const) {
      const ring = new RingBuffer(37, Type as typeof Int16Array);
      const rand = prng(7);
      let written = 0;
      let read = 0;
      for (let round = 0; round < 2000; round++) {
        const chunk = new (Type as typeof Int16Array)(Math.floor(rand() * 20));
        for (let i = 0; i < chunk.length; i++) chunk[i] = (written + i) % 1000;
        const n = ring.push(chunk);
        expect(n).to.equal(Math.min(chunk.length, 37 - (written - read)));
        written += n;
        const out = new (Type as typeof Int16Array)(Math.floor(rand() * 20));
        const m = ring.pull(out);
        for (let i = 0; i < m; i++) if (out[i] !== (read + i) % 1000) throw new Error('order broken');
        read += m;
        expect(ring.available).to.equal(written - read);
        expect(ring.free).to.equal(37 - (written - read));
      }
      expect(written).to.be.above(5000);
    }
  });

  it('returns counts or false instead of throwing', () => {
    const ring = new RingBuffer(4, Int16Array);
    expect(ring.pull(new Int16Array(3))).to.equal(0);
    expect(ring.pullAll(new Int16Array(1))).to.equal(false);
    expect(ring.push(new Int16Array([1, 2, 3, 4, 5, 6]))).to.equal(4);
    expect(ring.push(new Int16Array([9]))).to.equal(0);
    expect(ring.pushAll(new Int16Array([9]))).to.equal(false);
    expect(ring.skip(3)).to.equal(3);
    expect(ring.pushAll(new Int16Array([5, 6, 7]))).to.equal(true);
    expect(ring.at(0)).to.equal(4);
    expect(ring.at(3)).to.equal(7);
    expect(ring.at(4)).to.equal(undefined);
    const peek = new Int16Array(4);
    expect(ring.peek(peek)).to.equal(4);
    expect(ring.available).to.equal(4);
    const bigger = ring.resized(16, Int16Array)!;
    expect(ring.resized(2, Int16Array)).to.equal(null);
    const out = new Int16Array(4);
    expect(bigger.pullAll(out)).to.equal(true);
    expect([...out]).to.deep.equal([4, 5, 6, 7]);
    expect(() => new RingBuffer(0, Int16Array)).to.throw(RangeError);
  });
});

describe('fades', () => {
  it('are raised-cosine, monotonic, exactly n samples and ≤ 5 ms', () => {
    expect(MAX_FADE_MS).to.equal(5);
    expect(fadeLength(4, 24000)).to.equal(96);
    expect(fadeLength(50, 24000)).to.equal(120);
    expect(fadeLength(5, 44100)).to.equal(220);
    expect(fadeLength(0, 48000)).to.equal(1);
    for (const n of [1, 2, 96, 120]) {
      const up = fadeCurve(new Float32Array(n), n, 'in');
      const down = fadeCurve(new Float32Array(n), n, 'out');
      for (let k = 0; k < n; k++) {
        expect(up[k]).to.be.above(0).and.below(1);
        if (k > 0) expect(up[k]).to.be.above(up[k - 1]!);
        expect(up[k]! + down[k]!).to.be.closeTo(1, 1e-6);
        expect(down[k]).to.be.closeTo(up[n - 1 - k]!, 1e-7);
        expect(fadeInGain(k, n)).to.be.closeTo(Math.sin((Math.PI / 2) * ((k + 0.5) / n)) ** 2, 1e-12);
      }
      expect(fadeInGain(n, n)).to.equal(1);
      expect(fadeOutGain(n, n)).to.equal(0);
      expect(fadeOutGain(-1, n)).to.equal(1);
    }
    // Smooth start: the first step of a 4 ms fade is tiny (no click of its own).
    expect(fadeInGain(0, 96)).to.be.below(0.001);
  });
});

/** Measures a tone through a resampler fed in random-sized blocks. */
function toneResponse(fin: number, freq: number, seconds = 0.25, seed = 3) {
  const r = new StreamingResampler(fin, 24000);
  const n = Math.round(fin * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * freq * i) / fin);
  const y = new Float32Array(r.maxOutput(n) + 16);
  const rand = prng(seed);
  let o = 0;
  for (let i = 0; i < n; ) {
    const b = Math.min(n - i, 1 + Math.floor(rand() * 300));
    o += r.process(x, y, o, i, i + b);
    i += b;
  }
  // Skip the filter's start-up transient.
  const skip = Math.ceil(r.design.taps / (r.design.phases > 1 ? 1 : 2)) + 48;
  const ys = y.subarray(skip, o - 8);
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
    produced: o,
    resampler: r,
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
      const m = toneResponse(fin, 1000, 0.5);
      expect(Math.abs(m.produced - 12000)).to.be.at.most(2);
    });
  }

  it('gives identical output for any block partition (state carried across quanta)', () => {
    for (const fin of [44100, 16000]) {
      const x = new Float32Array(5000).map((_, i) => Math.sin(i * 0.37) * 0.5 + Math.sin(i * 0.011) * 0.3);
      const whole = new StreamingResampler(fin, 24000);
      const a = new Float32Array(whole.maxOutput(x.length));
      const na = whole.process(x, a);
      const parts = new StreamingResampler(fin, 24000);
      const b = new Float32Array(a.length);
      let nb = 0;
      for (let i = 0; i < x.length; i += 128) nb += parts.process(x, b, nb, i, Math.min(x.length, i + 128));
      expect(nb).to.equal(na);
      for (let i = 0; i < na; i++) if (a[i] !== b[i]) throw new Error(`differs at ${i}`);
    }
  });

  it('has unit DC gain and a small group delay; designs odd rates with bounded tables', () => {
    for (const fin of [16000, 22050, 44100, 48000, 96000, 8000, 11025, 32000, 192000, 44056]) {
      const d = designResampler(fin, 24000);
      expect(d.table.length).to.be.at.most(1024 * 300);
      expect(d.delay / fin, `${fin}`).to.be.below(0.0031);
      const r = new StreamingResampler(fin, 24000);
      const x = new Float32Array(fin / 10 | 0).fill(0.5);
      const y = new Float32Array(r.maxOutput(x.length));
      const n = r.process(x, y);
      expect(Math.abs(n - 2400)).to.be.at.most(2);
      expect(y[n - 1]).to.be.closeTo(0.5, 1e-4);
    }
    // An odd rate (phases capped) still lands a 1 kHz tone within ±1 dB.
    expect(Math.abs(toneResponse(44056, 1000).gainDb)).to.be.below(0.1);
  });

  it('upsamples 24 kHz to the context rates for the player with the same bar', () => {
    for (const fout of [44100, 48000]) {
      const r = new StreamingResampler(24000, fout);
      const n = 6000;
      const x = new Float32Array(n).map((_, i) => Math.sin((2 * Math.PI * 9000 * i) / 24000));
      const y = new Float32Array(r.maxOutput(n));
      const m = r.process(x, y);
      // Measure the 9 kHz tone and what is left (images at 15 kHz and beyond).
      const w = (2 * Math.PI * 9000) / fout;
      let yc = 0, ys = 0, cnt = 0;
      const from = 200;
      for (let i = from; i < m - 10; i++) { yc += y[i]! * Math.cos(w * i); ys += y[i]! * Math.sin(w * i); cnt++; }
      const amp = (2 / cnt) * Math.hypot(yc, ys);
      expect(Math.abs(db(amp))).to.be.below(1);
      const phase = Math.atan2(-ys, yc);
      let res = 0;
      for (let i = from; i < m - 10; i++) res += (y[i]! - amp * Math.cos(w * i + phase)) ** 2;
      expect(db(Math.sqrt(res / cnt) / Math.SQRT1_2)).to.be.below(-50);
    }
  });
});

describe('capture framer', () => {
  it('turns quanta at 48 kHz into 480-sample PCM16 frames with level and capture time', () => {
    const frames: { pcm: Int16Array; level: number; at: number }[] = [];
    const framer = new CaptureFramer({ inputRate: 48000 }, (pcm, level, at) => frames.push({ pcm: new Int16Array(pcm), level, at }));
    const q = new Float32Array(128);
    const start = 4800; // context frame of the first quantum
    for (let k = 0; k < 375; k++) {
      for (let i = 0; i < 128; i++) q[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * (k * 128 + i)) / 48000);
      framer.process([q], start + k * 128);
    }
    expect(frames.length).to.equal(50); // 1 s (the filter's delay only shifts the time stamps)
    for (const f of frames) expect(f.pcm.length).to.equal(480);
    expect(frames[10]!.level).to.be.closeTo(0.5 * Math.SQRT1_2, 0.01);
    expect(frames[0]!.at).to.be.closeTo(start / 48000 - framer.delaySeconds, 1e-6);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.at - frames[i - 1]!.at).to.be.closeTo(0.02, 1e-9);
  });

  it('keeps timestamps true across a gap in quanta', () => {
    const at: number[] = [];
    const framer = new CaptureFramer({ inputRate: 24000 }, (_p, _l, t) => at.push(t));
    const q = new Float32Array(128);
    for (let k = 0; k < 10; k++) framer.process([q], k * 128);
    for (let k = 20; k < 30; k++) framer.process([q], k * 128);
    expect(at[0]).to.equal(0);
    expect(at[1]).to.be.closeTo(0.02, 1e-9);
    // Frame 2 starts at output 960, which now lies after the 1280-frame gap.
    expect(at[2]).to.be.closeTo((960 + 1280) / 24000, 1e-9);
  });

  it('mute sends digital silence (or nothing in drop mode) and no sample captured after it', () => {
    const frames: Int16Array[] = [];
    const framer = new CaptureFramer({ inputRate: 44100 }, (pcm) => frames.push(new Int16Array(pcm)));
    const loud = new Float32Array(128).fill(0.25);
    for (let k = 0; k < 200; k++) framer.process([loud], k * 128);
    const before = frames.length;
    expect(frames[before - 1]!.every((v) => v === 8192)).to.equal(true);
    framer.setMuted(true);
    for (let k = 200; k < 400; k++) framer.process([loud], k * 128);
    const muted = frames.slice(before);
    expect(muted.length).to.be.at.least(25);
    for (const f of muted) expect(f.every((v) => v === 0)).to.equal(true);
    framer.setMuted(true, 'drop');
    const n = frames.length;
    for (let k = 400; k < 600; k++) framer.process([loud], k * 128);
    expect(frames.length).to.equal(n);
    framer.setMuted(false);
    for (let k = 600; k < 900; k++) framer.process([loud], k * 128);
    expect(frames.length).to.be.within(n + 42, n + 44);
    expect(frames[frames.length - 1]!.every((v) => v === 8192)).to.equal(true);
  });
});

/** Renders `quanta` blocks of 128 frames from a PlayerCore; returns the concatenated output. */
function renderCore(core: PlayerCore, quanta: number, frame0 = 0): Float32Array {
  const out = new Float32Array(quanta * 128);
  for (let q = 0; q < quanta; q++) core.render(out.subarray(q * 128, (q + 1) * 128), frame0 + q * 128);
  return out;
}

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
    const core = new PlayerCore({ outputRate: 24000 });
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
    expect(core.item('a')!.rendered).to.equal(24000);
    expect(core.state).to.equal('idle');
  });

  it('waits for the pre-roll (20 ms) unless the item ended; grows it after an underrun', () => {
    const events: PlayerCoreEvent[] = [];
    const core = new PlayerCore({ outputRate: 24000 }, (e) => events.push(e));
    core.push('a', new Int16Array(300).fill(100));
    let out = renderCore(core, 2);
    expect(out.every((v) => v === 0)).to.equal(true);
    expect(core.state).to.equal('buffering');
    core.push('a', new Int16Array(300).fill(100));
    out = renderCore(core, 8, 256);
    expect(events[0]).to.include({ type: 'playing', itemId: 'a' });
    // 600 samples played, then the queue ran dry without end(): an underrun.
    expect(events.some((e) => e.type === 'underrun')).to.equal(true);
    expect(core.item('a')!.underruns).to.equal(1);
    expect(core.preroll).to.equal(720); // 480 × 1.5
    core.push('a', new Int16Array(500).fill(100));
    renderCore(core, 4, 1280);
    expect(core.state).to.equal('buffering'); // 500 < 720
    core.end('a');
    renderCore(core, 8, 1792);
    expect(core.item('a')!.rendered).to.equal(1100);
    expect(events.filter((e) => e.type === 'playing').length).to.equal(2);
    expect(events[events.length - 1]!.type).to.equal('idle');
    // A short item that ended plays at once, below the pre-roll.
    const core2 = new PlayerCore({ outputRate: 24000 });
    core2.push('b', new Int16Array(50).fill(10));
    core2.end('b');
    out = renderCore(core2, 1);
    expect(Math.round(out[0]! * 32768)).to.equal(10);
  });

  it('fades in a start that would click, and decays the held value at an underrun (≤ 5 ms, no altered samples)', () => {
    const core = new PlayerCore({ outputRate: 24000 });
    const n = core.fadeSamples;
    expect(n).to.equal(96);
    expect(FADE_THRESHOLD).to.be.below(0.01);
    core.push('a', new Int16Array(1000).fill(16384));
    const out = renderCore(core, 12);
    for (let k = 0; k < n; k++) expect(out[k]).to.be.closeTo(0.5 * fadeInGain(k, n), 1e-6);
    for (let k = n; k < 1000; k++) expect(out[k]).to.equal(0.5);
    // Ran dry at sample 1000 (no end()): the last value decays over the fade, then silence.
    for (let k = 0; k < n; k++) expect(out[1000 + k]).to.be.closeTo(0.5 * fadeOutGain(k, n), 1e-6);
    for (let k = 1000 + n; k < out.length; k++) expect(out[k]).to.equal(0);
    expect(core.item('a')!.rendered).to.equal(1000);
  });

  it('clear fades the queued audio out within the fade and reports the item heard', () => {
    const events: PlayerCoreEvent[] = [];
    const core = new PlayerCore({ outputRate: 24000 }, (e) => events.push(e));
    core.push('a', new Int16Array(24000).fill(8192));
    core.end('a');
    renderCore(core, 10);
    core.clear(1);
    // A push for a new item during the fade survives the clear.
    core.push('b', new Int16Array(100).fill(0));
    const out = renderCore(core, 4, 1280);
    const n = core.fadeSamples;
    for (let k = 0; k < n; k++) expect(out[k]).to.be.closeTo(0.25 * fadeOutGain(k, n), 1e-6);
    for (let k = n; k < 128; k++) expect(out[k]).to.equal(0);
    const cleared = events.find((e) => e.type === 'cleared');
    expect(cleared).to.include({ itemId: 'a' });
    expect((cleared as { ids: number[] }).ids).to.deep.equal([1]);
    const a = core.item('a')!;
    expect(a.rendered).to.equal(1280 + n);
    expect(a.rendered + a.dropped).to.equal(24000);
    expect(core.item('b')!.received).to.equal(100);
    expect(core.state).to.equal('buffering'); // b waits for its pre-roll
  });

  it('clears at once when nothing sounds, and keeps counting after the item ended', () => {
    const events: PlayerCoreEvent[] = [];
    const core = new PlayerCore({ outputRate: 24000 }, (e) => events.push(e));
    core.clear(5);
    expect(events[0]).to.include({ type: 'cleared', itemId: null });
    core.push('x', burst(2400));
    core.end('x');
    renderCore(core, 30);
    const x = core.item('x')!;
    expect(x.rendered).to.equal(2400);
    expect(x.ended).to.equal(true);
    expect(x.firstAudibleTime).to.be.above(0);
    expect(x.lastRenderTime).to.be.closeTo(0.1, 1e-9);
  });

  it('at 44.1 kHz keeps level and timing, and is silent within 5 ms of a clear', () => {
    const core = new PlayerCore({ outputRate: 44100 });
    const pcm = new Int16Array(24000);
    for (let i = 0; i < pcm.length; i++) pcm[i] = floatToInt16Sample(0.5 * Math.sin((2 * Math.PI * 1000 * i) / 24000));
    core.push('a', pcm);
    const out = renderCore(core, 200);
    const mid = out.subarray(4410, 4410 + 22050);
    expect(rms(mid)).to.be.closeTo(0.5 * Math.SQRT1_2, 0.004);
    expect(core.item('a')!.rendered).to.be.closeTo((200 * 128 * 24000) / 44100, 3);
    core.clear(1);
    const after = renderCore(core, 4, 200 * 128);
    let last = -1;
    for (let i = 0; i < after.length; i++) if (Math.abs(after[i]!) >= 1 / 32768) last = i;
    expect(last).to.be.at.most(Math.round(0.005 * 44100));
    expect(last).to.be.above(100); // it did fade, not cut
  });
});

describe('barge-in arithmetic and error mapping', () => {
  it('never truncates before the first delta nor beyond what was received', () => {
    expect(computeAudioEndMs({ receivedSamples: 0, heardSamples: 0 })).to.equal(null);
    expect(computeAudioEndMs({ receivedSamples: 24000, heardSamples: -50 })).to.equal(0);
    expect(computeAudioEndMs({ receivedSamples: 24000, heardSamples: 12012 })).to.equal(500);
    expect(computeAudioEndMs({ receivedSamples: 24000, heardSamples: 99999 })).to.equal(1000);
    expect(computeAudioEndMs({ receivedSamples: 1001, heardSamples: 1001 })).to.equal(41);
    expect(clampAudioEndMs(null, 100)).to.equal(null);
    expect(clampAudioEndMs(50, 0)).to.equal(null);
    expect(clampAudioEndMs(120.9, 100.4)).to.equal(100);
    expect(clampAudioEndMs(-3, 100)).to.equal(0);
  });

  it('maps getUserMedia failures onto typed codes', () => {
    const code = (name: string) => micErrorFromException(new DOMException('x', name)).code;
    expect(code('NotAllowedError')).to.equal('mic_permission_denied');
    expect(code('SecurityError')).to.equal('mic_permission_denied');
    expect(code('NotFoundError')).to.equal('mic_unavailable');
    expect(code('NotReadableError')).to.equal('mic_unavailable');
    expect(code('OverconstrainedError')).to.equal('mic_unavailable');
    const e = micErrorFromException(new DOMException('denied', 'NotAllowedError'));
    expect(e).to.be.instanceOf(AudioError);
    expect(e.name).to.equal('AudioError');
    expect(e.cause).to.be.instanceOf(DOMException);
  });
});
