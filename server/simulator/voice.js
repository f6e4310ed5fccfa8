// The agent's voice. Real speech from the `espeak-ng` WebAssembly package when it is installed
// (it is GPL-3.0 and 18 MB, so it stays a devDependency, loaded lazily and never bundled), else a
// generated voice-like signal: a harmonic series with a syllable envelope, so that players,
// level meters and VADs downstream see something shaped like speech rather than a test tone.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SAMPLE_RATE, clamp16, parseWav, resample } from './audio.js';

/** @typedef {'auto' | 'espeak' | 'synthetic'} VoiceEngine */

/**
 * @typedef {object} SynthesisOptions
 * @property {string} [voice] an OpenAI voice name (`marin`, `cedar`, …); picks an espeak variant
 * @property {number} [speed] 0.25–1.5 like `audio.output.speed`
 * @property {VoiceEngine} [engine] `auto` (default) uses espeak-ng when installed
 */

/**
 * Each OpenAI voice gets a distinct espeak variant and pitch, and a base pitch for the fallback.
 * @type {Record<string, {variant: string, pitch: number, f0: number}>}
 */
const VOICES = {
  marin: { variant: 'en-us+f3', pitch: 55, f0: 205 },
  cedar: { variant: 'en-us+m3', pitch: 40, f0: 115 },
  alloy: { variant: 'en-us+f2', pitch: 50, f0: 190 },
  ash: { variant: 'en-us+m1', pitch: 35, f0: 105 },
  ballad: { variant: 'en-us+m2', pitch: 45, f0: 125 },
  coral: { variant: 'en-us+f4', pitch: 60, f0: 215 },
  echo: { variant: 'en-us+m4', pitch: 40, f0: 110 },
  sage: { variant: 'en-us+f1', pitch: 50, f0: 195 },
  shimmer: { variant: 'en-us+f5', pitch: 65, f0: 225 },
  verse: { variant: 'en-us+m5', pitch: 50, f0: 120 },
};

/**
 * @param {string | undefined} name
 * @returns {{variant: string, pitch: number, f0: number}}
 */
const voiceFor = (name) => VOICES[name ?? ''] ?? /** @type {{variant: string, pitch: number, f0: number}} */ (VOICES.marin);

/** @typedef {{factory: (options: Record<string, unknown>) => Promise<any>, wasm: WebAssembly.Module | null}} Espeak */

/** @type {Promise<Espeak | null> | undefined} */
let espeakLoading;

/**
 * Loads espeak-ng once per process. The specifier is a variable on purpose: bundlers and the
 * type checker must not follow it into a GPL package that is never shipped.
 * @returns {Promise<Espeak | null>}
 */
function loadEspeak() {
  espeakLoading ??= (async () => {
    const specifier = 'espeak-ng';
    try {
      const mod = await import(specifier);
      /** @type {WebAssembly.Module | null} */
      let wasm = null;
      try {
        // Compile the 18 MB module once; every synthesis then only instantiates it.
        const main = createRequire(import.meta.url).resolve(specifier);
        wasm = await WebAssembly.compile(await readFile(join(dirname(main), 'espeak-ng.wasm')));
      } catch {
        wasm = null; // emscripten will find and compile it itself, just more slowly
      }
      return { factory: mod.default, wasm };
    } catch {
      return null;
    }
  })();
  return espeakLoading;
}

/**
 * Which engine `auto` resolves to on this machine.
 * @returns {Promise<'espeak-ng' | 'synthetic'>}
 */
export async function availableEngine() {
  return (await loadEspeak()) ? 'espeak-ng' : 'synthetic';
}

/** Synthesized phrases, keyed by engine/voice/speed/text; bounded by total samples. */
/** @type {Map<string, Promise<Int16Array>>} */
const cache = new Map();
let cachedSamples = 0;
const MAX_CACHED_SAMPLES = SAMPLE_RATE * 60 * 10; // ten minutes of speech, ~29 MB

/** espeak runs synchronously inside WASM: one at a time keeps memory flat. */
/** @type {Promise<unknown>} */
let queue = Promise.resolve();

/**
 * Renders text as 24 kHz PCM16 speech. Never rejects: if espeak fails on some input, the
 * fallback voice says it instead.
 * @param {string} text
 * @param {SynthesisOptions} [options]
 * @returns {Promise<Int16Array>}
 */
export function synthesize(text, { voice = 'marin', speed = 1, engine = 'auto' } = {}) {
  const clean = text.replace(/\s+/g, ' ').trim().slice(0, 2000);
  const key = `${engine}|${voice}|${speed}|${clean}`;
  const hit = cache.get(key);
  if (hit) {
    // Refresh its position: Map iteration order doubles as the LRU order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const job = queue.then(async () => {
    const espeak = engine === 'synthetic' ? null : await loadEspeak();
    if (espeak && clean) {
      try {
        return await speakWithEspeak(espeak, clean, voice, speed);
      } catch {
        // fall through to the generated voice
      }
    }
    return syntheticSpeech(clean, voice, speed);
  });
  queue = job.catch(() => undefined);
  cache.set(key, job);
  job.then((pcm) => {
    cachedSamples += pcm.length;
    for (const [oldKey, old] of cache) {
      if (cachedSamples <= MAX_CACHED_SAMPLES || oldKey === key) break;
      cache.delete(oldKey);
      old.then((p) => (cachedSamples -= p.length), () => undefined);
    }
  }, () => cache.delete(key));
  return job;
}

/**
 * @param {Espeak} espeak
 * @param {string} text
 * @param {string} voice
 * @param {number} speed
 * @returns {Promise<Int16Array>}
 */
