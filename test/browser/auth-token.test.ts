// The token hook (src/auth/token.ts): every accepted shape and every failure code, with real
// `fetch` where it is cheap (data: URLs, the dev server's 404, a refused port).
import { expect } from '@open-wc/testing';
import { normalizeTokenResponse, TokenSource, type ResolvedToken } from '../../src/auth/token.js';
import { RealtimeVoiceError } from '../../src/session/types.js';

const SECRET = 'ek_68afSECRETvalue0123456789';
const API_KEY = 'sk-proj-SECRETKEYdoNotLeak0123456789';
const nowMs = Date.now();
const inTenMinutes = Math.floor(nowMs / 1000) + 600;

const dataUrl = (body: unknown, type = 'application/json') =>
  `data:${type},${encodeURIComponent(typeof body === 'string' ? body : JSON.stringify(body))}`;

async function rejection(promise: Promise<unknown>): Promise<RealtimeVoiceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(RealtimeVoiceError);
    return error as RealtimeVoiceError;
  }
  throw new Error('expected a rejection');
}

function expectNoSecret(error: Error): void {
  expect(error.message).not.to.contain('SECRET');
  expect(String(error)).not.to.contain('SECRET');
}

const signal = () => new AbortController().signal;

describe('auth: normalizeTokenResponse', () => {
  it('accepts the GA shape and converts expires_at to epoch ms', () => {
    const token = normalizeTokenResponse({ value: SECRET, expires_at: inTenMinutes, session: { id: 'sess_1' } }, nowMs);
    expect(token).to.deep.equal({ value: SECRET, expiresAt: inTenMinutes * 1000 });
  });

  it('accepts the beta shape {client_secret: {value, expires_at}}', () => {
    const token = normalizeTokenResponse({ client_secret: { value: SECRET, expires_at: inTenMinutes } }, nowMs);
    expect(token.value).to.equal(SECRET);
    expect(token.expiresAt).to.equal(inTenMinutes * 1000);
  });

  it('accepts a bare string (no expiry known)', () => {
    expect(normalizeTokenResponse(`  ${SECRET} `, nowMs)).to.deep.equal({ value: SECRET, expiresAt: null });
  });

  it('takes the optional url and model overrides', () => {
    const token = normalizeTokenResponse({ value: SECRET, url: 'wss://example.test/v1/realtime', model: 'gpt-realtime-mini' }, nowMs);
    expect(token.url).to.equal('wss://example.test/v1/realtime');
    expect(token.model).to.equal('gpt-realtime-mini');
  });

  it("takes the model of a GA secret passed through as OpenAI returns it (session.model); a top-level model wins", () => {
    // The key is bound to that model: connecting with the element's own model would not match it.
    const passedThrough = { value: SECRET, expires_at: inTenMinutes, session: { type: 'realtime', model: 'gpt-realtime-mini' } };
    expect(normalizeTokenResponse(passedThrough, nowMs).model).to.equal('gpt-realtime-mini');
    expect(normalizeTokenResponse({ ...passedThrough, model: 'gpt-realtime' }, nowMs).model).to.equal('gpt-realtime');
    expect(normalizeTokenResponse({ value: SECRET, session: null }, nowMs).model).to.equal(undefined);
  });

  it('tolerates expires_at in milliseconds', () => {
    expect(normalizeTokenResponse({ value: SECRET, expires_at: nowMs + 60_000 }, nowMs).expiresAt).to.equal(nowMs + 60_000);
  });

  for (const [label, raw] of [
    ['missing value', { expires_at: inTenMinutes }],
    ['empty value', { value: '   ' }],
    ['non-string value', { value: 42 }],
    ['beta shape without value', { client_secret: { expires_at: inTenMinutes } }],
    ['null', null],
    ['an array', [SECRET]],
    ['a number', 7],
    ['characters a subprotocol cannot carry', { value: 'ek_has space' }],
  ] as const) {
    it(`refuses ${label} with token_invalid`, () => {
      let caught: unknown;
      try {
        normalizeTokenResponse(raw, nowMs);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(RealtimeVoiceError);
      expect((caught as RealtimeVoiceError).code).to.equal('token_invalid');
      expect((caught as RealtimeVoiceError).fatal).to.equal(true);
    });
  }

  it('refuses an already expired token with token_invalid', () => {
    let caught: RealtimeVoiceError | undefined;
    try {
      normalizeTokenResponse({ value: SECRET, expires_at: Math.floor(nowMs / 1000) - 1 }, nowMs);
    } catch (error) {
      caught = error as RealtimeVoiceError;
    }
    expect(caught?.code).to.equal('token_invalid');
    expectNoSecret(caught!);
  });

  it('refuses sk- keys (GA, beta and bare) with insecure_api_key, never quoting them', () => {
    for (const raw of [{ value: API_KEY }, { client_secret: { value: API_KEY } }, API_KEY, 'sk-live123456']) {
      let caught: RealtimeVoiceError | undefined;
      try {
        normalizeTokenResponse(raw, nowMs);
      } catch (error) {
        caught = error as RealtimeVoiceError;
      }
      expect(caught?.code).to.equal('insecure_api_key');
      expect(caught!.message).not.to.contain('SECRETKEY');
      expect(caught!.message).not.to.contain('live123456');
    }
  });
});

describe('auth: TokenSource with tokenUrl (real fetch)', () => {
  it('POSTs JSON with same-origin credentials and an abort signal', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const spy: typeof fetch = (input, init) => {
      calls.push({ url: String(input), init: init ?? {} });
      return fetch(input, init);
    };
    const url = dataUrl({ value: SECRET, expires_at: inTenMinutes });
    const source = new TokenSource({ tokenUrl: url, fetch: spy });
    const token = await source.get(signal());
    expect(token.value).to.equal(SECRET);
    expect(calls).to.have.length(1);
    const init = calls[0]!.init;
    expect(init.method).to.equal('POST');
    // Same-origin credentials: fetch's default, which the request keeps.
    expect(new Request(calls[0]!.url, init).credentials).to.equal('same-origin');
    expect(init.signal).to.be.instanceOf(AbortSignal);
    const headers = new Headers(init.headers);
    expect(headers.get('accept')).to.equal('application/json');
    expect(headers.get('content-type')).to.equal('application/json');
  });

  it('reads the beta shape and a JSON string body', async () => {
    const beta = await new TokenSource({ tokenUrl: dataUrl({ client_secret: { value: SECRET, expires_at: inTenMinutes } }) }).get(signal());
    expect(beta.value).to.equal(SECRET);
    const bare = await new TokenSource({ tokenUrl: dataUrl(JSON.stringify(SECRET)) }).get(signal());
    expect(bare).to.deep.equal({ value: SECRET, expiresAt: null });
  });

  it('reuses a still-valid token, refetches one inside the 60 s margin, never caches one without expiry', async () => {
    let fetches = 0;
    const counting: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    let now = nowMs;
    const source = new TokenSource({
      tokenUrl: dataUrl({ value: SECRET, expires_at: Math.floor(nowMs / 1000) + 600 }),
      fetch: counting,
      now: () => now,
    });
    const first = await source.get(signal());
    const second = await source.get(signal());
    expect(second).to.equal(first);
    expect(fetches).to.equal(1);
    now = nowMs + 541_000; // 59 s left: inside the margin
    await source.get(signal()).catch(() => undefined);
    expect(fetches).to.equal(2);
    source.invalidate();
    now = nowMs;
    await source.get(signal());
    expect(fetches).to.equal(3);

    let bareFetches = 0;
    const bare = new TokenSource({
      tokenUrl: dataUrl(JSON.stringify(SECRET)),
      fetch: (input, init) => {
        bareFetches++;
        return fetch(input, init);
      },
    });
    await bare.get(signal());
    await bare.get(signal());
    expect(bareFetches).to.equal(2);
  });

  it('non-2xx (the dev server 404) → token_fetch_failed naming the status', async () => {
    const error = await rejection(new TokenSource({ tokenUrl: '/no-such-token-endpoint' }).get(signal()));
    expect(error.code).to.equal('token_fetch_failed');
    expect(error.fatal).to.equal(true);
    expect(error.message).to.contain('404');
  });

  it('a network error (refused port) → token_fetch_failed', async () => {
    const error = await rejection(new TokenSource({ tokenUrl: 'http://127.0.0.1:1/session' }).get(signal()));
    expect(error.code).to.equal('token_fetch_failed');
  });

  it('an HTML body (a login page, a SPA fallback) → token_fetch_failed', async () => {
    const error = await rejection(new TokenSource({ tokenUrl: dataUrl(`<!doctype html><p>${SECRET}</p>`, 'text/html') }).get(signal()));
    expect(error.code).to.equal('token_fetch_failed');
    expect(error.message).to.contain('HTML');
    expectNoSecret(error);
  });

  it('a non-JSON text body → token_fetch_failed without echoing it', async () => {
    const error = await rejection(new TokenSource({ tokenUrl: dataUrl(`value=${SECRET}`, 'text/plain') }).get(signal()));
    expect(error.code).to.equal('token_fetch_failed');
    expectNoSecret(error);
  });

  it('a slow endpoint → token_fetch_failed after the timeout', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const error = await rejection(new TokenSource({ tokenUrl: '/slow', fetch: hanging, timeoutMs: 30 }).get(signal()));
    expect(error.code).to.equal('token_fetch_failed');
    expect(error.message).to.contain('timed out');
  });

  it('an sk- key from the endpoint → insecure_api_key', async () => {
    const error = await rejection(new TokenSource({ tokenUrl: dataUrl({ value: API_KEY }) }).get(signal()));
    expect(error.code).to.equal('insecure_api_key');
    expect(error.message).not.to.contain('SECRETKEY');
  });

  it('an empty value from the endpoint → token_invalid', async () => {
    const error = await rejection(new TokenSource({ tokenUrl: dataUrl({ value: '' }) }).get(signal()));
    expect(error.code).to.equal('token_invalid');
  });

  it('aborting rejects with an AbortError (not a typed error)', async () => {
    const controller = new AbortController();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const pending = new TokenSource({ tokenUrl: '/slow', fetch: hanging }).get(controller.signal);
    controller.abort();
    let caught: unknown;
    try {
      await pending;
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).name).to.equal('AbortError');
  });

  it('without any source → token_fetch_failed explaining what to set', async () => {
    const error = await rejection(new TokenSource({}).get(signal()));
    expect(error.code).to.equal('token_fetch_failed');
    expect(error.message).to.contain('token-url');
  });
});

