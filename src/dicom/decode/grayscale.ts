/** Turns decoded samples of any supported photometric interpretation into one grayscale value per pixel. */
import type { PhotometricInterpretation, PixelFormat } from '../pixelFormat.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { max, min } = Math;

/** Decoded samples of one frame, before colour handling. */
export interface SampleFrame {
  /** Sample values, already masked/sign-extended to Bits Stored. */
  samples: Int32Array | Uint8Array | Uint16Array;
  /** Photometric interpretation of `samples` (a JPEG decoder returns RGB for a YBR source). */
  photometric: PhotometricInterpretation;
  /** 'interleaved' (RGBRGB...), 'planar' (RRR...GGG...BBB...) or 'ybr422' (Y1 Y2 Cb Cr per pixel pair). */
  layout: 'interleaved' | 'planar' | 'ybr422';
}

// ITU-R BT.601 luma weights: the same Y that YBR_FULL stores, so RGB and YBR sources agree.
const KR = 0.299;
const KG = 0.587;
const KB = 0.114;

/** Samples (1 or 2 bytes each, little-endian) to numbers honouring Bits Stored and Pixel Representation. */
export function unpackSamples(bytes: Uint8Array, bitsAllocated: number, bitsStored: number, signed: boolean): Uint8Array | Uint16Array | Int32Array {
  if (bitsAllocated === 8 && !signed && bitsStored === 8) return bytes;
  const count = bitsAllocated === 8 ? bytes.length : bytes.length >> 1;
  const out = signed ? new Int32Array(count) : bitsAllocated === 8 ? new Uint8Array(count) : new Uint16Array(count);
  const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
  const signBit = 1 << (bitsStored - 1);
  for (let i = 0; i < count; i++) {
    let v = bitsAllocated === 8 ? bytes[i]! : bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    v &= mask;
    if (signed && v & signBit) v -= 1 << bitsStored;
    out[i] = v;
  }
  return out;
}

/** `into`, when given, is written (every value) instead of a new array; it must hold rows*columns values. */
export function toGrayscale(frame: SampleFrame, format: PixelFormat, into?: Float32Array): Float32Array {
  const n = format.rows * format.columns;
  if (into && into.length !== n) throw new RangeError(`a grayscale frame of ${format.columns}x${format.rows} needs ${n} values, the array given has ${into.length}`);
  const out = into ?? new Float32Array(n);
  const s = frame.samples;
  switch (frame.photometric) {
    case 'MONOCHROME2':
      for (let i = 0; i < n; i++) out[i] = s[i]!;
      return out;
    case 'MONOCHROME1': {
      // Invert so that bright means strong echo, as for MONOCHROME2.
      const signed = format.pixelRepresentation === 1;
      const maxValue = signed ? 2 ** (format.bitsStored - 1) - 1 : 2 ** format.bitsStored - 1;
      const minValue = signed ? -(2 ** (format.bitsStored - 1)) : 0;
      for (let i = 0; i < n; i++) out[i] = maxValue + minValue - s[i]!;
      return out;
    }
    case 'PALETTE COLOR': {
      const lut = format.palette!;
      const last = lut.red.length - 1;
      for (let i = 0; i < n; i++) {
        const k = min(last, max(0, s[i]! - lut.firstMapped));
        out[i] = KR * lut.red[k]! + KG * lut.green[k]! + KB * lut.blue[k]!;
      }
      return out;
    }
    case 'YBR_FULL_422':
      if (frame.layout === 'ybr422') {
        // Two pixels share one Cb/Cr pair; luma is stored per pixel: Y1 Y2 Cb Cr.
        for (let p = 0; p + 1 < n; p += 2) {
          out[p] = s[2 * p]!;
          out[p + 1] = s[2 * p + 1]!;
        }
        if (n % 2 === 1) out[n - 1] = s[2 * (n - 1)]!;
        return out;
      }
      return copyChannel0(frame, n, out);
    case 'YBR_FULL':
      return copyChannel0(frame, n, out);
    case 'RGB':
    case 'YBR_RCT':
    case 'YBR_ICT':
      // A JPEG 2000 decoder undoes the RCT/ICT, so those arrive here as RGB samples.
      if (frame.layout === 'planar') {
        for (let i = 0; i < n; i++) out[i] = KR * s[i]! + KG * s[n + i]! + KB * s[2 * n + i]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = KR * s[3 * i]! + KG * s[3 * i + 1]! + KB * s[3 * i + 2]!;
      }
      return out;
  }
}

function copyChannel0(frame: SampleFrame, n: number, out: Float32Array): Float32Array {
  const s = frame.samples;
  if (frame.layout === 'planar') for (let i = 0; i < n; i++) out[i] = s[i]!;
  else for (let i = 0; i < n; i++) out[i] = s[3 * i]!;
  return out;
}