async function speakWithEspeak(espeak, text, voice, speed) {
  const { variant, pitch } = voiceFor(voice);
  const wpm = Math.round(Math.min(450, Math.max(80, 175 * speed)));
  // Text is passed as one argv entry (no shell); a leading dash would still read as an option.
  const safe = text.replace(/^[-\s]+/, '');
  /** @type {Record<string, unknown>} */
  const options = {
    arguments: ['-w', '/out.wav', '-v', variant, '-p', String(pitch), '-s', String(wpm), safe],
    print() {},
    printErr() {},
    // Emscripten's default quit() sets process.exitCode; a library must never touch that.
    quit(/** @type {number} */ _status, /** @type {unknown} */ toThrow) {
      throw toThrow;
    },
  };
  const wasm = espeak.wasm;
  if (wasm) {
    options.instantiateWasm = (
      /** @type {WebAssembly.Imports} */ imports,
      /** @type {(instance: WebAssembly.Instance, module: WebAssembly.Module) => void} */ done,
    ) => {
      WebAssembly.instantiate(wasm, imports).then((instance) => done(instance, wasm));
      return {};
    };
  }
  const instance = await espeak.factory(options);
  const wav = parseWav(instance.FS.readFile('/out.wav'));
  return trimSilence(resample(wav.samples, wav.sampleRate));
}

/**
 * espeak pads its output with silence; real model audio starts speaking almost at once.
 * @param {Int16Array} pcm
 * @returns {Int16Array}
 */
function trimSilence(pcm) {
  let start = 0;
  let end = pcm.length;
  while (start < end && Math.abs(/** @type {number} */ (pcm[start])) < 64) start++;
  while (end > start && Math.abs(/** @type {number} */ (pcm[end - 1])) < 64) end--;
  const pad = SAMPLE_RATE / 50; // keep 20 ms either side so onsets are not clipped
  return pcm.slice(Math.max(0, start - pad), Math.min(pcm.length, end + pad));
}

/**
 * The fallback voice: per syllable a glottal-like harmonic series (partials weighted by two
 * moving formants) under a raised-cosine envelope, pitch falling across a sentence and rising at
 * a question mark, with pauses at word and sentence boundaries. Deterministic for a given text.
 * @param {string} text
 * @param {string} voice
 * @param {number} speed
 * @returns {Int16Array}
 */
export function syntheticSpeech(text, voice = 'marin', speed = 1) {
  const { f0 } = voiceFor(voice);
  const rate = SAMPLE_RATE;
  const pace = 1 / Math.min(1.5, Math.max(0.25, speed));
  const words = text.split(/\s+/).filter(Boolean);
  /** @type {Array<{syllables: number, pause: number, question: boolean}>} */
  const plan = words.map((word) => ({
    syllables: Math.max(1, (word.toLowerCase().match(/[aeiouy]+/g) ?? []).length),
    pause: /[.!?]$/.test(word) ? 0.32 : /[,;:]$/.test(word) ? 0.18 : 0.05,
    question: word.endsWith('?'),
  }));
  const syllableSec = 0.16 * pace;
  let totalSec = 0.05;
  for (const w of plan) totalSec += w.syllables * syllableSec + w.pause * pace;
  const out = new Float32Array(Math.ceil(totalSec * rate) + 1);
  const formants = [
    [730, 1090],
    [270, 2290],
    [530, 1840],
    [570, 840],
    [440, 1020],
    [300, 870],
  ];
  let t = 0.025;
  let syllableIndex = 0;
  let phase = 0;
  for (let w = 0; w < plan.length; w++) {
    const word = /** @type {{syllables: number, pause: number, question: boolean}} */ (plan[w]);
    for (let s = 0; s < word.syllables; s++, syllableIndex++) {
      const [fa, fb] = /** @type {number[]} */ (formants[(syllableIndex * 7 + w) % formants.length]);
      const startSample = Math.floor(t * rate);
      const length = Math.floor(syllableSec * rate);
      const progress = w / Math.max(1, plan.length - 1);
      const stress = s === 0 ? 1 : 0.8;
      for (let i = 0; i < length && startSample + i < out.length; i++) {
        const x = i / length;
        // Declination over the sentence, a lift for questions on the last word.
        const rise = word.question && w === plan.length - 1 ? 0.25 * x : 0;
        const pitch = f0 * (1.08 - 0.16 * progress + rise) * (1 + 0.03 * Math.sin(2 * Math.PI * 5 * (t + i / rate)));
        phase += (2 * Math.PI * pitch) / rate;
        let sample = 0;
        for (let k = 1; k <= 12; k++) {
          const freq = k * pitch;
          const gain = formantGain(freq, /** @type {number} */ (fa)) + 0.6 * formantGain(freq, /** @type {number} */ (fb));
          sample += (gain / k) * Math.sin(k * phase);
        }
        const envelope = Math.sin(Math.PI * Math.min(1, x * 1.15)) ** 2 * stress;
        out[startSample + i] = (out[startSample + i] ?? 0) + 0.22 * envelope * sample;
      }
      t += syllableSec;
    }
    t += word.pause * pace;
  }
  const pcm = new Int16Array(out.length);
  for (let i = 0; i < out.length; i++) pcm[i] = clamp16(/** @type {number} */ (out[i]) * 32767);
  return pcm;
}

/**
 * A resonance bump around a formant frequency.
 * @param {number} freq
 * @param {number} formant
 * @returns {number}
 */
function formantGain(freq, formant) {
  const d = (freq - formant) / 180;
  return 0.25 + 1 / (1 + d * d);
}
