// Attribute converters that validate instead of throwing. A page author's typo must not break the
// page: a bad value keeps the default and logs one warning naming the attribute and what it takes.
import type { AttributeConverter } from './element-base.js';

const warn = (attr: string, value: string, expected: string) =>
  console.warn(`[realtime-voice] ignoring ${attr}="${value}": expected ${expected}`);

/**
 * A string attribute limited to the space-separated `values`; anything else (or removal) gives
 * the first value, or `undefined` when the attribute is `optional`.
 */
export function oneOf(attr: string, values: string, optional = false): AttributeConverter<string | undefined> {
  const allowed = values.split(' ');
  const fallback = optional ? undefined : allowed[0];
  return {
    fromAttribute(value) {
      if (value === null || allowed.includes(value)) return value ?? fallback;
      warn(attr, value, allowed.join(' | '));
      return fallback;
    },
  };
}

/** A finite number in `[min, max]` (whole when `int`); a bad value or removal gives `fallback`. */
export function numberIn(attr: string, min: number, max: number, fallback?: number, int = false): AttributeConverter<number | undefined> {
  return {
    fromAttribute(value) {
      if (value === null) return fallback;
      // `Number('')` is 0 and `Number(' 1 ')` is 1: trim and refuse the empty string explicitly.
      const n = value.trim() ? Number(value) : NaN;
      if (n >= min && n <= max && (!int || Number.isInteger(n))) return n;
      warn(attr, value, `${int ? 'a whole' : 'a'} number from ${min} to ${max}`);
      return fallback;
    },
  };
}

/** A string attribute whose removal restores `fallback` instead of leaving `null`. */
export const orDefault = (fallback: string): AttributeConverter<string> => ({
  fromAttribute: (value) => value ?? fallback,
});
