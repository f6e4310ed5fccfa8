// The microphone: getUserMedia (echo cancellation, noise suppression and auto gain on) →
// MediaStreamAudioSourceNode → the capture worklet, which resamples to 24 kHz and posts 20 ms
// PCM16 frames. The context runs at the device's rate: forcing 24 kHz on a context fed by a
// microphone throws in Firefox.
import { AudioError } from './errors.js';
import { loadWorklet } from './worklet-loader.js';
import { CAPTURE_PROCESSOR, type CaptureFrame } from './messages.js';

/**
 * Receives each 20 ms frame: `pcm` is 960 bytes of PCM16 LE at 24 kHz (yours to keep or
 * transfer), `level` its RMS (0–1), `capturedAt` the context time (s) of its first sample.
 */
export type FrameCallback = (pcm: ArrayBuffer, level: number, capturedAt: number) => void;

export interface AudioCaptureOptions {
  onFrame: FrameCallback;
  /** The microphone stopped after `open()` resolved (unplugged, revoked): `mic_unavailable`. */
  onError?: (error: AudioError) => void;
  /** Input device (`MediaDeviceInfo.deviceId`); the default device when absent. */
  deviceId?: string;
  /** Base URL of dist/worklets/ (strict CSP) instead of the inlined Blob URL. */
  workletUrl?: string;
  muted?: boolean;
  /** A stream to capture instead of opening the microphone (`close()` stops it too). */
  stream?: MediaStream;
}

/** Opens the microphone; rejects with `mic_permission_denied` or `mic_unavailable`. */
export async function requestMicrophone(deviceId?: string): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        channelCount: { ideal: 1 },
        deviceId: deviceId ? { exact: deviceId } : undefined,
      },
    });
  } catch (error) {
    // Refused by the user or by a permissions policy (SecurityError); anything else means no
    // usable device: none, busy (NotReadableError), unknown deviceId (OverconstrainedError).
    const name = (error as Error | null)?.name;
    throw name === 'NotAllowedError' || name === 'SecurityError'
      ? new AudioError('mic_permission_denied', 'Microphone access was denied.', { cause: error })
      : new AudioError('mic_unavailable', `No usable microphone (${String(error)}).`, { cause: error });
  }
}

/** A running microphone capture. */
export class AudioCapture {
  /** The worklet node (its one output is silent). */
  readonly node: AudioWorkletNode;
  readonly #source: MediaStreamAudioSourceNode;

  private constructor(
    context: AudioContext,
    /** The microphone stream. */
    readonly stream: MediaStream,
    options: AudioCaptureOptions,
  ) {
    // Connected to the destination through a silent output, so that every engine pulls it (a
    // node without outputs is pulled by Chromium but not reliably elsewhere). The node downmixes
    // to mono.
    this.node = new AudioWorkletNode(context, CAPTURE_PROCESSOR, {
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { muted: options.muted },
    });
    this.node.port.onmessage = ({ data }: MessageEvent<CaptureFrame>) => options.onFrame(data.pcm, data.level, data.capturedAt);
    this.#source = context.createMediaStreamSource(stream);
    this.#source.connect(this.node).connect(context.destination);
    // 'ended' fires when the browser stops the track, not when we do.
    for (const track of stream.getAudioTracks()) {
      track.addEventListener('ended', () => options.onError?.(new AudioError('mic_unavailable', 'The microphone stopped (unplugged, disabled or taken by another application).')));
    }
  }

  /**
   * Opens the microphone (unless `options.stream` is given) and starts capturing in `context`.
   * Rejects with an `AudioError`, leaving nothing open.
   */
  static async open(context: AudioContext, options: AudioCaptureOptions): Promise<AudioCapture> {
    const stream = options.stream ?? (await requestMicrophone(options.deviceId));
    try {
      await loadWorklet(context, options.workletUrl);
      return new AudioCapture(context, stream, options);
    } catch (error) {
      for (const track of stream.getTracks()) track.stop();
      throw error;
    }
  }

  /** Muted, no captured sample leaves the worklet: frames continue as digital silence. */
  setMuted(muted: boolean): void {
    this.node.port.postMessage(muted);
  }

  /** Stops the tracks and disconnects the nodes (the context is the caller's). */
  close(): void {
    for (const track of this.stream.getTracks()) track.stop();
    this.#source.disconnect();
    this.node.disconnect();
    this.node.port.onmessage = null;
  }
}
