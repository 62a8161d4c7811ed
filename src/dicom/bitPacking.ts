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
    for (let i = 0; i < mask.length; i++) if (mask[i]) bits[i >> 3] |= 1 << (i & 7);
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
    if (frame instanceof PackedMask) {
      if ((bit & 7) === 0) {
        out.set(frame.bits, bit >> 3);
        bit += pixelsPerFrame;
      } else {
        for (let i = 0; i < pixelsPerFrame; i++, bit++) if (frame.get(i)) out[bit >> 3] |= 1 << (bit & 7);
      }
      continue;
    }
    for (let i = 0; i < pixelsPerFrame; i++, bit++) {
      if (frame[i]) out[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}

/** Unpacks frame `frameIndex` (0-based) of a packed bit stream into 0/1 bytes. */
export function unpackBinaryFrame(packed: Uint8Array, frameIndex: number, pixelsPerFrame: number): Uint8Array {
  const out = new Uint8Array(pixelsPerFrame);
  const first = frameIndex * pixelsPerFrame;
  if (Math.ceil((first + pixelsPerFrame) / 8) > packed.length) {
    throw new RangeError(`packed data of ${packed.length} bytes ends before frame ${frameIndex + 1}`);
  }
  for (let i = 0; i < pixelsPerFrame; i++) {
    const bit = first + i;
    out[i] = (packed[bit >> 3]! >> (bit & 7)) & 1;
  }
  return out;
}
