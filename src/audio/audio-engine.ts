// The audio engine the session uses (it is the session's `AudioPort`; src/session/web-audio-port.ts
// is its factory). One AudioContext, created and resumed synchronously in the constructor —
// inside the user's gesture, before any await — then the worklet module, the microphone and
// the player in parallel; autoplay-block detection; one teardown.
//
// One context for capture and player at the device's rate (44.1 kHz in headless Chromium): one
// clock for capture stamps, rendered counts and output latency, and one thing to resume after an
// autoplay block. The capture worklet decimates to 24 kHz; the player worklet upsamples 24 kHz to
// the context's rate itself, for < 1 % of a core.
//
// Microphone: getUserMedia with echo cancellation, noise suppression and auto gain on →
// MediaStreamAudioSourceNode → the capture node (which downmixes to mono) → PCM16 frames of 20–24 ms.
//
// Player: one node for the whole session, fed transferred PCM16 24 kHz chunks; `clear()` for
// barge-in; `heardMs()` for the truncate. Audio that comes before the node exists (a greeting that
// beats the worklet load) is queued and handed to the node when it is created.
//
// Heard time. The worklet reports, per item, the samples it rendered and the context time at
// which the last one leaves the node. What the listener has heard by context time `now` is
// what left the node more than the output latency ago: rendered − (last + latency − now)⁺,
// clamped to [0, received]. While the item sounds, the count since the last report (every
// ~20–40 ms) is extrapolated on the context clock. The counters never reset on `end()` or
// `clear()`, so the value stays exact after both. Latency = `baseLatency + outputLatency`
// (Chromium reports the two stages separately; `getOutputTimestamp()` shows their sum). The
// output goes to the context's destination: its latency is the one the context reports.
import { AudioError } from './errors.js';
import { loadWorklet } from './worklet-loader.js';
import { CAPTURE_PROCESSOR, PLAYER_PROCESSOR, type CaptureFrame, type PlayerCommand, type PlayerReport } from './messages.js';

const RATE = 24000;
/** Voice processing on: the agent's voice must not come back through the microphone. */
const MIC_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: { ideal: 1 } };
const noop = (): void => {};

/** What the engine needs to start (the session's `AudioPortOptions`). */
export interface AudioEngineOptions {
  /** Base URL of dist/worklets/ (strict CSP) instead of a Blob URL. */
  workletUrl?: string | undefined;
  /** Start with the microphone muted. */
  muted: boolean;
  /** Input device (`MediaDeviceInfo.deviceId`); the default device when absent. */
  deviceId?: string | undefined;
}

/** How the engine reports back (the session's `AudioPortHandlers`). */
export interface AudioEngineHandlers {
  /** A captured frame of 20–24 ms: PCM16 LE 24 kHz (yours), and the context time (s) of its first sample. */
  frame(pcm: ArrayBuffer, capturedAt: number): void;
  /** With each frame: its RMS level and the player's (0–1). */
  level(levels: { input: number; output: number }): void;
  /** Assistant audio started (`true`) or stopped (`false`) sounding; an underrun is no stop. */
  playback(playing: boolean): void;
  /** The autoplay policy suspended the context (`true`: offer a tap that calls `resume()`), or it runs again. */
  blocked(blocked: boolean): void;
  /** A failure once the microphone is open (possibly before `start()` resolves): it stopped (`mic_unavailable`). */
  error(error: Error): void;
}

/** What the main thread knows of one item (samples at 24 kHz; `last` in context seconds). */
interface ItemRecord {
  received: number;
  rendered: number;
  last: number;
  /** A `clear()` cut it: later audio of it is dropped (late deltas). */
  cleared?: boolean;
  /** The last delta's odd byte (the first half of a sample), carried to the next one. */
  odd?: Uint8Array | 0;
}

