// Shared plumbing of the acceptance suite (test/browser*/e2e-*.test.ts): the real element, the
// real session, the real audio engine and worklets, over a real socket to the local Realtime
// server started by test/wtr-plugins.mjs, with tokens from its real token endpoint (`/session`,
// made with createTokenHandler). Nothing is mocked: tests only *observe*, by wrapping the
// browser's constructors (to count what a call opens, and to tap the player's output with a
// second AudioWorklet) and by asking the server what it received (`rv-sim` control ops).
import { expect, fixture, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.js';
import type { RealtimeVoiceElement, TokenResponse } from '../../src/index.js';
import { PLAYER_PROCESSOR } from '../../src/audio/messages.js';
import { resolveStrings } from '../../src/i18n.js';

export interface LocalServer {
  url: string | null;
  httpUrl: string | null;
  tokenUrl: string;
}

export interface SimSession {
  id: string;
  open: boolean;
  closeCode: number | null;
  closeReason: string | null;
  auth: string;
  eventsReceived: number;
  voice?: string;
  turnDetection?: string | null;
  tools?: string[];
  userTurns?: number;
  responses?: number;
}

export interface SimEvent {
  type: string;
  event_id?: string;
  [key: string]: unknown;
}

export interface SimKey {
  value: string;
  expired: boolean;
  sessions_started: number;
}

/** A control op of the local server (`server.control(op, args)`). */
export const sim = <T = unknown>(op: string, args: object = {}) => executeServerCommand<T, object>('rv-sim', { op, ...args });

/** Client events the server received (most recent session unless `sessionId`). */
export const received = (args: { sessionId?: string; type?: string } = {}) => sim<SimEvent[]>('events', args);
/** Server events the server sent (audio payloads replaced by their size). */
export const sent = (args: { sessionId?: string; type?: string } = {}) => sim<SimEvent[]>('sent', args);
export const sessions = () => sim<SimSession[]>('sessions');

let config: LocalServer | undefined;
export async function localServer(): Promise<LocalServer> {
  config ??= (await import(new URL('/__rv/config.js', location.href).href)).default as LocalServer;
  return config;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ── tokens from the real token endpoint ──────────────────────────────────────────────────────

export interface TokenCounter {
  /** Completed fetches of the endpoint. */
  count: number;
  /** The `value`s received, in order. */
  values: string[];
  getToken: (init: { signal: AbortSignal }) => Promise<TokenResponse>;
}

/** A `getToken` that POSTs to the host's token endpoint (default `/session`), counting calls. */
export function tokenCounter(url = '/session'): TokenCounter {
  const counter: TokenCounter = {
    count: 0,
    values: [],
    getToken: async ({ signal }) => {
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', signal });
      if (!response.ok) throw new Error(`token endpoint answered HTTP ${response.status}`);
      const body = (await response.json()) as TokenResponse;
      counter.count++;
      counter.values.push(String(body.value));
      return body;
    },
  };
  return counter;
}

// ── the element, and what it reports ──────────────────────────────────────────────────────────

export interface Recorded {
  type: string;
  detail: Record<string, unknown>;
  at: number;
}

export const RV_EVENTS = ['rv-status', 'rv-connected', 'rv-disconnected', 'rv-transcript', 'rv-tool-call', 'rv-interrupted', 'rv-error', 'rv-server-event'] as const;

export class Recorder {
  readonly events: Recorded[] = [];
  constructor(readonly el: HTMLElement) {
    for (const type of RV_EVENTS) {
      el.addEventListener(type, (e) => this.events.push({ type, detail: (e as CustomEvent).detail as Record<string, unknown>, at: performance.now() }));
    }
  }
  of(type: string): Recorded[] {
    return this.events.filter((e) => e.type === type);
  }
  details<T = Record<string, unknown>>(type: string): T[] {
    return this.of(type).map((e) => e.detail as T);
  }
  /** Error codes reported through `rv-error`, in order. */
  get errors(): string[] {
    return this.of('rv-error').map((e) => String(e.detail['code']));
  }
  get statuses(): string[] {
    return this.of('rv-status').map((e) => String(e.detail['status']));
  }
  /** Server events the element received (after parsing), by type. */
  serverEvents(type?: string): SimEvent[] {
    return this.of('rv-server-event')
      .map((e) => e.detail['event'] as SimEvent)
      .filter((e) => type === undefined || e.type === type);
  }
  finalTranscripts(role: 'user' | 'assistant'): string[] {
    return this.of('rv-transcript')
      .map((e) => e.detail as { role: string; text: string; final: boolean })
      .filter((d) => d.role === role && d.final)
      .map((d) => d.text);
  }
  /** performance.now() of the first event of `type` matching `where`, or undefined. */
  firstAt(type: string, where: (detail: Record<string, unknown>) => boolean = () => true): number | undefined {
    return this.events.find((e) => e.type === type && where(e.detail))?.at;
  }
}

const mounted = new Set<RealtimeVoiceElement>();

export interface MountOptions {
  /** Attributes (a value of `true` sets a boolean attribute, `false` leaves out a default one). */
  attrs?: Record<string, string | boolean>;
  /**
   * Properties set after the element is upgraded (url and getToken default to the local server's).
   * `muted` defaults to true: this group's fake microphone beeps every 500 ms, and with browser
   * processing the beeps are long enough for server VAD to take them for speech.
   */
  props?: Partial<RealtimeVoiceElement> & Record<string, unknown>;
  /** Token counter to use (default: a fresh one on `/session`). */
  tokens?: TokenCounter | null;
}

/** Creates `<realtime-voice>` on the page wired to the local server and its token endpoint. */
export async function mount(options: MountOptions = {}): Promise<{ el: RealtimeVoiceElement; log: Recorder; tokens: TokenCounter | null }> {
  const server = await localServer();
  const attrs = { variant: 'inline', language: 'en', transcript: true, 'text-input': true, ...options.attrs } as Record<string, string | boolean>;
  const markup = `<realtime-voice ${Object.entries(attrs)
    .filter((entry): entry is [string, string | true] => entry[1] !== false)
    .map(([k, v]) => (v === true ? k : `${k}="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`))
    .join(' ')}></realtime-voice>`;
  const el = await fixture<RealtimeVoiceElement>(markup);
  const tokens = options.tokens === undefined ? tokenCounter() : options.tokens;
  Object.assign(el, { url: server.url!, muted: true, ...(tokens && { getToken: tokens.getToken }), ...options.props });
  mounted.add(el);
  const log = new Recorder(el);
  await el.updateComplete;
  return { el, log, tokens };
}

export const part = <T extends HTMLElement = HTMLElement>(el: RealtimeVoiceElement, name: string) =>
  el.shadowRoot!.querySelector<T>(`[part~=${name}]`);

/** Clicks a part of the element (a real `click()` on the button, like a user's). */
export function click(el: RealtimeVoiceElement, name: string): void {
  const button = part<HTMLButtonElement>(el, name);
  if (!button) throw new Error(`no [part~=${name}] in ${el.status}`);
  button.click();
}

/** Types into the text box and submits the form, as a user would. */
export async function type(el: RealtimeVoiceElement, text: string): Promise<void> {
  await el.updateComplete;
  const input = part<HTMLInputElement>(el, 'input')!;
  input.value = text;
  part<HTMLButtonElement>(el, 'send-button')!.click();
}

export const agentSaid = (el: RealtimeVoiceElement, re: RegExp) =>
  el.conversation.some((i) => i.role === 'assistant' && i.status === 'completed' && re.test(i.text));

export const waitFor = (predicate: () => unknown, message: string, timeout = 15000) => waitUntil(predicate, message, { timeout, interval: 20 });

export async function waitForServer(predicate: (s: SimSession[]) => boolean, message: string, timeout = 10000): Promise<SimSession[]> {
  let last: SimSession[] = [];
  await waitUntil(
    async () => {
      last = await sessions();
      return predicate(last);
    },
    message,
    { timeout, interval: 50 },
  );
  return last;
}

// ── the GA schema check of everything the server received ──────────────────────────────────

export interface ValidationReport {
  checked: number;
  received: number;
  sessions: number;
  types: Record<string, number>;
  errors: string[];
}

/** Totals over the file, printed by `printFrameTotals()`. */
const frameTotals: Record<string, number> = {};

/** Every client frame the server still holds must be a valid GA client event. */
export async function expectValidFrames(): Promise<ValidationReport> {
  const report = await executeServerCommand<ValidationReport, object>('rv-validate', {});
  expect(report.errors, `client frames that are not valid GA events:\n${report.errors.join('\n')}`).to.deep.equal([]);
  expect(report.checked, 'every received frame was kept for validation').to.equal(report.received);
  for (const [t, n] of Object.entries(report.types)) frameTotals[t] = (frameTotals[t] ?? 0) + n;
  return report;
}

export function printFrameTotals(file: string): void {
  console.log(`E2E_FRAMES ${file} ${JSON.stringify(frameTotals)}`);
}

/**
 * The hooks of every e2e suite: skip it without the local server, `cleanup()` after each test
 * (after `afterEachTest`, e.g. restoring something the test replaced), and print the suite's
 * frame totals at the end as `name`. Call it first inside the suite's `describe`.
 */
export function e2eHooks(name: string, afterEachTest?: () => unknown): void {
  before(async function () {
    if (!(await localServer()).url) this.skip();
  });
  afterEach(async () => {
    await afterEachTest?.();
    await cleanup();
  });
  after(() => printFrameTotals(name));
}

/**
 * After each test: remove the elements (which ends their calls), wait until the server saw every
 * session close, validate every client frame it received against the GA schema, then reset it.
 */
export async function cleanup(): Promise<void> {
  for (const el of mounted) el.remove();
  mounted.clear();
  probe?.restore();
  probe = null;
  try {
    await waitForServer((all) => all.every((s) => !s.open), 'every server session closed after the test', 5000);
    await expectValidFrames();
  } finally {
    await sim('reset');
  }
}

// ── instrumentation: what a call opens, and what the player renders ─────────────────────────

const TAP_NAME = 'rv-e2e-tap';
const TAP_SOURCE = `
class Tap extends AudioWorkletProcessor {
  constructor(o) {
    super();
    this.buf = new Float32Array(o.processorOptions.capacity);
    this.start = -1;
    this.n = 0;
    this.port.onmessage = (e) => {
      if (e.data !== 'dump') return;
      const buf = this.buf.slice(0, this.n);
      this.port.postMessage({ start: this.start, n: this.n, frame: currentFrame, rate: sampleRate, buf }, [buf.buffer]);
    };
  }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (this.start < 0) this.start = currentFrame;
    // Indexed by frame: a quantum the render thread skipped stays zero, never shifts the rest.
    const pos = currentFrame - this.start;
    if (x) for (let i = 0; i < x.length && pos + i < this.buf.length; i++) this.buf[pos + i] = x[i];
    this.n = Math.max(this.n, Math.min(this.buf.length, pos + 128));
    return true;
  }
}
registerProcessor('${TAP_NAME}', Tap);`;

export interface TapDump {
  /** Context frame of `buf[0]`. */
  start: number;
  n: number;
  /** Context frame when dumped. */
  frame: number;
  rate: number;
  buf: Float32Array;
}

export interface Probe {
  contexts: AudioContext[];
  sockets: WebSocket[];
  streams: MediaStream[];
  /** performance.now() when each getUserMedia resolved (the WAV-fed mic starts its file then). */
  micOpenedAt: number[];
  /** Player worklet nodes the engine created. */
  players: AudioWorkletNode[];
  /** ctx.currentTime when the tap was connected to the first player (NaN before). */
  tapConnectedAt: number;
  /** What the first player rendered so far (null: no player yet). */
  tap(): Promise<TapDump | null>;
  restore(): void;
}

let probe: Probe | null = null;

/**
 * Wraps `getUserMedia`, `AudioContext`, `AudioWorkletNode` and `WebSocket` to record what the
 * page opens, and connects a tap worklet to the element's player node (in parallel with its real
 * output) so tests can see exactly what it rendered. `cleanup()` restores the originals.
 */
export function instrument(options: { tapSeconds?: number } = {}): Probe {
  probe?.restore();
  const media = navigator.mediaDevices;
  const gum = media.getUserMedia;
  const RealContext = window.AudioContext;
  const RealNode = window.AudioWorkletNode;
  const RealSocket = window.WebSocket;
  const tapUrl = URL.createObjectURL(new Blob([TAP_SOURCE], { type: 'text/javascript' }));
  const tapModules = new WeakMap<BaseAudioContext, Promise<void>>();
  let tapNode: AudioWorkletNode | null = null;
  const seconds = options.tapSeconds ?? 30;
  const p: Probe = {
    contexts: [],
    sockets: [],
    streams: [],
    micOpenedAt: [],
    players: [],
    tapConnectedAt: NaN,
    async tap() {
      const node = tapNode;
      if (!node) return null;
      return new Promise<TapDump>((resolve) => {
        node.port.onmessage = (e: MessageEvent<TapDump>) => resolve(e.data);
        node.port.postMessage('dump');
      });
    },
    restore() {
      media.getUserMedia = gum;
      window.AudioContext = RealContext;
      window.AudioWorkletNode = RealNode;
      window.WebSocket = RealSocket;
    },
  };
  media.getUserMedia = async (constraints) => {
    const stream = await gum.call(media, constraints);
    p.streams.push(stream);
    p.micOpenedAt.push(performance.now());
    return stream;
  };
  window.AudioContext = class extends RealContext {
    constructor(o?: AudioContextOptions) {
      super(o);
      p.contexts.push(this);
      // Loaded at once, so it is ready by the time the engine has loaded its own worklets.
      tapModules.set(
        this,
        this.audioWorklet.addModule(tapUrl).catch(() => undefined),
      );
    }
  };
  window.AudioWorkletNode = class extends RealNode {
    constructor(context: BaseAudioContext, name: string, o?: AudioWorkletNodeOptions) {
      super(context, name, o);
      if (name !== PLAYER_PROCESSOR) return;
      p.players.push(this);
      if (p.players.length > 1) return;
      const connectTap = (player: AudioWorkletNode) => {
        tapNode = new RealNode(context, TAP_NAME, {
          numberOfInputs: 1,
          numberOfOutputs: 0,
          channelCount: 1,
          channelCountMode: 'explicit',
          processorOptions: { capacity: Math.ceil(context.sampleRate * seconds) },
        });
        player.connect(tapNode);
        p.tapConnectedAt = context.currentTime;
      };
      void tapModules.get(context)?.then(() => connectTap(this));
    }
  };
  window.WebSocket = class extends RealSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      p.sockets.push(this);
    }
  };
  probe = p;
  return p;
}

// ── audio analysis ──────────────────────────────────────────────────────────────────────────

/** 1 LSB of PCM16 in float, a little over: the threshold of "not silent" on both sides. */
export const THRESHOLD = 1.5 / 32768;

/** The PCM16 of each assistant audio item, as the element received it (from `rv-server-event`). */
export function receivedAudio(log: Recorder): Map<string, Int16Array> {
  const chunks = new Map<string, Uint8Array[]>();
  for (const e of log.serverEvents()) {
    if (e.type !== 'response.output_audio.delta' && e.type !== 'response.audio.delta') continue;
    const bytes = Uint8Array.from(atob(String(e['delta'])), (c) => c.charCodeAt(0));
    const id = String(e['item_id']);
    chunks.set(id, [...(chunks.get(id) ?? []), bytes]);
  }
  const out = new Map<string, Int16Array>();
  for (const [id, list] of chunks) {
    const all = new Uint8Array(list.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of list) {
      all.set(c, at);
      at += c.length;
    }
    out.set(id, new Int16Array(all.buffer, 0, all.length >> 1));
  }
  return out;
}

/** Milliseconds of non-silent samples. */
export function pcmNonZeroMs(pcm: Int16Array): number {
  let n = 0;
  for (const v of pcm) if (Math.abs(v) > 1) n++;
  return (n * 1000) / 24000;
}

export function tapNonZeroMs(dump: TapDump, from = 0, to = dump.n): number {
  let n = 0;
  for (let i = from; i < to; i++) if (Math.abs(dump.buf[i]!) > THRESHOLD) n++;
  return (n * 1000) / dump.rate;
}

export function rms(x: ArrayLike<number>, scale = 1): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! / scale;
    if (Math.abs(v) > THRESHOLD) {
      s += v * v;
      n++;
    }
  }
  return n ? Math.sqrt(s / n) : 0;
}

/**
 * What the tap says was rendered of one item that started at the first non-silent sample the tap
 * saw at or after `fromIndex` and was cut before `untilIndex`: an interval [lo, hi] in ms of the
 * item's audio, because the cut may fall inside a pause of the speech (then any point of the
 * pause is consistent with what the tap saw).
 */
export function renderedInterval(dump: TapDump, pcm: Int16Array, fromIndex: number, untilIndex: number): { lo: number; hi: number; startIndex: number; endIndex: number } {
  const ratio = dump.rate / 24000;
  let s = fromIndex;
  while (s < untilIndex && Math.abs(dump.buf[s]!) <= THRESHOLD) s++;
  let p0 = 0;
  while (p0 < pcm.length && Math.abs(pcm[p0]!) <= 1) p0++;
  // The item's first sample, in tap frames.
  const itemStart = s - p0 * ratio;
  let e = untilIndex - 1;
  while (e > s && Math.abs(dump.buf[e]!) <= THRESHOLD) e--;
  const lo = ((e + 1 - itemStart) / dump.rate) * 1000;
  // The next sample of the item that would have sounded had rendering gone on.
  let q = Math.ceil(((e + 1 - itemStart) / ratio) + 24 /* 1 ms: the resampler's tail */);
  while (q < pcm.length && Math.abs(pcm[q]!) <= 1) q++;
  const hi = Math.max(lo, (Math.min(q, pcm.length) * 1000) / 24000);
  return { lo, hi, startIndex: s, endIndex: e };
}

/**
 * Where in the item the player was when its output stopped before `untilIndex`, found by matching
 * the last 20 ms of non-silent output the tap saw against the item's PCM (so an underrun earlier
 * in the item, which `renderedInterval` would count as rendered time, does not skew it). Returns
 * ms of the item rendered and the correlation of the match; `null` when the output ended in
 * silence (nothing to match: use `renderedInterval`).
 */
export function renderedPosition(dump: TapDump, pcm: Int16Array, untilIndex: number): { ms: number; r: number; gapMs: number } | null {
  const ratio = dump.rate / 24000;
  let e = untilIndex - 1;
  while (e > 0 && Math.abs(dump.buf[e]!) <= THRESHOLD) e--;
  // Leave out the ≤ 5 ms fade of the clear, then take 20 ms (480 samples at 24 kHz).
  const W = 480;
  const end = e - Math.ceil(dump.rate * 0.006);
  const start = end - Math.ceil(W * ratio);
  if (start < 0) return null;
  const win = new Float64Array(W);
  let energy = 0;
  for (let j = 0; j < W; j++) {
    const t = start + j * ratio;
    const i = Math.floor(t);
    const f = t - i;
    win[j] = dump.buf[i]! * (1 - f) + dump.buf[i + 1]! * f;
    energy += win[j]! ** 2;
  }
  if (Math.sqrt(energy / W) < 0.003) return null;
  let best = { k: -1, r: -1 };
  for (let k = W; k <= pcm.length; k++) {
    let dot = 0;
    let ee = 0;
    for (let j = 0; j < W; j++) {
      const v = pcm[k - W + j]! / 32768;
      dot += v * win[j]!;
      ee += v * v;
    }
    const r = ee > 0 ? dot / Math.sqrt(ee * energy) : 0;
    if (r > best.r) best = { k, r };
  }
  if (best.k < 0) return null;
  // `best.k` is the item position at tap index `end`; the output went on to `e`.
  const ms = ((best.k + (e + 1 - end) / ratio) * 1000) / 24000;
  let s = 0;
  while (s < e && Math.abs(dump.buf[s]!) <= THRESHOLD) s++;
  let p0 = 0;
  while (p0 < pcm.length && Math.abs(pcm[p0]!) <= 1) p0++;
  const spanMs = ((e + 1 - (s - p0 * ratio)) / dump.rate) * 1000;
  return { ms, r: best.r, gapMs: spanMs - ms };
}

/** Output latency of a context as the engine accounts it (base + output), in ms. */
export const contextLatencyMs = (ctx: AudioContext) => (ctx.baseLatency + (ctx.outputLatency || 0)) * 1000;

/**
 * A call started without a text box whose microphone fails with `code`: a fatal error, shown in
 * `language` with a retry, accessible; no track, context, socket or server session left open;
 * and a retry fails the same way, as cleanly. `floating`: started from the launcher.
 */
export async function expectFatalMicFailure(code: 'mic_permission_denied' | 'mic_unavailable', { language = 'en', floating = false } = {}): Promise<void> {
  const probe = instrument();
  const { el, log } = await mount({ attrs: { language, 'text-input': false, ...(floating && { variant: 'floating' }) }, props: { muted: false } });
  click(el, floating ? 'launcher' : 'start-button');
  await waitFor(() => el.status === 'error', 'status error');
  const errors = log.details<{ code: string; fatal: boolean }>('rv-error');
  expect(errors.map((e) => [e.code, e.fatal])).to.deep.equal([[code, true]]);
  await el.updateComplete;
  const strings = resolveStrings(language);
  expect(part(el, 'error')!.textContent).to.contain(code === 'mic_unavailable' ? strings.noMic : strings.denied);
  expect(part(el, 'retry-button')!.textContent!.trim()).to.equal(strings.retry);
  await expect(el).to.be.accessible();
  // Nothing stays open: no live track, closed contexts, and the server session (if the socket
  // beat the microphone) is closed.
  await waitFor(() => probe.contexts.length > 0 && probe.contexts.every((c) => c.state === 'closed'), 'audio context closed');
  expect(probe.streams).to.deep.equal([]);
  await waitForServer((all) => all.every((s) => !s.open), 'no server session left open');
  await waitFor(() => probe.sockets.every((s) => s.readyState === WebSocket.CLOSED), 'sockets closed');
  click(el, 'retry-button');
  await waitFor(() => log.errors.length === 2, 'the retry failed too');
  expect(log.errors).to.deep.equal([code, code]);
  await waitFor(() => el.status === 'error', 'status error again');
  await waitForServer((all) => all.every((s) => !s.open), 'no server session left open after the retry');
}
