// A single-producer, single-consumer ring buffer of samples, used inside the player worklet (no
// SharedArrayBuffer: host pages are not cross-origin isolated, so both ends run on one thread).
// Nothing throws: `push`/`pull` return how many samples they moved, `pushAll`/`pullAll` return
// `false` and move nothing when the whole request does not fit.

type Samples = Int16Array | Float32Array;
type SamplesConstructor<T extends Samples> = new (length: number) => T;

/** A fixed-capacity ring of `Int16Array` or `Float32Array` samples. */
export class RingBuffer<T extends Samples> {
  readonly #data: T;
  #read = 0;
  #size = 0;

  constructor(
    readonly capacity: number,
    Type: SamplesConstructor<T>,
  ) {
    if (!(capacity > 0) || !Number.isInteger(capacity)) throw new RangeError('capacity must be a positive integer');
    this.#data = new Type(capacity);
  }

  /** Samples ready to pull. */
  get available(): number {
    return this.#size;
  }

  /** Room left for pushing. */
  get free(): number {
    return this.capacity - this.#size;
  }

  /** Appends up to `count` samples of `src` from `offset`; returns how many fitted. */
  push(src: T, offset = 0, count = src.length - offset): number {
    const n = Math.max(0, Math.min(count, src.length - offset, this.free));
    if (n === 0) return 0;
    const cap = this.capacity;
    const write = (this.#read + this.#size) % cap;
    const first = Math.min(n, cap - write);
    this.#data.set(src.subarray(offset, offset + first), write);
    if (n > first) this.#data.set(src.subarray(offset + first, offset + n), 0);
    this.#size += n;
    return n;
  }

  /** Appends all `count` samples, or nothing (returns `false`) when they do not all fit. */
  pushAll(src: T, offset = 0, count = src.length - offset): boolean {
    if (count > this.free || count > src.length - offset) return false;
    this.push(src, offset, count);
    return true;
  }

  /** Moves up to `count` samples into `dst` from `offset`; returns how many were moved. */
  pull(dst: T, offset = 0, count = dst.length - offset): number {
    const n = this.peek(dst, offset, count);
    this.skip(n);
    return n;
  }

  /** Moves exactly `count` samples, or nothing (returns `false`) when fewer are available. */
  pullAll(dst: T, offset = 0, count = dst.length - offset): boolean {
    if (count > this.#size || count > dst.length - offset) return false;
    this.pull(dst, offset, count);
    return true;
  }

  /** Copies up to `count` samples into `dst` without consuming them; returns how many. */
  peek(dst: T, offset = 0, count = dst.length - offset): number {
    const n = Math.max(0, Math.min(count, dst.length - offset, this.#size));
    if (n === 0) return 0;
    const cap = this.capacity;
    const first = Math.min(n, cap - this.#read);
    dst.set(this.#data.subarray(this.#read, this.#read + first) as T, offset);
    if (n > first) dst.set(this.#data.subarray(0, n - first) as T, offset + first);
    return n;
  }

  /** The sample `index` places after the read position, or `undefined` past the end. */
  at(index: number): number | undefined {
    if (index < 0 || index >= this.#size) return undefined;
    return this.#data[(this.#read + index) % this.capacity];
  }

  /** Drops up to `count` samples from the read side; returns how many were dropped. */
  skip(count: number): number {
    const n = Math.max(0, Math.min(count, this.#size));
    this.#read = (this.#read + n) % this.capacity;
    this.#size -= n;
    if (this.#size === 0) this.#read = 0;
    return n;
  }

  /** Drops everything. */
  clear(): void {
    this.#read = 0;
    this.#size = 0;
  }

  /** Copies the content, oldest first, into a new ring of `capacity` (≥ `available`), or `null`. */
  resized(capacity: number, Type: SamplesConstructor<T>): RingBuffer<T> | null {
    if (capacity < this.#size) return null;
    const next = new RingBuffer(capacity, Type);
    const tmp = new Type(this.#size);
    this.peek(tmp);
    next.push(tmp);
    return next;
  }
}
