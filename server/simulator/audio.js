// PCM16 helpers for the local server: the wire format is 24 kHz mono little-endian PCM16 in
// base64, so everything here works on Int16Array at 24 kHz.

/** The only sample rate the GA `audio/pcm` format allows. */
export const SAMPLE_RATE = 24000;

/** Bytes that a base64 text of a multiple of 4 characters decodes to. @param {string} text */
export const base64Bytes = (text) => Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);

/**
 * Bytes a base64 text decodes to, or -1 when its shape is not strict: a length that is not a
 * multiple of 4, or the URL-safe alphabet (Node decodes it too; OpenAI takes the standard one only).
 * @param {string} text
 */
const strictBase64Bytes = (text) => (text.length % 4 !== 0 || text.includes('-') || text.includes('_') ? -1 : base64Bytes(text));

/**
 * Decodes strict base64 PCM16 into samples, or `null` when the text is not strict base64. Node's
 * decoder silently skips garbage, but OpenAI rejects it, and a client that sends broken audio
 * should hear about it: any character the decoder skipped or stopped at shows as missing bytes.
 * (A regular expression over every append cost the server more than decoding it.) The samples
 * are a copy: a decoded Buffer may sit at an odd offset inside Node's pool, where an Int16Array
 * view is not allowed. A trailing odd byte (half a sample) is dropped.
 * @param {string} text
 * @returns {Int16Array | null}
 */
export function decodeStrictPcm16(text) {
  const expected = strictBase64Bytes(text);
  if (expected < 0) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== expected) return null;
  const out = new Int16Array(bytes.length >> 1);
  Buffer.from(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}

/**
 * Decodes appends like decodeStrictPcm16, but into slabs of its own rather than a fresh
 * ArrayBuffer per append: 50 appends a second per session made those allocations (and the
 * garbage collections they trigger) a large part of the server's cost. One decoder per session,
 * so a slab only ever holds that session's audio and is freed once its chunks are dropped.
 */
export class Pcm16Decoder {
  /** @type {Buffer} */
  #slab = Buffer.alloc(0);
  #used = 0;

  /**
   * @param {string} text
   * @returns {Int16Array | null} a view into the current slab, or null when not strict base64
   */
  decode(text) {
    const expected = strictBase64Bytes(text);
    if (expected < 0) return null;
    if (this.#slab.length - this.#used < expected) {
      this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, expected + 1));
      this.#used = 0;
    }
    // Node's decoder skips garbage silently: fewer bytes written than expected means garbage.
    if (this.#slab.write(text, this.#used, expected, 'base64') !== expected) return null;
    const out = new Int16Array(this.#slab.buffer, this.#used, expected >> 1);
    this.#used += out.length * 2;
    return out;
  }
}

/** One second of 24 kHz PCM16 per slab. */
const SLAB_BYTES = 2 * SAMPLE_RATE;

/**
 * @param {Int16Array} samples
 * @returns {string}
 */
export function encodePcm16(samples) {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}

/**
 * @param {number} samples
 * @returns {number} milliseconds at 24 kHz (not rounded)
 */
export const samplesToMs = (samples) => (samples * 1000) / SAMPLE_RATE;

/**
 * @param {number} ms
 * @returns {number} whole samples at 24 kHz
 */
export const msToSamples = (ms) => Math.round((ms * SAMPLE_RATE) / 1000);

/**
 * RMS level of a stretch of samples in dBFS (full-scale sine ≈ -3 dBFS, digital silence -120).
 * @param {Int16Array} samples
 * @param {number} [start]
 * @param {number} [end]
 * @returns {number}
 */
export function rmsDbfs(samples, start = 0, end = samples.length) {
  if (end <= start) return -120;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = /** @type {number} */ (samples[i]) / 32768;
    sum += v * v;
  }
  const rms = Math.sqrt(sum / (end - start));
  return rms > 1e-6 ? 20 * Math.log10(rms) : -120;
}

/**
 * Concatenates sample arrays.
 * @param {readonly Int16Array[]} parts
 * @returns {Int16Array}
 */
