// `realtime-voice/server`: the token endpoint a host backend mounts for the widget. The browser
// POSTs to it; it asks OpenAI (`POST {baseUrl}/realtime/client_secrets`, with the real API key
// and a session configuration pinned here on the server) for a short-lived client secret and
// returns that — never the API key. Guards: an origin allow-list (403), a per-client rate limit
// (429 + Retry-After) with a pluggable store, a request size limit (413), POST only (405), and
// upstream failures or timeouts mapped to a 502 whose message reveals nothing.
//
// It is a Fetch-API handler `(Request) => Promise<Response>` (Next.js route handlers, Hono,
// Cloudflare/Deno/Bun) with `.toNodeListener()` for node:http and Express.

/** @typedef {Record<string, any>} Json */

/**
 * Counts requests per key in fixed windows. Share one across instances (Redis, a KV store…) so
 * several servers enforce one limit.
 * @typedef {object} RateLimitStore
 * @property {(key: string, windowMs: number) => Promise<{count: number, resetMs: number}>} incr
 *   adds one request and returns the count in the current window and the milliseconds until it resets
 */

/**
 * @typedef {object} TokenHandlerOptions
 * @property {string} apiKey the standard OpenAI API key; it never leaves this handler
 * @property {Json | ((request: Request) => Json | Promise<Json>)} [session] the session
 *   configuration to pin (instructions, voice, tools, …); `type: "realtime"` and
 *   `model: "gpt-realtime"` are filled in when missing
 * @property {number} [expiresAfterSeconds] client-secret lifetime, 10–7200 (600)
 * @property {string[] | '*' | ((origin: string) => boolean)} [allowedOrigins] browser origins
 *   that may call the endpoint cross-origin; same-origin calls and calls without an Origin header
 *   are always allowed. Default: same-origin only
 * @property {{max?: number, windowMs?: number, store?: RateLimitStore} | false} [rateLimit]
 *   per-client limit (default 10 per minute, in memory); `false` disables it
 * @property {string} [baseUrl] `https://api.openai.com/v1`, or a compatible server
 * @property {typeof fetch} [fetch] the fetch to call upstream with
 * @property {number} [maxBodyBytes] largest request body accepted (8 KiB); the body is ignored
 * @property {number} [timeoutMs] upstream timeout (10 s)
 * @property {string | ((request: Request) => string | undefined)} [url] Realtime WebSocket URL to
 *   hand to the widget (only when set), or a function of the request (e.g. of its Host)
 * @property {string} [model] model name to hand to the widget (only when set)
 * @property {(request: Request, info: RequestInfo) => string} [clientId] who a request is, for
 *   rate limiting; default: the peer address (from `toNodeListener`), else the first
 *   `X-Forwarded-For` entry (set by platforms such as Vercel), else one shared bucket
 * @property {boolean} [trustProxy] honour `X-Forwarded-For/-Host/-Proto` in the node listener (false)
 * @property {{warn: (...args: unknown[]) => void}} [logger] where failures are reported (console)
 */

/**
 * @typedef {object} RequestInfo
 * @property {string} [clientAddress] the peer's IP address, when the platform knows it
 */

/**
 * @typedef {((request: Request, info?: RequestInfo) => Promise<Response>) & {
 *   toNodeListener(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>
 * }} TokenHandler
 */

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Creates the token endpoint.
 * @param {TokenHandlerOptions} options
 * @returns {TokenHandler}
 */
