// The one AudioWorklet module (dist/worklets/audio-processors.js): the capture and the player
// processor. One module, so that the resampler ships once and a context loads one file. The DSP
// is in CaptureFramer and PlayerCore; this file only wires them to the ports.
import { CaptureFramer } from '../capture-framer.js';
import { PlayerCore } from '../player-core.js';
import { CAPTURE_PROCESSOR, PLAYER_PROCESSOR, type CaptureFrame, type PlayerCommand, type PlayerReport } from '../messages.js';

// The AudioWorkletGlobalScope, which TypeScript's DOM lib does not describe.
declare const sampleRate: number;
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

/**
 * The player's routine report, once due, rides on the next microphone frame: both processors of a
 * context share this scope, and one main-thread task per frame costs half of two (BENCHMARKS.md
 * figure 7). Taking it resets the player's count; the player posts it itself when no frame comes.
 */
let takeReport: (() => PlayerReport) | undefined;

/** Microphone in (mono: the node downmixes), PCM16 frames of 20–24 ms at 24 kHz out. `processorOptions.muted`: start muted. */
class CaptureProcessor extends AudioWorkletProcessor {
  readonly #framer = new CaptureFramer(sampleRate, (pcm, level, capturedAt) =>
    this.port.postMessage({ pcm, level, capturedAt, report: takeReport?.() } satisfies CaptureFrame, [pcm]),
  );

  constructor(options: AudioWorkletNodeOptions) {
    super();
    this.#framer.setMuted(!!options.processorOptions?.muted);
    this.port.onmessage = (event: MessageEvent<boolean>) => this.#framer.setMuted(event.data);
  }

  process(inputs: Float32Array[][]): boolean {
    this.#framer.process(inputs[0]?.[0], currentFrame);
    return true;
  }
}

/**
 * The one player node of a session: silence while idle, and `process` keeps returning true, so
 * that the node lives across responses. `processorOptions.commands`: commands to apply before
 * the first block (offline rendering, where port messages can arrive after the render is over).
 */
class PlayerProcessor extends AudioWorkletProcessor {
  readonly #core = new PlayerCore(sampleRate);
  // Due every ~20 ms (the main thread extrapolates between reports on the context clock); posted
  // here only after three periods without a microphone frame to carry it.
  readonly #reportEvery = Math.ceil((0.02 * sampleRate) / 128);
  #sinceReport = 0;
  /** State and last clear of the previous report: a change is reported at once, on this port. */
  #reported = '';
  /** Context time at the end of the last rendered block. */
  #time = 0;
  /** `#take`, bound once: offered to the capture processor every block while a report is due. */
  readonly #taker = (): PlayerReport => this.#take();

  constructor(options: AudioWorkletNodeOptions) {
    super();
    this.port.onmessage = (event: MessageEvent<PlayerCommand>) => this.#command(event.data);
    for (const command of (options.processorOptions?.commands ?? []) as PlayerCommand[]) this.#command(command);
  }

  #command(m: PlayerCommand): void {
    if ('push' in m) this.#core.push(m.push, new Int16Array(m.pcm, 0, m.pcm.byteLength >> 1));
    else if ('end' in m) this.#core.end(m.end);
    else this.#core.clear(m.clear);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const core = this.#core;
    const out = outputs[0]![0]!;
    core.render(out, currentFrame);
    this.#time = (currentFrame + out.length) / sampleRate;
    const key = core.state + core.cleared;
    const due = ++this.#sinceReport >= this.#reportEvery && (core.state !== 'idle' || core.changed.size > 0);
    if (key !== this.#reported || (due && this.#sinceReport >= 3 * this.#reportEvery)) this.port.postMessage(this.#take());
    else if (due) takeReport = this.#taker;
    return true;
  }

  /** The report as of the last rendered block; starts the next period. */
  #take(): PlayerReport {
    const core = this.#core;
    const report = { ...core, changed: [...core.changed], time: this.#time };
    core.changed.clear();
    core.level = 0;
    this.#reported = core.state + core.cleared;
    this.#sinceReport = 0;
    takeReport = undefined;
    return report;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
registerProcessor(PLAYER_PROCESSOR, PlayerProcessor);
