// Attribute converters that validate instead of throwing. A page author's typo must not break the
// page: a bad value keeps the default and logs one warning naming the attribute and what it takes.
import type { ComplexAttributeConverter } from 'lit';

const warn = (attr: string, value: string, allowed: string) =>
  console.warn(`[realtime-voice] ignoring ${attr}="${value}": expected ${allowed}`);

/** A string attribute limited to `allowed`; anything else (or removal) gives `fallback`. */
export function oneOf<T extends string, F extends T | undefined>(
  attr: string,
  allowed: readonly T[],
  fallback: F,
): ComplexAttributeConverter<T | F> {
  return {
    fromAttribute(value) {
      if (value === null) return fallback;
      if ((allowed as readonly string[]).includes(value)) return value as T;
      warn(attr, value, allowed.join(' | '));
      return fallback;
    },
  };
}

/** A finite number in `[min, max]` (whole when `int`); a bad value or removal gives `fallback`. */
export function numberIn<F extends number | undefined>(
  attr: string,
  min: number,
  max: number,
  fallback: F,
  int = false,
): ComplexAttributeConverter<number | F> {
  return {
    fromAttribute(value) {
      // `Number('')` is 0 and `Number(' 1 ')` is 1: trim and refuse the empty string explicitly.
      if (value === null) return fallback;
      const text = value.trim();
      const n = text === '' ? NaN : Number(text);
      if (Number.isFinite(n) && n >= min && n <= max && (!int || Number.isInteger(n))) return n;
      warn(attr, value, `${int ? 'a whole' : 'a'} number from ${min} to ${max}`);
      return fallback;
    },
  };
}

/** A string attribute whose removal restores `fallback` instead of leaving `null`. */
export const orDefault = (fallback: string): ComplexAttributeConverter<string> => ({
  fromAttribute: (value) => value ?? fallback,
});
