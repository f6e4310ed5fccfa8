// Streaming polyphase FIR resampler (windowed-sinc, Kaiser window) between any two rates; the
// capture worklet uses it to decimate the mic to 24 kHz and the player to bring 24 kHz up to
// the context's rate. Stateful across render quanta, constant memory, no allocation in `process`.
//
// Rate conversion by L/M: conceptually upsample by L (zero-stuffing), low-pass at the high rate
// L·fin, keep every M-th sample. Only the needed products are computed: output n uses phase
// p = (n·M) mod L of the filter and the K most recent inputs. L/M is the reduced ratio
// fout/fin (44.1 kHz → 24 kHz: 80/147; 48 → 24: 1/2; 16 → 24: 3/2). When the reduced L would
// exceed MAX_PHASES (unusual device rates), the filter is tabulated at MAX_PHASES phases and the
// output position is advanced by an exact rational step with the nearest lower phase (phase
// error ≤ 1/MAX_PHASES input sample, noise below -60 dB at 9 kHz).
//
// Filter bar (checked by test/browser/audio-dsp.test.ts):
// - decimation (fin > fout): passband 0 – 0.75·fout/2 (9 kHz at 24 kHz), stopband from fout/2
//   (12 kHz): everything that would alias is attenuated by ≥ ATTENUATION_DB, so any tone
//   ≥ 12.5 kHz is ≥ 50 dB down with margin;
// - interpolation (fin < fout): the images of the input spectrum start at fin − f, so the
//   transition band is centred on fin/2 (passband to 0.875·fin/2, stopband from
//   min(1.125·fin/2, fout/2)): images of passband tones are attenuated by ≥ ATTENUATION_DB.

/** Design attenuation of the stopband (dB); the acceptance bar is 50 dB. */
export const ATTENUATION_DB = 70;
/** Largest number of polyphase branches tabulated. */
export const MAX_PHASES = 1024;

/** Greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  a = Math.abs(Math.round(a));
  b = Math.abs(Math.round(b));
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** The band edges a resampler between two rates is designed for (Hz). */
export function bandEdges(inputRate: number, outputRate: number): { passHz: number; stopHz: number } {
  const nyquist = Math.min(inputRate, outputRate) / 2;
  if (inputRate > outputRate) return { passHz: 0.75 * nyquist, stopHz: nyquist };
  return { passHz: 0.875 * nyquist, stopHz: Math.min(1.125 * nyquist, outputRate / 2) };
}

/** A tabulated polyphase filter and the stepping that walks it. */
export interface ResamplerDesign {
  /** Number of phases (polyphase branches). */
  phases: number;
  /** Taps per phase. */
  taps: number;
  /** `phases × taps` coefficients; phase p's taps are at [p·taps, (p+1)·taps), oldest input first. */
  table: Float32Array;
  /** Output step in phase units: `stepInt + stepRem / stepDen` phases per output sample. */
  stepInt: number;
  stepRem: number;
  stepDen: number;
  /** Group delay of the filter in input samples. */
  delay: number;
  passHz: number;
  stopHz: number;
}

/** Designs the polyphase filter for `inputRate → outputRate` (both positive integers in Hz). */
export function designResampler(inputRate: number, outputRate: number, attenuationDb = ATTENUATION_DB): ResamplerDesign {
  if (!(inputRate > 0 && outputRate > 0)) throw new RangeError('sample rates must be positive');
  const fin = Math.round(inputRate);
  const fout = Math.round(outputRate);
  const g = gcd(fin, fout);
  let phases = fout / g;
  let stepInt: number;
  let stepRem = 0;
  let stepDen = 1;
  if (phases <= MAX_PHASES) {
    stepInt = fin / g; // M
  } else {
    phases = MAX_PHASES;
    // step = MAX_PHASES·fin/fout exactly, as integer + remainder/fout.
    stepInt = Math.floor((MAX_PHASES * fin) / fout);
    stepRem = MAX_PHASES * fin - stepInt * fout;
    stepDen = fout;
  }
  const { passHz, stopHz } = bandEdges(fin, fout);
  const high = phases * fin; // rate of the virtual upsampled signal
  const cutoff = (passHz + stopHz) / 2 / high; // cycles per high-rate sample
  const transition = (2 * Math.PI * (stopHz - passHz)) / high; // rad per high-rate sample
  const A = attenuationDb;
  const beta = A > 50 ? 0.1102 * (A - 8.7) : A >= 21 ? 0.5842 * (A - 21) ** 0.4 + 0.07886 * (A - 21) : 0;
  const minLength = Math.ceil((A - 7.95) / (2.285 * transition)) + 1;
  const taps = Math.max(1, Math.ceil(minLength / phases));
  const length = taps * phases;
  const centre = (length - 1) / 2;
  const proto = new Float64Array(length);
  const i0Beta = besselI0(beta);
  for (let m = 0; m < length; m++) {
    const t = m - centre;
    const x = 2 * cutoff * t;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = length > 1 ? t / centre : 0;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    proto[m] = 2 * cutoff * sinc * w;
  }
  // Phase p holds proto[p + k·phases] for k = 0..taps-1 (k = 0 multiplies the newest input).
  // Each phase is normalised to unit DC gain, which removes the phase-dependent gain ripple a
  // plain ×L scaling leaves (it would show up as a tone at the phase-cycle rate).
  const table = new Float32Array(length);
  for (let p = 0; p < phases; p++) {
    let sum = 0;
    for (let k = 0; k < taps; k++) sum += proto[p + k * phases]!;
    const norm = sum !== 0 ? 1 / sum : 0;
    for (let k = 0; k < taps; k++) table[p * taps + (taps - 1 - k)] = proto[p + k * phases]! * norm;
  }
  return { phases, taps, table, stepInt, stepRem, stepDen, delay: centre / phases, passHz, stopHz };
}

