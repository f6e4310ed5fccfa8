// Test support for the audio engine tests: sees what an `AudioEngine` creates (its context, its
// worklet nodes, the microphone streams) by wrapping the constructors it calls, and records what
// it reports through its handlers.
import type { AudioEngineHandlers } from '../../src/audio/audio-engine.js';
import type { PlayerReport } from '../../src/audio/messages.js';

export interface AudioProbe {
  contexts: AudioContext[];
  /** Every AudioWorkletNode created, with its processor name. */
  nodes: { name: string; node: AudioWorkletNode }[];
  streams: MediaStream[];
  /** The one node of processor `name` (throws when there is not exactly one). */
  node(name: string): AudioWorkletNode;
  restore(): void;
}

/**
 * Wraps `AudioContext` (optionally forcing its rate, and letting `onContext` tamper with each
 * one), `AudioWorkletNode` and `getUserMedia` until `restore()`.
 */
export function probeAudio(options: { sampleRate?: number; onContext?: (context: AudioContext) => void } = {}): AudioProbe {
  const RealContext = window.AudioContext;
  const RealNode = window.AudioWorkletNode;
  const media = navigator.mediaDevices;
  const gum = media.getUserMedia;
  const probe: AudioProbe = {
    contexts: [],
    nodes: [],
    streams: [],
    node(name) {
      const found = probe.nodes.filter((n) => n.name === name);
      if (found.length !== 1) throw new Error(`${found.length} nodes of ${name}`);
      return found[0]!.node;
    },
    restore() {
      window.AudioContext = RealContext;
      window.AudioWorkletNode = RealNode;
      media.getUserMedia = gum;
    },
  };
  window.AudioContext = class extends RealContext {
    constructor(o?: AudioContextOptions) {
      super(options.sampleRate ? { ...o, sampleRate: options.sampleRate } : o);
      probe.contexts.push(this);
      options.onContext?.(this);
    }
  };
  window.AudioWorkletNode = class extends RealNode {
    constructor(context: BaseAudioContext, name: string, o?: AudioWorkletNodeOptions) {
      super(context, name, o);
      probe.nodes.push({ name, node: this });
    }
  };
  media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const stream = await gum.call(media, constraints);
    probe.streams.push(stream);
    return stream;
  };
  return probe;
}

export interface Recorded {
  frames: { pcm: Int16Array; level: number; capturedAt: number; arrivedAt: number; ctxAtArrival: number }[];
  playback: boolean[];
  blocked: boolean[];
  errors: Error[];
  /** The output level that came with the last frame. */
  output: number;
}

/** Handlers that record everything the engine reports; `context` stamps each frame's arrival. */
export function recordHandlers(context: () => AudioContext | undefined = () => undefined): { handlers: AudioEngineHandlers; log: Recorded } {
  const log: Recorded = { frames: [], playback: [], blocked: [], errors: [], output: 0 };
  const handlers: AudioEngineHandlers = {
    frame: (pcm, capturedAt) =>
      log.frames.push({ pcm: new Int16Array(pcm), level: NaN, capturedAt, arrivedAt: performance.now(), ctxAtArrival: context()?.currentTime ?? NaN }),
    level: ({ input, output }) => {
      log.frames[log.frames.length - 1]!.level = input;
      log.output = output;
    },
    playback: (p) => log.playback.push(p),
    blocked: (b) => log.blocked.push(b),
    error: (e) => log.errors.push(e),
  };
  return { handlers, log };
}

/** Keeps the player node's latest report (its diagnostics: state, underruns, pre-roll). */
export function lastReport(player: AudioWorkletNode): { readonly report: PlayerReport | null } {
  const seen = { report: null as PlayerReport | null };
  player.port.addEventListener('message', (e: MessageEvent<PlayerReport>) => (seen.report = e.data));
  return seen;
}
