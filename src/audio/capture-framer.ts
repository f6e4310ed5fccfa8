// The capture worklet's DSP, as a plain class so it runs (and is tested) outside a worklet:
// render quanta at the context's rate in, 20 ms PCM16 frames at 24 kHz out, each with its RMS
// level and the context time of its first sample. Constant memory: the only allocation is the
// 960-byte buffer of each frame, which is transferred to the main thread.
//
// Mute: from the quantum after `setMuted(true)` on, the frame being assembled is zeroed and the
// resampler's history is forgotten, so not one sample captured after the mute leaves; frames
// keep coming as digital silence (mode `'silence'`, the default), which lets the server's VAD
// end a turn in progress after its `silence_duration_ms` — with no frames at all it would wait
// for audio that never comes. Mode `'drop'` emits nothing while muted (for manual turns).
import { StreamingResampler } from './resampler.js';
import { floatToInt16, rms } from './pcm.js';

/** What the capture worklet does with the microphone while muted. */
export type MuteMode = 'silence' | 'drop';

/** A finished frame: PCM16 LE bytes, RMS level (0–1), context time (s) of its first sample. */
export type FrameSink = (pcm: ArrayBuffer, level: number, capturedAt: number) => void;

export interface CaptureFramerOptions {
  /** The context's sample rate (Hz). */
  inputRate: number;
  /** Wire rate (Hz), 24 000. */
  outputRate?: number;
  /** Samples per frame at the output rate (480 = 20 ms at 24 kHz). */
  frameSamples?: number;
  muted?: boolean;
  muteMode?: MuteMode;
}

/** Render quanta in, fixed-size PCM16 frames out. */
export class CaptureFramer {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly frameSamples: number;
  readonly #resampler: StreamingResampler;
  readonly #frame: Float32Array;
  readonly #scratch: Float32Array;
  readonly #silence: Float32Array;
  readonly #sink: FrameSink;
  #fill = 0;
  /** Output index (since start) of the frame being assembled. */
  #frameStart = 0;
  /** Absolute context frame of input sample 0, corrected for gaps between quanta. */
  #origin = -1;
  #consumed = 0;
  /** Input samples between `#origin` and the resampler's input 0 (moves on a reset). */
  #outputBase = 0;
  #mixBuf = new Float32Array(128);
  #muted: boolean;
  #muteMode: MuteMode;
  #frames = 0;

  constructor(options: CaptureFramerOptions, sink: FrameSink) {
    this.inputRate = options.inputRate;
    this.outputRate = options.outputRate ?? 24000;
    this.frameSamples = options.frameSamples ?? Math.round(this.outputRate / 50);
    this.#resampler = new StreamingResampler(this.inputRate, this.outputRate);
    this.#frame = new Float32Array(this.frameSamples);
    this.#scratch = new Float32Array(this.#resampler.maxOutput(128) + 8);
    this.#silence = new Float32Array(128);
    this.#muted = options.muted ?? false;
    this.#muteMode = options.muteMode ?? 'silence';
    this.#sink = sink;
  }

  /** Frames emitted so far. */
  get frames(): number {
    return this.#frames;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** Group delay of the resampler (s): the frame timestamps already account for it. */
  get delaySeconds(): number {
    return this.#resampler.delay / this.inputRate;
  }

  /** Mutes or unmutes from the next quantum; muting discards what was not yet emitted. */
  setMuted(muted: boolean, mode: MuteMode = this.#muteMode): void {
    this.#muteMode = mode;
    if (muted === this.#muted) return;
    this.#muted = muted;
    if (muted) {
      this.#frame.fill(0, 0, this.#fill);
      this.#resampler.reset();
      // reset() restarts the resampler's output count; keep timestamps continuous.
      this.#rebase();
    }
  }

  /**
   * Processes one block of input (`channels` of equal length; none = silence) whose first
   * sample is absolute context frame `startFrame`.
   */
  process(channels: readonly Float32Array[], startFrame: number, length = channels[0]?.length ?? 128): void {
    if (this.#origin < 0) this.#origin = startFrame;
    const expected = this.#origin + this.#consumed;
    if (startFrame !== expected) this.#origin += startFrame - expected; // a gap: keep stamps true
    let input: Float32Array;
    if (this.#muted || channels.length === 0) {
      if (this.#muted && this.#muteMode === 'drop') {
        this.#consumed += length;
        this.#rebase();
        return;
      }
      input = this.#silenceOf(length);
    } else if (channels.length === 1) {
      input = channels[0]!;
    } else {
      input = this.#mix(channels, length);
    }
    this.#consumed += length;
    let offset = 0;
    while (offset < length) {
      const chunk = Math.min(128, length - offset);
      const n = this.#resampler.process(input, this.#scratch, 0, offset, offset + chunk);
      offset += chunk;
      this.#append(n);
    }
  }

  #append(n: number): void {
    let i = 0;
    while (i < n) {
      const take = Math.min(n - i, this.frameSamples - this.#fill);
      this.#frame.set(this.#scratch.subarray(i, i + take), this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === this.frameSamples) this.#emit();
    }
  }

  #emit(): void {
    const pcm = new ArrayBuffer(this.frameSamples * 2);
    floatToInt16(this.#frame, new Int16Array(pcm));
    const level = this.#muted ? 0 : Math.min(1, rms(this.#frame));
    const inputPos = this.#origin + this.#resampler.outputTime(this.#frameStart) + this.#outputBase;
    this.#frameStart += this.frameSamples;
    this.#fill = 0;
    this.#frames++;
    this.#sink(pcm, level, inputPos / this.inputRate);
  }

  /** Restarts output counting at the current input position (after reset or while dropping). */
  #rebase(): void {
    this.#outputBase = this.#consumed;
    this.#frameStart = this.#resampler.produced - this.#fill;
    if (this.#muteMode === 'drop' && this.#muted) {
      this.#resampler.reset();
      this.#frameStart = 0;
      this.#fill = 0;
    }
  }

  #silenceOf(length: number): Float32Array {
    return length <= this.#silence.length ? this.#silence.subarray(0, length) : new Float32Array(length);
  }

  #mix(channels: readonly Float32Array[], length: number): Float32Array {
    if (this.#mixBuf.length < length) this.#mixBuf = new Float32Array(length);
    const out = this.#mixBuf.subarray(0, length);
    out.fill(0);
    const g = 1 / channels.length;
    for (const ch of channels) for (let i = 0; i < length; i++) out[i]! += ch[i]! * g;
    return out;
  }
}
