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

/** Microphone in (mono: the node downmixes), 20 ms PCM16 frames at 24 kHz out. `processorOptions.muted`: start muted. */
class CaptureProcessor extends AudioWorkletProcessor {
  readonly #framer = new CaptureFramer(sampleRate, (pcm, level, capturedAt) => this.port.postMessage({ pcm, level, capturedAt } satisfies CaptureFrame, [pcm]));

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
  // Every ~20 ms: the main thread extrapolates between reports on the context clock, and each
  // report is a main-thread task (BENCHMARKS.md figure 7).
  readonly #reportEvery = Math.ceil((0.02 * sampleRate) / 128);
  #sinceReport = 0;
  /** State and last clear of the previous report: a change is reported at once. */
  #reported = '';

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
    const key = core.state + core.cleared;
    if (key !== this.#reported || (++this.#sinceReport >= this.#reportEvery && (core.state !== 'idle' || core.changed.size))) {
      this.port.postMessage({ ...core, time: (currentFrame + out.length) / sampleRate } satisfies PlayerReport);
      core.changed.clear();
      core.level = 0;
      this.#reported = key;
      this.#sinceReport = 0;
    }
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
registerProcessor(PLAYER_PROCESSOR, PlayerProcessor);
