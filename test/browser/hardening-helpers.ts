// Shared by the hardening tests (test/browser*/hardening-*.test.ts): the local servers' hooks,
// a status-transition checker, a capture of everything a page could leak or throw, and
// instrumentation that counts live microphones, audio contexts, sockets and timers.
import { fixture, html, expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { RealtimeSession, type SessionDeps } from '../../src/session/session.js';
import type { RealtimeVoiceElement, TokenResponse } from '../../src/index.js';
import type { SessionStatus } from '../../src/session/types.js';

export interface Servers {
  /** The local Realtime server (ws://…/v1/realtime) and its REST base. */
  url: string;
  httpUrl: string;
  /** The hardening plugin's fuzzing proxy in front of `url`. */
  proxyUrl: string;
  /** The hardening token endpoint with failure modes. */
  tokenUrl: string;
  version: string;
  secondVersion: string;
  leakedKey: string;
  counts: { fuzzEvents: number; conversations: number; cycles: number };
  /** `RV_FAULT_SEED`, to replay the random drops of a fault run. */
  faultSeed: number | null;
  /** `RV_SOAK=1`: long runs (and the stall test at the element's default 15 s bound). */
  soak: boolean;
}

export const sim = <T = unknown>(op: string, args: object = {}) => executeServerCommand<T, object>('rv-sim', { op, ...args });
export const hard = <T = unknown>(op: string, args: object = {}) => executeServerCommand<T, object>('rv-hard', { op, ...args });

/** The URLs of the local servers; `null` when the local Realtime server is not running. */
export async function servers(): Promise<Servers | null> {
  const base = (await import(new URL('/__rv/config.js', location.href).href)).default as { url: string | null; httpUrl: string | null };
  const extra = (await import(new URL('/__rv/hardening.js', location.href).href)).default as Omit<Servers, 'url' | 'httpUrl'>;
  if (!base.url || !base.httpUrl) return null;
  await hard('configure', { url: base.url, httpUrl: base.httpUrl });
  return { ...extra, url: base.url, httpUrl: base.httpUrl };
}

/**
 * The hooks of every hardening suite: skip it without the local servers, and after each test run
 * `afterEachTest` (restoring what the test changed), then reset the local server. Returns the
 * servers, filled in before the first test. Call it first inside the suite's `describe`.
 */
export function hardeningSuite(afterEachTest?: () => unknown): Servers {
  const env = {} as Servers;
  before(async function () {
    const found = await servers();
    if (!found) this.skip();
    Object.assign(env, found);
  });
  afterEach(async () => {
    await afterEachTest?.();
    await sim('reset');
  });
  return env;
}

/** A fast local agent: no thinking time, audio far faster than real time. */
export const fastScenario = () => sim('scenario', { latencyMs: 0, speedup: 50, transcriptionDelayMs: 0 });

/** A `getToken` that mints on the local server and remembers every key it handed out. */
export function tokenRecorder() {
  const keys: string[] = [];
  const getToken = async () => {
    const token = await sim<TokenResponse & { value: string }>('mint');
    keys.push(token.value);
    return token;
  };
  return { keys, getToken };
}

/** Lets a test give the element's real session faster timings (backoff, timeouts): nothing else changes. */
export function useSessionDeps(el: RealtimeVoiceElement, deps: SessionDeps): void {
  (el as unknown as { sessionFactory: unknown }).sessionFactory = (config: never, callbacks: never) => new RealtimeSession(config, callbacks, deps);
}

// ── status transitions ──────────────────────────────────────────────────────────────────────

/** The transitions API.md's statuses allow: anything else is a bug. */
export const STATUS_EDGES: Record<SessionStatus, readonly SessionStatus[]> = {
  idle: ['connecting'],
  connecting: ['listening', 'thinking', 'speaking', 'error', 'idle'],
  listening: ['thinking', 'speaking', 'reconnecting', 'idle', 'error'],
  thinking: ['listening', 'speaking', 'reconnecting', 'idle', 'error'],
  speaking: ['listening', 'thinking', 'reconnecting', 'idle', 'error'],
  reconnecting: ['listening', 'thinking', 'speaking', 'idle', 'error'],
  error: ['connecting', 'idle'],
};

/** Records `rv-status` events and collects every invalid transition (or broken `previous` chain). */
export function statusRecorder(el: HTMLElement) {
  const statuses: SessionStatus[] = [];
  const invalid: string[] = [];
  let last: SessionStatus = 'idle';
  el.addEventListener('rv-status', (e) => {
    const { status, previous } = e.detail;
    if (previous !== last) invalid.push(`previous ${previous} but last seen ${last}`);
    if (!STATUS_EDGES[previous]?.includes(status)) invalid.push(`${previous} → ${status}`);
    statuses.push(status);
    last = status;
  });
  return { statuses, invalid, get count() { return statuses.length; } };
}

// ── what a page throws or prints ────────────────────────────────────────────────────────────

/**
 * Captures uncaught errors, unhandled rejections and every console line (console methods are
 * replaced while capturing, so a flood of debug output does not reach the runner's log).
 */
export function captureGlobals() {
  const uncaught: string[] = [];
  const consoleLines: { level: string; text: string }[] = [];
  const onError = (e: ErrorEvent) => uncaught.push(`error: ${e.message} ${e.error?.stack ?? ''}`);
  const onRejection = (e: PromiseRejectionEvent) => uncaught.push(`unhandledrejection: ${e.reason?.stack ?? String(e.reason)}`);
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  const levels = ['log', 'info', 'debug', 'warn', 'error'] as const;
  const originals = levels.map((l) => console[l]);
  const stringify = (a: unknown) => {
    if (typeof a === 'string') return a;
    if (a instanceof Error) return `${a.name}: ${a.message} ${a.stack ?? ''} ${String((a as { cause?: unknown }).cause ?? '')}`;
    try {
      return JSON.stringify(a) ?? String(a);
    } catch {
      return String(a);
    }
  };
  for (const level of levels) console[level] = (...args: unknown[]) => consoleLines.push({ level, text: args.map(stringify).join(' ') });
  return {
    uncaught,
    consoleLines,
    restore() {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
      levels.forEach((l, i) => (console[l] = originals[i]!));
    },
  };
}

/** Every `rv-*` event an element fires, as `{type, detail}` (details as JSON text). */
export const RV_EVENTS = ['rv-status', 'rv-connected', 'rv-disconnected', 'rv-transcript', 'rv-tool-call', 'rv-interrupted', 'rv-error', 'rv-server-event'] as const;

// ── resources ────────────────────────────────────────────────────────────────────────────────

/**
 * Wraps the constructors and functions a call uses so a test can count what is still open:
 * microphone tracks, AudioContexts, WebSockets and pending timers (setTimeout/setInterval).
 * Only weak references are kept, so the counting does not itself leak. A timer counts when the
 * widget's own code (src/ or dist/) calls setTimeout/setInterval, so the runner's do not.
 */
export function instrumentResources(filter: RegExp = /\/\/[^/\s]+\/(src|dist)\//) {
  const tracks: WeakRef<MediaStreamTrack>[] = [];
  const contexts: WeakRef<AudioContext>[] = [];
  const sockets: WeakRef<WebSocket>[] = [];
  const timers = new Map<number, string>();
  const intervals = new Map<number, string>();
  let maxLiveTracks = 0;
  let maxOpenContexts = 0;
  let maxOpenSockets = 0;
  const gum = navigator.mediaDevices?.getUserMedia;
  const RealContext = window.AudioContext;
  const RealSocket = window.WebSocket;
  const realSetTimeout = window.setTimeout;
  const realClearTimeout = window.clearTimeout;
  const realSetInterval = window.setInterval;
  const realClearInterval = window.clearInterval;
  const live = () => tracks.map((r) => r.deref()).filter((t) => t && t.readyState === 'live').length;
  const openContexts = () => contexts.map((r) => r.deref()).filter((c) => c && c.state !== 'closed').length;
  const openSockets = () => sockets.map((r) => r.deref()).filter((s) => s && s.readyState !== WebSocket.CLOSED).length;
  const sample = () => {
    maxLiveTracks = Math.max(maxLiveTracks, live());
    maxOpenContexts = Math.max(maxOpenContexts, openContexts());
    maxOpenSockets = Math.max(maxOpenSockets, openSockets());
  };
  if (gum) {
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await gum.call(navigator.mediaDevices, constraints);
      for (const t of stream.getTracks()) tracks.push(new WeakRef(t));
      sample();
      return stream;
    };
  }
  window.AudioContext = class extends RealContext {
    constructor(options?: AudioContextOptions) {
      super(options);
      contexts.push(new WeakRef(this));
      sample();
    }
  };
  window.WebSocket = class extends RealSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(new WeakRef(this));
      sample();
    }
  } as typeof WebSocket;
  const wrapTimer = (real: typeof setTimeout, table: Map<number, string>, once: boolean) =>
    ((handler: TimerHandler, ms?: number, ...rest: unknown[]) => {
      // Stack: Error, this wrapper, its caller: count timers the widget's own code creates.
      const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
      if (!filter.test(caller) || typeof handler !== 'function') return real(handler, ms, ...rest);
      const label = `${ms ?? 0}ms ${caller.trim()}`;
      const id = real(
        (...a: unknown[]) => {
          if (once) table.delete(id);
          (handler as (...args: unknown[]) => void)(...a);
        },
        ms,
        ...rest,
      ) as unknown as number;
      table.set(id, label);
      return id;
    }) as typeof setTimeout;
  window.setTimeout = wrapTimer(realSetTimeout, timers, true);
  window.setInterval = wrapTimer(realSetInterval as typeof setTimeout, intervals, false) as typeof setInterval;
  window.clearTimeout = ((id?: number) => {
    if (id !== undefined) timers.delete(id);
    realClearTimeout(id);
  }) as typeof clearTimeout;
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) intervals.delete(id);
    realClearInterval(id);
  }) as typeof clearInterval;
  return {
    sample,
    get liveTracks() {
      return live();
    },
    get openContexts() {
      return openContexts();
    },
    get openSockets() {
      return openSockets();
    },
    get max() {
      return { tracks: maxLiveTracks, contexts: maxOpenContexts, sockets: maxOpenSockets };
    },
    get created() {
      return { tracks: tracks.length, contexts: contexts.length, sockets: sockets.length };
    },
    /**
     * Timers and intervals created by the widget's code that are still pending (short ones that
     * will fire by themselves, such as a 300 ms wait, are not leaks: wait a second before asking).
     */
    pendingTimers() {
      return [...timers.values(), ...[...intervals.values()].map((l) => `interval ${l}`)];
    },
    restore() {
      if (gum) navigator.mediaDevices.getUserMedia = gum;
      window.AudioContext = RealContext;
      window.WebSocket = RealSocket;
      window.setTimeout = realSetTimeout;
      window.clearTimeout = realClearTimeout;
      window.setInterval = realSetInterval;
      window.clearInterval = realClearInterval;
    },
  };
}

