// Float → PCM16. One LSB is 1/32768 both ways (the player divides by 32768), so Int16 → Float →
// Int16 is lossless for all 65,536 values. Rounding is to nearest with halves away from zero, so
// that f(−x) = −f(x) (`Math.round` alone rounds halves towards +∞). −1 maps to −32768 and +1
// clips by one LSB to 32767 rather than scaling the positive half differently; out-of-range
// input clips and NaN becomes 0. The wire is little-endian, like typed arrays on every platform
// a browser runs on.

/** One float sample as a PCM16 integer. */
export function floatToInt16Sample(x: number): number {
  return Math.max(-32768, Math.min(32767, Math.sign(x) * Math.round(Math.abs(x * 32768)))) || 0;
}
