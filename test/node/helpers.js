// Shared plumbing for the Node tests: a fast local server, a WebSocket client that validates
// every event it receives against the GA schema, generated audio, and the demo server as a process.
import { spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createRealtimeServer } from '../../server/simulator/index.js';
import { serverEventError } from './schema.js';

/** Server events are untyped JSON here; the schema check is what holds them to the protocol. */
/** @typedef {any} Json */

/** The standard key the test servers accept. */
export const API_KEY = 'sk-test-node-suite-0123456789abcdef';

/**
 * A server tuned for fast tests: no thinking time, audio 50× real time, the generated voice
 * (espeak-ng gets its own tests), deterministic chunking.
 * @param {import('../../server/simulator/index.js').RealtimeServerOptions} [options]
 */
export async function startServer(options = {}) {
  return createRealtimeServer({
    apiKey: API_KEY,
    voiceEngine: 'synthetic',
    seed: 7,
    logger: { warn: (...args) => console.warn('[server]', ...args) },
    ...options,
    scenario: { latencyMs: 0, speedup: 50, transcriptionDelayMs: 5, ...options.scenario },
  });
}

/**
 * Runs `fn` with a local server started with `options`, closing it afterwards however `fn` ends.
 * @template T
 * @param {Parameters<typeof startServer>[0]} options
 * @param {(server: Awaited<ReturnType<typeof startServer>>) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withServer(options, fn) {
  const server = await startServer(options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

/**
 * `POST /realtime/client_secrets` with the standard key.
 * @param {{httpUrl: string}} server
 * @param {Json} [body]
 * @param {string} [key]
 * @returns {Promise<{status: number, body: Json}>}
 */
export async function postClientSecret(server, body = { session: { type: 'realtime' } }, key = API_KEY) {
  const res = await fetch(`${server.httpUrl}/realtime/client_secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * @param {{httpUrl: string}} server
 * @param {Json} [session]
 * @returns {Promise<string>} a fresh `ek_…`
 */
export async function mintKey(server, session = { type: 'realtime' }) {
  const { status, body } = await postClientSecret(server, { session });
  if (status !== 200) throw new Error(`mint failed: ${status} ${JSON.stringify(body)}`);
  return body.value;
}

/** A Realtime client over `ws` that checks every server event against the GA schema. */
export class Client {
  /** @type {Json[]} */
  events = [];
  /** @type {string[]} */
  schemaErrors = [];
  /** @type {Array<() => void>} */
  #waiters = [];
  /** @type {Promise<{code: number, reason: string}>} */
  closed;

  /** @param {WebSocket} ws */
  constructor(ws) {
    this.ws = ws;
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString());
      const problem = serverEventError(event);
      if (problem) this.schemaErrors.push(`${event.type}: ${problem}`);
      this.events.push(event);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of this.#waiters.splice(0)) wake();
    }));
  }

  /**
   * Connects like a browser (ephemeral key in the subprotocols) or a backend (`Authorization`).
   * @param {string} url
   * @param {{key?: string, header?: boolean, protocols?: string[], model?: string}} [options]
   * @returns {Promise<Client>} once `session.created` has arrived
   */
  static async connect(url, { key = API_KEY, header = false, protocols, model = 'gpt-realtime' } = {}) {
    const target = `${url}?model=${encodeURIComponent(model)}`;
    const ws = header
      ? new WebSocket(target, protocols ?? [], { headers: { Authorization: `Bearer ${key}` } })
      : new WebSocket(target, protocols ?? ['realtime', `openai-insecure-api-key.${key}`]);
    const client = new Client(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
    await client.waitFor('session.created');
    return client;
  }

  /** @param {Json | string} event an event object, or raw text to send as is */
  send(event) {
    this.ws.send(typeof event === 'string' ? event : JSON.stringify(event));
  }

  /** @returns {number} a mark for `waitFor({after})` */
  mark() {
    return this.events.length;
  }

  /**
   * Resolves with the first event at or after `after` matching the type or predicate.
   * @param {string | ((event: Json) => boolean)} match
   * @param {{after?: number, timeout?: number}} [options]
   * @returns {Promise<Json>}
   */
  async waitFor(match, { after = 0, timeout = 5000 } = {}) {
    const test = typeof match === 'string' ? (/** @type {Json} */ e) => e.type === match : match;
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.events.slice(after).find(test);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${String(match)}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${typeof match === 'string' ? match : 'a matching event'}; got: ${this.types(after).join(', ')}`);
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
  }

  /**
   * Events from `after` up to and including the first `response.done`.
   * @param {number} [after]
   * @param {number} [timeout]
   * @returns {Promise<Json[]>}
   */
  async untilResponseDone(after = 0, timeout = 8000) {
    const done = await this.waitFor('response.done', { after, timeout });
    return this.events.slice(after, this.events.indexOf(done) + 1);
  }

  /**
   * @param {number} [after]
   * @returns {string[]} event types received since the mark
   */
  types(after = 0) {
    return this.events.slice(after).map((e) => e.type);
  }

  /**
   * Sends audio as 20 ms appends (as a browser would).
   * @param {Int16Array} pcm
   */
  sendAudio(pcm) {
    for (let i = 0; i < pcm.length; i += 480) this.send({ type: 'input_audio_buffer.append', audio: toBase64(pcm.subarray(i, i + 480)) });
  }

  /** Closes the socket and fails if any server event broke the schema. */
  async close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    await this.closed;
    if (this.schemaErrors.length) throw new Error(`server events violating the GA schema:\n${this.schemaErrors.join('\n')}`);
  }
}