export function createTokenHandler(options) {
  const {
    apiKey,
    session = {},
    expiresAfterSeconds = 600,
    allowedOrigins,
    rateLimit = {},
    baseUrl = DEFAULT_BASE_URL,
    fetch: fetchImpl = globalThis.fetch,
    maxBodyBytes = 8 * 1024,
    timeoutMs = 10_000,
    trustProxy = false,
    logger = console,
  } = options ?? {};
  // Validation messages never include the key itself.
  if (typeof apiKey !== 'string' || apiKey.length < 8) throw new TypeError('createTokenHandler: apiKey must be your standard OpenAI API key');
  if (apiKey.startsWith('ek_')) throw new TypeError('createTokenHandler: apiKey must be a standard API key, not an ephemeral client secret');
  if (!Number.isInteger(expiresAfterSeconds) || expiresAfterSeconds < 10 || expiresAfterSeconds > 7200) {
    throw new TypeError('createTokenHandler: expiresAfterSeconds must be an integer from 10 to 7200');
  }
  if (typeof fetchImpl !== 'function') throw new TypeError('createTokenHandler: no fetch implementation available');
  const limit = rateLimit === false ? null : { max: rateLimit.max ?? 10, windowMs: rateLimit.windowMs ?? 60_000, store: rateLimit.store ?? createMemoryRateLimitStore() };
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/realtime/client_secrets`;

  /** @param {string} text */
  const redact = (text) => text.split(apiKey).join('[redacted]');
  /** @param {string} message */
  const warn = (message) => logger.warn(`[realtime-voice] ${redact(message)}`);

  /**
   * @param {Request} request
   * @param {RequestInfo} [info]
   * @returns {Promise<Response>}
   */
  async function handler(request, info = {}) {
    try {
      return await handle(request, info);
    } catch (error) {
      warn(`token request failed: ${error instanceof Error ? error.message : String(error)}`);
      return failure(500, 'internal_error', 'Could not create a realtime session.');
    }
  }

  /**
   * @param {Request} request
   * @param {RequestInfo} info
   * @returns {Promise<Response>}
   */
  async function handle(request, info) {
    const origin = request.headers.get('origin');
    const sameOrigin = origin !== null && isSameOrigin(origin, request);
    if (origin !== null && !sameOrigin && !originListed(origin, allowedOrigins)) {
      return failure(403, 'origin_not_allowed', "This origin may not request realtime sessions: list it in the token handler's allowedOrigins.");
    }
    /** @type {Record<string, string>} */
    const cors = origin !== null && !sameOrigin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' } : { vary: 'Origin' };
    if (request.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: { ...cors, 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' },
      });
    }
    if (request.method !== 'POST') return failure(405, 'method_not_allowed', 'Use POST to request a realtime session.', { ...cors, allow: 'POST, OPTIONS' });
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > maxBodyBytes || (await bodyTooLarge(request, maxBodyBytes))) {
      return failure(413, 'request_too_large', 'The request body is too large.', cors);
    }
    if (limit) {
      const key = `realtime-voice:${clientKey(request, info)}`;
      const { count, resetMs } = await limit.store.incr(key, limit.windowMs);
      if (count > limit.max) {
        return failure(429, 'rate_limited', 'Too many session requests. Try again later.', { ...cors, 'retry-after': String(Math.max(1, Math.ceil(resetMs / 1000))) });
      }
    }
    const pinned = typeof session === 'function' ? await session(request) : session;
    const body = { expires_after: { anchor: 'created_at', seconds: expiresAfterSeconds }, session: { type: 'realtime', model: 'gpt-realtime', ...pinned } };
    /** @type {Response} */
    let upstream;
    try {
      upstream = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      warn(`token request failed: ${timedOut ? `no answer from ${endpoint} within ${timeoutMs} ms` : `could not reach ${endpoint}`}`);
      return failure(502, 'upstream_unavailable', 'The realtime service could not be reached. Try again shortly.', cors);
    }
    /** @type {Json | null} */
    let data = null;
    try {
      data = await upstream.json();
    } catch {
      data = null;
    }
    if (!upstream.ok) {
      // Log the status and OpenAI's error code, not its message: "Incorrect API key provided"
      // messages quote part of the key.
      const code = typeof data?.error?.code === 'string' ? ` (${data.error.code})` : '';
      warn(`token request failed: ${endpoint} answered ${upstream.status}${code}`);
      return failure(502, 'upstream_error', 'The realtime service refused to create a session.', cors);
    }
    const value = data?.value ?? data?.client_secret?.value;
    const expiresAt = data?.expires_at ?? data?.client_secret?.expires_at;
    if (typeof value !== 'string' || !value.startsWith('ek_') || value.includes(apiKey) || typeof expiresAt !== 'number') {
      warn(`token request failed: ${endpoint} returned no ephemeral client secret`);
      return failure(502, 'upstream_invalid', 'The realtime service returned an unexpected answer.', cors);
    }
    /** @type {Json} */
    const result = { value, expires_at: expiresAt };
    if (data?.session && typeof data.session === 'object') result.session = data.session;
    const url = typeof options.url === 'function' ? options.url(request) : options.url;
    if (url) result.url = url;
    if (options.model) result.model = options.model;
    const text = JSON.stringify(result);
    if (text.includes(apiKey)) return failure(502, 'upstream_invalid', 'The realtime service returned an unexpected answer.', cors);
    return new Response(text, { status: 200, headers: { ...cors, ...SAFE_HEADERS } });
  }

  /**
   * @param {Request} request
   * @param {RequestInfo} info
   * @returns {string}
   */
  function clientKey(request, info) {
    if (options.clientId) return options.clientId(request, info);
    return addressKey(info.clientAddress || request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'anonymous');
  }

  /**
   * @param {string} origin
   * @param {Request} request
   * @returns {boolean}
   */
  function isSameOrigin(origin, request) {
    try {
      const host = request.headers.get('host') ?? new URL(request.url).host;
      return new URL(origin).host.toLowerCase() === host.toLowerCase();
    } catch {
      return false;
    }
  }

  /** @type {TokenHandler} */
  const tokenHandler = Object.assign(handler, {
    toNodeListener() {
      /**
       * @param {import('node:http').IncomingMessage} req
       * @param {import('node:http').ServerResponse} res
       */
      return async (req, res) => {
        try {
          const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() : '';
          // What no Fetch Request can carry is the client's mistake: TRACE (a forbidden method), a
          // Host or target that is no URL, a body cut off.
          const request = await toRequest(req, maxBodyBytes, trustProxy).catch(() => null);
          const response = request
            ? await handler(request, { clientAddress: forwarded || req.socket.remoteAddress || undefined })
            : req.method === 'TRACE'
              ? failure(405, 'method_not_allowed', 'Use POST to request a realtime session.', { allow: 'POST, OPTIONS' })
              : failure(400, 'bad_request', 'The request could not be read.');
          /** @type {Record<string, string>} */
          const headers = {};
          response.headers.forEach((v, k) => (headers[k] = v));
          res.writeHead(response.status, headers);
          res.end(Buffer.from(await response.arrayBuffer()));
        } catch (error) {
          warn(`token request failed: ${error instanceof Error ? error.message : String(error)}`);
          if (!res.headersSent) res.writeHead(500, SAFE_HEADERS);
          res.end(JSON.stringify({ error: { code: 'internal_error', message: 'Could not create a realtime session.' } }));
        }
      };
    },
  });
  return tokenHandler;
}

/** Tokens must never be cached by browsers or proxies. */
const SAFE_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/**
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @param {Record<string, string>} [headers]
 * @returns {Response}
 */
function failure(status, code, message, headers = {}) {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { ...headers, ...SAFE_HEADERS } });
}

/**
 * @param {string} origin
 * @param {TokenHandlerOptions['allowedOrigins']} allowed
 * @returns {boolean}
 */
function originListed(origin, allowed) {
  if (allowed === '*') return true;
  if (typeof allowed === 'function') return Boolean(allowed(origin));
  if (!Array.isArray(allowed)) return false;
  const normal = (/** @type {string} */ o) => o.replace(/\/+$/, '').toLowerCase();
  return allowed.some((o) => normal(o) === normal(origin));
}

/**
 * Reads at most `max + 1` bytes of the body to learn whether it is over the limit (the content
 * itself is not used: the session is pinned on the server, not chosen by the browser).
 * @param {Request} request
 * @param {number} max
 * @returns {Promise<boolean>}
 */
async function bodyTooLarge(request, max) {
  if (!request.body) return false;
  const reader = request.body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      size += value.byteLength;
      if (size > max) return true;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/**
 * Builds a Fetch Request from a node:http request. Bodies are read up to one byte past the
 * limit (enough for the handler to answer 413) and the rest is discarded. A body Express has
 * already parsed is re-serialized.
 * @param {import('node:http').IncomingMessage & {body?: unknown}} req
 * @param {number} maxBodyBytes
 * @param {boolean} trustProxy
 * @returns {Promise<Request>}
 */
async function toRequest(req, maxBodyBytes, trustProxy) {
  const first = (/** @type {string | string[] | undefined} */ v) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const proto = (trustProxy && first(req.headers['x-forwarded-proto'])) || ('encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http');
  const host = (trustProxy && first(req.headers['x-forwarded-host'])) || req.headers.host || 'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'transfer-encoding' || name === 'connection') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  if (trustProxy) headers.set('host', host);
  const method = req.method ?? 'GET';
  /** @type {Buffer | undefined} */
  let body;
  if (method !== 'GET' && method !== 'HEAD') {
    if (req.body !== undefined) {
      body = Buffer.from(typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body));
    } else if (!req.readableEnded) {
      body = await readLimited(req, maxBodyBytes);
    }
  }
  return new Request(new URL(req.url ?? '/', `${proto}://${host}`), { method, headers, ...(body ? { body: new Uint8Array(body) } : {}) });
}

