// The player worklet's logic, as a plain class so it runs (and is tested) outside a worklet:
// PCM16 24 kHz chunks of assistant items in, render quanta at the context's rate out.
//
// - One instance lives for the whole session: when idle it renders silence (cheaply: the
//   resampler skips all-zero history).
// - Pre-roll: playback starts once `preroll` ms are queued (20 ms by default), or the queued
//   items have all ended, or data has waited `maxWaitMs` (at least twice the current pre-roll).
//   After an underrun the pre-roll grows
//   ×1.5 (up to `maxPrerollMs`); after every 10 s without one it shrinks ×0.8 back towards the
//   default.
// - No clicks: a start whose first sample would jump away from the current output by more than
//   FADE_THRESHOLD fades in; when the queue runs dry (underrun or end of audio) the last output
//   value decays to zero (a fade of the held value, so no received sample is altered); `clear`
//   fades the queued audio out. All fades are raised-cosine and `fadeMs` (≤ 5 ms) long. Audio
//   that starts and ends near zero, as speech does, passes through bit-exactly.
// - Accounting: per item, samples received, samples rendered (pulled into the output), the
//   context time of the first non-zero sample and of the end of the last rendered sample. The
//   counters survive the item's end and `clear`, so "what was heard" can be computed any time.
import { RingBuffer } from './ring-buffer.js';
import { StreamingResampler } from './resampler.js';
import { fadeInGain, fadeLength, fadeOutGain } from './fades.js';

/** Step (as a fraction of full scale) above which starting playback fades in. */
export const FADE_THRESHOLD = 1 / 256;
/** Items whose counters are kept in the worklet (older finished items are forgotten). */
const MAX_ITEMS = 64;
/** Clean playback (s) after which the adaptive pre-roll shrinks one step. */
const PREROLL_DECAY_S = 10;

export type PlayerState = 'idle' | 'buffering' | 'playing' | 'clearing';

export interface PlayerCoreOptions {
  /** Rate of the output (the context), Hz. */
  outputRate: number;
  /** Rate of the pushed PCM, Hz (24 000). */
  sourceRate?: number;
  /** Audio queued before playback starts (ms); default 20. */
  prerollMs?: number;
  /** Ceiling of the adaptive pre-roll (ms); default 200. */
  maxPrerollMs?: number;
  /** Fade length (ms, ≤ 5); default 4, so a clear is silent within 5 ms even after resampling. */
  fadeMs?: number;
  /** Start even below the pre-roll once data has waited this long (ms); default 3 × pre-roll. */
  maxWaitMs?: number;
  /** Initial queue capacity in samples (grows by doubling); default 2^16 (2.7 s). */
  initialCapacity?: number;
  /** Largest queue in samples; beyond it audio is dropped and counted; default 2^22 (175 s). */
  maxCapacity?: number;
}

/** Counters of one assistant item (samples at the source rate, times in context seconds). */
export interface ItemStats {
  id: string;
  received: number;
  rendered: number;
  /** Samples still queued for this item. */
  buffered: number;
  dropped: number;
  underruns: number;
  ended: boolean;
  /** This item is sounding right now. */
  playing: boolean;
  firstRenderTime: number;
  firstAudibleTime: number;
  lastRenderTime: number;
}

export interface PlayerSnapshot {
  /** Context time (s) at the end of the last rendered quantum. */
  time: number;
  state: PlayerState;
  /** The item sounding now, or the last one that sounded. */
  itemId: string | null;
  /** Samples queued (source rate). */
  buffered: number;
  prerollMs: number;
  underruns: number;
  /** Highest RMS of a quantum since the previous snapshot. */
  level: number;
  /** Delay of the output resampler in source samples (part of the output path). */
  resamplerDelay: number;
  /** Items changed since the previous snapshot (all known items when `all`). */
  items: ItemStats[];
}

export type PlayerCoreEvent =
  | { type: 'playing'; itemId: string; time: number }
  | { type: 'underrun'; itemId: string; time: number; count: number }
  | { type: 'idle'; time: number }
  | { type: 'cleared'; ids: number[]; itemId: string | null; receivedTime: number; silentTime: number; items: ItemStats[] };

