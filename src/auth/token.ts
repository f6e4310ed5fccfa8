// The token hook: turns `getToken` / `token-url` into an ephemeral credential for one (re)connect.
//
// Rules (docs/API.md "Token response", PROTOCOL.md §0.2–0.3):
// - `getToken` wins over `tokenUrl`. API.md promises it is *called for every (re)connect*, so its
//   result is never cached here: a host that wants caching does it in its own function.
// - `tokenUrl` is POSTed (same-origin credentials, JSON). Its result is reused while it is still
//   valid with a safety margin (a secret can start several sessions until it expires), which
//   spares the host backend a round trip — and its rate limiter — during a reconnection storm.
// - A standard API key (`sk-…`) is refused before it goes anywhere (`insecure_api_key`).
// - Error messages never contain the credential nor the raw body (which may contain one).
import { RealtimeVoiceError, type GetToken, type TokenResponse } from '../session/types.js';

/** A credential ready to open one WebSocket. */
export interface ResolvedToken {
  /** The ephemeral key (`ek_…`); goes only into the WebSocket subprotocol list. */
  readonly value: string;
  /** Expiry as epoch milliseconds, or `null` when the response did not say. */
  readonly expiresAt: number | null;
  /** Endpoint override from the token response. */
  readonly url?: string;
  /** Model override from the token response. */
  readonly model?: string;
}

export interface TokenSourceOptions {
  tokenUrl?: string | undefined;
  getToken?: GetToken | undefined;
  /** Injected for tests; defaults to the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** Clock in epoch milliseconds; defaults to `Date.now`. */
  now?: (() => number) | undefined;
  /** How long a token request may take before it fails with `token_fetch_failed`. */
  timeoutMs?: number | undefined;
  /** A cached token is reused only while it has at least this long left. */
  reuseMarginMs?: number | undefined;
}

/** Default time a token request may take. */
export const TOKEN_TIMEOUT_MS = 10_000;
/** Default remaining lifetime below which a cached token is refreshed. */
export const TOKEN_REUSE_MARGIN_MS = 60_000;

/** `sk-…`, `sk-proj-…`, `sk-svcacct-…`, … — a standard API key that must never reach a browser. */
const API_KEY_RE = /^sk-/;
/**
 * Characters a WebSocket subprotocol token may hold (RFC 6455 / RFC 7230 `token`): anything else
 * would make `new WebSocket()` throw a SyntaxError far from here.
 */
const SUBPROTOCOL_SAFE_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fetchFailed(message: string, cause?: unknown): RealtimeVoiceError {
  return new RealtimeVoiceError('token_fetch_failed', message, true, cause === undefined ? undefined : { cause });
}
function invalid(message: string): RealtimeVoiceError {
  return new RealtimeVoiceError('token_invalid', message, true);
}

/** True when `error` is the abort of a token request we cancelled ourselves (`stop()`). */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** `expires_at` is Unix seconds; tolerate hosts that send milliseconds. */
function toEpochMs(expiresAt: unknown): number | null {
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt <= 0) return null;
  return expiresAt > 1e12 ? expiresAt : expiresAt * 1000;
}

/**
 * Normalises what a host returned (GA `{value, expires_at}`, beta `{client_secret: {value,
 * expires_at}}`, or a bare string) into a {@link ResolvedToken}; throws a typed error otherwise.
 */
export function normalizeTokenResponse(raw: unknown, now: number): ResolvedToken {
  let value: unknown;
  let expiresAt: unknown;
  let url: unknown;
  let model: unknown;
  if (typeof raw === 'string') {
    value = raw;
  } else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const response = raw as TokenResponse & Record<string, unknown>;
    const secret = response.client_secret as unknown;
    if (response.value !== undefined) {
      value = response.value;
      expiresAt = response.expires_at;
    } else if (typeof secret === 'object' && secret !== null) {
      value = (secret as Record<string, unknown>)['value'];
      expiresAt = (secret as Record<string, unknown>)['expires_at'];
    } else if (typeof secret === 'string') {
      // Some proxies flatten the beta shape to `{client_secret: "ek_…"}`.
      value = secret;
      expiresAt = response.expires_at;
    }
    url = response.url;
    model = response.model;
  } else {
    throw invalid('The token response is not an object or a string.');
  }

  if (typeof value !== 'string') throw invalid('The token response has no string "value" (nor "client_secret.value").');
  const token = value.trim();
  if (token === '') throw invalid('The token response has an empty "value".');
  if (API_KEY_RE.test(token)) {
    throw new RealtimeVoiceError(
      'insecure_api_key',
      'The token source returned a standard API key (sk-…). It was not used: return a short-lived client secret (ek_…) minted by your backend instead.',
      true,
    );
  }
  if (!SUBPROTOCOL_SAFE_RE.test(token)) throw invalid('The token contains characters that cannot be sent in a WebSocket subprotocol.');

  const expiresAtMs = toEpochMs(expiresAt);
  if (expiresAtMs !== null && expiresAtMs <= now) throw invalid('The token has already expired (check "expires_at" and the clocks).');

  const result: { value: string; expiresAt: number | null; url?: string; model?: string } = { value: token, expiresAt: expiresAtMs };
  if (typeof url === 'string' && url.trim() !== '') result.url = url.trim();
  if (typeof model === 'string' && model.trim() !== '') result.model = model.trim();
  return result;
}