export function concatPcm(parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Windowed-sinc (Lanczos, a = 4) resampler. Quality matters a little here: espeak renders at
 * 22,050 Hz and linear interpolation would add audible imaging to the agent's voice.
 * @param {Int16Array | Float32Array} input samples (Int16 scale or -1..1 floats)
 * @param {number} fromRate
 * @param {number} [toRate]
 * @returns {Int16Array}
 */
export function resample(input, fromRate, toRate = SAMPLE_RATE) {
  const scaleToInt = input instanceof Float32Array ? 32767 : 1;
  if (fromRate === toRate) {
    const out = new Int16Array(input.length);
    for (let i = 0; i < input.length; i++) out[i] = clamp16(/** @type {number} */ (input[i]) * scaleToInt);
    return out;
  }
  const a = 4;
  const ratio = fromRate / toRate;
  // When downsampling, widen the kernel so it also low-passes below the new Nyquist frequency.
  const cutoff = Math.min(1, toRate / fromRate);
  const radius = Math.ceil(a / cutoff);
  const outLength = Math.floor(input.length / ratio);
  const out = new Int16Array(outLength);
  for (let n = 0; n < outLength; n++) {
    const center = n * ratio;
    const first = Math.max(0, Math.floor(center) - radius + 1);
    const last = Math.min(input.length - 1, Math.floor(center) + radius);
    let acc = 0;
    let norm = 0;
    for (let k = first; k <= last; k++) {
      const x = (center - k) * cutoff;
      const w = lanczos(x, a);
      acc += /** @type {number} */ (input[k]) * w;
      norm += w;
    }
    out[n] = clamp16((norm > 0 ? acc / norm : 0) * scaleToInt);
  }
  return out;
}

/**
 * @param {number} x
 * @param {number} a
 * @returns {number}
 */
function lanczos(x, a) {
  if (x === 0) return 1;
  if (x <= -a || x >= a) return 0;
  const px = Math.PI * x;
  return (a * Math.sin(px) * Math.sin(px / a)) / (px * px);
}

/**
 * @param {number} v
 * @returns {number}
 */
export function clamp16(v) {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}

/**
 * Reads a PCM16 WAV (what espeak-ng writes). Streaming writers leave the data size as
 * 0xFFFFFFFF or 0, so the data chunk is clamped to what the file really holds.
 * @param {Uint8Array} bytes
 * @returns {{sampleRate: number, channels: number, samples: Int16Array}}
 */
export function parseWav(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (/** @type {number} */ at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === 'data') {
      if (bits !== 16 || !sampleRate) throw new Error('unsupported WAV encoding');
      if (size === 0 || body + size > bytes.length) size = bytes.length - body;
      const count = Math.floor(size / 2 / Math.max(1, channels));
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + i * 2 * channels, true);
      return { sampleRate, channels, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('WAV file has no data chunk');
}

/**
 * The input audio buffer: appended chunks addressed by absolute sample position since the start
 * of the session (the timeline `audio_start_ms` / `audio_end_ms` are measured on). Appends are
 * stored as-is and only joined when a turn is committed, so a long session never copies its
 * whole history on every append (the bug of openai-realtime-api-beta #87).
 */
export class PcmBuffer {
  /** @type {Int16Array[]} */
  #chunks = [];
  #start = 0;
  #end = 0;

  /** Absolute position of the first sample still held. */
  get start() {
    return this.#start;
  }

  /** Absolute position just past the last sample appended. */
  get end() {
    return this.#end;
  }

  /** Number of samples held. */
  get length() {
    return this.#end - this.#start;
  }

  /** @param {Int16Array} samples */
  append(samples) {
    if (samples.length === 0) return;
    this.#chunks.push(samples);
    this.#end += samples.length;
  }

  /**
   * Forgets audio before an absolute position (server VAD keeps only the prefix padding while
   * nobody speaks).
   * @param {number} position
   */
  dropBefore(position) {
    let drop = Math.min(position, this.#end) - this.#start;
    while (drop > 0 && this.#chunks.length > 0) {
      const first = /** @type {Int16Array} */ (this.#chunks[0]);
      if (first.length <= drop) {
        this.#chunks.shift();
        this.#start += first.length;
        drop -= first.length;
      } else {
        this.#chunks[0] = first.subarray(drop);
        this.#start += drop;
        drop = 0;
      }
    }
  }

  /**
   * Removes and returns the audio from the start up to an absolute position.
   * @param {number} [position]
   * @returns {Int16Array}
   */
  take(position = this.#end) {
    const until = Math.max(this.#start, Math.min(position, this.#end));
    const out = new Int16Array(until - this.#start);
    let offset = 0;
    while (offset < out.length) {
      const first = /** @type {Int16Array} */ (this.#chunks[0]);
      const need = out.length - offset;
      if (first.length <= need) {
        out.set(first, offset);
        offset += first.length;
        this.#chunks.shift();
      } else {
        out.set(first.subarray(0, need), offset);
        this.#chunks[0] = first.subarray(need);
        offset += need;
      }
    }
    this.#start = until;
    return out;
  }

  /** Empties the buffer; the timeline keeps counting from the current end. */
  clear() {
    this.#chunks = [];
    this.#start = this.#end;
  }
}