/** A stateful resampler: feed any block sizes, get the same output as one long block. */
export class StreamingResampler {
  /** Input rate (Hz). */
  readonly inputRate: number;
  /** Output rate (Hz). */
  readonly outputRate: number;
  /** Group delay in input samples: output n represents input time n·fin/fout − delay. */
  readonly delay: number;
  /** True when the rates are equal: `process` copies. */
  readonly passthrough: boolean;
  readonly #d: ResamplerDesign;
  readonly #hist: Float32Array;
  #w = 0;
  #phase = 0;
  #rem = 0;
  #need = 1;
  #zeros = 0;
  #produced = 0;

  constructor(inputRate: number, outputRate: number, attenuationDb = ATTENUATION_DB) {
    this.inputRate = Math.round(inputRate);
    this.outputRate = Math.round(outputRate);
    this.passthrough = this.inputRate === this.outputRate;
    this.#d = this.passthrough
      ? { phases: 1, taps: 1, table: new Float32Array([1]), stepInt: 1, stepRem: 0, stepDen: 1, delay: 0, passHz: inputRate / 2, stopHz: inputRate / 2 }
      : designResampler(this.inputRate, this.outputRate, attenuationDb);
    this.delay = this.#d.delay;
    this.#hist = new Float32Array(2 * this.#d.taps);
    this.#zeros = this.#d.taps;
  }

  /** The filter design in use (for inspection and tests). */
  get design(): Readonly<ResamplerDesign> {
    return this.#d;
  }

  /** Output samples produced since construction (or `reset`). */
  get produced(): number {
    return this.#produced;
  }

  /** Upper bound of the output count for `inputCount` more input samples. */
  maxOutput(inputCount: number): number {
    return Math.ceil((inputCount * this.outputRate) / this.inputRate) + 1;
  }

  /** Time of output sample `n` in input samples since the first input (may be negative). */
  outputTime(n: number): number {
    return (n * this.inputRate) / this.outputRate - this.delay;
  }

  /**
   * Resamples `input[inStart..inEnd)` into `output` from `outStart`; returns the number of output
   * samples written. `output` needs room for `maxOutput(inEnd - inStart)` samples.
   */
  process(input: Float32Array, output: Float32Array, outStart = 0, inStart = 0, inEnd = input.length): number {
    if (this.passthrough) {
      const n = Math.min(inEnd - inStart, output.length - outStart);
      output.set(input.subarray(inStart, inStart + n), outStart);
      this.#produced += n;
      return n;
    }
    const { phases, taps, table, stepInt, stepRem, stepDen } = this.#d;
    const hist = this.#hist;
    let w = this.#w;
    let phase = this.#phase;
    let rem = this.#rem;
    let need = this.#need;
    let zeros = this.#zeros;
    let o = outStart;
    const outEnd = output.length;
    for (let i = inStart; i < inEnd; i++) {
      const s = input[i]!;
      w = w + 1 === taps ? 0 : w + 1;
      hist[w] = s;
      hist[w + taps] = s;
      zeros = s === 0 ? zeros + 1 : 0;
      if (--need > 0) continue;
      do {
        let acc = 0;
        if (zeros < taps) {
          // The K most recent inputs, oldest first, are hist[w+1 .. w+taps].
          const base = phase * taps;
          const h = w + 1;
          for (let j = 0; j < taps; j++) acc += table[base + j]! * hist[h + j]!;
        }
        if (o < outEnd) output[o++] = acc;
        phase += stepInt;
        rem += stepRem;
        if (rem >= stepDen) {
          rem -= stepDen;
          phase++;
        }
        need = Math.floor(phase / phases);
        phase -= need * phases;
      } while (need === 0);
    }
    this.#w = w;
    this.#phase = phase;
    this.#rem = rem;
    this.#need = need;
    this.#zeros = zeros;
    this.#produced += o - outStart;
    return o - outStart;
  }

  /** Forgets all history (as if just constructed). */
  reset(): void {
    this.#hist.fill(0);
    this.#w = 0;
    this.#phase = 0;
    this.#rem = 0;
    this.#need = 1;
    this.#zeros = this.#d.taps;
    this.#produced = 0;
  }
}
