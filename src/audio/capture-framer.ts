// The capture worklet's DSP as a plain class, so that it runs (and is tested) outside a worklet:
// render quanta at the context's rate in; frames of PCM16 at 24 kHz out, each with its RMS level
// and the context time of its first sample. Each output is converted to PCM16 as it comes, into
// the frame's buffer, and its energy summed (the level is that of the float signal). Constant
// memory: the only allocation is each frame's copy (≈ 1 KB), which is transferred to the main thread.
//
// Frame length: a frame is cut at the end of the first block that brings it to 20 ms (480
// samples): seven blocks (20.3 ms) at 44.1 kHz, eight (21.3 ms) at 48 kHz, at most 24 ms at
// 16 kHz. Cut at exactly 480, a frame's last sample would wait for the filter's look-ahead (its
// group delay, ≈ 0.7 ms of input), which one block in four has to take from the next block —
// and so, often, from the next render callback, 10 ms later (BENCHMARKS.md figure 2: p95 30.7 ms
// with exact 20 ms frames). A frame cut at a block's end holds every output that block's inputs
// allow: nothing waits for the next callback.
//
// Mute: from the next quantum on, the frame being assembled is zeroed, the resampler forgets its
// inputs and silence is fed instead of the microphone, so not one sample captured after the mute
// leaves; frames keep coming as digital silence, which lets the server's VAD end a turn in
// progress after its `silence_duration_ms` (with no frames at all it would wait for more audio).
import { Resampler } from './resampler.js';
import { floatToInt16Sample } from './pcm.js';

/** A frame's minimum: 20 ms at 24 kHz (it is cut at the end of the block that reaches it). */
export const FRAME_SAMPLES = 480;
const WIRE_RATE = 24000;

/** A finished frame: PCM16 LE bytes, RMS level (0–1), context time (s) of its first sample. */
export type FrameSink = (pcm: ArrayBuffer, level: number, capturedAt: number) => void;

export class CaptureFramer {
  readonly #rate: number;
  readonly #resampler: Resampler;
  readonly #sink: FrameSink;
  /** Room for the minimum plus one block's outputs (more only for blocks longer than 128). */
  readonly #frame: Int16Array;
  #fill = 0;
  /** Σx² of the frame so far. */
  #energy = 0;
  /** Outputs produced since the start. */
  #produced = 0;
  /** Inputs consumed since the start. */
  #consumed = 0;
  /** Context time of the frame being assembled. */
  #capturedAt = 0;
  #muted = false;

  constructor(inputRate: number, sink: FrameSink) {
    this.#rate = inputRate;
    this.#resampler = new Resampler(inputRate, WIRE_RATE);
    this.#sink = sink;
    this.#frame = new Int16Array(FRAME_SAMPLES + Math.ceil((128 * WIRE_RATE) / inputRate) + 1);
  }

  /** Mutes or unmutes from the next block on; muting discards what was not emitted yet. */
  setMuted(muted: boolean): void {
    if (muted && !this.#muted) {
      this.#frame.fill(0);
      this.#energy = 0;
      this.#resampler.clear();
    }
    this.#muted = muted;
  }

  /** Processes one block (a mono quantum; `undefined` = silence) whose first sample is context frame `frame`. */
  process(input: Float32Array | undefined, frame: number, length = input?.length ?? 128): void {
    const r = this.#resampler;
    // The context frame of input 0, re-derived for every block: if the render thread skipped
    // quanta, the stamps stay on the context's clock.
    const origin = frame - this.#consumed;
    for (let i = 0; i < length; i++) {
      r.push(this.#muted || !input ? 0 : input[i]!);
      while (r.ready) {
        if (this.#fill === 0) this.#capturedAt = (origin + (this.#produced * this.#rate) / WIRE_RATE - r.delay) / this.#rate;
        const y = r.pull();
        this.#energy += y * y;
        this.#frame[this.#fill++] = floatToInt16Sample(y);
        this.#produced++;
        if (this.#fill === this.#frame.length) this.#emit();
      }
    }
    this.#consumed += length;
    if (this.#fill >= FRAME_SAMPLES) this.#emit();
  }

  #emit(): void {
    const n = this.#fill;
    this.#sink(this.#frame.slice(0, n).buffer, Math.min(1, Math.sqrt(this.#energy / n)), this.#capturedAt);
    this.#fill = this.#energy = 0;
  }
}
