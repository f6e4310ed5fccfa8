// The bench's own AudioWorklet ('rv-bench-tap'). One processor, two uses:
//
// - tap: connected to a player's output node. Counts non-zero samples (the agent audio is
//   pre-shifted by the bench so that no sample it plays is exactly zero: a non-zero output sample
//   is a played sample, a zero one is silence), and reports every silence→sound ("onset") and
//   sound→silence ("offset") transition with the wall clock of the render callback, the sample
//   values at the boundary (clicks) and the largest sample-to-sample step (discontinuities).
// - probe: connected to a capture's source node. Hashes each render quantum exactly as the
//   reference recorder converts it (mean of channels → PCM16), so a chunk the recorder hands to
//   the main thread can be matched to the render callback in which its samples entered.
//
// Both modes stream (currentFrame, Date.now()) for every quantum in batches, which maps context
// frames to wall-clock time. `performance` does not exist in AudioWorkletGlobalScope; `Date.now()`
// does (1 ms resolution) and is calibrated against `performance.now()` on the main thread.

declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

interface TapOptions {
  mode: 'tap' | 'probe';
  /** Quanta per batch of (frame, time[, hash]) records. */
  batch?: number;
  /** A step between adjacent samples larger than this is counted as a discontinuity. */
  stepThreshold?: number;
}

class BenchTap extends AudioWorkletProcessor {
  readonly #mode: 'tap' | 'probe';
  readonly #batchSize: number;
  readonly #stepThreshold: number;
  #frames: Float64Array;
  #times: Float64Array;
  #hashes: Float64Array;
  #fill = 0;
  #total = 0;
  #sounding = false;
  #last = 0;
  #maxStep = 0;
  #steps = 0;
  #alive = true;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const o = (options.processorOptions ?? {}) as TapOptions;
    this.#mode = o.mode;
    this.#batchSize = o.batch ?? 64;
    this.#stepThreshold = o.stepThreshold ?? 0.25;
    this.#frames = new Float64Array(this.#batchSize);
    this.#times = new Float64Array(this.#batchSize);
    this.#hashes = new Float64Array(this.#mode === 'probe' ? this.#batchSize : 0);
    this.port.onmessage = (event: MessageEvent<{ type: string; id?: number }>) => {
      const m = event.data;
      if (m.type === 'get') {
        this.#flush();
        this.port.postMessage({ type: 'state', id: m.id, total: this.#total, sounding: this.#sounding, frame: currentFrame, t: Date.now(), maxStep: this.#maxStep, steps: this.#steps });
      } else if (m.type === 'close') {
        this.#alive = false;
        this.#flush();
        this.port.close();
      }
    };
  }

  #flush(): void {
    if (this.#fill === 0) return;
    const n = this.#fill;
    const frames = this.#frames.slice(0, n);
    const times = this.#times.slice(0, n);
    const hashes = this.#mode === 'probe' ? this.#hashes.slice(0, n) : null;
    this.#fill = 0;
    this.port.postMessage({ type: 'batch', frames, times, hashes }, hashes ? [frames.buffer, times.buffer, hashes.buffer] : [frames.buffer, times.buffer]);
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.#alive) return false;
    const t = Date.now();
    const channels = inputs[0] ?? [];
    const i = this.#fill++;
    this.#frames[i] = currentFrame;
    this.#times[i] = t;
    if (this.#mode === 'probe') this.#hashes[i] = hashQuantum(channels);
    else this.#tap(channels[0], t);
    if (this.#fill >= this.#batchSize) this.#flush();
    return true;
  }

  #tap(x: Float32Array | undefined, t: number): void {
    const n = x ? x.length : 128;
    let nonZero = 0;
    let first = -1;
    let lastNz = -1;
    let prev = this.#last;
    if (x) {
      for (let k = 0; k < n; k++) {
        const v = x[k]!;
        if (v !== 0) {
          nonZero++;
          if (first < 0) first = k;
          lastNz = k;
        }
        const step = Math.abs(v - prev);
        if (step > this.#maxStep) this.#maxStep = step;
        if (step > this.#stepThreshold) this.#steps++;
        prev = v;
      }
    } else {
      prev = 0;
    }
    if (nonZero > 0 && !this.#sounding) {
      this.#sounding = true;
      this.port.postMessage({ type: 'onset', t, frame: currentFrame, index: first, value: x![first], before: this.#total });
    }
    this.#total += nonZero;
    if (this.#sounding && (nonZero === 0 || lastNz < n - 1)) {
      // Sound stopped within (or at the start of) this quantum.
      const tail = nonZero === 0 ? this.#last : x![lastNz]!;
      this.#sounding = false;
      this.port.postMessage({ type: 'offset', t, frame: currentFrame, index: lastNz + 1, value: tail, total: this.#total });
    }
    this.#last = prev;
  }
}

/** FNV-1a over the quantum as the reference recorder's PCM16 (mean of channels, then its rounding). */
function hashQuantum(channels: Float32Array[]): number {
  const c0 = channels[0];
  if (!c0) return 0;
  const nc = channels.length;
  let h = 0x811c9dc5;
  for (let i = 0; i < c0.length; i++) {
    let v = c0[i]!;
    if (nc > 1) {
      let sum = 0;
      for (let c = 0; c < nc; c++) sum += channels[c]![i]!;
      v = sum / nc;
    }
    const s = Math.max(-1, Math.min(1, v));
    const q = (s < 0 ? s * 0x8000 : s * 0x7fff) | 0;
    h = Math.imul(h ^ (q & 0xff), 0x01000193);
    h = Math.imul(h ^ ((q >> 8) & 0xff), 0x01000193);
  }
  return h >>> 0;
}

registerProcessor('rv-bench-tap', BenchTap);