/** Opens the microphone (`deviceId`: that one); rejects with `mic_permission_denied` or `mic_unavailable`. */
export const requestMicrophone = async (deviceId?: string): Promise<MediaStream> =>
  navigator.mediaDevices.getUserMedia({ audio: { ...(deviceId && { deviceId: { exact: deviceId } }), ...MIC_CONSTRAINTS } }).catch((error: unknown) => {
    // Refused by the user or by a permissions policy (SecurityError); anything else means no
    // usable device: none, busy (NotReadableError), over-constrained.
    const name = (error as Error | null)?.name;
    throw new AudioError(name == 'NotAllowedError' || name == 'SecurityError' ? 'mic_permission_denied' : 'mic_unavailable', `Could not open the microphone (${error}).`, {
      cause: error,
    });
  });

/** Microphone capture + player + context, with one teardown. */
export class AudioEngine {
  /** Created (and resumed) by the constructor, closed by `close()`. */
  readonly context: AudioContext;
  readonly #options: AudioEngineOptions;
  /** The session's handlers, dropped on close: Chromium keeps a closed context that ran a worklet reachable, with its nodes and their handlers, which must not keep the session and element. */
  #handlers: AudioEngineHandlers | null;
  #muted: boolean;
  #starting: Promise<void> | undefined;
  #blocked = false;
  #stream: MediaStream | undefined;
  #capture: AudioWorkletNode | undefined;
  #player: AudioWorkletNode | undefined;
  readonly #items = new Map<string, ItemRecord>();
  /** Commands for the player before its node exists. */
  #backlog: PlayerCommand[] = [];
  /** The worklet's last report (an idle one before the first). */
  #report = { state: 'idle', received: 0, time: 0 } as PlayerReport;
  /** Samples sent to the player. */
  #sent = 0;
  #clearId = 0;
  /** Pending `clear()`s (they all resolve when the latest completes) and how to resolve them. */
  #clearing: Promise<void> | undefined;
  #cleared = noop;
  /** The item the listener was in when the last clear silenced the output, and its heard ms then: the most exact heard time. */
  #cut: [string?, (number | null)?] = [];
  #sounding = false;

  /** Creates and resumes the context synchronously: call it inside the user's gesture (Safari's autoplay rule). */
  constructor(options: AudioEngineOptions, handlers: AudioEngineHandlers) {
    // AudioWorkletNode is [SecureContext]: missing on http pages and in browsers without Web Audio.
    if (!window.AudioWorkletNode) throw new AudioError('unsupported_browser', 'AudioWorklet needs https (or localhost).');
    this.#options = options;
    this.#muted = options.muted;
    this.#handlers = handlers;
    this.context = new AudioContext(); // latencyHint 'interactive' is the default; the device's rate
    this.context.resume().catch(noop);
  }

