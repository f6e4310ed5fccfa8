// The assistant's voice on the main thread: one player worklet node for the whole session, fed
// transferred PCM16 24 kHz chunks; `clear()` for barge-in; `heardMs()` for the truncate. It
// exists before its node does: commands sent meanwhile (a greeting that beats the worklet load)
// are queued and sent when `start()` creates the node.
//
// Heard time. The worklet reports, per item, the samples it rendered and the context time at
// which the last one leaves the node. What the listener has heard by context time `now` is
// what left the node more than the output latency ago: rendered − (last + latency − now)⁺,
// clamped to [0, received]. While the item sounds, the count since the last report (every
// ~10 ms) is extrapolated on the context clock. The counters never reset on `end()` or
// `clear()`, so the value stays exact after both. Latency = `baseLatency + outputLatency`
// (Chromium reports the two stages separately; `getOutputTimestamp()` shows their sum).
//
// Output path: `'destination'` (default): lowest latency, and its latency is the one the context
// reports. `'media-element'`: the node → a MediaStreamAudioDestinationNode → an <audio>
// element, the known workaround for echo cancellers that ignore Web Audio output (Chromium bug
// 687574); its extra buffering is not reported, so heard time is then slightly early.
import { PLAYER_PROCESSOR, type PlayerCommand, type PlayerReport } from './messages.js';

const RATE = 24000;

/** Where the player's output goes. */
export type PlayerOutput = 'destination' | 'media-element';

/** What `clear()` resolves to: the item the listener was in, and how much of it was heard when the output went silent. */
export interface ClearResult {
  itemId: string | null;
  /** `null`: nothing of the item was received (no truncate possible). */
  heardMs: number | null;
}

/** What the main thread knows of one item (samples at 24 kHz; `last` in context seconds). */
export interface ItemRecord {
  received: number;
  rendered: number;
  last: number;
  /** A `clear()` cut it: later audio of it is dropped (late deltas). */
  cleared: boolean;
}

export class AudioPlayer {
  /** The worklet node, once `start()` created it. */
  node: AudioWorkletNode | null = null;
  readonly #context: AudioContext;
  readonly #onPlayback: ((playing: boolean) => void) | undefined;
  readonly #items = new Map<string, ItemRecord>();
  #backlog: [PlayerCommand, Transferable[]][] = [];
  #report: PlayerReport | null = null;
  /** Samples sent to the worklet. */
  #sent = 0;
  #clearId = 0;
  #clears: ((result: ClearResult) => void)[] = [];
  #sounding = false;
  #element: HTMLAudioElement | null = null;

  /** `onPlayback`: assistant audio started (`true`) or stopped (`false`) sounding; an underrun is no stop. */
  constructor(context: AudioContext, onPlayback?: (playing: boolean) => void) {
    this.#context = context;
    this.#onPlayback = onPlayback;
  }

