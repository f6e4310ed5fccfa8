// PCM16 bytes ⇄ base64, the hot path of the protocol: 50 captured frames out and a stream of
// audio deltas in per second. Native `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64`
// where the browser has them (one C++ pass, no intermediate string); otherwise `btoa`/`atob`
// over bounded chunks. PCM is little-endian on the wire, as typed arrays are in every browser.

type NativeEncode = (this: Uint8Array) => string;
type NativeDecode = (base64: string) => Uint8Array;

const nativeEncode = (Uint8Array.prototype as { toBase64?: NativeEncode }).toBase64;
const nativeDecode = (Uint8Array as { fromBase64?: NativeDecode }).fromBase64;

/** Whether this browser has native base64 on `Uint8Array` (the fast path). */
export const hasNativeBase64 = typeof nativeEncode === 'function' && typeof nativeDecode === 'function';

// 3 KiB chunks (a multiple of 3, so each chunk encodes to whole quads, no padding mid-stream),
// copied into one reused plain array for `String.fromCharCode.apply`: measured in Chromium, that
// is ~1.5× faster than `apply` over a typed-array view, and it never builds a per-frame array
// (a 20 ms frame, 960 B, takes one partial chunk: one small slice). Never `fromCharCode(...bytes)`:
// a spread walks the iterator protocol and, unchunked, overflows the stack on big frames.
const CHUNK = 3072;
const chunk: number[] = new Array<number>(CHUNK).fill(0);

const toBytes = (data: ArrayBufferLike | ArrayBufferView): Uint8Array =>
  data instanceof Uint8Array
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** Base64 of `data` (`btoa` path): bounded work memory (3 KiB of char codes) besides the result. */
export function encodeBase64Fallback(data: ArrayBufferLike | ArrayBufferView): string {
  const bytes = toBytes(data);
  const n = bytes.length;
  let out = '';
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    for (let j = 0; j < m; j++) chunk[j] = bytes[i + j]!;
    out += btoa(String.fromCharCode.apply(null, m === CHUNK ? chunk : chunk.slice(0, m)));
  }
  return out;
}

/** Bytes of `base64` in a fresh `ArrayBuffer` (`atob` path), or `null` when it is not base64. */
export function decodeBase64Fallback(base64: string): ArrayBuffer | null {
  if (typeof base64 !== 'string') return null;
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return null;
  }
  const n = binary.length;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** Base64 of the bytes of `data` (PCM16 frames, usually): native when present, else chunked `btoa`. */
export function encodeBase64(data: ArrayBufferLike | ArrayBufferView): string {
  return nativeEncode ? nativeEncode.call(toBytes(data)) : encodeBase64Fallback(data);
}

/**
 * Decodes base64 into a fresh, exactly sized `ArrayBuffer` that can be transferred to a worklet;
 * `null` for input that is not base64 (never throws).
 */
export function decodeBase64(base64: string): ArrayBuffer | null {
  if (!nativeDecode) return decodeBase64Fallback(base64);
  if (typeof base64 !== 'string') return null;
  try {
    return nativeDecode(base64).buffer as ArrayBuffer;
  } catch {
    return null;
  }
}
