import { expect } from '@open-wc/testing';
import { decodeBase64, encodeBase64, hasNativeBase64 } from '../../src/protocol/index.js';
import { decodeBase64Fallback, encodeBase64Fallback } from '../../src/protocol/base64.js';

type Encode = (data: ArrayBufferLike | ArrayBufferView) => string;
type Decode = (base64: string) => ArrayBuffer | null;

// The two paths. `encodeBase64`/`decodeBase64` take the native one in this Chromium (asserted
// below), the fallbacks are what browsers without `Uint8Array.prototype.toBase64` run.
const PATHS: [string, Encode, Decode][] = [
  ['native', encodeBase64, decodeBase64],
  ['fallback', encodeBase64Fallback, decodeBase64Fallback],
];

/** Reference encoder, written from RFC 4648 without btoa or native help. */
function referenceBase64(bytes: Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    out += abc[a >> 2]! + abc[((a & 3) << 4) | (b >> 4)]!;
    out += i + 1 < bytes.length ? abc[((b & 15) << 2) | (c >> 6)]! : '=';
    out += i + 2 < bytes.length ? abc[c & 63]! : '=';
  }
  return out;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const SIZES = [
  ...Array.from({ length: 34 }, (_, i) => i), // every tail length, padding 0/1/2
  127, 128, 255, 256, 479, 480, 481, 959, 960, 961, 1279, 1280, 1281, 2400, 9600, 12287, 12288, 12289,
  16000, 16383, 16384, 24575, 24576, 24577, 32767, 32768, 36865, 49151, 65535, 65536,
];

describe('base64 codecs', () => {
  it('this Chromium has the native fast path (Uint8Array.prototype.toBase64 / Uint8Array.fromBase64)', () => {
    expect(hasNativeBase64).to.equal(typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64 === 'function');
    expect(hasNativeBase64).to.equal(true);
  });

  for (const [name, encode, decode] of PATHS) {
    it(`${name}: RFC 4648 test vectors`, () => {
      const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
      for (const [plain, b64] of vectors) {
        const bytes = new TextEncoder().encode(plain);
        expect(encode(bytes)).to.equal(b64);
        expect(new Uint8Array(decode(b64)!)).to.deep.equal(bytes);
      }
    });

    it(`${name}: bit-exact round trips over random data, 0 B to 64 KiB, odd lengths included`, () => {
      for (const n of SIZES) {
        const bytes = randomBytes(n, n + 1);
        const b64 = encode(bytes.buffer);
        expect(b64.length, `length for ${n}`).to.equal(Math.ceil(n / 3) * 4);
        if (n <= 1281 || n % 4096 === 0) expect(b64, `reference for ${n}`).to.equal(referenceBase64(bytes));
        const back = decode(b64);
        expect(back, `decode ${n}`).to.be.instanceOf(ArrayBuffer);
        expect(back!.byteLength).to.equal(n);
        const again = new Uint8Array(back!);
        for (let i = 0; i < n; i++) if (again[i] !== bytes[i]) throw new Error(`byte ${i} of ${n} differs`);
      }
    });

    it(`${name}: 200 random sizes up to 64 KiB agree with the other path`, () => {
      const [, otherEncode, otherDecode] = PATHS.find(([n]) => n !== name)!;
      let seed = 99;
      for (let k = 0; k < 200; k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const n = seed % 65537;
        const bytes = randomBytes(n, seed);
        const b64 = encode(bytes);
        expect(otherEncode(bytes)).to.equal(b64);
        expect(new Uint8Array(otherDecode(b64)!)).to.deep.equal(new Uint8Array(decode(b64)!));
      }
    });

    it(`${name}: encodes only the bytes of a view (Int16Array PCM with an offset), little-endian`, () => {
      const pcm = new Int16Array([111, 1, -1, 32767, -32768, 222]);
      const view = pcm.subarray(1, 5);
      const b64 = encode(view);
      expect(b64).to.equal(referenceBase64(new Uint8Array([0x01, 0x00, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80])));
      expect(Array.from(new Int16Array(decode(b64)!))).to.deep.equal([1, -1, 32767, -32768]);
      expect(encode(new DataView(pcm.buffer, 2, 3))).to.equal(referenceBase64(new Uint8Array([0x01, 0x00, 0xff])));
    });

    it(`${name}: decode gives a fresh, exactly sized, transferable ArrayBuffer`, () => {
      const b64 = encode(randomBytes(960, 7));
      const a = decode(b64)!;
      const b = decode(b64)!;
      expect(a).to.not.equal(b);
      expect(a.byteLength).to.equal(960);
      const { port1 } = new MessageChannel();
      port1.postMessage(a, [a]);
      port1.close();
      expect(a.byteLength).to.equal(0); // detached: it was transferred, not copied
      expect(b.byteLength).to.equal(960);
    });

    it(`${name}: invalid base64 → null, never a throw`, () => {
      const bad: unknown[] = ['A', 'AAAAA', 'abc$', '====', 'Zg=a', '\u00ff\u00ff\u00ff\u00ff', '😀AAA', 'Zm9v-_', 5, null, undefined, {}, new Uint8Array(4)];
      for (const input of bad) expect(decode(input as string), String(input)).to.equal(null);
      // lenient like atob: missing padding and ASCII whitespace are fine
      expect(new Uint8Array(decode('Zm9vYg')!)).to.deep.equal(new TextEncoder().encode('foob'));
      expect(new Uint8Array(decode('Zm9v\nYmFy')!)).to.deep.equal(new TextEncoder().encode('foobar'));
    });

    it(`${name}: 15 MiB (the largest append the server takes) in one call, no stack overflow`, () => {
      const bytes = randomBytes(15 * 1024 * 1024 + 1, 3);
      const b64 = encode(bytes);
      expect(b64.length).to.equal(Math.ceil(bytes.length / 3) * 4);
      const back = new Uint8Array(decode(b64)!);
      expect(back.length).to.equal(bytes.length);
      for (let i = 0; i < back.length; i += 4093) if (back[i] !== bytes[i]) throw new Error(`byte ${i} differs`);
      expect(back[back.length - 1]).to.equal(bytes[bytes.length - 1]);
    });
  }

  it('benchmark: throughput of both paths (printed, not asserted)', () => {
    const results: string[] = [];
    // best of 5 rounds of ~60 ms: other work on the machine only ever makes a round slower
    const bench = (label: string, bytesPerOp: number, op: () => unknown) => {
      for (let i = 0; i < 50; i++) op(); // warm up
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        let ops = 0;
        const start = performance.now();
        let elapsed = 0;
        do {
          for (let i = 0; i < 10; i++) op();
          ops += 10;
          elapsed = performance.now() - start;
        } while (elapsed < 60);
        best = Math.min(best, elapsed / ops);
      }
      const mbps = bytesPerOp / (best / 1000) / 1e6;
      results.push(`${label}: ${mbps.toFixed(0)} MB/s (${(best * 1000).toFixed(1)} µs/op)`);
    };
    for (const size of [960, 16000, 65536]) {
      const bytes = randomBytes(size, size);
      const b64 = encodeBase64(bytes);
      for (const [name, encode, decode] of PATHS) {
        bench(`encode ${name} ${size} B`, size, () => encode(bytes));
        bench(`decode ${name} ${size} B`, size, () => decode(b64));
      }
    }
    console.log(`base64 throughput (PCM bytes per second):\n  ${results.join('\n  ')}`);
    expect(results).to.have.length(12);
  });
});
