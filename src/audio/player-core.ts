// The player worklet's logic as a plain class, so that it runs (and is tested) outside a worklet:
// PCM16 chunks of assistant items at 24 kHz in, the context's rate out (through the same
// resampler as capture), one source sample at a time through a small state machine:
//
//   idle ─push─▶ buffering ─pre-roll─▶ playing ─queue dry, item not ended (underrun)─▶ buffering
//                                         └──── queue dry, item ended ────▶ idle
//
// - Pre-roll: playback starts once `preroll` (20 ms) is queued, or every queued item has ended,
//   or data has waited max(60 ms, 2 × pre-roll). Fast attack, slow decay, as jitter buffers do:
//   each underrun doubles the pre-roll (up to 200 ms); every 30 s played without one shrinks it
//   ×0.8 (back to 20 ms). Replies start with a short delta and underrun at their start if the
//   next one is late: a pre-roll that grew ×1.5 and shrank after 10 s was back below the jitter
//   by the next-but-one reply (bench figure 6 under 0–60 ms jitter: an underrun every other reply).
// - No clicks: a start whose first sample is more than 1/256 of full scale away from zero fades
//   in; when the queue runs dry the last value decays to zero (no received sample is altered);
//   `clear` fades the queued audio itself out. Raised-cosine, 4 ms, so that with the output
//   resampler's delay a clear is silent within 5 ms. Speech starts and ends near zero: it passes
//   bit-exactly.
// - Accounting: per item, the samples rendered and the context time at which the last one leaves
//   the node; the main thread subtracts the output latency to get what was heard.
// - The queue is the transferred chunks themselves: no copy, nothing to grow or wrap around.
import { Resampler } from './resampler.js';

/** Rate of the wire and of everything pushed. */
export const SOURCE_RATE = 24000;
/** Fade length: 4 ms at 24 kHz. */
export const FADE = 96;
/** Step from zero (fraction of full scale) above which a start fades in. */
export const FADE_THRESHOLD = 1 / 256;
const PREROLL = 480;
const MAX_PREROLL = 4800;
/** Queued data starts after this long (samples) even below the pre-roll. */
const PATIENCE = 1440;
const CLEAN_RUN = 30 * SOURCE_RATE;

/** Gain of sample `k` of a raised-cosine fade-in (the fade-out's is `fadeIn(FADE − 1 − k)`). */
export const fadeIn = (k: number): number => 0.5 - 0.5 * Math.cos((Math.PI * (k + 0.5)) / FADE);

/** Counters of one assistant item; the worklet posts them as they are. */
export interface Item {
  id: string;
  /** Samples rendered (pulled into the output resampler). */
  rendered: number;
  /** Context time at which the last rendered sample leaves the node. */
  last: number;
  ended: boolean;
}

export type PlayerState = 'idle' | 'buffering' | 'playing';

interface Chunk {
  item: Item;
  pcm: Int16Array;
  pos: number;
}

/** Its public fields are what the worklet reports (messages.ts `PlayerReport`). */
export class PlayerCore {
  state: PlayerState = 'idle';
  /** The item the listener is in: sounding or pre-rolling, else the last one that sounded. */
  current: Item | null = null;
  /** Current pre-roll (samples). */
  preroll = PREROLL;
  underruns = 0;
  /** Samples received, all items. */
  received = 0;
  /** Id of the last `clear` that completed (its output is silent). */
  cleared = 0;
  /** Highest RMS of a block since the owner last reset it. */
  level = 0;
  /** Items rendered since the owner last emptied the set. */
  readonly changed = new Set<Item>();
  readonly #items = new Map<string, Item>();
  readonly #rate: number;
  readonly #up: Resampler;
  #queue: Chunk[] = [];
  /** Samples in `#queue`. */
  #queued = 0;
  /** The queue a clear is fading out (then `#queue` holds only what came after the clear). */
  #fading: Chunk[] | null = null;
  #clearPos = 0;
  #clearId = 0;
  #waited = 0;
  #clean = 0;
  #fadeInPos = FADE;
  #last = 0;
  #tailValue = 0;
  #tailPos = FADE;

  constructor(outputRate: number) {
    this.#rate = outputRate;
    this.#up = new Resampler(SOURCE_RATE, outputRate);
  }

