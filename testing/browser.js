// `realtime-voice/testing` (browser side): helpers for tests that run under web-test-runner with
// `realtimeVoicePlugin()` from the same entry point. They point a `<realtime-voice>` at the local
// Realtime server, script and inspect that server, and wait for the element's `rv-*` events.
/* global URL, location, setTimeout, clearTimeout */
import { executeServerCommand } from '@web/test-runner-commands';

/**
 * Where the local server and the token endpoint are.
 * @typedef {object} LocalRealtime
 * @property {string} url the Realtime WebSocket URL (`ws://127.0.0.1:…/v1/realtime`)
 * @property {string} httpUrl its REST base URL (`http://127.0.0.1:…/v1`)
 * @property {string} tokenUrl the token endpoint on the test server (`/session`)
 */

/** The element's event names, in the order they usually fire. */
export const RV_EVENTS = /** @type {const} */ ([
  'rv-status',
  'rv-connected',
  'rv-transcript',
  'rv-tool-call',
  'rv-interrupted',
  'rv-disconnected',
  'rv-error',
  'rv-server-event',
]);

/** @type {Promise<LocalRealtime> | undefined} */
let config;

/**
 * The local server's URLs, from the plugin's virtual module.
 * @returns {Promise<LocalRealtime>}
 */
export function localRealtime() {
  config ??= import(/* @vite-ignore */ new URL('/__rv/config.js', location.href).href).then((m) => {
    const c = /** @type {{url: string | null, httpUrl: string | null, tokenUrl: string}} */ (m.default);
    if (!c.url || !c.httpUrl) throw new Error('realtime-voice/testing: the local Realtime server is not running (is realtimeVoicePlugin() in your web-test-runner config?)');
    return { url: c.url, httpUrl: c.httpUrl, tokenUrl: c.tokenUrl };
  });
  return config;
}

/**
 * Points an element at the local server: sets its `url` and `token-url`. Returns the element.
 * @template {HTMLElement & {url: string, tokenUrl?: string | undefined}} E
 * @param {E} element
 * @returns {Promise<E>}
 */
export async function useLocalServer(element) {
  const { url, tokenUrl } = await localRealtime();
  element.url = url;
  element.tokenUrl = tokenUrl;
  return element;
}

/**
 * Runs a test hook of the local server (`mint`, `keys`, `sessions`, `events`, `sent`, `faults`, `drop`,
 * `scenario`, `options`, `respond`, `reset`). Prefer the named helpers below.
 * @param {string} op
 * @param {Record<string, unknown>} [args]
 * @returns {Promise<any>}
 */
export function serverControl(op, args = {}) {
  return executeServerCommand('rv-sim', { op, ...args });
}

/**
 * Replaces what the local agent says (every field optional; queues are per session, in order):
 * `{greeting, transcripts, replies, toolReplies, fallback, latencyMs, speedup, transcriptionDelayMs}`.
 * A reply is a string or `{text, toolCall: {name, arguments, say}}`. Returns the scenario in force.
 * @param {Omit<import('../server/simulator/index.js').Scenario, 'reply'>} scenario
 * @returns {Promise<Record<string, unknown>>}
 */
export function setScenario(scenario) {
  return serverControl('scenario', /** @type {Record<string, unknown>} */ (scenario));
}

/**
 * Injects faults: `{dropAfterEvents, dropCode, stallMs, jitterMs, burst, tokenStatus,
 * tokenDelayMs, handshakeStatus, …}`; `null` turns one off. Returns the faults in force.
 * @param {{[K in keyof import('../server/simulator/index.js').Faults]?: import('../server/simulator/index.js').Faults[K] | null}} faults
 * @returns {Promise<import('../server/simulator/index.js').Faults>}
 */
export function injectFaults(faults) {
  return serverControl('faults', faults);
}

/**
 * Drops live connections now (abruptly, or with a close `code`).
 * @param {{code?: number, reason?: string, sessionId?: string}} [options]
 * @returns {Promise<{dropped: number}>}
 */
export function dropConnections(options = {}) {
  return serverControl('drop', options);
}

/**
 * The server's sessions (open and recently closed), with what each one received and sent.
 * @returns {Promise<Array<Record<string, any>>>}
 */
export function serverSessions() {
  return serverControl('sessions');
}