interface Item {
  id: string;
  received: number;
  rendered: number;
  dropped: number;
  underruns: number;
  ended: boolean;
  firstRenderTime: number;
  firstAudibleTime: number;
  lastRenderTime: number;
  dirty: boolean;
}

interface Segment {
  item: Item;
  remaining: number;
}

/** Queue, state machine, fades and accounting of the player. */
export class PlayerCore {
  readonly outputRate: number;
  readonly sourceRate: number;
  readonly fadeSamples: number;
  readonly defaultPreroll: number;
  readonly #maxPreroll: number;
  readonly #maxWaitMs: number;
  readonly #maxCapacity: number;
  readonly #up: StreamingResampler | null;
  readonly #emit: (event: PlayerCoreEvent) => void;
  #ring: RingBuffer<Int16Array>;
  readonly #segments: Segment[] = [];
  readonly #items = new Map<string, Item>();
  #state: PlayerState = 'idle';
  #current: Item | null = null;
  #preroll: number;
  #cleanSamples = 0;
  #underruns = 0;
  #bufferingSince = 0;
  /** Absolute output frame of the next quantum. */
  #frame = 0;
  #lastOut = 0;
  #fadeInPos = 0;
  #fadeInLen = 0;
  #tailValue = 0;
  #tailPos = 0;
  #tailLen = 0;
  #clearPos = 0;
  #clearDiscard = 0;
  #clearIds: number[] = [];
  #clearReceived = 0;
  #clearItem: string | null = null;
  #level = 0;
  // Scratch (allocated once).
  readonly #i16: Int16Array;
  readonly #src: Float32Array;
  readonly #fifo: Float32Array;
  #fifoCount = 0;

  constructor(options: PlayerCoreOptions, emit: (event: PlayerCoreEvent) => void = () => {}) {
    this.outputRate = options.outputRate;
    this.sourceRate = options.sourceRate ?? 24000;
    this.fadeSamples = fadeLength(options.fadeMs ?? 4, this.sourceRate);
    this.defaultPreroll = Math.round(((options.prerollMs ?? 20) * this.sourceRate) / 1000);
    this.#preroll = this.defaultPreroll;
    this.#maxPreroll = Math.max(this.defaultPreroll, Math.round(((options.maxPrerollMs ?? 200) * this.sourceRate) / 1000));
    this.#maxWaitMs = options.maxWaitMs ?? 3 * (options.prerollMs ?? 20);
    this.#maxCapacity = options.maxCapacity ?? 1 << 22;
    this.#ring = new RingBuffer(Math.min(options.initialCapacity ?? 1 << 16, this.#maxCapacity), Int16Array);
    this.#up = this.outputRate === this.sourceRate ? null : new StreamingResampler(this.sourceRate, this.outputRate);
    this.#emit = emit;
    const srcPerQuantum = Math.ceil((128 * this.sourceRate) / this.outputRate) + 2;
    this.#i16 = new Int16Array(Math.max(128, srcPerQuantum));
    this.#src = new Float32Array(Math.max(128, srcPerQuantum));
    this.#fifo = new Float32Array(128 + (this.#up?.maxOutput(this.#src.length) ?? 0) + 8);
  }

  get state(): PlayerState {
    return this.#state;
  }

  /** Current pre-roll in samples of the source rate. */
  get preroll(): number {
    return this.#preroll;
  }

  /** Samples queued. */
  get buffered(): number {
    return this.#ring.available;
  }

  /** Underruns since construction. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Delay of the output resampler in source samples (0 when the context runs at 24 kHz). */
  get resamplerDelay(): number {
    return this.#up?.delay ?? 0;
  }

  /** Context time (s) of the next quantum. */
  get time(): number {
    return this.#frame / this.outputRate;
  }

  /** Counters of one item, or `undefined` when unknown (or forgotten). */
  item(id: string): ItemStats | undefined {
    const item = this.#items.get(id);
    return item && this.#stats(item);
  }

