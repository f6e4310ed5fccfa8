// Microphone capture on the main thread: getUserMedia (echo cancellation, noise suppression and
// auto gain on) → MediaStreamAudioSourceNode → the capture worklet, which resamples to 24 kHz
// and hands back 20 ms PCM16 frames. The context runs at its default (device) rate: forcing
// 24 kHz on a context fed by a microphone throws in Firefox.
import { AudioError, micErrorFromException } from './errors.js';
import { loadWorklet } from './worklet-loader.js';
import { CAPTURE_PROCESSOR, type CaptureInMessage, type CaptureOutMessage, type CaptureProcessorOptions } from './messages.js';
import type { MuteMode } from './capture-framer.js';

export type { MuteMode } from './capture-framer.js';

/**
 * Receives each 20 ms frame: `pcm` is 960 bytes of PCM16 LE at 24 kHz (yours to keep or
 * transfer), `level` its RMS (0–1), `capturedAt` the context time (s) of its first sample.
 */
export type FrameCallback = (pcm: ArrayBuffer, level: number, capturedAt: number) => void;

export interface AudioCaptureOptions {
  /** Called for every frame. */
  onFrame: FrameCallback;
  /** Failures after `open()` resolved: the track ended (device unplugged, revoked) → `mic_unavailable`. */
  onError?: (error: AudioError) => void;
  /** Input device (`MediaDeviceInfo.deviceId`); the default device when absent. */
  deviceId?: string;
  /** Base URL of dist/worklets/ (strict CSP) instead of the inlined Blob URL. */
  workletUrl?: string;
  /** Start muted. */
  muted?: boolean;
  /** While muted: `'silence'` (default) sends digital silence so server VAD ends the turn; `'drop'` sends nothing. */
  muteMode?: MuteMode;
  /** A stream already opened with `requestMicrophone` (then `deviceId` is ignored). */
  stream?: MediaStream;
}

/** The audio constraints used for the microphone. */
export function micConstraints(deviceId?: string): MediaTrackConstraints {
  return {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    channelCount: { ideal: 1 },
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}

/** Opens the microphone; rejects with `mic_permission_denied`, `mic_unavailable` or `unsupported_browser`. */
export async function requestMicrophone(deviceId?: string): Promise<MediaStream> {
  const media = globalThis.navigator?.mediaDevices;
  if (!media?.getUserMedia) {
    throw new AudioError('unsupported_browser', 'This browser cannot capture audio (getUserMedia needs a secure context: https or localhost).');
  }
  try {
    const stream = await media.getUserMedia({ audio: micConstraints(deviceId), video: false });
    if (stream.getAudioTracks().length === 0) throw new DOMException('no audio track', 'NotFoundError');
    return stream;
  } catch (error) {
    throw micErrorFromException(error);
  }
}

/** A running microphone capture. Create with `AudioCapture.open()`. */
export class AudioCapture {
  /** The context the capture runs in. */
  readonly context: AudioContext;
  /** The microphone stream (`close()` stops its tracks unless it was passed in as `options.stream`). */
  readonly stream: MediaStream;
  /** The worklet node (no outputs). */
  readonly node: AudioWorkletNode;
  readonly #source: MediaStreamAudioSourceNode;
  readonly #ownsContext: boolean;
  readonly #options: AudioCaptureOptions;
  readonly #onEnded: () => void;
  #muted: boolean;
  #muteMode: MuteMode;
  #level = 0;
  #frames = 0;
  #closed = false;

  private constructor(context: AudioContext, ownsContext: boolean, stream: MediaStream, node: AudioWorkletNode, options: AudioCaptureOptions) {
    this.context = context;
    this.#ownsContext = ownsContext;
    this.stream = stream;
    this.node = node;
    this.#options = options;
    this.#muted = options.muted ?? false;
    this.#muteMode = options.muteMode ?? 'silence';
    this.#source = context.createMediaStreamSource(stream);
    this.#source.connect(node);
    node.connect(context.destination);
    node.port.onmessage = (event: MessageEvent<CaptureOutMessage>) => {
      const m = event.data;
      if (m.type !== 'frame' || this.#closed) return;
      this.#level = m.level;
      this.#frames++;
      options.onFrame(m.pcm, m.level, m.capturedAt);
    };
    this.#onEnded = () => {
      if (this.#closed) return;
      options.onError?.(new AudioError('mic_unavailable', 'The microphone stopped (unplugged, disabled or taken by another application).'));
    };
    for (const track of stream.getAudioTracks()) track.addEventListener('ended', this.#onEnded);
  }

  /**
   * Opens the microphone (unless `options.stream` is given) and starts capturing in `context`
   * (a new context, owned and closed by the capture, when omitted). Rejects with an `AudioError`
   * and leaves nothing open behind.
   */
  static async open(context: AudioContext | null, options: AudioCaptureOptions): Promise<AudioCapture> {
    const ctx = context ?? new AudioContext({ latencyHint: 'interactive' });
    // Permission prompt and worklet load in parallel; settle both so that a mic granted while the
    // worklet failed (or the reverse) is still released.
    const [mic, worklet] = await Promise.allSettled([options.stream ?? requestMicrophone(options.deviceId), loadWorklet(ctx, 'capture-processor', options.workletUrl)]);
    const stream = mic.status === 'fulfilled' ? mic.value : null;
    try {
      if (mic.status === 'rejected') throw mic.reason;
      if (worklet.status === 'rejected') throw worklet.reason;
      const processorOptions: CaptureProcessorOptions = {
        outputRate: 24000,
        frameSamples: 480,
        muted: options.muted ?? false,
        muteMode: options.muteMode ?? 'silence',
      };
      // One silent output, connected to the destination: every engine then pulls the node (a node
      // without outputs is pulled by Chromium but not reliably elsewhere). The processor never
      // writes to it, so the microphone is not monitored.
      const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: 'explicit',
        processorOptions,
      });
      return new AudioCapture(ctx, !context, stream!, node, options);
    } catch (error) {
      if (!options.stream) stream?.getTracks().forEach((t) => t.stop());
      if (!context) await ctx.close().catch(() => {});
      throw error instanceof AudioError ? error : micErrorFromException(error);
    }
  }

  /** Whether the microphone is muted. */
  get muted(): boolean {
    return this.#muted;
  }

  /** RMS level (0–1) of the latest frame. */
  get level(): number {
    return this.#muted ? 0 : this.#level;
  }

  /** Frames delivered so far. */
  get frames(): number {
    return this.#frames;
  }

  /** The microphone track. */
  get track(): MediaStreamTrack | undefined {
    return this.stream.getAudioTracks()[0];
  }

  /**
   * Mutes or unmutes. Muted, no captured sample leaves the worklet: frames continue as digital
   * silence (mode `'silence'`, so the server's VAD ends a turn in progress) or stop (`'drop'`).
   */
  setMuted(muted: boolean, mode: MuteMode = this.#muteMode): void {
    if (this.#closed) return;
    this.#muted = muted;
    this.#muteMode = mode;
    this.#post({ type: 'mute', muted, mode });
  }

  /** Stops the tracks, disconnects the nodes, closes the port (and the context if it owns it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const track of this.stream.getTracks()) {
      track.removeEventListener('ended', this.#onEnded);
      if (!this.#options.stream) track.stop();
    }
    this.#source.disconnect();
    this.#post({ type: 'close' });
    this.node.port.onmessage = null;
    this.node.port.close();
    this.node.disconnect();
    if (this.#ownsContext && this.context.state !== 'closed') await this.context.close().catch(() => {});
  }

  #post(message: CaptureInMessage): void {
    this.node.port.postMessage(message);
  }
}