  /**
   * Loads the worklet module, opens the microphone and the player (once). Rejects with an
   * `AudioError` (`mic_permission_denied`, `mic_unavailable`, `worklet_load_failed`) after
   * releasing everything, or with an `AbortError` when `close()` came first. An autoplay block is
   * no failure: it shows through `blocked(true)`.
   */
  start(): Promise<void> {
    return (this.#starting ??= this.#open());
  }

  async #open(): Promise<void> {
    // Never a permission prompt for an engine closed before it started.
    if (!this.#handlers) throw new DOMException('Closed while starting.', 'AbortError');
    const context = this.context;
    const loaded = loadWorklet(context, this.#options.workletUrl);
    const failure = (
      await Promise.allSettled([
        requestMicrophone(this.#options.deviceId).then(async (stream) => {
          this.#stream = stream; // from here on, close() stops it
          // 'ended' fires when the browser stops the track (unplugged, revoked), not when we do;
          // watched before the worklet load, which can outlast the track.
          for (const track of stream.getTracks()) track.onended = () => this.#handlers?.error(new AudioError('mic_unavailable', 'The microphone stopped.'));
          await loaded;
          if (!this.#handlers) return;
          // Connected to the destination through a silent output, so that every engine pulls it
          // (a node without outputs is pulled by Chromium but not reliably elsewhere). It starts
          // muted when muted during the permission prompt.
          // One input, one output and no `outputChannelCount`: the output has the input's one channel.
          const node = (this.#capture = new AudioWorkletNode(context, CAPTURE_PROCESSOR, {
            channelCount: 1,
            channelCountMode: 'explicit',
            processorOptions: { muted: this.#muted },
          }));
          node.port.onmessage = ({ data }: MessageEvent<CaptureFrame>) => {
            if (data.report) this.#onReport(data.report);
            this.#handlers?.frame(data.pcm, data.capturedAt);
            this.#handlers?.level({ input: data.level, output: this.#report.state == 'idle' ? 0 : this.#report.level });
          };
          context.createMediaStreamSource(stream).connect(node).connect(context.destination);
        }),
        // The player starts as soon as the worklet is loaded, without waiting for the permission
        // prompt: a greeting that arrives meanwhile would be late.
        loaded.then(() => {
          if (!this.#handlers) return;
          // `process` keeps returning true: the node lives across responses (silence while idle).
          // No input and no `outputChannelCount`: its one output is mono.
          const node = (this.#player = new AudioWorkletNode(context, PLAYER_PROCESSOR, {
            numberOfInputs: 0,
            // Applied before its first block (a copy: the backlog is small and sent once).
            processorOptions: { commands: this.#backlog.splice(0) },
          }));
          node.port.onmessage = ({ data }: MessageEvent<PlayerReport>) => this.#onReport(data);
          node.connect(context.destination);
        }),
      ])
    ).find((r): r is PromiseRejectedResult => r.status == 'rejected');
    if (!this.#handlers || failure) {
      const aborted = !this.#handlers;
      await this.close();
      throw aborted ? new DOMException('Closed while starting.', 'AbortError') : failure!.reason;
    }
    // resume() from a gesture resolves within a few ms; blocked by the autoplay policy it stays
    // pending. Asked again now that the mic is granted: Chromium then allows audio without a
    // gesture, so only stricter browsers (Safari, Firefox) show the tap target.
    await Promise.race([context.resume().catch(noop), new Promise((resolve) => setTimeout(resolve, 300))]);
    context.onstatechange = () => this.#checkBlocked();
    this.#checkBlocked();
  }

  /** Resumes blocked audio; call it from a tap or click. Resolves to whether audio runs. */
  async resume(): Promise<boolean> {
    await this.context.resume().catch(noop);
    this.#checkBlocked();
    return this.context.state == 'running';
  }

  /**
   * Sends the output to another device (`MediaDeviceInfo.deviceId`, `''` for the default) where
   * the browser supports `AudioContext.setSinkId`; false where it does not. Rejects for an unknown device.
   */
  async setSinkId(sinkId: string): Promise<boolean> {
    const context = this.context as AudioContext & { setSinkId?(id: string): Promise<void> };
    if (!context.setSinkId) return false;
    await context.setSinkId(sinkId);
    return true;
  }

  /** Mutes the microphone: frames continue as digital silence (the server's VAD then ends a turn in progress). */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    this.#capture?.port.postMessage(muted);
  }

