// OpenAI-shaped errors. The wording and codes follow what the real service sends (taken from its
// API reference and from users' reports), because clients match on them: `code` for logic,
// `param` to point at the offending field, `event_id` echoing the client event that caused it.
import { eventId } from './ids.js';

/** @typedef {Record<string, any>} Json */

/** An error the client caused; becomes an `error` server event and the session stays open. */
export class RealtimeError extends Error {
  /**
   * @param {{message: string, code?: string | null, param?: string | null, type?: string}} details
   */
  constructor({ message, code = null, param = null, type = 'invalid_request_error' }) {
    super(message);
    this.name = 'RealtimeError';
    /** OpenAI's error `type`, e.g. `invalid_request_error`. */
    this.type = type;
    /** Machine-readable code, e.g. `invalid_value`; null where OpenAI sends none. */
    this.code = code;
    /** Dotted path of the offending field, e.g. `session.audio.output.speed`. */
    this.param = param;
  }
}

/**
 * Lists values the way OpenAI's messages do: `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`.
 * @param {readonly unknown[]} values
 * @returns {string}
 */
export function listValues(values) {
  const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

/**
 * Names a JSON value's type as OpenAI's validation messages do ("an integer", "a string", …).
 * @param {unknown} value
 * @returns {string}
 */
export function describeType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/**
 * Builders for the validation errors OpenAI returns, with its exact phrasing.
 */
export const invalid = {
  /** @param {string} param */
  unknownParameter: (param) =>
    new RealtimeError({ code: 'unknown_parameter', param, message: `Unknown parameter: '${param}'.` }),
  /** @param {string} param */
  missing: (param) =>
    new RealtimeError({ code: 'missing_required_parameter', param, message: `Missing required parameter: '${param}'.` }),
  /**
   * @param {string} param
   * @param {string} expected e.g. "a string"
   * @param {unknown} got
   */
  type: (param, expected, got) =>
    new RealtimeError({
      code: 'invalid_type',
      param,
      message: `Invalid type for '${param}': expected ${expected}, but got ${describeType(got)} instead.`,
    }),
  /**
   * @param {string} param
   * @param {unknown} value
   * @param {readonly unknown[]} supported
   */
  value: (param, value, supported) =>
    new RealtimeError({
      code: 'invalid_value',
      param,
      message: `Invalid value: ${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}. Supported values are: ${listValues(supported)}.`,
    }),
  /**
   * @param {string} param
   * @param {number} value
   * @param {{min?: number, max?: number}} range
   */
  range: (param, value, { min, max }) => {
    const kind = Number.isInteger(value) && Number.isInteger(min ?? max) ? 'integer' : 'decimal';
    const below = min !== undefined && value < min;
    const limit = below ? `>= ${min}` : `<= ${max}`;
    return new RealtimeError({
      code: `${kind}_${below ? 'below_min' : 'above_max'}_value`,
      param,
      message: `Invalid '${param}': ${kind} ${below ? 'below minimum' : 'above maximum'} value. Expected a value ${limit}, but got ${value} instead.`,
    });
  },
  /**
   * @param {string} param
   * @param {string} message
   * @param {string} [code]
   */
  custom: (param, message, code = 'invalid_value') => new RealtimeError({ code, param, message }),
};

/**
 * Turns any thrown value into the `error` server event. Unexpected exceptions become OpenAI's
 * generic `server_error` (its standard wording) without leaking internals to the client.
 * @param {unknown} err
 * @param {string | null | undefined} clientEventId
 * @returns {Json}
 */
export function errorEvent(err, clientEventId) {
  const e =
    err instanceof RealtimeError
      ? err
      : new RealtimeError({
          type: 'server_error',
          message: 'The server had an error while processing your request. Sorry about that!',
        });
  return {
    event_id: eventId(),
    type: 'error',
    error: { type: e.type, code: e.code, message: e.message, param: e.param, event_id: clientEventId ?? null },
  };
}