/**
 * Client events the server received in a session (the latest one by default; the last 2,000).
 * An append's `audio` reads `<960 bytes>` (its decoded size), as an audio delta's `delta` does in `sent`.
 * @param {{type?: string, sessionId?: string, limit?: number}} [filter]
 * @returns {Promise<Array<Record<string, any>>>}
 */
export function receivedEvents(filter = {}) {
  return serverControl('events', filter);
}

/** Closes every session and restores the plugin's scenario and faults. Call it in `afterEach`. */
export function resetServer() {
  return serverControl('reset');
}

/**
 * Resolves with the next `type` event on `target` that passes `predicate`; rejects after
 * `timeout` ms (default 10 s; `Infinity` waits for good) with a message naming the event.
 * @template {string} K
 * @param {EventTarget} target
 * @param {K} type
 * @param {{predicate?: (event: K extends keyof GlobalEventHandlersEventMap ? GlobalEventHandlersEventMap[K] : Event) => boolean, timeout?: number}} [options]
 * @returns {Promise<K extends keyof GlobalEventHandlersEventMap ? GlobalEventHandlersEventMap[K] : Event>}
 */
export function waitForEvent(target, type, options = {}) {
  const { predicate = () => true, timeout = 10_000 } = options;
  return new Promise((resolve, reject) => {
    // setTimeout fires at once for Infinity or anything past 2^31 - 1 ms: those wait for good.
    const timer =
      timeout < 2 ** 31
        ? setTimeout(() => {
            target.removeEventListener(type, listener);
            reject(new Error(`realtime-voice/testing: no matching ${type} event within ${timeout} ms`));
          }, timeout)
        : undefined;
    /** @param {Event} event */
    function listener(event) {
      const typed = /** @type {any} */ (event);
      if (!predicate(typed)) return;
      clearTimeout(timer);
      target.removeEventListener(type, listener);
      resolve(typed);
    }
    target.addEventListener(type, listener);
  });
}

/**
 * Resolves once the element's `status` is one of `statuses` (at once when it already is).
 * @param {HTMLElement & {status: string}} element
 * @param {string | string[]} statuses
 * @param {{timeout?: number}} [options]
 * @returns {Promise<string>}
 */
export async function waitForStatus(element, statuses, options = {}) {
  const wanted = Array.isArray(statuses) ? statuses : [statuses];
  if (wanted.includes(element.status)) return element.status;
  const event = /** @type {Event & {detail: {status: string}}} */ (
    await waitForEvent(element, 'rv-status', { ...options, predicate: (e) => wanted.includes(/** @type {any} */ (e).detail.status) })
  );
  return event.detail.status;
}

/**
 * Resolves with the detail of the next final transcript of `role` (and matching `match`).
 * @param {EventTarget} element
 * @param {{role?: 'user' | 'assistant', match?: RegExp | string, timeout?: number}} [options]
 * @returns {Promise<{role: 'user' | 'assistant', itemId: string, text: string, delta: string, final: boolean}>}
 */
export async function waitForTranscript(element, options = {}) {
  const { role = 'assistant', match, timeout } = options;
  /** @param {string} text */
  // `search`, not `test`: a global or sticky RegExp's `lastIndex` must not carry over between calls.
  const matches = (text) => (match === undefined ? true : typeof match === 'string' ? text.includes(match) : text.search(match) >= 0);
  const event = /** @type {Event & {detail: any}} */ (
    await waitForEvent(element, 'rv-transcript', {
      ...(timeout === undefined ? {} : { timeout }),
      predicate: (e) => {
        const d = /** @type {any} */ (e).detail;
        return d.final && d.role === role && matches(d.text);
      },
    })
  );
  return event.detail;
}

/**
 * Records `rv-*` events (all of them by default) from `target` until `stop()`.
 * @param {EventTarget} target
 * @param {readonly string[]} [types]
 * @returns {{events: Array<{type: string, detail: any}>, types(): string[], of(type: string): any[], stop(): void}}
 */
export function recordEvents(target, types = RV_EVENTS) {
  /** @type {Array<{type: string, detail: any}>} */
  const events = [];
  /** @param {Event} e */
  const listener = (e) => events.push({ type: e.type, detail: /** @type {any} */ (e).detail });
  for (const type of types) target.addEventListener(type, listener);
  return {
    events,
    types: () => events.map((e) => e.type),
    of: (type) => events.filter((e) => e.type === type).map((e) => e.detail),
    stop: () => {
      for (const type of types) target.removeEventListener(type, listener);
    },
  };
}
