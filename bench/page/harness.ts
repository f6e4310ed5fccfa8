// The bench page: starts one stack (ours: the shipped `<realtime-voice>` bundle; or the reference
// wavtools stack), attaches the bench worklets to it, runs page-side scenarios whose timing must
// not cross the CDP boundary (barge-in trials, start/stop cycles, accelerated chat) and hands raw
// records back to Node, which computes the figures. All times are `performance.timeOrigin +
// performance.now()` ms ("hr"); worklet times are `Date.now()` and are converted with `offset`.
import benchWorkletSource from 'rvb:bench-worklet';
import { ReferenceClient } from './reference.js';
import type { RecvRecord, SendRecord } from './types.js';

const reg = window.__rvb;
const now = reg.now;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Date.now() − hr, averaged (both sides floor the same way, so the mean cancels the 1 ms grain). */
function calibrate(): number {
  let sum = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) sum += Date.now() - now();
  return sum / n;
}
let offset = calibrate();
const hr = (workletMs: number) => workletMs - offset;

const longTasks: { start: number; duration: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  /* longtask unsupported */
}

// ── bench worklet ──────────────────────────────────────────────────────────────────────────────

const moduleUrl = URL.createObjectURL(new Blob([benchWorkletSource], { type: 'text/javascript' }));
const loaded = new WeakMap<BaseAudioContext, Promise<void>>();

interface TapEvent {
  type: 'onset' | 'offset';
  t: number;
  frame: number;
  index: number;
  value: number;
  before?: number;
  total?: number;
}
interface TapState {
  total: number;
  sounding: boolean;
  frame: number;
  t: number;
  maxStep: number;
  steps: number;
}

class Tap {
  readonly node: AudioWorkletNode;
  readonly context: AudioContext;
  frames: number[] = [];
  times: number[] = [];
  hashes: number[] = [];
  events: TapEvent[] = [];
  #listeners = new Set<(e: TapEvent) => void>();
  #pending = new Map<number, (s: TapState) => void>();
  #seq = 0;

  private constructor(context: AudioContext, node: AudioWorkletNode) {
    this.context = context;
    this.node = node;
    node.port.onmessage = (event: MessageEvent) => {
      const m = event.data as { type: string } & Record<string, unknown>;
      if (m.type === 'batch') {
        const frames = m.frames as Float64Array;
        const times = m.times as Float64Array;
        const hashes = m.hashes as Float64Array | null;
        for (let i = 0; i < frames.length; i++) {
          this.frames.push(frames[i]!);
          this.times.push(times[i]!);
          if (hashes) this.hashes.push(hashes[i]!);
        }
      } else if (m.type === 'onset' || m.type === 'offset') {
        const e = m as unknown as TapEvent;
        this.events.push(e);
        for (const l of this.#listeners) l(e);
      } else if (m.type === 'state') {
        const resolve = this.#pending.get(m.id as number);
        this.#pending.delete(m.id as number);
        resolve?.(m as unknown as TapState);
      }
    };
  }

  static async create(context: AudioContext, mode: 'tap' | 'probe'): Promise<Tap> {
    let load = loaded.get(context);
    if (!load) {
      load = context.audioWorklet.addModule(moduleUrl);
      loaded.set(context, load);
    }
    await load;
    reg.internal = true;
    try {
      const options: AudioWorkletNodeOptions =
        mode === 'tap'
          ? { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit', processorOptions: { mode } }
          : { numberOfInputs: 1, numberOfOutputs: 0, processorOptions: { mode } };
      return new Tap(context, new reg.orig.AudioWorkletNode(context, 'rv-bench-tap', options));
    } finally {
      reg.internal = false;
    }
  }

  get(): Promise<TapState> {
    const id = ++this.#seq;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.node.port.postMessage({ type: 'get', id });
    });
  }

