// Float32 ⇄ PCM16 conversion into caller-provided buffers (no allocation per call).
//
// Scale: one LSB is 1/32768 in both directions, so Int16 → Float32 → Int16 is lossless for all
// 65,536 values and the mapping is the same straight line on both sides of zero. Rounding is to
// the nearest integer with halves away from zero, so `f(-x) === -f(x)` (no bias towards +∞ as
// `Math.round` has). Full scale is symmetric in the sense that matters: -1 and +1 both map to the
// largest magnitude of their sign (-32768 and 32767; +1 clips by one LSB, which is inaudible,
// instead of scaling the positive half by a different factor). Out-of-range input clips, NaN → 0.
//
// The wire format is little-endian. Typed arrays use the platform's byte order, which is
// little-endian on every platform a browser runs on today; `IS_LITTLE_ENDIAN` guards the rest.

/** Whether this platform stores typed-array elements little-endian (the wire's byte order). */
export const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Converts one float sample to a PCM16 integer (clamped, rounded half away from zero). */
export function floatToInt16Sample(x: number): number {
  if (!(x === x)) return 0; // NaN
  const v = x * 32768;
  if (v >= 32767) return 32767;
  if (v <= -32768) return -32768;
  return v < 0 ? -Math.floor(0.5 - v) : Math.floor(v + 0.5);
}

/**
 * Writes `count` samples of `src` (from `srcOffset`) into `dst` (from `dstOffset`) as PCM16.
 * Returns the number of samples written (bounded by both buffers).
 */
export function floatToInt16(
  src: Float32Array,
  dst: Int16Array,
  srcOffset = 0,
  dstOffset = 0,
  count = Math.min(src.length - srcOffset, dst.length - dstOffset),
): number {
  const n = Math.max(0, Math.min(count, src.length - srcOffset, dst.length - dstOffset));
  for (let i = 0; i < n; i++) dst[dstOffset + i] = floatToInt16Sample(src[srcOffset + i]!);
  if (!IS_LITTLE_ENDIAN) swap16(dst, dstOffset, n);
  return n;
}

/**
 * Reads `count` PCM16 samples of `src` (from `srcOffset`) into `dst` (from `dstOffset`) as floats
 * in [-1, 1). Returns the number of samples written.
 */
export function int16ToFloat(
  src: Int16Array,
  dst: Float32Array,
  srcOffset = 0,
  dstOffset = 0,
  count = Math.min(src.length - srcOffset, dst.length - dstOffset),
): number {
  const n = Math.max(0, Math.min(count, src.length - srcOffset, dst.length - dstOffset));
  if (IS_LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) dst[dstOffset + i] = src[srcOffset + i]! / 32768;
  } else {
    for (let i = 0; i < n; i++) {
      const u = src[srcOffset + i]! & 0xffff;
      dst[dstOffset + i] = (((u >> 8) | ((u & 0xff) << 8)) << 16 >> 16) / 32768;
    }
  }
  return n;
}

/** Byte-swaps `n` 16-bit values in place (big-endian platforms only). */
function swap16(a: Int16Array, offset: number, n: number): void {
  for (let i = offset; i < offset + n; i++) {
    const u = a[i]! & 0xffff;
    a[i] = ((u >> 8) | ((u & 0xff) << 8)) << 16 >> 16;
  }
}

/** RMS of `count` samples of `src` from `offset` (0 for an empty range). */
export function rms(src: Float32Array, offset = 0, count = src.length - offset): number {
  if (count <= 0) return 0;
  let sum = 0;
  for (let i = offset; i < offset + count; i++) {
    const v = src[i]!;
    sum += v * v;
  }
  return Math.sqrt(sum / count);
}
