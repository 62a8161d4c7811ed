/** DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, each segment PackBits-coded. */
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { floor, min } = Math;

export interface RleLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

function decodeSegment(src: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number, stride: number, count: number): number {
  let i = start;
  let written = 0;
  while (i < end && written < count) {
    const n = (src[i++]! << 24) >> 24; // as a signed byte
    if (n >= 0) {
      const len = min(n + 1, count - written, end - i);
      for (let k = 0; k < len; k++) out[outOffset + (written++) * stride] = src[i++]!;
    } else if (n !== -128) {
      const value = src[i++]!;
      const len = min(1 - n, count - written);
      for (let k = 0; k < len; k++) out[outOffset + (written++) * stride] = value;
    }
  }
  return written;
}

/**
 * Decodes one RLE frame into interleaved little-endian samples
 * (bytes per sample = bitsAllocated/8). Segments come most significant byte first, per sample.
 */
export function decodeRleFrame(frame: Uint8Array, layout: RleLayout): Uint8Array {
  const bytesPerSample = layout.bitsAllocated / 8;
  const pixels = layout.rows * layout.columns;
  const expectedSegments = layout.samplesPerPixel * bytesPerSample;
  if (frame.length < 64) throw new Error(`RLE frame of ${frame.length} bytes has no 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== expectedSegments) {
    throw new Error(`RLE header declares ${segments} segments, expected ${expectedSegments}`);
  }
  const offsets: number[] = [];
  for (let s = 0; s < segments; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  offsets.push(frame.length);
  const out = new Uint8Array(pixels * layout.samplesPerPixel * bytesPerSample);
  const pixelStride = layout.samplesPerPixel * bytesPerSample;
  for (let s = 0; s < segments; s++) {
    const sample = floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const start = offsets[s]!;
    const end = offsets[s + 1]!;
    if (start < 64 || start > end || end > frame.length) throw new Error(`RLE segment ${s + 1} has an invalid offset ${start}`);
    const written = decodeSegment(frame, start, end, out, sample * bytesPerSample + byteInSample, pixelStride, pixels);
    if (written < pixels) throw new Error(`RLE segment ${s + 1} decodes to ${written} of ${pixels} bytes`);
  }
  return out;
}

/** Encodes interleaved little-endian samples as one RLE frame (used for SEG tests and the phantom writer). */
export function encodeRleFrame(samples: Uint8Array, layout: RleLayout): Uint8Array {
  const bytesPerSample = layout.bitsAllocated / 8;
  const pixels = layout.rows * layout.columns;
  const pixelStride = layout.samplesPerPixel * bytesPerSample;
  const segments: Uint8Array[] = [];
  for (let sample = 0; sample < layout.samplesPerPixel; sample++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) plane[p] = samples[p * pixelStride + sample * bytesPerSample + b]!;
      segments.push(packBits(plane, layout.columns));
    }
  }
  let size = 64;
  const offsets = segments.map((seg) => {
    const at = size;
    size += seg.length;
    return at;
  });
  const out = new Uint8Array(size + (size % 2));
  const view = new DataView(out.buffer);
  view.setUint32(0, segments.length, true);
  offsets.forEach((o, i) => view.setUint32(4 + 4 * i, o, true));
  segments.forEach((seg, i) => out.set(seg, offsets[i]!));
  return out;
}

/** PackBits per row, as PS3.5 G.3.1 recommends (runs do not cross rows). */
function packBits(plane: Uint8Array, rowLength: number): Uint8Array {
  const out: number[] = [];
  for (let rowStart = 0; rowStart < plane.length; rowStart += rowLength) {
    const row = plane.subarray(rowStart, min(rowStart + rowLength, plane.length));
    let i = 0;
    while (i < row.length) {
      let run = 1;
      while (i + run < row.length && run < 128 && row[i + run] === row[i]) run++;
      if (run >= 2) {
        out.push(257 - run, row[i]!);
        i += run;
        continue;
      }
      const start = i;
      while (i < row.length && i - start < 128 && !(i + 1 < row.length && row[i + 1] === row[i])) i++;
      if (i === start) i++;
      out.push(i - start - 1);
      for (let k = start; k < i; k++) out.push(row[k]!);
    }
  }
  return Uint8Array.from(out);
}
