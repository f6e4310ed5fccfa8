// Shapes shared by the init script and the harness (types only).

export interface InstrumentConfig {
  /** Timestamp sends/receives and capture frames (latency benches only). */
  hooks: boolean;
  /** Keep strong references in the registry (start/stop leak counting) instead of WeakRefs. */
  strong: boolean;
  /** `device`: Chromium's fake capture device (a WAV file); `controlled`: speech the harness plays. */
  mic: 'device' | 'controlled';
}

export type SendRecord =
  | { kind: 'append'; t: number; capturedAt: number | null; frameSeconds: number | null; chunk: ArrayBuffer | null; length: number }
  | { kind: 'truncate'; t: number; itemId: string; audioEndMs: number }
  | { kind: 'cancel'; t: number };

export type RecvRecord =
  | { kind: 'delta'; t: number; responseId: string; itemId: string; bytes: number }
  | { kind: 'audio_done'; t: number; responseId: string; itemId: string }
  | { kind: 'speech_started' | 'response_created' | 'response_done'; t: number };

type Ref<T extends object> = { deref(): T | undefined };

export interface Registry {
  cfg: InstrumentConfig;
  now(): number;
  /** Set while the harness creates its own contexts/nodes/sockets, which are not counted. */
  internal: boolean;
  contexts: Ref<AudioContext>[];
  nodes: { name: string; node: Ref<AudioWorkletNode>; context: Ref<AudioContext> }[];
  sockets: Ref<WebSocket>[];
  tracks: Ref<MediaStreamTrack>[];
  sends: SendRecord[];
  recvs: RecvRecord[];
  currentCapture: number | null;
  /** The duration of that frame's audio (s). */
  currentFrameSeconds: number | null;
  currentChunk: ArrayBuffer | null;
  micFactory: (() => MediaStream) | null;
  nodeListeners: ((name: string, node: AudioWorkletNode, context: AudioContext) => void)[];
  recvListeners: ((record: RecvRecord) => void)[];
  sendListeners: ((record: SendRecord) => void)[];
  orig: { AudioContext: typeof AudioContext; AudioWorkletNode: typeof AudioWorkletNode; WebSocket: typeof WebSocket };
  live(): { contexts: number; sockets: number; tracks: number; createdContexts: number; createdSockets: number; createdTracks: number };
}
