/**
 * BINARY segmentation pixel data: one bit per pixel, least significant bit first, frames
 * concatenated bit after bit with no padding between them (PS3.5 8.1.1), so a frame whose
 * Rows x Columns is not a multiple of 8 starts in the middle of a byte.
 */

/**
 * One frame's mask held bit-packed (LSB first), an eighth of a 0/1 byte array: a 1,000-frame
 * loop's masks stay small in memory until they are written or displayed.
 */
export class PackedMask {
  /** Pixel count. */
  readonly length: number;
  readonly bits: Uint8Array;
  private constructor(length: number, bits: Uint8Array) {
    this.length = length;
    this.bits = bits;
  }

  /** Rebuilds a mask sent between threads (structured clone drops the class). */
  static fromBits(length: number, bits: Uint8Array): PackedMask {
    if (bits.length !== Math.ceil(length / 8)) throw new RangeError(`${bits.length} bytes cannot hold a ${length}-pixel mask`);
    return new PackedMask(length, bits);
  }

  static pack(mask: ArrayLike<number>): PackedMask {
    const bits = new Uint8Array(Math.ceil(mask.length / 8));
    packInto(mask, bits, 0);
    return new PackedMask(mask.length, bits);
  }

  get(i: number): number {
    return (this.bits[i >> 3]! >> (i & 7)) & 1;
  }

  unpack(): Uint8Array {
    return unpackBinaryFrame(this.bits, 0, this.length);
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < this.bits.length; i++) {
      let b = this.bits[i]!;
      while (b) {
        b &= b - 1;
        n++;
      }
    }
    return n;
  }
}

export type MaskFrame = ArrayLike<number> | PackedMask;

/** Packs frames (non-zero = set) into one bit stream, padded to an even byte length. */
export function packBinaryFrames(frames: MaskFrame[], pixelsPerFrame: number): Uint8Array {
  const totalBits = frames.length * pixelsPerFrame;
  const bytes = Math.ceil(totalBits / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  let bit = 0;
  for (const frame of frames) {
    if (frame.length !== pixelsPerFrame) throw new RangeError(`frame has ${frame.length} pixels, expected ${pixelsPerFrame}`);
    if (frame instanceof PackedMask) copyBitsInto(frame.bits, pixelsPerFrame, out, bit);
    else packInto(frame, out, bit);
    bit += pixelsPerFrame;
  }
  return out;
}

/**
 * ORs `n` packed bits (LSB first; bits past n ignored) into `out` from bit `at` on, a byte at a
 * time: the engine packs every frame's mask in its own thread, and the SEG writer every frame again.
 */
function copyBitsInto(bits: Uint8Array, n: number, out: Uint8Array, at: number): void {
  const whole = n >> 3;
  const rest = n & 7;
  const shift = at & 7;
  let k = at >> 3;
  if (shift === 0) {
    out.set(bits.subarray(0, whole), k);
    if (rest) out[k + whole]! |= bits[whole]! & ((1 << rest) - 1);
    return;
  }
  for (let j = 0; j < whole; j++, k++) {
    const b = bits[j]!;
    out[k]! |= (b << shift) & 0xff;
    out[k + 1]! |= b >> (8 - shift);
  }
  if (rest) {
    const b = bits[whole]! & ((1 << rest) - 1);
    out[k]! |= (b << shift) & 0xff;
    if (shift + rest > 8) out[k + 1]! |= b >> (8 - shift);
  }
}

/** ORs a mask's pixels (non-zero = set) into `out` as bits from bit `at` on, eight pixels a byte. */
function packInto(mask: ArrayLike<number>, out: Uint8Array, at: number): void {
  const n = mask.length;
  const whole = n >> 3;
  const shift = at & 7;
  let k = at >> 3;
  let i = 0;
  for (let j = 0; j < whole; j++, k++, i += 8) {
    const b =
      (mask[i] ? 1 : 0) |
      (mask[i + 1] ? 2 : 0) |
      (mask[i + 2] ? 4 : 0) |
      (mask[i + 3] ? 8 : 0) |
      (mask[i + 4] ? 16 : 0) |
      (mask[i + 5] ? 32 : 0) |
      (mask[i + 6] ? 64 : 0) |
      (mask[i + 7] ? 128 : 0);
    if (b === 0) continue;
    if (shift === 0) out[k]! |= b;
    else {
      out[k]! |= (b << shift) & 0xff;
      out[k + 1]! |= b >> (8 - shift);
    }
  }
  for (let bit = at + i; i < n; i++, bit++) if (mask[i]) out[bit >> 3]! |= 1 << (bit & 7);
}

/** Unpacks frame `frameIndex` (0-based) of a packed bit stream into 0/1 bytes. */
export function unpackBinaryFrame(packed: Uint8Array, frameIndex: number, pixelsPerFrame: number): Uint8Array {
  const out = new Uint8Array(pixelsPerFrame);
  const first = frameIndex * pixelsPerFrame;
  if (Math.ceil((first + pixelsPerFrame) / 8) > packed.length) {
    throw new RangeError(`packed data of ${packed.length} bytes ends before frame ${frameIndex + 1}`);
  }
  let i = 0;
  if ((first & 7) === 0) {
    // Byte-aligned (every frame when Rows x Columns is a multiple of 8): a byte gives eight pixels.
    for (let k = first >> 3; i + 8 <= pixelsPerFrame; i += 8, k++) {
      const b = packed[k]!;
      if (b === 0) continue;
      out[i] = b & 1;
      out[i + 1] = (b >> 1) & 1;
      out[i + 2] = (b >> 2) & 1;
      out[i + 3] = (b >> 3) & 1;
      out[i + 4] = (b >> 4) & 1;
      out[i + 5] = (b >> 5) & 1;
      out[i + 6] = (b >> 6) & 1;
      out[i + 7] = b >> 7;
    }
  }
  for (; i < pixelsPerFrame; i++) {
    const bit = first + i;
    out[i] = (packed[bit >> 3]! >> (bit & 7)) & 1;
  }
  return out;
}
