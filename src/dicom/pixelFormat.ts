/** The Image Pixel module attributes that decide how a frame's bytes are laid out. */
import type { NaturalDataset } from './part10.js';
import { UnsupportedPixelFormatError } from './errors.js';

export type PhotometricInterpretation =
  | 'MONOCHROME1'
  | 'MONOCHROME2'
  | 'RGB'
  | 'YBR_FULL'
  | 'YBR_FULL_422'
  | 'YBR_RCT'
  | 'YBR_ICT'
  | 'PALETTE COLOR';

const SUPPORTED_PHOTOMETRIC = new Set<string>(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT', 'PALETTE COLOR']);

export interface PaletteLut {
  /** Entries for red, green and blue, scaled to 0..255. */
  red: Float32Array;
  green: Float32Array;
  blue: Float32Array;
  firstMapped: number;
}

export interface PixelFormat {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  photometricInterpretation: PhotometricInterpretation;
  /** 0 = colour-by-pixel (interleaved), 1 = colour-by-plane. Only meaningful for native colour data. */
  planarConfiguration: 0 | 1;
  palette?: PaletteLut;
}

function num(v: unknown): number | undefined {
  const x = Array.isArray(v) ? v[0] : v;
  if (x === undefined || x === null || x === '') return undefined;
  const n = Number(x);
  return Number.isFinite(n) ? n : undefined;
}

export function readPixelFormat(ds: NaturalDataset, source: string): PixelFormat {
  const rows = num(ds.Rows);
  const columns = num(ds.Columns);
  const bitsAllocated = num(ds.BitsAllocated);
  if (!rows || !columns || !bitsAllocated) {
    throw new UnsupportedPixelFormatError(source, `Rows, Columns and Bits Allocated are required (got ${rows}, ${columns}, ${bitsAllocated})`);
  }
  const samplesPerPixel = num(ds.SamplesPerPixel) ?? 1;
  const photometric = String(ds.PhotometricInterpretation ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).trim();
  if (!SUPPORTED_PHOTOMETRIC.has(photometric)) {
    throw new UnsupportedPixelFormatError(source, `Photometric Interpretation ${photometric}`);
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new UnsupportedPixelFormatError(source, `Bits Allocated ${bitsAllocated} (8 and 16 are supported)`);
  }
  const expectedSamples = photometric.startsWith('MONOCHROME') || photometric === 'PALETTE COLOR' ? 1 : 3;
  if (samplesPerPixel !== expectedSamples) {
    throw new UnsupportedPixelFormatError(source, `Samples per Pixel ${samplesPerPixel} with ${photometric}`);
  }
  const format: PixelFormat = {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored: num(ds.BitsStored) ?? bitsAllocated,
    pixelRepresentation: num(ds.PixelRepresentation) === 1 ? 1 : 0,
    photometricInterpretation: photometric as PhotometricInterpretation,
    planarConfiguration: num(ds.PlanarConfiguration) === 1 ? 1 : 0,
  };
  if (photometric === 'PALETTE COLOR') format.palette = readPaletteLut(ds, source);
  return format;
}

function lutEntries(data: unknown, descriptor: number[], source: string, colour: string): Float32Array {
  const [count0, , bits] = descriptor;
  const count = count0 === 0 ? 65536 : count0;
  const buffer = Array.isArray(data) ? data[0] : data;
  if (!(buffer instanceof ArrayBuffer)) {
    throw new UnsupportedPixelFormatError(source, `PALETTE COLOR without ${colour} Palette Color Lookup Table Data`);
  }
  const out = new Float32Array(count);
  if (bits === 8 && buffer.byteLength >= count) {
    // Some writers store 8-bit entries one per byte, others one per 16-bit word; both occur in the wild.
    const bytes = new Uint8Array(buffer);
    const stride = buffer.byteLength >= count * 2 ? 2 : 1;
    for (let i = 0; i < count; i++) out[i] = bytes[i * stride]!;
  } else {
    const words = new Uint16Array(buffer, 0, Math.min(count, Math.floor(buffer.byteLength / 2)));
    const scale = bits === 16 ? 255 / 65535 : 1;
    for (let i = 0; i < words.length; i++) out[i] = words[i]! * scale;
  }
  return out;
}

function readPaletteLut(ds: NaturalDataset, source: string): PaletteLut {
  const descriptor = (ds.RedPaletteColorLookupTableDescriptor ?? []) as number[];
  if (descriptor.length !== 3) {
    throw new UnsupportedPixelFormatError(source, 'PALETTE COLOR without a Red Palette Color Lookup Table Descriptor');
  }
  const green = (ds.GreenPaletteColorLookupTableDescriptor ?? descriptor) as number[];
  const blue = (ds.BluePaletteColorLookupTableDescriptor ?? descriptor) as number[];
  return {
    red: lutEntries(ds.RedPaletteColorLookupTableData, descriptor, source, 'Red'),
    green: lutEntries(ds.GreenPaletteColorLookupTableData, green, source, 'Green'),
    blue: lutEntries(ds.BluePaletteColorLookupTableData, blue, source, 'Blue'),
    firstMapped: descriptor[1]!,
  };
}

/** Bytes one native (uncompressed) frame occupies. YBR_FULL_422 stores two luma and one chroma pair per two pixels. */
export function nativeFrameBytes(f: PixelFormat): number {
  const bytesPerSample = f.bitsAllocated / 8;
  if (f.photometricInterpretation === 'YBR_FULL_422') return f.rows * f.columns * 2 * bytesPerSample;
  return f.rows * f.columns * f.samplesPerPixel * bytesPerSample;
}

/** Largest value a grayscale frame can take, for normalising to [0, 1]. */
export function grayscaleMaximum(f: PixelFormat): number {
  if (f.photometricInterpretation === 'PALETTE COLOR') return 255;
  if (f.pixelRepresentation === 1) return 2 ** (f.bitsStored - 1) - 1;
  return 2 ** f.bitsStored - 1;
}