/**
 * Collects a request body until it ends or passes `max` bytes. Past the limit the rest keeps
 * flowing and is discarded: destroying the stream would also destroy the socket the 413 must
 * be written to.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} max
 * @returns {Promise<Buffer>}
 */
function readLimited(req, max) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let done = false;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > max) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    req.on('error', (error) => {
      if (!done) reject(error);
      done = true;
    });
  });
}

/**
 * The rate-limit key of a client address. An IPv6 client usually holds a whole /64 and can rotate
 * through it at will, so IPv6 addresses count per /64; IPv4 (also IPv4-mapped) per address.
 * @param {string} address
 * @returns {string}
 */
export function addressKey(address) {
  const ip = address.replace(/^\[|\](:\d+)?$/g, '').replace(/%.*$/, '').toLowerCase();
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(ip);
  if (v4?.[1]) return v4[1];
  if (!ip.includes(':')) return ip;
  // Expand `::` to get the first four groups.
  const [head = '', tail] = ip.split('::');
  const groups = head ? head.split(':') : [];
  if (tail !== undefined) while (groups.length < 4) groups.push('0');
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The default rate-limit store: fixed windows in this process's memory, at most `maxKeys` of them
 * (expired windows go first, then the oldest: memory stays bounded when addresses rotate faster
 * than windows expire; an evicted client merely starts a new window). Several processes need a
 * shared store instead (`rateLimit.store`).
 * @param {{maxKeys?: number}} [options]
 * @returns {RateLimitStore & {readonly size: number}}
 */
export function createMemoryRateLimitStore({ maxKeys = 10_000 } = {}) {
  /** @type {Map<string, {count: number, resetAt: number}>} */
  const windows = new Map();
  return {
    /** Clients with a window (for monitoring). */
    get size() {
      return windows.size;
    },
    async incr(key, windowMs) {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || window.resetAt <= now) {
        windows.delete(key); // re-inserted last: the map stays in order of window start
        window = { count: 0, resetAt: now + windowMs };
        windows.set(key, window);
      }
      window.count++;
      if (windows.size > maxKeys) {
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
        for (const k of windows.keys()) {
          if (windows.size <= maxKeys) break;
          windows.delete(k);
        }
      }
      return { count: window.count, resetMs: window.resetAt - now };
    },
  };
}
