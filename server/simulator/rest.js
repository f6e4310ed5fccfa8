// The REST side of the local server: `POST /v1/realtime/client_secrets`, answered like OpenAI
// (same auth, validation errors and response shape), plus CORS so browser tests may call it.
import { setTimeout as delay } from 'node:timers/promises';
import { bearerToken, maskKey, sameKey } from './auth.js';
import { RealtimeError, invalid } from './errors.js';
import { sessionId } from './ids.js';
import { applySessionUpdate, defaultSessionConfig, expectNumber, expectObject, expectEnum, onlyKeys, publicSession } from './session-config.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./auth.js').KeyStore} KeyStore */
/** @typedef {import('./faults.js').Faults} Faults */

/** Client-secret requests are small; anything bigger is a mistake or an attack. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * @typedef {object} RestContext
 * @property {string | undefined} apiKey the standard key backends must present; undefined accepts any
 * @property {KeyStore} keys
 * @property {() => Faults} faults
 * @property {(ttlSeconds: number, session: import('./session-config.js').SessionConfig) => Json} mint
 */

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {RestContext} context
 */
export async function handleRest(req, res, context) {
  // A request-target that is no URL (`http://[`) is a 404 below, not a 500.
  const url = new URL(URL.canParse(req.url ?? '/', 'http://localhost') ? (req.url ?? '/') : '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-headers', 'authorization, content-type, openai-beta, openai-organization, openai-project');
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  if (method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  if (path === '/healthz' && method === 'GET') return json(res, 200, { status: 'ok' });
  if ((path === '/v1/realtime/sessions' || path === '/v1/realtime/transcription_sessions') && method === 'POST') {
    // The beta interface is retired upstream; a client still using it should find out here.
    return json(res, 400, errorBody(new RealtimeError({ code: 'beta_api_shape_disabled', message: `${path} is the retired beta interface. Use POST /v1/realtime/client_secrets.` })));
  }
  if (path === '/v1/realtime/client_secrets' && method === 'POST') return clientSecrets(req, res, context);
  return json(res, 404, { error: { message: `Invalid URL (${method} ${url.pathname})`, type: 'invalid_request_error', param: null, code: null } });
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {RestContext} context
 */
async function clientSecrets(req, res, context) {
  const faults = context.faults();
  if (faults.tokenDelayMs > 0) await delay(faults.tokenDelayMs);
  if (faults.tokenStatus !== null) {
    const status = faults.tokenStatus;
    return json(res, status, {
      error: {
        message: status === 429 ? 'Rate limit reached for requests (fault injected).' : `The server could not create a client secret (fault injected, HTTP ${status}).`,
        type: status >= 500 ? 'server_error' : status === 429 ? 'requests' : 'invalid_request_error',
        param: null,
        code: status === 429 ? 'rate_limit_exceeded' : null,
      },
    });
  }
  const denied = checkApiKey(bearerToken(req.headers.authorization), context.apiKey);
  if (denied) return json(res, 401, denied);
  let body;
  try {
    body = await readJson(req);
  } catch (error) {
    const tooLarge = error instanceof Error && error.message === 'too large';
    return json(res, tooLarge ? 413 : 400, {
      error: {
        message: tooLarge
          ? 'Request body too large.'
          : 'We could not parse the JSON body of your request. The API expects a JSON payload, but what was sent was not valid JSON.',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  }
  try {
    const request = body === undefined ? {} : expectObject(body, 'body');
    for (const key of Object.keys(request)) if (key !== 'expires_after' && key !== 'session') throw invalid.unknownParameter(key);
    let ttl = 600;
    if (request.expires_after !== undefined) {
      const after = expectObject(request.expires_after, 'expires_after');
      onlyKeys(after, ['anchor', 'seconds'], 'expires_after');
      if (after.anchor !== undefined) expectEnum(after.anchor, 'expires_after.anchor', ['created_at']);
      if (after.seconds !== undefined) ttl = expectNumber(after.seconds, 'expires_after.seconds', { min: 10, max: 7200, integer: true });
    }
    const session = applySessionUpdate(defaultSessionConfig(), request.session ?? { type: 'realtime' }, { param: 'session' });
    return json(res, 200, context.mint(ttl, session));
  } catch (error) {
    if (error instanceof RealtimeError) return json(res, 400, errorBody(error));
    throw error;
  }
}

/**
 * The client-secret response: `session` as the real service shows it before any connection
 * (its `expires_at` is 0 until a session actually starts).
 * @param {{value: string, expiresAt: number, session: import('./session-config.js').SessionConfig}} secret
 * @returns {Json}
 */
export function clientSecretResponse(secret) {
  return { value: secret.value, expires_at: secret.expiresAt, session: publicSession(secret.session, { id: sessionId(), expiresAt: 0 }) };
}

/**
 * OpenAI's 401 bodies. Ephemeral keys cannot mint more keys.
 * @param {string | null} token
 * @param {string | undefined} apiKey
 * @returns {Json | null} the error body, or null when the key is accepted
 */
export function checkApiKey(token, apiKey) {
  if (!token) {
    return {
      error: {
        message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    };
  }
  const ok = !token.startsWith('ek_') && (apiKey === undefined || sameKey(token, apiKey));
  if (ok) return null;
  return {
    error: {
      message: `Incorrect API key provided: ${maskKey(token)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  };
}

/**
 * @param {RealtimeError} error
 * @returns {Json}
 */
function errorBody(error) {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<unknown>} undefined for an empty body
 */
async function readJson(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : undefined;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {Json} body
 */
function json(res, status, body) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

