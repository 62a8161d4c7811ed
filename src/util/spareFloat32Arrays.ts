/**
 * Float32Arrays given back once their contents are no longer needed, handed out again instead of
 * new ones. A new frame-sized array costs its page faults on first touch, which some hosts make
 * dear (measured: 0.9-1.3 ms to fill a new 400x207 Float32Array in Chromium, against 0.05 ms for
 * one already written); a loop makes a few a frame.
 */
export class SpareFloat32Arrays {
  private readonly spare = new Map<number, ArrayBuffer[]>();
  /** Byte lengths asked of take: a buffer of another length would never be taken. */
  private readonly wanted = new Set<number>();
  private count = 0;

  /** `limit` bounds the buffers kept, whatever comes back. */
  constructor(private readonly limit = 24) {}

  /** An array of `length` values: a spare one (its old contents left in it) or a new one (zeros). */
  take(length: number): Float32Array {
    const bytes = length * Float32Array.BYTES_PER_ELEMENT;
    this.wanted.add(bytes);
    const buffer = this.spare.get(bytes)?.pop();
    if (!buffer) return new Float32Array(length);
    this.count--;
    return new Float32Array(buffer);
  }

  /**
   * Keeps `buffer` for a later take; the caller no longer reads or writes it. Dropped instead: a
   * detached buffer (byteLength 0), and one of a length never taken (a loop's frames prepared by
   * workers come back too, though the engine decodes none of them).
   */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.count >= this.limit || !this.wanted.has(buffer.byteLength)) return;
    const list = this.spare.get(buffer.byteLength);
    if (list?.includes(buffer)) return;
    if (list) list.push(buffer);
    else this.spare.set(buffer.byteLength, [buffer]);
    this.count++;
  }

  /** Drops every buffer kept and every length asked for: for arrays of other sizes from now on. */
  clear(): void {
    this.spare.clear();
    this.wanted.clear();
    this.count = 0;
  }

  /** Buffers kept now. */
  get size(): number {
    return this.count;
  }
}
