// Attribute converters that validate instead of throwing. A page author's typo must not break the
// page: a bad value keeps the current one and logs one warning naming the attribute and what it takes.
import type { AttributeConverter } from './element-base.js';

const warn = (attr: string, value: string, expected: string) =>
  console.warn(`[realtime-voice] ignoring ${attr}="${value}": expected ${expected}`);

/**
 * A string attribute limited to the space-separated `values`; removal gives the first value, or
 * `undefined` when the attribute is `optional`; anything else keeps the current value.
 */
export function oneOf(attr: string, values: string, optional = false): AttributeConverter<string | undefined> {
  const allowed = values.split(' ');
  const fallback = optional ? undefined : allowed[0];
  return {
    fromAttribute(value, old) {
      if (value === null || allowed.includes(value)) return value ?? fallback;
      warn(attr, value, allowed.join(' | '));
      return old as string | undefined;
    },
  };
}

/** A finite number in `[min, max]` (whole when `int`); removal gives `fallback`, a bad value keeps the current one. */
export function numberIn(attr: string, min: number, max: number, fallback?: number, int = false): AttributeConverter<number | undefined> {
  return {
    fromAttribute(value, old) {
      if (value === null) return fallback;
      // `Number('')` is 0 and `Number(' 1 ')` is 1: trim and refuse the empty string explicitly.
      const n = value.trim() ? Number(value) : NaN;
      if (n >= min && n <= max && (!int || Number.isInteger(n))) return n;
      warn(attr, value, `${int ? 'a whole' : 'a'} number from ${min} to ${max}`);
      return old as number | undefined;
    },
  };
}

/** A string attribute whose removal restores `fallback` instead of leaving `null`. */
export const orDefault = (fallback: string): AttributeConverter<string> => ({
  fromAttribute: (value) => value ?? fallback,
});