  /** The first `type` event whose (hr) time is after `afterHr`, waiting up to `timeoutMs`. */
  waitEvent(type: TapEvent['type'], afterHr: number, timeoutMs: number): Promise<TapEvent | null> {
    const found = this.events.find((e) => e.type === type && hr(e.t) > afterHr);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const listener = (e: TapEvent) => {
        if (e.type !== type || hr(e.t) <= afterHr) return;
        cleanup();
        resolve(e);
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(null);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      this.#listeners.add(listener);
    });
  }

  dump() {
    return { rate: this.context.sampleRate, frames: this.frames, times: this.times, hashes: this.hashes, events: this.events };
  }

  clear(): void {
    this.frames = [];
    this.times = [];
    this.hashes = [];
    this.events = [];
  }
}

// ── records ────────────────────────────────────────────────────────────────────────────────────

/**
 * The first record in `records` (from `fromIndex`) or, failing that, the first one still to come
 * through `listeners`, that matches `pred`; `null` after `timeoutMs`.
 */
function nextRecord<R>(records: R[], listeners: ((r: R) => void)[], pred: (r: R) => boolean, timeoutMs: number, fromIndex = 0): Promise<R | null> {
  for (let i = fromIndex; i < records.length; i++) if (pred(records[i]!)) return Promise.resolve(records[i]!);
  return new Promise((resolve) => {
    const listener = (r: R) => {
      if (!pred(r)) return;
      cleanup();
      resolve(r);
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve(null);
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      listeners.splice(listeners.indexOf(listener), 1);
    };
    listeners.push(listener);
  });
}

const nextRecv = (pred: (r: RecvRecord) => boolean, timeoutMs: number, fromIndex = 0) => nextRecord(reg.recvs, reg.recvListeners, pred, timeoutMs, fromIndex);
const nextSend = (pred: (r: SendRecord) => boolean, timeoutMs: number) => nextRecord(reg.sends, reg.sendListeners, pred, timeoutMs);

/** FNV-1a of the last 128 PCM16 samples of a chunk, as the probe hashes a quantum. */
function hashTail(buffer: ArrayBuffer): { hash: number; samples: number } {
  const pcm = new Int16Array(buffer);
  let h = 0x811c9dc5;
  for (let i = Math.max(0, pcm.length - 128); i < pcm.length; i++) {
    const q = pcm[i]!;
    h = Math.imul(h ^ (q & 0xff), 0x01000193);
    h = Math.imul(h ^ ((q >> 8) & 0xff), 0x01000193);
  }
  return { hash: h >>> 0, samples: pcm.length };
}

// ── controlled microphone ──────────────────────────────────────────────────────────────────────

let mic: { context: AudioContext; destination: MediaStreamAudioDestinationNode; clip: AudioBuffer } | null = null;

async function setupMic(clipStartS: number, clipSeconds: number): Promise<void> {
  reg.internal = true;
  const context = new reg.orig.AudioContext({ sampleRate: 48000 });
  reg.internal = false;
  const bytes = await (await fetch('/fixtures/speech-order.wav')).arrayBuffer();
  const full = await context.decodeAudioData(bytes);
  const start = Math.floor(clipStartS * full.sampleRate);
  const length = Math.floor(clipSeconds * full.sampleRate);
  const clip = context.createBuffer(1, length, full.sampleRate);
  clip.copyToChannel(full.getChannelData(0).subarray(start, start + length), 0);
  const destination = context.createMediaStreamDestination();
  mic = { context, destination, clip };
  reg.micFactory = () => new MediaStream([destination.stream.getAudioTracks()[0]!.clone()]);
}

/** Plays the speech clip into the controlled microphone; resolves when it has ended. */
function speak(): Promise<void> {
  const m = mic;
  if (!m) throw new Error('no controlled mic');
  const source = m.context.createBufferSource();
  source.buffer = m.clip;
  source.connect(m.destination);
  return new Promise((resolve) => {
    source.onended = () => resolve();
    source.start();
  });
}

// ── stacks ─────────────────────────────────────────────────────────────────────────────────────

