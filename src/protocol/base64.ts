// PCM16 bytes ⇄ base64, the hot path of the protocol: 50 captured frames out and a stream of
// audio deltas in per second. Native `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64`
// where the browser has them (one C++ pass, no intermediate string); otherwise `btoa`/`atob`
// over bounded chunks. PCM is little-endian on the wire, as typed arrays are in every browser.

const nativeEncode = (Uint8Array.prototype as { toBase64?: (this: Uint8Array) => string }).toBase64;
const nativeDecode = (Uint8Array as { fromBase64?: (base64: string) => Uint8Array }).fromBase64;

/** Whether this browser has native base64 on `Uint8Array` (the fast path). */
export const hasNativeBase64 = !!nativeEncode && !!nativeDecode;

const toBytes = (data: ArrayBufferLike | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/**
 * Base64 of `data` (`btoa` path). 3 KiB chunks (a multiple of 3: whole quads, no padding
 * mid-stream), each a view passed to `fromCharCode.apply`, so the work memory is bounded. Never
 * `fromCharCode(...bytes)`: a spread walks the iterator protocol and overflows the stack on big frames.
 */
export function encodeBase64Fallback(data: ArrayBufferLike | ArrayBufferView): string {
  const bytes = toBytes(data);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3072) out += btoa(String.fromCharCode.apply(null, bytes.subarray(i, i + 3072) as unknown as number[]));
  return out;
}

/** Base64 of the bytes of `data` (PCM16 frames, usually): native when present, else chunked `btoa`. */
export const encodeBase64 = (data: ArrayBufferLike | ArrayBufferView): string =>
  nativeEncode ? nativeEncode.call(toBytes(data)) : encodeBase64Fallback(data);

/** Bytes of `base64` (`atob`, or the native decoder), or `null` when it is not base64. */
function decode(base64: string, native?: (base64: string) => Uint8Array): ArrayBuffer | null {
  // (`atob(null)` would decode the text "null".)
  if (typeof base64 !== 'string') return null;
  try {
    if (native) return native(base64).buffer as ArrayBuffer;
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < bytes.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  } catch {
    return null;
  }
}

/** Bytes of `base64` in a fresh `ArrayBuffer` (`atob` path), or `null` when it is not base64. */
export const decodeBase64Fallback = (base64: string): ArrayBuffer | null => decode(base64);

/**
 * Decodes base64 into a fresh, exactly sized `ArrayBuffer` that can be transferred to a worklet;
 * `null` for input that is not base64 (never throws).
 */
export const decodeBase64 = (base64: string): ArrayBuffer | null => decode(base64, nativeDecode);