  /**
   * Queues `pcm16` (PCM16 LE, 24 kHz, mono, any size) for `itemId`; the buffer is transferred.
   * False when dropped: the item was cut by `clear()` (late deltas of an interrupted response), or closed.
   */
  play(itemId: string, pcm16: ArrayBuffer): boolean {
    let rec = this.#items.get(itemId);
    if (!rec) {
      this.#items.set(itemId, (rec = { received: 0, rendered: 0, last: 0 }));
      // Bounded memory over a long session: only recent items are asked about.
      if (this.#items.size > 64) this.#items.delete(this.#items.keys().next().value!);
    }
    if (rec.cleared || !this.#handlers) return false;
    // A delta of an odd byte count ends in half a sample: its byte starts the item's next delta,
    // or every later sample would be byte-swapped (the worklet ignores a trailing odd byte).
    if (rec.odd) {
      const joined = new Uint8Array(pcm16.byteLength + 1);
      joined.set(rec.odd);
      joined.set(new Uint8Array(pcm16), 1);
      pcm16 = joined.buffer;
    }
    rec.odd = pcm16.byteLength & 1 && new Uint8Array(pcm16.slice(-1));
    const samples = pcm16.byteLength >> 1;
    rec.received += samples;
    this.#sent += samples;
    this.#post({ push: itemId, pcm: pcm16 }, [pcm16]);
    return true;
  }

  /** Marks `itemId`'s audio complete (`response.output_audio.done`): its end is then no underrun. */
  end(itemId: string): void {
    this.#post({ end: itemId });
  }

  /**
   * Fades out (≤ 5 ms) and drops everything queued; later audio of the items known now is
   * dropped. Resolves once the output is silent; `heardMs()` of the item that was sounding then
   * stays at what had been heard at that moment.
   */
  async clear(): Promise<void> {
    for (const rec of this.#items.values()) rec.cleared = true;
    if (this.#player && this.#handlers) {
      this.#post({ clear: ++this.#clearId });
      return (this.#clearing ??= new Promise((resolve) => (this.#cleared = resolve)));
    }
    this.#backlog = [];
    this.#sent = 0;
  }

  /**
   * Milliseconds of `itemId` the listener has heard by context time `now`: what left the node
   * more than the output latency ago, within [0, received]; without `now`, for the item the last
   * `clear()` cut, what had been heard when the output went silent. `null` when nothing of it was received.
   */
  heardMs(itemId: string, now?: number): number | null {
    const { context } = this;
    if (now === undefined) {
      if (this.#cut[0] === itemId) return this.#cut[1]!;
      now = context.currentTime;
    }
    const rec = this.#items.get(itemId);
    if (!rec?.received) return null;
    const report = this.#report;
    const sounding = report.current?.id === itemId && report.state == 'playing' ? Math.max(0, now - report.time) : 0;
    const pending = Math.max(0, rec.last + sounding + (context.baseLatency || 0) + (context.outputLatency || 0) - now) * RATE;
    return (Math.max(0, Math.round(Math.min(rec.received, rec.rendered + sounding * RATE) - pending)) * 1000) / RATE;
  }

  /** Whether assistant audio is sounding or queued (including audio the worklet has not acknowledged). */
  get playing(): boolean {
    return this.#report.state != 'idle' || this.#sent > this.#report.received;
  }

  /** Releases everything: tracks, the context and with it the nodes; a pending `clear()` resolves. Idempotent. */
  async close(): Promise<void> {
    this.#handlers = null;
    this.#cleared();
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    await this.context.close().catch(noop);
  }

  #post(command: PlayerCommand, transfer: Transferable[] = []): void {
    if (this.#player) this.#player.port.postMessage(command, transfer);
    else this.#backlog.push(command);
  }

  #onReport(report: PlayerReport): void {
    for (const { id, rendered, last } of report.changed) {
      const rec = this.#items.get(id);
      if (rec && rendered > rec.rendered) {
        rec.rendered = rendered;
        rec.last = last;
      }
    }
    // It came on the other port after a newer one: its item counts may still be news, nothing else.
    if (report.time < this.#report.time) return;
    this.#report = report;
    // An underrun (buffering) is still the same "speaking": only idle ends it.
    const sounding = report.state == 'playing' || (this.#sounding && report.state != 'idle');
    if (sounding != this.#sounding) this.#handlers?.playback((this.#sounding = sounding));
    if (report.cleared == this.#clearId && this.#clearing) {
      // At the moment the output went silent (report.time), not when this message arrives.
      const itemId = report.current?.id;
      this.#cut = [itemId, this.heardMs(itemId!, report.time)];
      this.#clearing = undefined;
      this.#cleared();
    }
  }

  #checkBlocked(): void {
    const blocked = this.context.state != 'running';
    if (this.#handlers && blocked != this.#blocked) this.#handlers.blocked((this.#blocked = blocked));
  }
}
