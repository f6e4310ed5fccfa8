// Fault injection: the failures a widget must survive, on demand. Set at creation
// (`createRealtimeServer({faults})`) or live (`control('faults', {...})`); a patch merges into
// the current faults and `null` turns one off again.

/**
 * @typedef {object} Faults
 * @property {number | null} dropAfterEvents drop a connection once it has sent this many more
 *   server events (counted from connection start, or from when the faults were last set)
 * @property {number | null} dropCode close code for the drop; null (default) terminates the TCP
 *   connection without a close frame, which browsers report as 1006
 * @property {string} dropReason close reason when `dropCode` is set
 * @property {number} dropTimes how many connections to drop before the fault clears itself (1)
 * @property {number} stallMs stop sending for this long, once per connection…
 * @property {number} stallAfterEvents …after this many server events (0: at the next event)
 * @property {number} jitterMs random extra delay, 0..jitterMs, before each audio delta
 * @property {number} burst send audio deltas in back-to-back groups of this size (1: evenly paced)
 * @property {number | null} tokenStatus answer `POST /v1/realtime/client_secrets` with this HTTP status
 * @property {number} tokenDelayMs delay every client-secret response by this long
 * @property {number | null} handshakeStatus refuse WebSocket upgrades with this HTTP status
 */

/** @returns {Faults} */
export const noFaults = () => ({
  dropAfterEvents: null,
  dropCode: null,
  dropReason: 'fault injected',
  dropTimes: 1,
  stallMs: 0,
  stallAfterEvents: 0,
  jitterMs: 0,
  burst: 1,
  tokenStatus: null,
  tokenDelayMs: 0,
  handshakeStatus: null,
});

/**
 * Close codes a server may put in a close frame (1005, 1006 and 1015 are reserved for reporting).
 * @param {number} code
 * @returns {boolean}
 */
export const isSendableCloseCode = (code) =>
  Number.isInteger(code) && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));

/**
 * Merges a patch into the current faults, validating it. `null` resets a field to its default.
 * @param {Faults} current
 * @param {unknown} patch
 * @returns {Faults}
 */
export function mergeFaults(current, patch) {
  if (patch === undefined || patch === null) return { ...current };
  if (typeof patch !== 'object' || Array.isArray(patch)) throw new TypeError('faults must be an object');
  const defaults = noFaults();
  /** @type {Record<string, unknown>} */
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in defaults)) throw new TypeError(`unknown fault: ${key}`);
    next[key] = value === null ? /** @type {Record<string, unknown>} */ (defaults)[key] : value;
  }
  const f = /** @type {Faults} */ (next);
  /** @type {(name: keyof Faults, min: number, max: number, nullable?: boolean) => void} */
  const number = (name, min, max, nullable = false) => {
    const v = f[name];
    if (nullable && v === null) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new TypeError(`fault ${name} must be a number from ${min} to ${max}`);
  };
  number('dropAfterEvents', 0, Number.MAX_SAFE_INTEGER, true);
  number('dropTimes', 1, Number.MAX_SAFE_INTEGER);
  number('stallMs', 0, 600000);
  number('stallAfterEvents', 0, Number.MAX_SAFE_INTEGER);
  number('jitterMs', 0, 1000);
  number('burst', 1, 1000);
  number('tokenDelayMs', 0, 600000);
  number('tokenStatus', 400, 599, true);
  number('handshakeStatus', 400, 599, true);
  if (f.dropCode !== null && !isSendableCloseCode(f.dropCode)) throw new TypeError('fault dropCode must be a close code a server can send (1000-1003, 1007-1014, 3000-4999) or null');
  if (typeof f.dropReason !== 'string' || Buffer.byteLength(f.dropReason) > 123) throw new TypeError('fault dropReason must be a string of at most 123 bytes');
  return f;
}