/**
 * @param {Int16Array} pcm
 * @returns {string}
 */
export const toBase64 = (pcm) => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');

/**
 * @param {string} b64
 * @returns {number} bytes of decoded audio
 */
export const decodedBytes = (b64) => Buffer.from(b64, 'base64').length;

/**
 * Voice-like test signal: a 150 Hz harmonic series at about -14 dBFS.
 * @param {number} ms
 * @param {number} [amplitude]
 * @returns {Int16Array}
 */
export function speech(ms, amplitude = 0.3) {
  const n = Math.round(ms * 24);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / 24000;
    let v = 0;
    for (let k = 1; k <= 6; k++) v += Math.sin(2 * Math.PI * 150 * k * t) / k;
    out[i] = Math.round(v * 0.45 * amplitude * 32767);
  }
  return out;
}

/**
 * @param {number} ms
 * @returns {Int16Array} digital silence
 */
export const silence = (ms) => new Int16Array(Math.round(ms * 24));

/**
 * @param {...Int16Array} parts
 * @returns {Int16Array}
 */
export function join(...parts) {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * @param {number} ms
 * @returns {Promise<void>}
 */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** @returns {Promise<number>} a port free right now on 127.0.0.1 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(address.port));
    });
  });
}

/**
 * Starts `node demo/server.js` (`npm start` without the build) on a free port, against the local
 * Realtime server (OPENAI_API_KEY is removed from its environment), and resolves once it listens.
 * @param {Record<string, string>} [extraEnv] more variables (HOST is 127.0.0.1 unless given)
 * @returns {Promise<{url: string, port: number, child: import('node:child_process').ChildProcess, output: () => string}>}
 */
export async function startDemo(extraEnv = {}) {
  const port = await freePort();
  const { OPENAI_API_KEY: _unused, ...env } = process.env;
  const child = spawn(process.execPath, ['demo/server.js'], {
    cwd: repoRoot,
    env: { ...env, HOST: '127.0.0.1', ...extraEnv, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo server did not start:\n${output}`)), 20000);
    child.stdout?.on('data', () => {
      const m = /realtime-voice demo: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo server exited (${code}):\n${output}`));
    });
  });
  return { url: /** @type {string} */ (url), port, child, output: () => output };
}

/**
 * Stops a child process (SIGTERM, then SIGKILL after 5 s) and resolves once it exited.
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<void>}
 */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
