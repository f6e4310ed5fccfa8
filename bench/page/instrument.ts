// Runs before any page script (Playwright init script). Wraps the constructors the benches count
// or listen to — AudioContext, AudioWorkletNode, WebSocket, getUserMedia — without changing what
// they do, so both stacks under test run unmodified:
//
// - a registry of contexts, worklet nodes, sockets and microphone tracks (figure 8 counts what is
//   still live after start/stop cycles);
// - with `hooks` on (latency benches only, never the main-thread-cost bench): a timestamp when an
//   `input_audio_buffer.append` / `conversation.item.truncate` is handed to a socket, and when
//   audio deltas, `speech_started`, `output_audio.done` arrive; and the capture time of the
//   frame our capture worklet posted, read while its `onmessage` handler runs (the session sends
//   the frame's append synchronously from that handler);
// - `mic: 'controlled'`: getUserMedia answers with a stream the harness plays speech into.
import type { InstrumentConfig, Registry, SendRecord, RecvRecord } from './types.js';

declare global {
  interface Window {
    __RVB_CFG?: InstrumentConfig;
    __rvb: Registry;
  }
}

const cfg: InstrumentConfig = window.__RVB_CFG ?? { hooks: false, strong: false, mic: 'device' };
const now = (): number => performance.timeOrigin + performance.now();

const OrigAudioContext = window.AudioContext;
const OrigAudioWorkletNode = window.AudioWorkletNode;
const OrigWebSocket = window.WebSocket;
const origGetUserMedia = navigator.mediaDevices?.getUserMedia?.bind(navigator.mediaDevices);

type Ref<T extends object> = { deref(): T | undefined };
const keep = <T extends object>(value: T): Ref<T> => (cfg.strong ? { deref: () => value } : new WeakRef(value));

const registry: Registry = {
  cfg,
  now,
  internal: false,
  contexts: [],
  nodes: [],
  sockets: [],
  tracks: [],
  sends: [],
  recvs: [],
  currentCapture: null,
  currentFrameSeconds: null,
  currentChunk: null,
  micFactory: null,
  nodeListeners: [],
  recvListeners: [],
  sendListeners: [],
  orig: { AudioContext: OrigAudioContext, AudioWorkletNode: OrigAudioWorkletNode, WebSocket: OrigWebSocket },
  live() {
    let contexts = 0;
    let sockets = 0;
    let tracks = 0;
    for (const r of registry.contexts) if ((r.deref()?.state ?? 'closed') !== 'closed') contexts++;
    for (const r of registry.sockets) {
      const ws = r.deref();
      if (ws && ws.readyState !== OrigWebSocket.CLOSED) sockets++;
    }
    for (const r of registry.tracks) if (r.deref()?.readyState === 'live') tracks++;
    return { contexts, sockets, tracks, createdContexts: registry.contexts.length, createdSockets: registry.sockets.length, createdTracks: registry.tracks.length };
  },
};
window.__rvb = registry;

class RvbAudioContext extends OrigAudioContext {
  constructor(options?: AudioContextOptions) {
    super(options);
    if (!registry.internal) registry.contexts.push(keep(this as AudioContext));
  }
}
window.AudioContext = RvbAudioContext as typeof AudioContext;

class RvbAudioWorkletNode extends OrigAudioWorkletNode {
  constructor(context: BaseAudioContext, name: string, options?: AudioWorkletNodeOptions) {
    super(context, name, options);
    if (registry.internal) return;
    const node = this as AudioWorkletNode;
    if (cfg.hooks && name === 'rv-capture-processor') hookCapturePort(node.port);
    registry.nodes.push({ name, node: keep(node), context: keep(context as AudioContext) });
    for (const listener of registry.nodeListeners) listener(name, node, context as AudioContext);
  }
}
window.AudioWorkletNode = RvbAudioWorkletNode as typeof AudioWorkletNode;

/** While our capture worklet's frame message is being handled, `currentCapture` is its capture time. */
function hookCapturePort(port: MessagePort): void {
  const desc = Object.getOwnPropertyDescriptor(MessagePort.prototype, 'onmessage')!;
  let handler: ((e: MessageEvent) => unknown) | null = null;
  Object.defineProperty(port, 'onmessage', {
    configurable: true,
    get: () => handler,
    set(fn: ((e: MessageEvent) => unknown) | null) {
      handler = fn;
      desc.set!.call(
        port,
        fn
          ? (e: MessageEvent) => {
              const d = e.data as { capturedAt?: number; pcm?: ArrayBuffer } | null;
              registry.currentCapture = typeof d?.capturedAt === 'number' ? d.capturedAt : null;
              registry.currentFrameSeconds = d?.pcm instanceof ArrayBuffer ? d.pcm.byteLength / 48000 : null;
              try {
                return fn.call(port, e);
              } finally {
                registry.currentCapture = registry.currentFrameSeconds = null;
              }
            }
          : null,
      );
    },
  });
}