/** Tags the element's own template may render; anything else came from data. */
export const TEMPLATE_TAGS = new Set(['DIV', 'SPAN', 'BUTTON', 'SECTION', 'OL', 'LI', 'FORM', 'INPUT', 'SVG', 'PATH']);

/** Elements in the shadow root that the element's template does not make (injected markup). */
export function foreignElements(el: HTMLElement): string[] {
  return [...el.shadowRoot!.querySelectorAll('*')].map((n) => n.tagName.toUpperCase()).filter((t) => !TEMPLATE_TAGS.has(t));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `predicate` until it is truthy; rejects with `message` after `timeout` ms. Unlike
 * open-wc's `waitUntil`, it clears its timers when done, so the predicate (and whatever it
 * holds, e.g. an element) is not kept alive afterwards: needed where a test counts live objects.
 */
export function until(predicate: () => unknown, message: string, { timeout = 5000, interval = 5 } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = performance.now() + timeout;
    const poll = () => {
      let ok: unknown;
      try {
        ok = predicate();
      } catch (error) {
        return reject(error);
      }
      if (ok) return resolve();
      if (performance.now() > deadline) return reject(new Error(`Timeout: ${message}`));
      setTimeout(poll, interval);
    };
    poll();
  });
}

/**
 * The microphone failure test, shared by the main group (permission denied, a device present)
 * and the no-media group (no device): `[permission, expected code, the message shown]` per case.
 */
