/**
 * BINARY segmentation pixel data: one bit per pixel, least significant bit first, frames
 * concatenated bit after bit with no padding between them (PS3.5 8.1.1), so a frame whose
 * Rows x Columns is not a multiple of 8 starts in the middle of a byte.
 */

/** Packs frames (non-zero = set) into one bit stream, padded to an even byte length. */
export function packBinaryFrames(frames: ArrayLike<number>[], pixelsPerFrame: number): Uint8Array {
  const totalBits = frames.length * pixelsPerFrame;
  const bytes = Math.ceil(totalBits / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  let bit = 0;
  for (const frame of frames) {
    if (frame.length !== pixelsPerFrame) throw new RangeError(`frame has ${frame.length} pixels, expected ${pixelsPerFrame}`);
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
