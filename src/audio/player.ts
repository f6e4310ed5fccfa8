// The assistant's voice on the main thread: one AudioWorkletNode for the whole session, fed
// transferred PCM16 24 kHz chunks; `clear()` for barge-in; `heardMs()` for the truncate.
//
// Heard time. The worklet counts, per item, the samples it rendered and the context time of the
// last one. What the listener has heard by context time `now` is what was rendered more than
// the output path latency ago: rendered − min(latency, lastRender + latency − now), clamped to
// [0, received]. While the item is sounding the count between reports (every ~10 ms) is
// extrapolated from the context clock. The counters never reset on `end()` (output_audio.done)
// or `clear()`, so the value stays exact after both. Latency = `baseLatency + outputLatency`
// (Chromium reports the two stages separately; `getOutputTimestamp()` shows currentTime −
// contextTime ≈ their sum) plus the output resampler's delay, unless `latencyMs` overrides it.
//
// Output path: `'destination'` (default) plays into `context.destination`: lowest latency, and
// the latency the context reports is the one heard-time subtracts. `'media-element'` routes the
// node through a MediaStreamAudioDestinationNode into an <audio> element, the known workaround
// for echo cancellers that ignore Web Audio output (Chromium bug 687574); its extra buffering
// is not reported by the context, so heard time is then slightly early. Chromium's
// chrome-wide echo cancellation (on by default on desktop) takes the whole output as its
// reference, destination included; a loopback RTCPeerConnection pair is the other workaround,
// not implemented here.
import { AudioError } from './errors.js';
import { loadWorklet } from './worklet-loader.js';
import { outputPathLatency, speakerTimeToPerformance } from './clock.js';
import {
  PLAYER_PROCESSOR,
  type ItemStats,
  type PlayerInMessage,
  type PlayerOutMessage,
  type PlayerProcessorOptions,
  type PlayerSnapshot,
  type PlayerState,
} from './messages.js';

export type { ItemStats, PlayerSnapshot, PlayerState } from './messages.js';

/** Where the player's output goes. */
export type PlayerOutput = 'destination' | 'media-element';

/** PCM rate of the wire (and of everything `push` accepts). */
export const WIRE_RATE = 24000;

export interface AudioPlayerOptions {
  /** Base URL of dist/worklets/ (strict CSP) instead of the inlined Blob URL. */
  workletUrl?: string;
  /** Output path (default `'destination'`). */
  output?: PlayerOutput;
  /** Connect to this node instead (tests, host processing); overrides `output`. */
  destination?: AudioNode;
  /** Pre-roll before playback starts (ms, default 20). */
  prerollMs?: number;
  /** Ceiling of the adaptive pre-roll (ms, default 200). */
  maxPrerollMs?: number;
  /** Fade length (ms, ≤ 5, default 4). */
  fadeMs?: number;
  /** Output latency to subtract for heard time (ms), or `'auto'` (default) for what the context reports. */
  latencyMs?: number | 'auto';
  /** Report period of the worklet while active (ms, default 10). */
  reportIntervalMs?: number;
  /** Output device (`MediaDeviceInfo.deviceId`); keep the default unless the user picks one: a non-default sink can disable the mic's echo cancellation. */
  sinkId?: string;
}

/** Events of the player. */
export interface PlayerEventMap {
  /** Audio of `itemId` started sounding (after the pre-roll, or again after an underrun). */
  playing: { itemId: string; time: number };
  /** The queue ran dry while `itemId` had not ended; playback waits for the (grown) pre-roll. */
  underrun: { itemId: string; time: number; count: number };
  /** Nothing is queued or sounding any more. */
  idle: { time: number };
}

/** What `clear()` resolves to: the item the listener was in, and what of it was heard. */
export interface ClearResult {
  /** The item sounding (or pre-rolling) when the clear arrived, else the last one that sounded. */
  itemId: string | null;
  /** Heard ms of `itemId` at the moment the output went silent (`null`: no audio received). */
  heardMs: number | null;
  renderedMs: number;
  receivedMs: number;
  /** Context time the worklet handled the clear, and the time its output was silent. */
  receivedTime: number;
  silentTime: number;
}