export function describeMicFailure(title: string, cases: readonly (readonly [string, string, string])[]): void {
  describe(title, function () {
    this.timeout(60_000);
    const env = hardeningSuite(() => hard('permission', { setting: 'prompt', origin: location.origin }));

    for (const [setting, code, text] of cases) {
      it(`permission ${setting} → ${code}, fatal, shown, and everything released`, async () => {
        await hard('permission', { setting, origin: location.origin });
        const resources = instrumentResources();
        const captured = captureGlobals();
        try {
          const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" transcript language="en"></realtime-voice>`);
          Object.assign(el, { url: env.url, getToken: tokenRecorder().getToken });
          const status = statusRecorder(el);
          const errors: { code: string; message: string; fatal: boolean }[] = [];
          el.addEventListener('rv-error', (e) => errors.push(e.detail));
          el.shadowRoot!.querySelector<HTMLButtonElement>('[part=start-button]')!.click();
          await waitUntil(() => el.status === 'error', 'status error', { timeout: 10_000 });
          expect(errors.filter((e) => e.fatal).map((e) => e.code)).to.deep.equal([code]);
          await el.updateComplete;
          expect(el.shadowRoot!.querySelector('[part=error]')!.textContent).to.contain(text);
          await waitUntil(() => resources.liveTracks === 0 && resources.openContexts === 0 && resources.openSockets === 0, 'released', { timeout: 5000 });
          await waitUntil(async () => (await sim<{ open: boolean }[]>('sessions')).every((s) => !s.open), 'server session closed', { timeout: 5000 });
          // A retry fails the same way, and as cleanly.
          el.shadowRoot!.querySelector<HTMLButtonElement>('[part=retry-button]')!.click();
          await waitUntil(() => errors.filter((e) => e.fatal).length === 2 && el.status === 'error', 'second failure', { timeout: 10_000 });
          expect(errors.filter((e) => e.fatal).map((e) => e.code)).to.deep.equal([code, code]);
          await waitUntil(() => resources.liveTracks === 0 && resources.openContexts === 0 && resources.openSockets === 0, 'released again', { timeout: 5000 });
          await waitUntil(() => resources.pendingTimers().length === 0, 'timers', { timeout: 1500 }).catch(() => undefined);
          expect(resources.pendingTimers()).to.deep.equal([]);
          expect(status.invalid).to.deep.equal([]);
          expect(captured.uncaught).to.deep.equal([]);
          expect(captured.consoleLines.filter((l) => l.level === 'error')).to.deep.equal([]);
          await hard('report', { name: `no-media-${setting}`, data: { code, statuses: status.statuses, created: resources.created } });
        } finally {
          captured.restore();
          resources.restore();
        }
      });
    }
  });
}
