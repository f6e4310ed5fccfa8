// AudioWorklet: the one player node of a session. Transferred PCM16 24 kHz chunks in, the
// context's rate out; silence while idle (and `process` keeps returning true, so the node lives
// across responses). The logic is PlayerCore; this file only wires it to the port.
import { PlayerCore } from '../player-core.js';
import { PLAYER_PROCESSOR, type PlayerInMessage, type PlayerOutMessage, type PlayerProcessorOptions } from '../messages.js';

declare const sampleRate: number;
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

class PlayerProcessor extends AudioWorkletProcessor {
  readonly #core: PlayerCore;
  readonly #reportEvery: number;
  #sinceReport = 0;
  #alive = true;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const o = (options.processorOptions ?? {}) as PlayerProcessorOptions;
    this.#core = new PlayerCore(
      {
        outputRate: sampleRate,
        ...(o.prerollMs !== undefined && { prerollMs: o.prerollMs }),
        ...(o.maxPrerollMs !== undefined && { maxPrerollMs: o.maxPrerollMs }),
        ...(o.fadeMs !== undefined && { fadeMs: o.fadeMs }),
        ...(o.maxWaitMs !== undefined && { maxWaitMs: o.maxWaitMs }),
        ...(o.initialCapacity !== undefined && { initialCapacity: o.initialCapacity }),
        ...(o.maxCapacity !== undefined && { maxCapacity: o.maxCapacity }),
      },
      (event) => this.#post(event),
    );
    this.#reportEvery = Math.max(1, Math.round(((o.reportIntervalMs ?? 10) * sampleRate) / 1000 / 128));
    for (const p of o.prefill ?? []) {
      this.#core.push(p.itemId, new Int16Array(p.pcm, 0, p.pcm.byteLength >> 1));
      if (p.end) this.#core.end(p.itemId);
    }
    this.port.onmessage = (event: MessageEvent<PlayerInMessage>) => this.#onMessage(event.data);
  }

  #post(message: PlayerOutMessage): void {
    this.port.postMessage(message);
  }

  #onMessage(m: PlayerInMessage): void {
    switch (m.type) {
      case 'push':
        this.#core.push(m.itemId, new Int16Array(m.pcm, 0, m.pcm.byteLength >> 1));
        break;
      case 'end':
        this.#core.end(m.itemId);
        break;
      case 'clear':
        this.#core.clear(m.id);
        break;
      case 'report':
        this.#post({ type: 'report', id: m.id, ...this.#core.snapshot(true) });
        break;
      case 'close':
        this.#alive = false;
        this.port.close();
        break;
    }
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (!this.#alive) return false;
    const out = outputs[0]?.[0];
    if (!out) return true;
    this.#core.render(out, currentFrame);
    // Further output channels (if the node was given more) carry the same signal.
    const channels = outputs[0]!;
    for (let c = 1; c < channels.length; c++) channels[c]!.set(out);
    if (++this.#sinceReport >= this.#reportEvery) {
      this.#sinceReport = 0;
      if (this.#core.active) this.#post({ type: 'report', ...this.#core.snapshot() });
    }
    return true;
  }
}

registerProcessor(PLAYER_PROCESSOR, PlayerProcessor);
