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
import { tokenProblem } from '../protocol/transport.js';
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
}

/** Default time a token request may take. */
export const TOKEN_TIMEOUT_MS = 10_000;
/** A cached token is reused only while it has at least this long left. */
const REUSE_MARGIN_MS = 60_000;

const fetchFailed = (message: string, cause?: unknown) => new RealtimeVoiceError('token_fetch_failed', message, true, { cause });

/**
 * Normalises what a host returned (GA `{value, expires_at}`, beta `{client_secret: {value,
 * expires_at}}`, a proxy's flattened `{client_secret: "ek_…"}`, or a bare string) into a
 * {@link ResolvedToken}; throws a typed error otherwise.
 */
export function normalizeTokenResponse(raw: unknown, now: number): ResolvedToken {
  const response = (typeof raw === 'string' ? { value: raw } : (raw ?? {})) as Record<string, unknown>;
  const secret = response.client_secret as TokenResponse | undefined;
  // The beta shape nests value and expiry; a flattened `client_secret` is the value itself.
  const source = response.value === undefined && typeof secret === 'object' && secret ? secret : (response as TokenResponse);
  const value = source.value ?? secret;
  const token = typeof value === 'string' ? value.trim() : '';
  const problem = tokenProblem(token);
  if (problem === 'insecure_api_key') {
    throw new RealtimeVoiceError(problem, 'Refused an sk- API key: use an ek_ client secret.', true);
  }
  if (problem) throw new RealtimeVoiceError('token_invalid', 'No usable "value" in the token response.', true);
  // `expires_at` is Unix seconds; tolerate hosts that send milliseconds.
  const expiresAt = source.expires_at!;
  const expiresAtMs = Number.isFinite(expiresAt) && expiresAt > 0 ? (expiresAt > 1e12 ? expiresAt : expiresAt * 1000) : null;
  if (expiresAtMs !== null && expiresAtMs <= now) throw new RealtimeVoiceError('token_invalid', 'The token has expired (check "expires_at").', true);
  const result: { -readonly [K in keyof ResolvedToken]: ResolvedToken[K] } = { value: token, expiresAt: expiresAtMs };
  // A GA secret passed through as OpenAI returns it names the model it is bound to in `session`.
  const { url, model = (response.session as { model?: unknown } | null | undefined)?.model } = response;
  for (const [key, override] of Object.entries({ url, model }) as ['url' | 'model', unknown][]) {
    if (typeof override === 'string' && override.trim()) result[key] = override.trim();
  }
  return result;
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
    const { getToken, tokenUrl, now = Date.now } = this.#options;
    if (!getToken && !tokenUrl) throw fetchFailed('No token-url or getToken.');
    // Only `tokenUrl` tokens are reused, and only those that say when they expire (a `null`
    // expiry never passes this test).
    const cached = this.#cached;
    if (cached && cached.expiresAt! - REUSE_MARGIN_MS > now()) return cached;

    const controller = new AbortController();
    const inner = controller.signal;
    const abort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', abort);
    const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs ?? TOKEN_TIMEOUT_MS);
    try {
      const raw = await new Promise((resolve, reject) => {
        // Settles on abort even when the hook ignores its signal; a synchronous throw rejects too.
        inner.addEventListener('abort', () => reject(inner.reason));
        // Already ended (stopped before the fetch began): no key is minted for nobody.
        if (signal.aborted) return abort();
        Promise.resolve(getToken ? getToken({ signal: inner }) : this.#fetch(tokenUrl!, inner)).then(resolve, reject);
      });
      const token = normalizeTokenResponse(raw, now());
      if (!getToken) this.#cached = token;
      return token;
    } catch (error) {
      // The host's message is not echoed: it is theirs and might quote a credential.
      throw signal.aborted || error instanceof RealtimeVoiceError
        ? error
        : fetchFailed(inner.aborted ? 'The token request timed out.' : getToken ? 'getToken() failed.' : 'token-url unreachable (network or CORS).', error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    }
  }

  /** POSTs `{}` to the host backend (as JSON, with same-origin credentials: fetch's default) and parses its answer. */
  async #fetch(url: string, signal: AbortSignal): Promise<unknown> {
    const json = 'application/json';
    const response = await (this.#options.fetch ?? fetch)(url, { method: 'POST', headers: { Accept: json, 'Content-Type': json }, body: '{}', signal });
    if (!response.ok) throw fetchFailed(`token-url answered HTTP ${response.status}.`);
    const body = await response.text();
    try {
      return JSON.parse(body);
    } catch (error) {
      // A login page or an SPA fallback, most likely.
      throw fetchFailed(`token-url answered ${/^\s*</.test(body) ? 'HTML' : 'text'}, not JSON: check "token-url".`, error);
    }
  }
}
