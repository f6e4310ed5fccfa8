// Energy-based voice activity detection standing in for OpenAI's server VAD. It honours the
// session's `threshold`, `prefix_padding_ms` and `silence_duration_ms` with the same meaning:
// a louder threshold needs louder audio, speech ends after that much continuous silence, and the
// committed audio starts `prefix_padding_ms` before speech was detected.

import { SAMPLE_RATE } from './audio.js';

/** 10 ms analysis frames. */
const FRAME = SAMPLE_RATE / 100;
/** Speech starts when this many of the last WINDOW frames are voiced (≥ 40 ms of sound)... */
const START_FRAMES = 4;
/** ...so a short click or Chromium's 20 ms fake-microphone beep never counts as a turn. */
const WINDOW = 6;
/** Once speaking, a frame must fall this many dB under the threshold to count as silence. */
const HYSTERESIS_DB = 6;

/**
 * Maps the API's 0..1 `threshold` onto an RMS level: 0 → -60 dBFS (anything but silence),
 * 0.5 → -37.5 dBFS (quiet speech at a laptop microphone), 1 → -15 dBFS (shouting).
 * @param {number} threshold
 * @returns {number}
 */
export function thresholdToDbfs(threshold) {
  return -60 + 45 * Math.min(1, Math.max(0, threshold));
}

/**
 * Silence that ends a turn under `semantic_vad`, by eagerness. The real detector judges whether
 * the sentence sounds finished; a fixed pause per eagerness is the honest approximation.
 * @type {Record<string, number>}
 */
export const SEMANTIC_SILENCE_MS = { high: 300, medium: 700, auto: 700, low: 1500 };

/**
 * @typedef {object} VadOptions
 * @property {number} threshold 0..1
 * @property {number} silenceDurationMs
 */

/**
 * @typedef {{type: 'start' | 'stop', position: number}} VadEvent
 * `position` is an absolute sample index on the session's input timeline: for `start` the first
 * voiced sample, for `stop` the end of the silence that ended the turn.
 */

export class EnergyVad {
  #onDb = thresholdToDbfs(0.5);
  #silenceFrames = 20;
  #speaking = false;
  /** Energy accumulator for the frame being filled. */
  #sum = 0;
  #count = 0;
  /** Absolute sample position where the current frame began. */
  #frameStart = 0;
  /** Recent frames while idle: [start position, voiced]. */
  /** @type {Array<[number, boolean]>} */
  #history = [];
  #silentRun = 0;

  /** @param {VadOptions} options */
  constructor(options) {
    this.configure(options);
  }

  /** Whether the detector is inside a speech segment. */
  get speaking() {
    return this.#speaking;
  }

  /** @param {VadOptions} options */
  configure({ threshold, silenceDurationMs }) {
    this.#onDb = thresholdToDbfs(threshold);
    this.#silenceFrames = Math.max(1, Math.ceil(silenceDurationMs / 10));
  }

  /**
   * Forgets any speech in progress; the next sample starts a fresh frame at `position`.
   * @param {number} position
   */
  reset(position) {
    this.#speaking = false;
    this.#sum = 0;
    this.#count = 0;
    this.#frameStart = position;
    this.#history = [];
    this.#silentRun = 0;
  }

  /**
   * Feeds audio that was appended at absolute position `at` (appends are contiguous).
   * @param {Int16Array} samples
   * @param {number} at
   * @returns {VadEvent[]}
   */
  process(samples, at) {
    /** @type {VadEvent[]} */
    const events = [];
    if (this.#count === 0) this.#frameStart = at;
    // The accumulator lives in locals inside the loop: private fields per sample cost the server
    // more than the rest of an append's handling.
    let sum = this.#sum;
    let count = this.#count;
    for (let i = 0; i < samples.length; i++) {
      const v = /** @type {number} */ (samples[i]);
      sum += v * v;
      if (++count === FRAME) {
        const db = 10 * Math.log10(sum / FRAME / (32768 * 32768) + 1e-12);
        const event = this.#frame(db, this.#frameStart);
        if (event) events.push(event);
        sum = 0;
        count = 0;
        this.#frameStart = at + i + 1;
      }
    }
    this.#sum = sum;
    this.#count = count;
    return events;
  }

  /**
   * @param {number} db
   * @param {number} start
   * @returns {VadEvent | undefined}
   */
  #frame(db, start) {
    if (!this.#speaking) {
      this.#history.push([start, db >= this.#onDb]);
      if (this.#history.length > WINDOW) this.#history.shift();
      const voiced = this.#history.filter(([, v]) => v);
      if (voiced.length >= START_FRAMES) {
        this.#speaking = true;
        this.#silentRun = 0;
        this.#history = [];
        return { type: 'start', position: /** @type {[number, boolean]} */ (voiced[0])[0] };
      }
      return undefined;
    }
    if (db >= this.#onDb - HYSTERESIS_DB) {
      this.#silentRun = 0;
      return undefined;
    }
    if (++this.#silentRun >= this.#silenceFrames) {
      this.#speaking = false;
      this.#silentRun = 0;
      return { type: 'stop', position: start + FRAME };
    }
    return undefined;
  }
}
