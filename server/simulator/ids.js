// Identifiers shaped like OpenAI's: a type prefix and 21 base62 characters
// (`event_C9G5RJeJ2gF77mV7f2B1j`, `item_…`, `resp_…`, `sess_…`, `conv_…`), `call_` with 16,
// and ephemeral keys `ek_` + 32 hex digits. Clients sometimes parse prefixes, so keep them exact.
import { randomBytes, randomFillSync } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * @param {string} prefix
 * @param {number} [length]
 * @returns {string}
 */
export function randomId(prefix, length = 21) {
  // Random bytes come from a pool: a `randomBytes` call per server event was a tenth of the
  // server's time under load.
  if (poolAt + length > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let id = prefix;
  // The modulo bias (256 % 62) is irrelevant for identifiers that only need to be unique.
  for (let i = 0; i < length; i++) id += BASE62[/** @type {number} */ (pool[poolAt++]) % 62];
  return id;
}

const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** @returns {string} */
export const eventId = () => randomId('event_');
/** @returns {string} */
export const itemId = () => randomId('item_');
/** @returns {string} */
export const responseId = () => randomId('resp_');
/** @returns {string} */
export const sessionId = () => randomId('sess_');
/** @returns {string} */
export const conversationId = () => randomId('conv_');
/** @returns {string} */
export const callId = () => randomId('call_', 16);
/** @returns {string} */
export const ephemeralKey = () => `ek_${randomBytes(16).toString('hex')}`;

/**
 * A small seeded PRNG (mulberry32) so chunk sizes and jitter can be reproduced in tests.
 * @param {number} [seed]
 * @returns {() => number} a function returning floats in [0, 1)
 */
export function createRandom(seed = Date.now() ^ randomBytes(4).readUInt32LE(0)) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