  /** Creates the node (the worklet module must be loaded) and sends what was queued meanwhile. */
  start(output: PlayerOutput = 'destination'): void {
    const context = this.#context;
    const node = (this.node = new AudioWorkletNode(context, PLAYER_PROCESSOR, { numberOfInputs: 0, outputChannelCount: [1] }));
    node.port.onmessage = (event: MessageEvent<PlayerReport>) => this.#onReport(event.data);
    if (output === 'media-element') {
      const stream = context.createMediaStreamDestination();
      node.connect(stream);
      this.#element = new Audio();
      this.#element.srcObject = stream.stream;
      void this.resumeOutput();
    } else {
      node.connect(context.destination);
    }
    for (const [command, transfer] of this.#backlog) node.port.postMessage(command, transfer);
    this.#backlog = [];
  }

  /** The last report of the worklet (state, level, underruns, pre-roll), `null` before the first. */
  get report(): PlayerReport | null {
    return this.#report;
  }

  /** Whether assistant audio is sounding or queued (including audio the worklet has not acknowledged). */
  get playing(): boolean {
    return (this.#report?.state ?? 'idle') !== 'idle' || this.#sent > (this.#report?.received ?? 0);
  }

  /** Output RMS level (0–1). */
  get level(): number {
    return this.#report?.state === 'idle' ? 0 : (this.#report?.level ?? 0);
  }

  /** What is known of `itemId`. */
  item(itemId: string): Readonly<ItemRecord> | undefined {
    return this.#items.get(itemId);
  }

  /**
   * Queues `pcm16` (PCM16 LE, 24 kHz, mono, any size) for `itemId`; the buffer is transferred.
   * False when dropped: the item was cut by `clear()` (late deltas of an interrupted response).
   */
  push(itemId: string, pcm16: ArrayBuffer): boolean {
    let rec = this.#items.get(itemId);
    if (!rec) {
      this.#items.set(itemId, (rec = { received: 0, rendered: 0, last: 0, cleared: false }));
      // Bounded memory over a long session: only recent items are asked about.
      if (this.#items.size > 64) this.#items.delete(this.#items.keys().next().value!);
    }
    if (rec.cleared) return false;
    rec.received += pcm16.byteLength >> 1;
    this.#sent += pcm16.byteLength >> 1;
    this.#post({ push: itemId, pcm: pcm16 }, [pcm16]);
    return true;
  }

  /** Marks `itemId`'s audio complete (`response.output_audio.done`): its end is then no underrun. */
  end(itemId: string): void {
    this.#post({ end: itemId });
  }

  /**
   * Fades out (≤ 5 ms) and drops everything queued; later audio of the items known now is
   * dropped. Resolves once the output is silent.
   */
  clear(): Promise<ClearResult> {
    for (const rec of this.#items.values()) rec.cleared = true;
    if (!this.node) {
      this.#backlog = [];
      this.#sent = 0;
      return Promise.resolve({ itemId: null, heardMs: null });
    }
    this.#post({ clear: ++this.#clearId });
    return new Promise((resolve) => this.#clears.push(resolve));
  }

  /**
   * Milliseconds of `itemId` the listener has heard by context time `now`: what left the node
   * more than the output latency ago, within [0, received]. `null` when nothing of it was received.
   */
  heardMs(itemId: string, now = this.#context.currentTime): number | null {
    const rec = this.#items.get(itemId);
    const report = this.#report;
    if (!rec?.received) return null;
    let { rendered, last } = rec;
    if (report?.item === itemId && report.state === 'playing' && now > report.time) {
      rendered = Math.min(rec.received, rendered + (now - report.time) * RATE);
      last += now - report.time;
    }
    const latency = (this.#context.baseLatency || 0) + (this.#context.outputLatency || 0);
    const pending = Math.max(0, last + latency - now) * RATE;
    return (Math.max(0, Math.min(rec.received, Math.round(rendered - pending))) * 1000) / RATE;
  }

  /**
   * Sends the output to another device where the browser can (the media element's or the
   * context's `setSinkId`); false when it cannot. Keep the default unless the user picks one:
   * a non-default sink was reported to disable the microphone's echo cancellation.
   */
  async setSinkId(sinkId: string): Promise<boolean> {
    const target = (this.#element ?? this.#context) as { setSinkId?(id: string): Promise<void> };
    if (!target.setSinkId) return false;
    await target.setSinkId(sinkId);
    return true;
  }

  /** Restarts the media element (after an autoplay block); nothing to do for the destination. */
  async resumeOutput(): Promise<void> {
    await this.#element?.play().catch(() => {});
  }

  /** Disconnects the node (the context is the caller's); a pending `clear()` resolves. */
  close(): void {
    this.node?.disconnect();
    if (this.node) this.node.port.onmessage = null;
    if (this.#element) this.#element.srcObject = null;
    for (const resolve of this.#clears) resolve({ itemId: null, heardMs: null });
    this.#clears = [];
  }

  #post(command: PlayerCommand, transfer: Transferable[] = []): void {
    if (this.node) this.node.port.postMessage(command, transfer);
    else this.#backlog.push([command, transfer]);
  }

  #onReport(report: PlayerReport): void {
    this.#report = report;
    for (const item of report.items) {
      const rec = this.#items.get(item.id);
      if (rec) Object.assign(rec, { rendered: item.rendered, last: item.last });
    }
    // An underrun (buffering) is still the same "speaking": only idle ends it.
    const sounding = report.state === 'playing' || (this.#sounding && report.state !== 'idle');
    if (sounding !== this.#sounding) this.#onPlayback?.((this.#sounding = sounding));
    if (report.cleared === this.#clearId && this.#clears.length) {
      // At the moment the output went silent (report.time), not when this message arrives.
      const result: ClearResult = { itemId: report.item, heardMs: report.item === null ? null : this.heardMs(report.item, report.time) };
      for (const resolve of this.#clears) resolve(result);
      this.#clears = [];
    }
  }
}