describe('auth: TokenSource with getToken', () => {
  it('an already aborted signal rejects without asking the host for a token', async () => {
    let calls = 0;
    const getToken = async () => {
      calls++;
      return { value: 'ek_unused' };
    };
    const caught = await new TokenSource({ getToken }).get(AbortSignal.abort()).then(
      () => null,
      (error: Error) => error,
    );
    expect(caught?.name).to.equal('AbortError');
    expect(calls).to.equal(0); // no ephemeral key minted for a call that has already ended
  });

  it('wins over tokenUrl and is called for every get (never cached)', async () => {
    let calls = 0;
    let fetches = 0;
    const source = new TokenSource({
      tokenUrl: dataUrl({ value: 'ek_from_url' }),
      fetch: (input, init) => {
        fetches++;
        return fetch(input, init);
      },
      getToken: async ({ signal: s }) => {
        expect(s).to.be.instanceOf(AbortSignal);
        calls++;
        return { value: `${SECRET}${calls}`, expires_at: inTenMinutes };
      },
    });
    const a: ResolvedToken = await source.get(signal());
    const b: ResolvedToken = await source.get(signal());
    expect(a.value).to.equal(`${SECRET}1`);
    expect(b.value).to.equal(`${SECRET}2`);
    expect(fetches).to.equal(0);
  });

  it('a bare string from getToken is accepted', async () => {
    expect((await new TokenSource({ getToken: async () => SECRET }).get(signal())).value).to.equal(SECRET);
  });

  it('a throwing getToken → token_fetch_failed without echoing its message', async () => {
    const error = await rejection(
      new TokenSource({
        getToken: async () => {
          throw new Error(`backend said ${SECRET}`);
        },
      }).get(signal()),
    );
    expect(error.code).to.equal('token_fetch_failed');
    expectNoSecret(error);
    // A synchronous throw too.
    const sync = await rejection(
      new TokenSource({
        getToken: () => {
          throw new TypeError('boom');
        },
      }).get(signal()),
    );
    expect(sync.code).to.equal('token_fetch_failed');
  });

  it('a getToken that never answers → token_fetch_failed after the timeout, its signal aborted', async () => {
    let seen: AbortSignal | undefined;
    const error = await rejection(
      new TokenSource({
        timeoutMs: 30,
        getToken: ({ signal: s }) => {
          seen = s;
          return new Promise(() => undefined);
        },
      }).get(signal()),
    );
    expect(error.code).to.equal('token_fetch_failed');
    expect(seen?.aborted).to.equal(true);
  });

  it('garbage from getToken → token_invalid; sk- → insecure_api_key', async () => {
    expect((await rejection(new TokenSource({ getToken: async () => ({}) }).get(signal()))).code).to.equal('token_invalid');
    expect((await rejection(new TokenSource({ getToken: async () => API_KEY }).get(signal()))).code).to.equal('insecure_api_key');
  });

  it('update() switching sources drops the cached token', async () => {
    let fetches = 0;
    const counting: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    const source = new TokenSource({ tokenUrl: dataUrl({ value: 'ek_a', expires_at: inTenMinutes }), fetch: counting });
    expect((await source.get(signal())).value).to.equal('ek_a');
    source.update({ tokenUrl: dataUrl({ value: 'ek_b', expires_at: inTenMinutes }) });
    expect((await source.get(signal())).value).to.equal('ek_b');
    expect(fetches).to.equal(2);
  });
});