interface StartOptions {
  /** ws://…/v1/realtime of the local server. */
  url: string;
  bundleUrl: string;
  /** Server VAD settings; `null`: no turn detection (the duplex benches). */
  vad: { threshold: number; silenceMs: number; prefixMs: number } | null;
  /** Attach the tap (player output) and, for the reference, the probe (recorder input). */
  taps: boolean;
  session: Record<string, unknown>;
}

type OursElement = HTMLElement & {
  url: string;
  getToken: () => Promise<unknown>;
  vadThreshold: number;
  vadSilenceMs: number;
  vadPrefixMs: number;
  status: string;
  start(): Promise<void>;
  stop(): void;
  sendText(text: string): void;
  updateComplete: Promise<boolean>;
};

let stack: 'ours' | 'ref' | null = null;
let el: OursElement | null = null;
let ref: ReferenceClient | null = null;
let tap: Tap | null = null;
let probe: Tap | null = null;
let playerContext: AudioContext | null = null;

async function fetchToken(): Promise<{ value: string; expires_at: number }> {
  const res = await fetch('/token', { method: 'POST' });
  if (!res.ok) throw new Error(`token ${res.status}`);
  return (await res.json()) as { value: string; expires_at: number };
}

function waitStatus(element: OursElement, want: string, timeoutMs: number): Promise<boolean> {
  if (element.status === want) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      element.removeEventListener('rv-status', listener);
      resolve(false);
    }, timeoutMs);
    const listener = (e: Event) => {
      if ((e as CustomEvent<{ status: string }>).detail.status !== want) return;
      clearTimeout(timer);
      element.removeEventListener('rv-status', listener);
      resolve(true);
    };
    element.addEventListener('rv-status', listener);
  });
}

async function waitNode(name: string, timeoutMs: number): Promise<{ node: AudioWorkletNode; context: AudioContext } | null> {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    for (let i = reg.nodes.length - 1; i >= 0; i--) {
      const n = reg.nodes[i]!;
      const node = n.node.deref();
      const context = n.context.deref();
      if (n.name === name && node && context && context.state !== 'closed') return { node, context };
    }
    await sleep(10);
  }
  return null;
}

async function createOurs(o: StartOptions): Promise<OursElement> {
  await import(/* @vite-ignore */ o.bundleUrl);
  const element = document.createElement('realtime-voice') as OursElement;
  element.url = o.url;
  element.getToken = fetchToken;
  if (o.vad) {
    element.vadThreshold = o.vad.threshold;
    element.vadSilenceMs = o.vad.silenceMs;
    element.vadPrefixMs = o.vad.prefixMs;
  } else {
    // The `session` escape hatch: no server VAD, while the element still streams the microphone.
    (element as unknown as { session: unknown }).session = { audio: { input: { turn_detection: null } } };
  }
  document.body.append(element);
  await element.updateComplete;
  return element;
}

async function startOurs(o: StartOptions) {
  stack = 'ours';
  const element = (el ??= await createOurs(o));
  const ready = waitStatus(element, 'listening', 20000);
  await element.start();
  if (!(await ready)) throw new Error(`ours: not listening (status ${element.status})`);
  const player = await waitNode('rv-player-processor', 10000);
  if (!player) throw new Error('ours: no player node');
  playerContext = player.context;
  if (o.taps) {
    tap = await Tap.create(player.context, 'tap');
    player.node.connect(tap.node);
  }
  return contextInfo(player.context);
}

async function startRef(o: StartOptions) {
  stack = 'ref';
  const token = await fetchToken();
  let pending: AudioWorkletNode[] = [];
  const client = new ReferenceClient({
    url: o.url,
    token: token.value,
    session: o.session,
    ...(reg.cfg.hooks && { onChunk: (chunk: ArrayBuffer | null) => (reg.currentChunk = chunk) }),
    onStreamNode: (node) => {
      if (tap) node.connect(tap.node);
      else pending.push(node);
    },
  });
  ref = client;
  await client.start();
  playerContext = client.player.context;
  if (o.taps) {
    tap = await Tap.create(client.player.context, 'tap');
    for (const node of pending) node.connect(tap.node);
    pending = [];
    const recorderContext = client.recorder.processor.context as AudioContext;
    probe = await Tap.create(recorderContext, 'probe');
    client.recorder.source.connect(probe.node);
  }
  return contextInfo(client.player.context);
}

