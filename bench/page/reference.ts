// The reference console's audio stack, driven as openai/openai-realtime-console (websockets
// branch) drives it: wavtools 0.1.5 `WavRecorder({sampleRate: 24000})` with `record(cb, 8192)`,
// each chunk base64-encoded as openai-realtime-api-beta's `RealtimeUtils.arrayBufferToBase64`
// does (`String.fromCharCode.apply` over 32 KB pieces, then `btoa`) into a `JSON.stringify`d
// append with a generated event id; `WavStreamPlayer({sampleRate: 24000}).add16BitPCM(int16,
// itemId)` fed deltas decoded as `RealtimeUtils.base64ToArrayBuffer` does (`atob` + a byte loop);
// on `speech_started`, `player.interrupt()` then `response.cancel` + `conversation.item.truncate`
// with `audio_end_ms = floor(offset / 24000 * 1000)`, as the console's `cancelResponse` does.
// Only the audio path is reproduced (no RealtimeConversation bookkeeping, no UI), which makes the
// reference cheaper than the full console, never dearer.
import { WavRecorder, WavStreamPlayer } from 'wavtools';

/** openai-realtime-api-beta `RealtimeUtils.arrayBufferToBase64`. */
export function arrayBufferToBase64(arrayBuffer: ArrayBuffer | Int16Array): string {
  const buffer = arrayBuffer instanceof Int16Array ? arrayBuffer.buffer : arrayBuffer;
  let binary = '';
  const bytes = new Uint8Array(buffer);
  const chunkSize = 0x8000; // 32KB chunk size
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const chunk = bytes.subarray(i, i + chunkSize);
    binary += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return btoa(binary);
}

/** openai-realtime-api-beta `RealtimeUtils.base64ToArrayBuffer`. */
export function base64ToArrayBuffer(base64: string): ArrayBuffer {
  const binaryString = atob(base64);
  const len = binaryString.length;
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = binaryString.charCodeAt(i);
  return bytes.buffer;
}

/** openai-realtime-api-beta `RealtimeUtils.generateId`. */
function generateId(prefix: string, length = 21): string {
  const chars = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const str = Array(length - prefix.length)
    .fill(0)
    .map(() => chars[Math.floor(Math.random() * chars.length)])
    .join('');
  return `${prefix}${str}`;
}

/** The members of wavtools' classes the bench touches (their .d.ts marks some private). */
interface Recorder {
  source: MediaStreamAudioSourceNode;
  processor: AudioWorkletNode;
  begin(): Promise<true>;
  record(chunkProcessor: (data: unknown) => void, chunkSize: number): Promise<true>;
  end(): Promise<unknown>;
}
interface Player {
  context: AudioContext;
  stream: AudioWorkletNode | null;
  _start(): boolean;
  connect(): Promise<true>;
  add16BitPCM(pcm: Int16Array, trackId: string): unknown;
  interrupt(): Promise<unknown>;
}

export interface ReferenceOptions {
  url: string;
  token: string;
  session: Record<string, unknown>;
  /** Called with each chunk before it is encoded (the bench's latency hook). */
  onChunk?: (mono: ArrayBuffer | null) => void;
  /** Called whenever the player creates its stream node (the bench connects its tap). */
  onStreamNode?: (node: AudioWorkletNode) => void;
}

export class ReferenceClient {
  readonly recorder = new WavRecorder({ sampleRate: 24000 }) as unknown as Recorder;
  readonly player = new WavStreamPlayer({ sampleRate: 24000 }) as unknown as Player;
  ws: WebSocket | null = null;
  #options: ReferenceOptions;

  constructor(options: ReferenceOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const o = this.#options;
    await this.recorder.begin();
    await this.player.connect();
    const start = this.player._start.bind(this.player);
    this.player._start = () => {
      const r = start();
      if (this.player.stream) o.onStreamNode?.(this.player.stream);
      return r;
    };
    const ws = new WebSocket(`${o.url}?model=gpt-realtime`, ['realtime', `openai-insecure-api-key.${o.token}`]);
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('reference socket failed'));
    });
    ws.onmessage = (event: MessageEvent) => this.#receive(JSON.parse(event.data as string) as Record<string, unknown>);
    this.send('session.update', { session: o.session });
    // wavtools' .d.ts says Int16Array; at run time `mono` is the ArrayBuffer of PCM16 bytes.
    await this.recorder.record((data) => {
      const mono = (data as { mono: ArrayBuffer }).mono;
      o.onChunk?.(mono);
      this.appendInputAudio(mono);
      o.onChunk?.(null);
    }, 8192);
  }

  send(type: string, data: Record<string, unknown> = {}): void {
    const event = { event_id: generateId('evt_'), type, ...data };
    this.ws?.send(JSON.stringify(event));
  }

  appendInputAudio(arrayBuffer: ArrayBuffer): void {
    if (arrayBuffer.byteLength > 0) this.send('input_audio_buffer.append', { audio: arrayBufferToBase64(arrayBuffer) });
  }

  #receive(event: Record<string, unknown>): void {
    switch (event.type) {
      case 'response.output_audio.delta':
      case 'response.audio.delta': {
        const arrayBuffer = base64ToArrayBuffer(event.delta as string);
        const appendValues = new Int16Array(arrayBuffer);
        this.player.add16BitPCM(appendValues, event.item_id as string);
        break;
      }
      case 'input_audio_buffer.speech_started':
        void this.#interrupted();
        break;
      default:
        break;
    }
  }

  async #interrupted(): Promise<void> {
    const trackSampleOffset = (await this.player.interrupt()) as { trackId: string | null; offset: number } | null;
    if (trackSampleOffset?.trackId) {
      const { trackId, offset } = trackSampleOffset;
      this.send('response.cancel');
      this.send('conversation.item.truncate', { item_id: trackId, content_index: 0, audio_end_ms: Math.floor((offset / 24000) * 1000) });
    }
  }

  async stop(): Promise<void> {
    const recorderContext = this.recorder.processor?.context as AudioContext | undefined;
    try {
      await this.recorder.end();
    } catch {
      /* not recording */
    }
    this.ws?.close();
    await this.player.context?.close().catch(() => {});
    await recorderContext?.close().catch(() => {});
  }
}