/** Rejects once `signal` aborts, with the signal's reason (an `AbortError` by default). */
function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Avoid an unhandled rejection when nobody awaits the race any more.
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Resolves a credential for each (re)connect. One instance per session; not shared (no
 * module-level state, so two widgets on a page never see each other's tokens).
 */
export class TokenSource {
  #options: TokenSourceOptions;
  #cached: ResolvedToken | null = null;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
  }

  /** Replaces the sources (attribute/property changes); drops the cached token when they changed. */
  update(options: TokenSourceOptions): void {
    if (options.tokenUrl !== this.#options.tokenUrl || options.getToken !== this.#options.getToken) this.#cached = null;
    this.#options = { ...this.#options, ...options };
  }

  /** Forgets the cached token (e.g. the server refused it at the handshake). */
  invalidate(): void {
    this.#cached = null;
  }

  /**
   * A credential for the next connection: `getToken`'s fresh answer, a still-valid cached one,
   * or a fresh one from `tokenUrl`. Rejects with a {@link RealtimeVoiceError}, or with an
   * `AbortError` when `signal` aborts.
   */
  async get(signal: AbortSignal): Promise<ResolvedToken> {
    const now = (this.#options.now ?? Date.now)();
    const { getToken, tokenUrl } = this.#options;
    if (getToken) return this.#fromHook(getToken, signal);
    if (!tokenUrl) {
      throw fetchFailed('No token source: set "token-url" (or the "getToken" property) to an endpoint of your backend.');
    }
    const cached = this.#cached;
    const margin = this.#options.reuseMarginMs ?? TOKEN_REUSE_MARGIN_MS;
    if (cached && cached.expiresAt !== null && cached.expiresAt - margin > now) return cached;
    this.#cached = null;
    const token = await this.#fromUrl(tokenUrl, signal);
    // Only tokens that say when they expire can be reused safely.
    if (token.expiresAt !== null) this.#cached = token;
    return token;
  }

  async #fromHook(getToken: GetToken, signal: AbortSignal): Promise<ResolvedToken> {
    const { controller, dispose } = this.#timeoutController(signal);
    const aborted = abortPromise(controller.signal);
    let raw: TokenResponse | string;
    try {
      raw = await Promise.race([Promise.resolve().then(() => getToken({ signal: controller.signal })), aborted.promise]);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof RealtimeVoiceError) throw error;
      if (controller.signal.aborted) throw fetchFailed('getToken() did not answer in time.', error);
      const name = typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name ?? 'Error') : 'Error';
      // The host's message is not echoed: it is theirs and might quote a credential.
      throw fetchFailed(`getToken() failed (${name}).`, error);
    } finally {
      aborted.dispose();
      dispose();
    }
    return normalizeTokenResponse(raw, (this.#options.now ?? Date.now)());
  }

  async #fromUrl(tokenUrl: string, signal: AbortSignal): Promise<ResolvedToken> {
    const doFetch = this.#options.fetch ?? globalThis.fetch.bind(globalThis);
    const { controller, dispose } = this.#timeoutController(signal);
    let body: string;
    let status = 0;
    try {
      let response: Response;
      try {
        response = await doFetch(tokenUrl, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
          body: '{}',
          cache: 'no-store',
          signal: controller.signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        if (controller.signal.aborted) throw fetchFailed('The token request timed out.', error);
        throw fetchFailed('The token request failed (network error or blocked by CORS).', error);
      }
      status = response.status;
      if (!response.ok) throw fetchFailed(`The token endpoint answered HTTP ${status}.`);
      try {
        body = await response.text();
      } catch (error) {
        if (signal.aborted) throw error;
        throw fetchFailed('The token response could not be read.', error);
      }
    } finally {
      dispose();
    }
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch (error) {
      const looksHtml = /^\s*</.test(body);
      throw fetchFailed(
        looksHtml
          ? `The token endpoint answered HTML instead of JSON (HTTP ${status}); check the "token-url".`
          : `The token endpoint did not answer JSON (HTTP ${status}).`,
        error,
      );
    }
    return normalizeTokenResponse(raw, (this.#options.now ?? Date.now)());
  }

  /** A controller that aborts with `signal` or after the timeout, whichever comes first. */
  #timeoutController(signal: AbortSignal): { controller: AbortController; dispose(): void } {
    const controller = new AbortController();
    const timeoutMs = this.#options.timeoutMs ?? TOKEN_TIMEOUT_MS;
    const onAbort = (): void => controller.abort(signal.reason);
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException('The token request timed out.', 'TimeoutError')), timeoutMs);
    return {
      controller,
      dispose: () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      },
    };
  }
}