interface ItemRecord {
  id: string;
  /** Samples pushed (main-thread count). */
  received: number;
  stats: ItemStats | null;
  /** Context time of the snapshot `stats` came from. */
  statsTime: number;
  cleared: boolean;
  ended: boolean;
  /** performance.now() of the first push. */
  firstPushAt: number;
  /** An odd trailing byte waiting for its partner (−1: none). */
  carry: number;
}

const MAX_RECORDS = 128;

type Listener<K extends keyof PlayerEventMap> = (detail: PlayerEventMap[K]) => void;

/** The player. Create with `AudioPlayer.open()`. */
export class AudioPlayer {
  readonly context: AudioContext;
  readonly node: AudioWorkletNode;
  readonly #ownsContext: boolean;
  readonly #options: AudioPlayerOptions;
  readonly #items = new Map<string, ItemRecord>();
  readonly #listeners: { [K in keyof PlayerEventMap]: Set<Listener<K>> } = { playing: new Set(), underrun: new Set(), idle: new Set() };
  readonly #pendingClears = new Map<number, (result: ClearResult) => void>();
  readonly #pendingReports = new Map<number, (snapshot: PlayerSnapshot) => void>();
  #element: HTMLAudioElement | null = null;
  #streamDestination: MediaStreamAudioDestinationNode | null = null;
  #state: PlayerState = 'idle';
  #current: string | null = null;
  #level = 0;
  #levelTime = 0;
  #underruns = 0;
  #prerollMs: number;
  #resamplerDelay = 0;
  #seq = 0;
  #closed = false;