  /** Queues PCM16 samples of `itemId`. */
  push(itemId: string, pcm: Int16Array): void {
    this.received += pcm.length;
    if (!pcm.length) return;
    this.#queue.push({ item: this.#item(itemId), pcm, pos: 0 });
    this.#queued += pcm.length;
    if (this.state === 'idle') this.#buffer();
  }

  /** Marks `itemId` complete: its tail may start below the pre-roll and its end is no underrun. */
  end(itemId: string): void {
    this.#item(itemId).ended = true;
  }

  /** Fades out (when playing) or drops everything queued now; `cleared` becomes `id` once silent. */
  clear(id: number): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    this.#clearId = id;
    if (this.state !== 'playing') {
      this.current = queue[0]?.item ?? this.current;
      this.state = 'idle';
      this.cleared = id;
    } else if (!this.#fading) {
      this.#fading = queue;
      this.#clearPos = 0;
    } // else: a clear during a clear's fade drops what came since and completes with it
  }

  /** Renders one block whose first sample is context frame `frame`. */
  render(out: Float32Array, frame: number): void {
    const up = this.#up;
    // A source sample pulled now leaves the node after the resampler's group delay.
    const delay = up.delay / SOURCE_RATE;
    let sum = 0;
    for (let i = 0; i < out.length; i++) {
      while (!up.ready) up.push(this.#next((frame + i) / this.#rate + delay));
      const y = (out[i] = up.pull());
      sum += y * y;
    }
    this.level = Math.max(this.level, Math.sqrt(sum / out.length));
  }

  /** The next source sample, which leaves the node at context time `t`. */
  #next(t: number): number {
    if (this.state === 'buffering') this.#maybeStart();
    let x = 0;
    if (this.state === 'playing') {
      const queue = this.#fading ?? this.#queue;
      const chunk = queue[0];
      if (chunk) {
        x = chunk.pcm[chunk.pos++]! / 32768;
        if (chunk.pos === chunk.pcm.length) queue.shift();
        if (!this.#fading) this.#queued--;
        const item = (this.current = chunk.item);
        item.rendered++;
        item.last = t;
        this.changed.add(item);
        if (this.#fadeInPos < FADE) x *= fadeIn(this.#fadeInPos++);
        this.#last = x;
        if (++this.#clean === CLEAN_RUN) {
          this.#clean = 0;
          this.preroll = Math.max(PREROLL, Math.round(this.preroll * 0.8));
        }
      } else if (!this.#fading) {
        this.#dry();
      }
    }
    if (this.#tailPos < FADE) x += this.#tailValue * fadeIn(FADE - 1 - this.#tailPos++);
    if (this.#fading) {
      x *= fadeIn(FADE - 1 - this.#clearPos);
      if (++this.#clearPos === FADE) this.#endClear();
    }
    return x;
  }

  #maybeStart(): void {
    const head = this.#queue[0];
    if (!head) {
      // Waiting after an underrun, and the item has since ended: nothing more is coming.
      if (this.current?.ended !== false) this.state = 'idle';
      return;
    }
    if (this.#queued >= this.preroll || ++this.#waited >= Math.max(PATIENCE, 2 * this.preroll) || this.#queue.every((c) => c.item.ended)) {
      this.state = 'playing';
      this.current = head.item;
      this.#fadeInPos = Math.abs(head.pcm[head.pos]!) > 32768 * FADE_THRESHOLD ? 0 : FADE;
    }
  }

  /** The queue ran dry while playing: the end of the audio, or an underrun. */
  #dry(): void {
    this.#tailValue = this.#last;
    this.#tailPos = 0;
    if (this.current?.ended !== false) {
      this.state = 'idle';
      return;
    }
    this.underruns++;
    this.#clean = 0;
    this.preroll = Math.min(MAX_PREROLL, this.preroll * 2);
    this.#buffer();
  }

  #endClear(): void {
    this.#fading = null;
    this.#tailPos = FADE; // a decay in progress was faded out with the rest
    this.#last = 0;
    this.cleared = this.#clearId;
    if (this.#queue.length) this.#buffer();
    else this.state = 'idle';
  }

  #buffer(): void {
    this.state = 'buffering';
    this.#waited = 0;
  }

  #item(id: string): Item {
    let item = this.#items.get(id);
    if (!item) {
      this.#items.set(id, (item = { id, rendered: 0, last: 0, ended: false }));
      // Only recent items matter here (the main thread keeps its own records): forget the oldest.
      if (this.#items.size > 64) this.#items.delete(this.#items.keys().next().value!);
    }
    return item;
  }
}
