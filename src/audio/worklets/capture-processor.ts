// AudioWorklet: the microphone at the context's rate in, 20 ms PCM16 frames at 24 kHz out
// (transferred ArrayBuffers with level and capture time). The DSP is CaptureFramer.
import { CaptureFramer } from '../capture-framer.js';
import { CAPTURE_PROCESSOR, type CaptureInMessage, type CaptureOutMessage, type CaptureProcessorOptions } from '../messages.js';

// The AudioWorkletGlobalScope, which TypeScript's DOM lib does not describe.
declare const sampleRate: number;
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

class CaptureProcessor extends AudioWorkletProcessor {
  readonly #framer: CaptureFramer;
  #seq = 0;
  #alive = true;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const o = (options.processorOptions ?? {}) as CaptureProcessorOptions;
    this.#framer = new CaptureFramer(
      { inputRate: sampleRate, outputRate: o.outputRate ?? 24000, frameSamples: o.frameSamples ?? 480, muted: o.muted ?? false, muteMode: o.muteMode ?? 'silence' },
      (pcm, level, capturedAt) => {
        const message: CaptureOutMessage = { type: 'frame', pcm, level, capturedAt, seq: this.#seq++ };
        this.port.postMessage(message, [pcm]);
      },
    );
    this.port.onmessage = (event: MessageEvent<CaptureInMessage>) => {
      const m = event.data;
      if (m.type === 'mute') this.#framer.setMuted(m.muted, m.mode);
      else if (m.type === 'close') {
        this.#alive = false;
        this.port.close();
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.#alive) return false;
    this.#framer.process(inputs[0] ?? [], currentFrame, inputs[0]?.[0]?.length ?? 128);
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