function contextInfo(context: AudioContext) {
  return { sampleRate: context.sampleRate, baseLatency: context.baseLatency, outputLatency: context.outputLatency };
}

async function stopStack(): Promise<void> {
  if (el) {
    el.stop();
    await waitStatus(el, 'idle', 5000);
  }
  if (ref) await ref.stop();
  ref = null;
  tap = null;
  probe = null;
  stack = null;
}

// ── scenarios ──────────────────────────────────────────────────────────────────────────────────

const rand = (a: number, b: number) => a + Math.random() * (b - a);

/**
 * Barge-in trials (figures 3, 4, 5): the user speaks; the agent answers; at a random point of the
 * answer — every other trial before `output_audio.done` arrived, the others after — the user
 * speaks again (the server's VAD sends `speech_started`, the stack interrupts); that utterance is
 * the next turn. Returns one record per trial, raw.
 */
async function trials(n: number) {
  if (!tap) throw new Error('trials need the tap');
  const t0 = tap;
  const out: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  let speaking = speak();
  for (let i = 0; i < n; i++) {
    const mark = reg.recvs.length;
    const first = (await nextRecv((r) => r.kind === 'delta' && !seen.has(r.responseId), 20000, mark)) as Extract<RecvRecord, { kind: 'delta' }> | null;
    if (!first) {
      out.push({ error: 'no response within 20 s' });
      break;
    }
    seen.add(first.responseId);
    const onset = await t0.waitEvent('onset', first.t - 2, 5000);
    if (!onset) {
      out.push({ error: 'no audible onset' });
      await speaking;
      speaking = speak();
      continue;
    }
    const onsetHr = hr(onset.t);
    const wantAfterDone = i % 2 === 1;
    if (!wantAfterDone) {
      await sleep(Math.max(0, onsetHr + rand(60, 500) - now()));
    } else {
      const done = await nextRecv((r) => r.kind === 'audio_done' && r.responseId === first.responseId, 20000, mark);
      let bytes = 0;
      for (let k = mark; k < reg.recvs.length; k++) {
        const r = reg.recvs[k]!;
        if (r.kind === 'delta' && r.itemId === first.itemId) bytes += r.bytes;
      }
      const remaining = bytes / 48 - (now() - onsetHr);
      if (done) await sleep(rand(150, Math.max(200, Math.min(2000, remaining - 700))));
    }
    await speaking;
    const tSpeak = now();
    speaking = speak();
    const ss = await nextRecv((r) => r.kind === 'speech_started' && r.t > tSpeak, 3000, mark);
    const sounding = t0.events.filter((e) => ss && hr(e.t) <= ss.t).at(-1)?.type === 'onset';
    const trunc = ss ? await nextSend((r) => r.kind === 'truncate' && r.t >= ss.t, 1500) : null;
    const off = ss ? await t0.waitEvent('offset', ss.t - 2, 1500) : null;
    await sleep(100);
    const state = await t0.get();
    let receivedBeforeSS = 0;
    let receivedTotal = 0;
    let doneAt: number | null = null;
    for (let k = mark; k < reg.recvs.length; k++) {
      const r = reg.recvs[k]!;
      if (r.kind === 'delta' && r.itemId === first.itemId) {
        receivedTotal += r.bytes;
        if (ss && r.t < ss.t) receivedBeforeSS += r.bytes;
      }
      if (r.kind === 'audio_done' && r.itemId === first.itemId && doneAt === null) doneAt = r.t;
    }
    const afterOnsets = t0.events.filter((e) => e.type === 'onset' && ss && off && hr(e.t) > ss.t && hr(e.t) < hr(off.t));
    out.push({
      trial: i,
      mode: wantAfterDone ? 'after_done' : 'before_done',
      itemId: first.itemId,
      tFirstDelta: first.t,
      tOnset: onsetHr,
      onsetBefore: onset.before,
      tSpeechStarted: ss?.t ?? null,
      soundingAtSpeechStarted: sounding,
      tSilent: off ? hr(off.t) : null,
      silentTotal: off?.total ?? null,
      totalNow: state.total,
      truncate: trunc && trunc.kind === 'truncate' ? { itemId: trunc.itemId, audioEndMs: trunc.audioEndMs, t: trunc.t } : null,
      receivedBeforeSS,
      receivedTotal,
      doneAt,
      resumedAfterClear: afterOnsets.length,
      rate: t0.context.sampleRate,
    });
  }
  await speaking;
  return out;
}