  /** Queues PCM16 samples of `itemId`; returns how many were queued (the rest is dropped). */
  push(itemId: string, pcm: Int16Array): number {
    const item = this.#item(itemId);
    item.received += pcm.length;
    item.dirty = true;
    if (pcm.length === 0) return 0;
    if (this.#ring.free < pcm.length) this.#grow(pcm.length);
    const n = this.#ring.push(pcm);
    if (n < pcm.length) item.dropped += pcm.length - n;
    if (n === 0) return 0;
    const last = this.#segments[this.#segments.length - 1];
    if (last && last.item === item) last.remaining += n;
    else this.#segments.push({ item, remaining: n });
    if (this.#state === 'idle') {
      this.#state = 'buffering';
      this.#bufferingSince = this.#frame;
    }
    return n;
  }

  /** Marks `itemId` complete: its tail may play below the pre-roll and its end is no underrun. */
  end(itemId: string): void {
    const item = this.#item(itemId);
    item.ended = true;
    item.dirty = true;
  }

  /**
   * Fades out and drops everything queued (as of now). `id` is echoed in the `cleared` event,
   * which fires once the output is silent.
   */
  clear(id: number): void {
    const time = this.time;
    if (this.#state === 'playing' || this.#state === 'clearing') {
      if (this.#state === 'playing') {
        this.#state = 'clearing';
        this.#clearPos = 0;
        this.#clearDiscard = this.#ring.available;
        this.#clearReceived = time;
        this.#clearItem = this.#segments[0]?.item.id ?? this.#current?.id ?? null;
      }
      this.#clearIds.push(id);
      return;
    }
    // The item the listener is "in": the one pre-rolling, else the last one that sounded.
    const itemId = this.#segments[0]?.item.id ?? this.#current?.id ?? null;
    this.#drop(this.#ring.available);
    if (this.#state === 'buffering') this.#goIdle(time);
    this.#state = 'idle';
    this.#emit({ type: 'cleared', ids: [id], itemId, receivedTime: time, silentTime: time, items: this.#dirtyItems() });
  }

  /** Renders one block (normally a 128-frame quantum) whose first frame is `frame`. */
  render(out: Float32Array, frame: number = this.#frame): void {
    this.#frame = frame;
    const n = out.length;
    this.#maybeStart();
    if (!this.#up) {
      this.#generate(out, 0, n, frame / this.outputRate);
    } else {
      const up = this.#up;
      while (this.#fifoCount < n) {
        const need = Math.min(this.#src.length, Math.max(1, Math.ceil(((n - this.#fifoCount) * this.sourceRate) / this.outputRate)));
        const t0 = (frame + this.#fifoCount) / this.outputRate + up.delay / this.sourceRate;
        this.#generate(this.#src, 0, need, t0);
        this.#fifoCount += up.process(this.#src, this.#fifo, this.#fifoCount, 0, need);
      }
      out.set(this.#fifo.subarray(0, n));
      this.#fifo.copyWithin(0, n, this.#fifoCount);
      this.#fifoCount -= n;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += out[i]! * out[i]!;
    this.#level = Math.max(this.#level, Math.sqrt(sum / n));
    this.#frame = frame + n;
  }

  /** Counters of the items changed since the last snapshot, and the player's state. */
  snapshot(all = false): PlayerSnapshot {
    const snap: PlayerSnapshot = {
      time: this.time,
      state: this.#state,
      itemId: this.#current?.id ?? null,
      buffered: this.#ring.available,
      prerollMs: (this.#preroll * 1000) / this.sourceRate,
      underruns: this.#underruns,
      level: this.#level,
      resamplerDelay: this.resamplerDelay,
      items: all ? [...this.#items.values()].map((i) => this.#stats(i)) : this.#dirtyItems(),
    };
    this.#level = 0;
    return snap;
  }

  /** Whether a snapshot would carry news (something changed or audio is moving). */
  get active(): boolean {
    if (this.#state !== 'idle' || this.#tailPos < this.#tailLen) return true;
    for (const item of this.#items.values()) if (item.dirty) return true;
    return false;
  }

  // ── internals ──

  #item(id: string): Item {
    let item = this.#items.get(id);
    if (!item) {
      item = { id, received: 0, rendered: 0, dropped: 0, underruns: 0, ended: false, firstRenderTime: -1, firstAudibleTime: -1, lastRenderTime: -1, dirty: true };
      this.#items.set(id, item);
      if (this.#items.size > MAX_ITEMS) this.#forget();
    }
    return item;
  }

  /** Forgets the oldest items that have nothing queued and nothing unreported. */
  #forget(): void {
    const queued = new Set(this.#segments.map((s) => s.item));
    for (const [id, item] of this.#items) {
      if (this.#items.size <= MAX_ITEMS) break;
      if (!queued.has(item) && !item.dirty && item !== this.#current) this.#items.delete(id);
    }
  }

  #stats(item: Item): ItemStats {
    let buffered = 0;
    for (const s of this.#segments) if (s.item === item) buffered += s.remaining;
    return {
      id: item.id,
      received: item.received,
      rendered: item.rendered,
      buffered,
      dropped: item.dropped,
      underruns: item.underruns,
      ended: item.ended,
      playing: (this.#state === 'playing' || this.#state === 'clearing') && this.#current === item,
      firstRenderTime: item.firstRenderTime,
      firstAudibleTime: item.firstAudibleTime,
      lastRenderTime: item.lastRenderTime,
    };
  }

  #dirtyItems(): ItemStats[] {
    const out: ItemStats[] = [];
    for (const item of this.#items.values()) {
      if (!item.dirty) continue;
      item.dirty = false;
      out.push(this.#stats(item));
    }
    return out;
  }

  #grow(extra: number): void {
    const needed = this.#ring.available + extra;
    let cap = this.#ring.capacity;
    while (cap < needed && cap < this.#maxCapacity) cap *= 2;
    cap = Math.min(cap, this.#maxCapacity);
    if (cap === this.#ring.capacity) return;
    const next = this.#ring.resized(cap, Int16Array);
    if (next) this.#ring = next;
  }

  /** Drops `count` queued samples from the head, charging them to their items. */
  #drop(count: number): void {
    let left = this.#ring.skip(count);
    while (left > 0 && this.#segments.length) {
      const seg = this.#segments[0]!;
      const d = Math.min(left, seg.remaining);
      seg.remaining -= d;
      seg.item.dropped += d;
      seg.item.dirty = true;
      left -= d;
      if (seg.remaining === 0) this.#segments.shift();
    }
  }

  #allQueuedEnded(): boolean {
    for (const s of this.#segments) if (!s.item.ended) return false;
    return true;
  }

  #maybeStart(): void {
    if (this.#state !== 'buffering') return;
    if (this.#segments.length === 0) {
      // Buffering after an underrun, and the item has since ended: nothing more is coming.
      if (this.#current === null || this.#current.ended) this.#goIdle(this.time);
      return;
    }
    const waitedMs = ((this.#frame - this.#bufferingSince) * 1000) / this.outputRate;
    // A grown pre-roll needs a longer patience, or a trickle would start it early every time.
    const patienceMs = Math.max(this.#maxWaitMs, (2000 * this.#preroll) / this.sourceRate);
    if (this.#ring.available >= this.#preroll || this.#allQueuedEnded() || waitedMs >= patienceMs) {
      this.#state = 'playing';
      const first = (this.#ring.at(0) ?? 0) / 32768;
      this.#fadeInLen = Math.abs(first) > FADE_THRESHOLD ? this.fadeSamples : 0;
      this.#fadeInPos = 0;
      const item = this.#segments[0]!.item;
      this.#current = item;
      this.#emit({ type: 'playing', itemId: item.id, time: this.time });
    }
  }

  #goIdle(time: number): void {
    this.#state = 'idle';
    this.#emit({ type: 'idle', time });
  }

  /** Produces `count` source-rate samples into `dst[off..)`; `t0` is the time of the first. */
  #generate(dst: Float32Array, off: number, count: number, t0: number): void {
    const dt = 1 / this.sourceRate;
    let i = 0;
    while (i < count) {
      const t = t0 + i * dt;
      if (this.#state === 'playing' || this.#state === 'clearing') {
        if (this.#segments.length === 0) {
          this.#dry(t);
          continue;
        }
        const seg = this.#segments[0]!;
        let run = Math.min(count - i, seg.remaining);
        if (this.#state === 'clearing') run = Math.min(run, this.fadeSamples - this.#clearPos, this.#clearDiscard);
        const got = this.#ring.pull(this.#i16, 0, run);
        if (got === 0) {
          // Only a clear whose fade is complete gets here; finish it.
          if (this.#state === 'clearing') this.#finishClear(t);
          else this.#dry(t);
          continue;
        }
        const o = off + i;
        for (let j = 0; j < got; j++) dst[o + j] = this.#i16[j]! / 32768;
        if (this.#fadeInPos < this.#fadeInLen) {
          for (let j = 0; j < got && this.#fadeInPos < this.#fadeInLen; j++) dst[o + j]! *= fadeInGain(this.#fadeInPos++, this.#fadeInLen);
        }
        if (this.#state === 'clearing') {
          for (let j = 0; j < got; j++) dst[o + j]! *= fadeOutGain(this.#clearPos++, this.fadeSamples);
          this.#clearDiscard -= got;
        }
        const item = seg.item;
        if (item !== this.#current) this.#current = item;
        if (item.firstRenderTime < 0) item.firstRenderTime = t;
        if (item.firstAudibleTime < 0) {
          for (let j = 0; j < got; j++) {
            if (dst[o + j] !== 0) {
              item.firstAudibleTime = t + j * dt;
              break;
            }
          }
        }
        item.rendered += got;
        item.lastRenderTime = t + got * dt;
        item.dirty = true;
        this.#cleanSamples += got;
        if (this.#cleanSamples >= PREROLL_DECAY_S * this.sourceRate) {
          this.#cleanSamples = 0;
          this.#preroll = Math.max(this.defaultPreroll, Math.round(this.#preroll * 0.8));
        }
        seg.remaining -= got;
        if (seg.remaining === 0) this.#segments.shift();
        this.#addTail(dst, o, o + got);
        this.#lastOut = dst[o + got - 1]!;
        i += got;
        if (this.#state === 'clearing' && (this.#clearPos >= this.fadeSamples || this.#clearDiscard === 0)) {
          this.#finishClear(t0 + i * dt);
        }
      } else {
        const o = off + i;
        dst.fill(0, o, off + count);
        this.#addTail(dst, o, off + count);
        this.#lastOut = dst[off + count - 1]!;
        i = count;
      }
    }
  }

  /** Adds the decaying held value (if any) to `dst[from..to)`. */
  #addTail(dst: Float32Array, from: number, to: number): void {
    for (let j = from; j < to && this.#tailPos < this.#tailLen; j++) dst[j]! += this.#tailValue * fadeOutGain(this.#tailPos++, this.#tailLen);
  }

  #startTail(length: number): void {
    this.#tailValue = this.#lastOut;
    this.#tailPos = 0;
    this.#tailLen = this.#lastOut === 0 ? 0 : length;
  }

  /** The queue ran dry while sounding: end of audio, underrun, or the end of a clear's fade. */
  #dry(time: number): void {
    if (this.#state === 'clearing') {
      this.#startTail(this.fadeSamples - this.#clearPos);
      this.#finishClear(time);
      return;
    }
    this.#startTail(this.fadeSamples);
    const item = this.#current;
    if (!item || item.ended) {
      this.#goIdle(time);
      return;
    }
    this.#underruns++;
    item.underruns++;
    item.dirty = true;
    this.#cleanSamples = 0;
    this.#preroll = Math.min(this.#maxPreroll, Math.round(this.#preroll * 1.5));
    this.#state = 'buffering';
    this.#bufferingSince = this.#frame;
    this.#emit({ type: 'underrun', itemId: item.id, time, count: this.#underruns });
  }

  #finishClear(time: number): void {
    this.#drop(this.#clearDiscard);
    this.#clearDiscard = 0;
    const ids = this.#clearIds;
    this.#clearIds = [];
    const silentTime = time + (this.#tailLen - this.#tailPos) / this.sourceRate + (this.#up ? (2 * this.#up.delay) / this.sourceRate : 0);
    this.#state = this.#segments.length ? 'buffering' : 'idle';
    this.#bufferingSince = this.#frame;
    // 'idle' first, so that by the time a clear() resolves the main thread knows playback stopped.
    if (this.#state === 'idle') this.#emit({ type: 'idle', time });
    this.#emit({ type: 'cleared', ids, itemId: this.#clearItem, receivedTime: this.#clearReceived, silentTime, items: this.#dirtyItems() });
  }
}
