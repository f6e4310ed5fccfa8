// Credentials: the server's standard API key (for backends) and the ephemeral client secrets it
// mints (`ek_…`, for browsers). As with OpenAI, a client secret only gates *starting* a session:
// a session that began keeps running after its secret expires, and one secret may start several
// sessions until then.
import { timingSafeEqual } from 'node:crypto';
import { ephemeralKey } from './ids.js';

/** @typedef {import('./session-config.js').SessionConfig} SessionConfig */

/**
 * @typedef {object} ClientSecret
 * @property {string} value `ek_…`
 * @property {number} expiresAt unix seconds
 * @property {number} createdAt unix seconds
 * @property {SessionConfig} session the configuration pinned when it was minted
 * @property {number} sessionsStarted
 */

export class KeyStore {
  /** @type {Map<string, ClientSecret>} */
  #secrets = new Map();

  /**
   * @param {SessionConfig} session
   * @param {number} ttlSeconds may be 0 or negative through the test hook (an already-expired key)
   * @returns {ClientSecret}
   */
  mint(session, ttlSeconds) {
    this.#prune();
    const now = Math.floor(Date.now() / 1000);
    /** @type {ClientSecret} */
    const secret = { value: ephemeralKey(), expiresAt: now + Math.floor(ttlSeconds), createdAt: now, session, sessionsStarted: 0 };
    this.#secrets.set(secret.value, secret);
    return secret;
  }

  /**
   * @param {string} value
   * @returns {ClientSecret | undefined}
   */
  get(value) {
    return this.#secrets.get(value);
  }

  /** @returns {ClientSecret[]} */
  list() {
    return [...this.#secrets.values()];
  }

  clear() {
    this.#secrets.clear();
  }

  /** Forgets secrets that expired over an hour ago, so a long-running server stays small. */
  #prune() {
    if (this.#secrets.size < 1000) return;
    const cutoff = Date.now() / 1000 - 3600;
    for (const [value, secret] of this.#secrets) if (secret.expiresAt < cutoff) this.#secrets.delete(value);
  }
}

/**
 * Constant-time comparison of a presented key with the configured one.
 * @param {string} presented
 * @param {string} expected
 * @returns {boolean}
 */
export function sameKey(presented, expected) {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Shows a key the way OpenAI's "Incorrect API key" message does: enough to recognise it, never
 * enough to use it.
 * @param {string} key
 * @returns {string}
 */
export function maskKey(key) {
  return key.length > 12 ? `${key.slice(0, 3)}${'*'.repeat(6)}${key.slice(-4)}` : '***';
}

/**
 * Reads the credential of a WebSocket upgrade: a browser puts it in the subprotocol list
 * (`openai-insecure-api-key.<key>`), a server in `Authorization: Bearer <key>`.
 * @param {import('node:http').IncomingMessage} req
 * @returns {{key: string | null, protocols: string[], via: 'subprotocol' | 'header' | null}}
 */
export function readUpgradeCredential(req) {
  const header = req.headers['sec-websocket-protocol'];
  const protocols = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const fromProtocol = protocols.find((p) => p.startsWith('openai-insecure-api-key.'));
  if (fromProtocol) return { key: fromProtocol.slice('openai-insecure-api-key.'.length), protocols, via: 'subprotocol' };
  const bearer = bearerToken(req.headers.authorization);
  return { key: bearer, protocols, via: bearer ? 'header' : null };
}

/**
 * @param {string | undefined} authorization
 * @returns {string | null}
 */
export function bearerToken(authorization) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}
