// Streaming polyphase FIR resampler (Kaiser-windowed sinc) between any two rates. The capture
// worklet decimates the microphone to 24 kHz with it and the player interpolates 24 kHz up to
// the context's rate with the same code. The taps are computed when the worklet starts (no
// tables in the bundle); the state carries across render quanta; nothing is allocated after
// construction.
//
// A rate change by L/M is: insert L − 1 zeros after each input sample, low-pass at the L·fin
// rate, keep every M-th sample. Only the products that survive are computed: each output uses one
// of the filter's L phases and its `taps` newest inputs. L/M is fout/fin reduced (44.1 → 24 kHz:
// 80/147; 48 → 24: 1/2; 24 → 44.1: 147/80). The position of each output is tracked exactly, in
// integers: output n falls (n·fin mod fout)/fout of an input sample after input ⌊n·fin/fout⌋. An
// odd device rate whose L would exceed MAX_PHASES gets MAX_PHASES phases and the nearest lower
// phase for that fraction (off by less than 1/1024 of an input sample: noise far below the 50 dB bar).
//
// The bar (test/browser/audio-dsp.test.ts): decimating, the passband reaches 0.75 × the output
// Nyquist (9 kHz at 24 kHz) and the stopband starts at the output Nyquist (12 kHz), so whatever
// would alias is ≥ ATTENUATION_DB down; interpolating, the transition is centred on the input
// Nyquist, so the images of passband tones are ≥ ATTENUATION_DB down. Equal rates get a one-tap
// identity: bit-exact.

/** Stopband attenuation the filter is designed for (dB); the acceptance bar is 50. */
const ATTENUATION_DB = 70;
const MAX_PHASES = 1024;

/** Zeroth-order modified Bessel function of the first kind (power series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  for (let k = 1, term = 1; term > sum * 1e-12; k++) {
    term *= (x * x) / (4 * k * k);
    sum += term;
  }
  return sum;
}

/** Band edges (Hz) of the filter between two rates. */
export function bandEdges(inputRate: number, outputRate: number): { passHz: number; stopHz: number } {
  const nyquist = Math.min(inputRate, outputRate) / 2;
  return inputRate > outputRate
    ? { passHz: 0.75 * nyquist, stopHz: nyquist }
    : { passHz: 0.875 * nyquist, stopHz: Math.min(1.125 * nyquist, outputRate / 2) };
}

/**
 * Feed inputs with `push`; whenever `ready`, take an output with `pull` (before pushing more).
 * Decimating, `ready` turns true every few pushes; interpolating, it stays true for a few pulls.
 */
export class Resampler {
  /** Number of polyphase branches. */
  readonly phases: number;
  /** Taps per phase. */
  readonly taps: number;
  /** Group delay in input samples: output n stands for input time n·fin/fout − delay. */
  readonly delay: number;
  /** Phase p's taps at [p·taps, (p+1)·taps), oldest input first. */
  readonly #table: Float32Array;
  /** The newest `taps` inputs, each written twice so that every window is contiguous. */
  readonly #history: Float32Array;
  readonly #fin: number;
  readonly #fout: number;
  #write = 0;
  /** The next output falls `#rem / #fout` of an input sample after the newest input. */
  #rem = 0;
  /** Inputs still to push before the next output. */
  #need = 1;
  /** Consecutive zero inputs: once the whole window is zero, the output is 0 without the products. */
  #zeros: number;

  constructor(inputRate: number, outputRate: number) {
    const fin = Math.round(inputRate);
    const fout = Math.round(outputRate);
    let gcd = fin;
    for (let b = fout; b; ) [gcd, b] = [b, gcd % b];
    const phases = (this.phases = Math.min(fout / gcd, MAX_PHASES));
    this.#fin = fin;
    this.#fout = fout;

    const { passHz, stopHz } = bandEdges(fin, fout);
    const highRate = phases * fin; // the rate of the zero-stuffed signal the prototype filters
    const cutoff = (passHz + stopHz) / 2 / highRate; // cycles per sample
    const beta = 0.1102 * (ATTENUATION_DB - 8.7);
    // Kaiser's length estimate for the attenuation and the transition width (rad per sample).
    const minLength = (ATTENUATION_DB - 7.95) / (2.285 * ((2 * Math.PI * (stopHz - passHz)) / highRate)) + 1;
    const taps = (this.taps = fin === fout ? 1 : Math.ceil(minLength / phases));
    const length = taps * phases;
    const centre = (length - 1) / 2;
    this.delay = centre / phases;
    this.#table = new Float32Array(length);
    this.#history = new Float32Array(2 * taps);
    this.#zeros = taps;
    const prototype = (m: number): number => {
      const x = 2 * cutoff * (m - centre);
      const r = centre ? (m - centre) / centre : 0;
      return (x ? Math.sin(Math.PI * x) / (Math.PI * x) : 1) * besselI0(beta * Math.sqrt(1 - r * r));
    };
    for (let p = 0; p < phases; p++) {
      // Each phase is normalised to unit DC gain: a plain ×L scaling would leave a phase-dependent
      // gain ripple, heard as a tone at the rate the phases cycle.
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += this.#table[p * taps + k] = prototype(p + (taps - 1 - k) * phases);
      for (let k = 0; k < taps; k++) this.#table[p * taps + k]! /= sum;
    }
  }

  /** Whether an output is due. */
  get ready(): boolean {
    return this.#need <= 0;
  }

  /** Feeds one input sample. */
  push(x: number): void {
    const taps = this.taps;
    const w = (this.#write = (this.#write + 1) % taps);
    this.#history[w] = this.#history[w + taps] = x;
    this.#zeros = x ? 0 : this.#zeros + 1;
    this.#need--;
  }

  /** The next output sample (call only when `ready`). */
  pull(): number {
    const taps = this.taps;
    let y = 0;
    if (this.#zeros < taps) {
      // Exact for integers this small (< 2⁵³): the phase is ⌊#rem·phases/fout⌋ without rounding error.
      const base = Math.floor((this.#rem * this.phases) / this.#fout) * taps;
      const h = this.#write + 1;
      for (let j = 0; j < taps; j++) y += this.#table[base + j]! * this.#history[h + j]!;
    }
    this.#rem += this.#fin;
    this.#need = Math.floor(this.#rem / this.#fout);
    this.#rem -= this.#need * this.#fout;
    return y;
  }

  /** Forgets the inputs (the timing stays). */
  clear(): void {
    this.#history.fill(0);
    this.#zeros = this.taps;
  }
}