  private constructor(context: AudioContext, ownsContext: boolean, node: AudioWorkletNode, options: AudioPlayerOptions) {
    this.context = context;
    this.#ownsContext = ownsContext;
    this.node = node;
    this.#options = options;
    this.#prerollMs = options.prerollMs ?? 20;
    node.port.onmessage = (event: MessageEvent<PlayerOutMessage>) => this.#onMessage(event.data);
    if (options.destination) {
      node.connect(options.destination);
    } else if (options.output === 'media-element') {
      this.#streamDestination = context.createMediaStreamDestination();
      node.connect(this.#streamDestination);
      const element = new Audio();
      element.autoplay = true;
      element.srcObject = this.#streamDestination.stream;
      this.#element = element;
      element.play().catch(() => {
        /* autoplay refusal is surfaced through the context's state by the engine */
      });
    } else {
      node.connect(context.destination);
    }
  }

  /**
   * Loads the worklet and creates the player node in `context` (a new context, owned and closed
   * by the player, when omitted). Rejects with `AudioError` (`worklet_load_failed`, `unsupported_browser`).
   */
  static async open(context: AudioContext | null, options: AudioPlayerOptions = {}): Promise<AudioPlayer> {
    const ctx = context ?? new AudioContext({ latencyHint: 'interactive' });
    try {
      await loadWorklet(ctx, 'player-processor', options.workletUrl);
      const processorOptions: PlayerProcessorOptions = {
        ...(options.prerollMs !== undefined && { prerollMs: options.prerollMs }),
        ...(options.maxPrerollMs !== undefined && { maxPrerollMs: options.maxPrerollMs }),
        ...(options.fadeMs !== undefined && { fadeMs: options.fadeMs }),
        reportIntervalMs: options.reportIntervalMs ?? 10,
      };
      const node = new AudioWorkletNode(ctx, PLAYER_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1], processorOptions });
      const player = new AudioPlayer(ctx, !context, node, options);
      if (options.sinkId) await player.setSinkId(options.sinkId);
      return player;
    } catch (error) {
      if (!context) await ctx.close().catch(() => {});
      if (error instanceof AudioError) throw error;
      throw new AudioError('unsupported_browser', `The audio player could not start (${String(error)}).`, { cause: error });
    }
  }

  /** `'idle'`, `'buffering'` (pre-roll or after an underrun), `'playing'` or `'clearing'`. */
  get state(): PlayerState {
    return this.#state;
  }

  /** Whether assistant audio is sounding or queued (including pushes the worklet has not reported yet). */
  get playing(): boolean {
    if (this.#state !== 'idle') return true;
    for (const r of this.#items.values()) {
      if (r.cleared) continue;
      const done = r.stats ? r.stats.rendered + r.stats.dropped : 0;
      if (r.received > done) return true;
    }
    return false;
  }

  /** The item sounding now, or the last one that sounded. */
  get currentItemId(): string | null {
    return this.#current;
  }

  /** Output RMS level (0–1), refreshed every ~10 ms while audio moves, 0 when idle. */
  get level(): number {
    if (this.#state === 'idle' && this.context.currentTime - this.#levelTime > 0.05) return 0;
    return this.#level;
  }

  /** Underruns so far. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Current (adaptive) pre-roll in ms. */
  get prerollMs(): number {
    return this.#prerollMs;
  }

  /** Latency (ms) subtracted from rendered time to get heard time. */
  get latencyMs(): number {
    const o = this.#options.latencyMs;
    const path = typeof o === 'number' ? o / 1000 : outputPathLatency(this.context);
    return (path + this.#resamplerDelay / WIRE_RATE) * 1000;
  }

  /**
   * Queues `pcm16` (PCM16 LE, 24 kHz, mono; any size) for `itemId`. The buffer is transferred
   * (detached afterwards). Returns false when dropped: after `close()`, or for an item that a
   * `clear()` already cut (late deltas of an interrupted response).
   */
  push(itemId: string, pcm16: ArrayBuffer): boolean {
    if (this.#closed) return false;
    const rec = this.#record(itemId);
    if (rec.cleared) return false;
    if (pcm16.byteLength === 0) return true;
    let buffer = pcm16;
    if (rec.carry >= 0 || buffer.byteLength % 2 === 1) {
      // A sample split across chunks: re-pair the bytes (never seen from OpenAI, cheap to handle).
      const bytes = new Uint8Array(buffer);
      const carry = rec.carry >= 0 ? 1 : 0;
      const total = bytes.length + carry;
      const joined = new Uint8Array(total & ~1);
      if (carry && joined.length > 0) joined[0] = rec.carry;
      joined.set(bytes.subarray(0, joined.length - carry), carry);
      if (total % 2 === 1) rec.carry = bytes.length > 0 ? bytes[bytes.length - 1]! : rec.carry;
      else rec.carry = -1;
      buffer = joined.buffer;
    }
    if (buffer.byteLength === 0) return true;
    if (rec.received === 0) rec.firstPushAt = performance.now();
    rec.received += buffer.byteLength >> 1;
    if (this.#state === 'idle') this.#state = 'buffering';
    this.#post({ type: 'push', itemId, pcm: buffer }, [buffer]);
    return true;
  }

  /** Marks `itemId`'s audio complete (`response.output_audio.done`): its end is then no underrun. */
  end(itemId: string): void {
    if (this.#closed) return;
    this.#record(itemId).ended = true;
    this.#post({ type: 'end', itemId });
  }

  /**
   * Fades out (≤ 5 ms) and drops everything queued; later pushes for the items known now are
   * dropped. Resolves once the worklet reports silence, with what was heard of the item the
   * listener was in.
   */
  clear(): Promise<ClearResult> {
    for (const r of this.#items.values()) if (r.received > 0) r.cleared = true;
    if (this.#closed) return Promise.resolve(this.#clearResult(this.#current, this.context.currentTime, this.context.currentTime));
    const id = ++this.#seq;
    return new Promise((resolve) => {
      this.#pendingClears.set(id, resolve);
      this.#post({ type: 'clear', id });
    });
  }

  /**
   * Milliseconds of `itemId` the listener has heard: rendered minus what is still in the
   * output path, clamped to [0, received]. `null` when no audio of the item was received (no
   * truncate possible: the server rejects one before the first audio delta).
   */
  heardMs(itemId: string): number | null {
    const rec = this.#items.get(itemId);
    if (!rec || rec.received === 0) return null;
    return (this.#heardSamples(rec, this.context.currentTime) * 1000) / WIRE_RATE;
  }

  /** Milliseconds of `itemId` pushed so far. */
  receivedMs(itemId: string): number {
    return ((this.#items.get(itemId)?.received ?? 0) * 1000) / WIRE_RATE;
  }

  /** Milliseconds of `itemId` rendered by the worklet (no latency subtracted), as of the last report. */
  renderedMs(itemId: string): number {
    return ((this.#items.get(itemId)?.stats?.rendered ?? 0) * 1000) / WIRE_RATE;
  }

  /**
   * First-audio timing of `itemId` in `performance.now()` ms: the first push, and when the
   * first non-zero sample reaches the speaker (render time + output latency). `null` until known.
   */
  timing(itemId: string): { firstPushAt: number; firstAudibleAt: number } | null {
    const rec = this.#items.get(itemId);
    const t = rec?.stats?.firstAudibleTime ?? -1;
    if (!rec || t < 0) return null;
    return { firstPushAt: rec.firstPushAt, firstAudibleAt: speakerTimeToPerformance(this.context, t) };
  }

  /** Counters of `itemId` as of the last report (samples at 24 kHz). */
  itemStats(itemId: string): Readonly<ItemStats> | null {
    return this.#items.get(itemId)?.stats ?? null;
  }

  /** Asks the worklet for a fresh report of every item it knows. */
  stats(): Promise<PlayerSnapshot> {
    if (this.#closed) return Promise.reject(new Error('player closed'));
    const id = ++this.#seq;
    return new Promise((resolve) => {
      this.#pendingReports.set(id, resolve);
      this.#post({ type: 'report', id });
    });
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof PlayerEventMap>(type: K, listener: (detail: PlayerEventMap[K]) => void): () => void {
    const set = this.#listeners[type] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Sends the output to another device where the browser can (`AudioContext.setSinkId`, or the
   * media element's). Resolves false when unsupported. Note: with the context shared with the
   * microphone, a non-default sink has been reported to disable the mic's echo cancellation.
   */
  async setSinkId(sinkId: string): Promise<boolean> {
    const target = (this.#element ?? this.context) as { setSinkId?: (id: string) => Promise<void> };
    if (typeof target.setSinkId !== 'function') return false;
    await target.setSinkId(sinkId);
    return true;
  }

  /** Restarts the media element after an autoplay block (no-op with the destination path). */
  async resumeOutput(): Promise<void> {
    if (this.#element?.paused) await this.#element.play().catch(() => {});
  }

  /** Stops the worklet, disconnects the node, closes the port (and the context if it owns it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    const now = this.context.currentTime;
    this.#closed = true;
    this.#post({ type: 'close' });
    this.node.port.onmessage = null;
    this.node.port.close();
    this.node.disconnect();
    if (this.#element) {
      this.#element.pause();
      this.#element.srcObject = null;
      this.#element = null;
    }
    if (this.#streamDestination) {
      for (const t of this.#streamDestination.stream.getTracks()) t.stop();
      this.#streamDestination.disconnect();
      this.#streamDestination = null;
    }
    for (const [, resolve] of this.#pendingClears) resolve(this.#clearResult(this.#current, now, now));
    this.#pendingClears.clear();
    this.#pendingReports.clear();
    this.#state = 'idle';
    if (this.#ownsContext && this.context.state !== 'closed') await this.context.close().catch(() => {});
  }

  // ── internals ──

  #post(message: PlayerInMessage, transfer: Transferable[] = []): void {
    this.node.port.postMessage(message, transfer);
  }

  #record(id: string): ItemRecord {
    let rec = this.#items.get(id);
    if (!rec) {
      rec = { id, received: 0, stats: null, statsTime: 0, cleared: false, ended: false, firstPushAt: 0, carry: -1 };
      this.#items.set(id, rec);
      if (this.#items.size > MAX_RECORDS) {
        for (const key of this.#items.keys()) {
          if (this.#items.size <= MAX_RECORDS) break;
          if (key !== id && key !== this.#current) this.#items.delete(key);
        }
      }
    }
    return rec;
  }

  #heardSamples(rec: ItemRecord, now: number): number {
    const s = rec.stats;
    if (!s) return 0;
    let rendered = s.rendered;
    let lastRender = s.lastRenderTime;
    if (s.playing && !this.#closed) {
      rendered += Math.min(s.buffered, Math.max(0, now - rec.statsTime) * WIRE_RATE);
      lastRender = Math.max(lastRender, now);
    }
    const latency = this.latencyMs / 1000;
    const pending = Math.min(latency, Math.max(0, lastRender + latency - now)) * WIRE_RATE;
    return Math.max(0, Math.min(rec.received, Math.round(rendered - pending)));
  }

  #applyStats(items: readonly ItemStats[], time: number): void {
    for (const s of items) {
      const rec = this.#items.get(s.id);
      if (!rec) continue; // forgotten on this side
      rec.stats = s;
      rec.statsTime = time;
    }
  }

  #clearResult(itemId: string | null, receivedTime: number, silentTime: number): ClearResult {
    const rec = itemId ? this.#items.get(itemId) : undefined;
    const received = rec?.received ?? 0;
    return {
      itemId,
      heardMs: rec && received > 0 ? (this.#heardSamples(rec, this.context.currentTime) * 1000) / WIRE_RATE : null,
      renderedMs: ((rec?.stats?.rendered ?? 0) * 1000) / WIRE_RATE,
      receivedMs: (received * 1000) / WIRE_RATE,
      receivedTime,
      silentTime,
    };
  }

  #emit<K extends keyof PlayerEventMap>(type: K, detail: PlayerEventMap[K]): void {
    for (const listener of [...(this.#listeners[type] as Set<Listener<K>>)]) {
      try {
        listener(detail);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #onMessage(m: PlayerOutMessage): void {
    if (this.#closed) return;
    switch (m.type) {
      case 'report': {
        this.#applyStats(m.items, m.time);
        this.#state = m.state;
        this.#current = m.itemId;
        this.#level = m.level;
        this.#levelTime = m.time;
        this.#underruns = m.underruns;
        this.#prerollMs = m.prerollMs;
        this.#resamplerDelay = m.resamplerDelay;
        if (m.id !== undefined) {
          const resolve = this.#pendingReports.get(m.id);
          this.#pendingReports.delete(m.id);
          resolve?.(m);
        }
        break;
      }
      case 'playing':
        this.#state = 'playing';
        this.#current = m.itemId;
        this.#emit('playing', { itemId: m.itemId, time: m.time });
        break;
      case 'underrun':
        this.#state = 'buffering';
        this.#underruns = m.count;
        this.#emit('underrun', { itemId: m.itemId, time: m.time, count: m.count });
        break;
      case 'idle':
        this.#state = 'idle';
        this.#level = 0;
        this.#emit('idle', { time: m.time });
        break;
      case 'cleared': {
        this.#applyStats(m.items, m.silentTime);
        if (!this.playing) this.#state = 'idle';
        const result = this.#clearResult(m.itemId, m.receivedTime, m.silentTime);
        for (const id of m.ids) {
          const resolve = this.#pendingClears.get(id);
          this.#pendingClears.delete(id);
          resolve?.(result);
        }
        break;
      }
    }
  }
}