/** Figure 8: typed turns back to back, each answered with audio at accelerated pace, each interrupting the last. */
async function chatLoop(turns: number, startIndex: number) {
  const element = el;
  if (!element) throw new Error('chat needs ours');
  let done = 0;
  let wake: (() => void) | null = null;
  const listener = (e: Event) => {
    const event = (e as CustomEvent<{ event: { type: string } }>).detail.event;
    if (event.type === 'response.done') {
      done++;
      wake?.();
    }
  };
  element.addEventListener('rv-server-event', listener);
  let timeouts = 0;
  for (let i = 0; i < turns; i++) {
    const target = done + 1;
    element.sendText(`Question ${startIndex + i}: where is my order 1234?`);
    const deadline = now() + 10000;
    while (done < target && now() < deadline) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 250);
      });
    }
    if (done < target) timeouts++;
  }
  element.removeEventListener('rv-server-event', listener);
  return { turns, timeouts, conversationItems: (element as unknown as { conversation: unknown[] }).conversation.length };
}

/** Figure 8: `start()` → connected → `stop()` → idle, `n` times, then what is left open. */
async function cycles(n: number, o: StartOptions) {
  const element = (el ??= await createOurs(o));
  let failures = 0;
  const t = now();
  for (let i = 0; i < n; i++) {
    const ready = waitStatus(element, 'listening', 10000);
    await element.start();
    if (!(await ready)) failures++;
    element.stop();
    await waitStatus(element, 'idle', 5000);
  }
  const elapsedMs = now() - t;
  await sleep(1500);
  const afterStop = reg.live();
  element.remove();
  el = null;
  await sleep(1000);
  const afterRemove = reg.live();
  return { cycles: n, failures, elapsedMs, afterStop, afterRemove };
}

function collect() {
  offset = calibrate();
  const sends = reg.sends.map((s) => {
    if (s.kind !== 'append') return s;
    const chunk = s.chunk ? hashTail(s.chunk) : null;
    return { kind: s.kind, t: s.t, capturedAt: s.capturedAt, frameSeconds: s.frameSeconds, length: s.length, chunkHash: chunk?.hash ?? null, chunkSamples: chunk?.samples ?? null };
  });
  return {
    stack,
    offset,
    sends,
    recvs: reg.recvs,
    tap: tap?.dump() ?? null,
    probe: probe?.dump() ?? null,
    player: playerContext ? contextInfo(playerContext) : null,
    longTasks,
  };
}

function reset(): void {
  reg.sends.length = 0;
  reg.recvs.length = 0;
  tap?.clear();
  probe?.clear();
  longTasks.length = 0;
}

/** How our element is shown during a run: panel open (as during a call), closed, or not rendered. */
async function setView(view: 'open' | 'closed' | 'hidden'): Promise<void> {
  if (!el) return;
  (el as unknown as { open: boolean }).open = view === 'open';
  el.style.display = view === 'hidden' ? 'none' : '';
  await el.updateComplete;
}

const api = {
  ready: true,
  calibrate: () => (offset = calibrate()),
  setupMic,
  speak,
  startOurs,
  startRef,
  stopStack,
  setView,
  trials,
  chatLoop,
  cycles,
  collect,
  reset,
  tapState: () => tap?.get() ?? null,
  live: () => reg.live(),
  longTasks: () => longTasks,
};
(window as unknown as { rvb: typeof api }).rvb = api;