class RvbWebSocket extends OrigWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    if (!registry.internal) registry.sockets.push(keep(this as WebSocket));
  }
}
window.WebSocket = RvbWebSocket as typeof WebSocket;

if (cfg.hooks) {
  const origSend = OrigWebSocket.prototype.send;
  OrigWebSocket.prototype.send = function send(this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
    if (typeof data === 'string') {
      const head = data.length > 96 ? data.slice(0, 96) : data;
      if (head.includes('input_audio_buffer.append')) {
        const rec: SendRecord = { kind: 'append', t: now(), capturedAt: registry.currentCapture, frameSeconds: registry.currentFrameSeconds, chunk: registry.currentChunk, length: data.length };
        registry.sends.push(rec);
      } else if (head.includes('conversation.item.truncate')) {
        const ev = JSON.parse(data) as { item_id: string; audio_end_ms: number };
        const rec: SendRecord = { kind: 'truncate', t: now(), itemId: ev.item_id, audioEndMs: ev.audio_end_ms };
        registry.sends.push(rec);
        for (const listener of registry.sendListeners) listener(rec);
      } else if (head.includes('response.cancel')) {
        registry.sends.push({ kind: 'cancel', t: now() });
      }
    }
    return origSend.call(this, data);
  };

  const desc = Object.getOwnPropertyDescriptor(OrigWebSocket.prototype, 'onmessage')!;
  const handlers = new WeakMap<WebSocket, ((e: MessageEvent) => unknown) | null>();
  Object.defineProperty(OrigWebSocket.prototype, 'onmessage', {
    configurable: true,
    get(this: WebSocket) {
      return handlers.get(this) ?? null;
    },
    set(this: WebSocket, fn: ((e: MessageEvent) => unknown) | null) {
      handlers.set(this, fn);
      desc.set!.call(
        this,
        fn
          ? function (this: WebSocket, e: MessageEvent) {
              onReceive(e.data);
              return fn.call(this, e);
            }
          : null,
      );
    },
  });
}

const ID_RE = /"response_id":"([^"]+)","item_id":"([^"]+)"/;

/** Stamps the server events the figures need, at dispatch, before the stack's handler runs. */
function onReceive(data: unknown): void {
  if (typeof data !== 'string') return;
  const t = now();
  const head = data.length > 240 ? data.slice(0, 240) : data;
  let rec: RecvRecord | null = null;
  if (head.includes('"response.output_audio.delta"')) {
    const m = ID_RE.exec(head);
    const start = data.lastIndexOf('"delta":"') + 9;
    const end = data.indexOf('"', start);
    let b64 = end - start;
    let pad = 0;
    if (data.charCodeAt(end - 1) === 61) pad++;
    if (data.charCodeAt(end - 2) === 61) pad++;
    b64 = (b64 / 4) * 3 - pad;
    rec = { kind: 'delta', t, responseId: m?.[1] ?? '', itemId: m?.[2] ?? '', bytes: b64 };
  } else if (head.includes('"input_audio_buffer.speech_started"')) {
    rec = { kind: 'speech_started', t };
  } else if (head.includes('"response.output_audio.done"')) {
    const m = ID_RE.exec(head);
    rec = { kind: 'audio_done', t, responseId: m?.[1] ?? '', itemId: m?.[2] ?? '' };
  } else if (head.includes('"response.created"')) {
    rec = { kind: 'response_created', t };
  } else if (head.includes('"response.done"')) {
    rec = { kind: 'response_done', t };
  }
  if (rec) {
    registry.recvs.push(rec);
    for (const listener of registry.recvListeners) listener(rec);
  }
}

if (origGetUserMedia) {
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const stream = cfg.mic === 'controlled' && registry.micFactory ? registry.micFactory() : await origGetUserMedia(constraints);
    for (const track of stream.getTracks()) registry.tracks.push(keep(track));
    return stream;
  };
}
