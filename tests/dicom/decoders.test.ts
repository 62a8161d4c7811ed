/**
 * Every decoder path, on files the tests generate. Compressed inputs are made by independent
 * encoders (dcmtk's dcmcrle/dcmcjpeg/dcmcjpls, GDCM's gdcmconv) so our decoders are checked
 * against someone else's bitstreams, not only our own.
 */
import { CineImage } from '../../src/dicom/cineImage.js';
import { TransferSyntax } from '../../src/dicom/uids.js';
import { parsePart10, writePart10 } from '../../src/dicom/part10.js';
import { cineFile, grayFrames, rgbFrames } from '../helpers/synthetic.js';
import { convertWith } from '../helpers/tools.js';

const ROWS = 21; // odd sizes catch stride and padding mistakes
const COLS = 35;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/**
 * Every frame, decoded into a new array and again into an array given to it (as a loop reuses its
 * spent frames' arrays), which must come back with every value written: it starts as NaN.
 */
async function decodeAll(bytes: Uint8Array, source = 'test'): Promise<{ cine: CineImage; frames: Float32Array[] }> {
  const cine = CineImage.fromPart10(bytes, source);
  const frames = await cine.decodeAllFrames();
  for (let i = 0; i < frames.length; i++) {
    const into = new Float32Array(cine.rows * cine.columns).fill(NaN);
    const again = await cine.decodeFrame(i, into);
    expect(again).toBe(into);
    expect(Array.from(again)).toEqual(Array.from(frames[i]!));
  }
  return { cine, frames };
}

describe('native (uncompressed) pixel data', () => {
  const gray = grayFrames(ROWS, COLS, 4);

  it.each([
    ['Explicit VR Little Endian', TransferSyntax.ExplicitVRLittleEndian],
    ['Implicit VR Little Endian', TransferSyntax.ImplicitVRLittleEndian],
  ])('decodes 8-bit MONOCHROME2 in %s exactly', async (_name, ts) => {
    const { cine, frames } = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: gray, transferSyntaxUID: ts }));
    expect(cine.transferSyntaxUID).toBe(ts);
    expect(frames).toHaveLength(4);
    frames.forEach((f, i) => expect(maxAbsDiff(f, gray[i]!)).toBe(0));
  });

  it('refuses an array of the wrong length to decode into, as the caller\'s mistake rather than a bad frame', async () => {
    const cine = CineImage.fromPart10(cineFile({ rows: ROWS, columns: COLS, frames: gray }), 'wrong-size');
    const into = new Float32Array(ROWS * COLS - 1).fill(7);
    const attempt = cine.decodeFrame(1, into);
    await expect(attempt).rejects.toThrow(RangeError);
    await expect(attempt).rejects.toThrow(`wrong-size: frame 2 has ${COLS}x${ROWS} values, the array given holds ${ROWS * COLS - 1}`);
    expect(into.every((v) => v === 7)).toBe(true);
  });

  it('decodes 16-bit MONOCHROME2 exactly', async () => {
    const values = gray.map((g) => Uint16Array.from(g, (v, i) => v * 200 + (i % 7)));
    const bytes = values.map((v) => new Uint8Array(v.buffer));
    const { cine, frames } = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: bytes, bitsAllocated: 16 }));
    expect(cine.maximumValue).toBe(65535);
    frames.forEach((f, i) => expect(maxAbsDiff(f, values[i]!)).toBe(0));
  });

  it('inverts MONOCHROME1 so that bright means echo', async () => {
    const { frames } = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: gray, photometricInterpretation: 'MONOCHROME1' }));
    frames.forEach((f, i) => expect(maxAbsDiff(f, Array.from(gray[i]!, (v) => 255 - v))).toBe(0));
  });

  it('decodes RGB colour-by-pixel and colour-by-plane to the same luma', async () => {
    const { frames: rgb, luma } = rgbFrames(ROWS, COLS, 3);
    const planar = rgb.map((f) => {
      const n = ROWS * COLS;
      const out = new Uint8Array(3 * n);
      for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[c * n + p] = f[3 * p + c]!;
      return out;
    });
    const a = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: rgb, photometricInterpretation: 'RGB' }));
    const b = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: planar, photometricInterpretation: 'RGB', planarConfiguration: 1 }));
    a.frames.forEach((f, i) => expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(1e-3));
    b.frames.forEach((f, i) => expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(1e-3));
  });

  it('takes luma from YBR_FULL and from YBR_FULL_422 (two pixels share one chroma pair)', async () => {
    const gray0 = grayFrames(ROWS, COLS + 1, 2); // YBR_FULL_422 needs an even number of columns
    const cols = COLS + 1;
    const full = gray0.map((g) => {
      const out = new Uint8Array(g.length * 3);
      g.forEach((y, p) => out.set([y, (p * 3) % 256, (p * 5) % 256], 3 * p));
      return out;
    });
    const sub = gray0.map((g) => {
      const out = new Uint8Array(g.length * 2);
      for (let p = 0; p < g.length; p += 2) out.set([g[p]!, g[p + 1]!, 100, 150], 2 * p);
      return out;
    });
    const a = await decodeAll(cineFile({ rows: ROWS, columns: cols, frames: full, photometricInterpretation: 'YBR_FULL' }));
    const b = await decodeAll(cineFile({ rows: ROWS, columns: cols, frames: sub, photometricInterpretation: 'YBR_FULL_422' }));
    a.frames.forEach((f, i) => expect(maxAbsDiff(f, gray0[i]!)).toBe(0));
    b.frames.forEach((f, i) => expect(maxAbsDiff(f, gray0[i]!)).toBe(0));
  });

  it('maps PALETTE COLOR through the lookup tables', async () => {
    const indices = grayFrames(ROWS, COLS, 2);
    const red = new Uint16Array(256);
    const green = new Uint16Array(256);
    const blue = new Uint16Array(256);
    for (let i = 0; i < 256; i++) {
      red[i] = i * 257; // 16-bit entries, full scale
      green[i] = (255 - i) * 257;
      blue[i] = ((i * 3) % 256) * 257;
    }
    const ds = parsePart10(cineFile({ rows: ROWS, columns: COLS, frames: indices }), 'palette').dataset;
    Object.assign(ds, {
      PhotometricInterpretation: 'PALETTE COLOR',
      RedPaletteColorLookupTableDescriptor: [256, 0, 16],
      GreenPaletteColorLookupTableDescriptor: [256, 0, 16],
      BluePaletteColorLookupTableDescriptor: [256, 0, 16],
      RedPaletteColorLookupTableData: red.buffer,
      GreenPaletteColorLookupTableData: green.buffer,
      BluePaletteColorLookupTableData: blue.buffer,
    });
    ds._vrMap = {
      ...ds._vrMap,
      RedPaletteColorLookupTableDescriptor: 'US',
      GreenPaletteColorLookupTableDescriptor: 'US',
      BluePaletteColorLookupTableDescriptor: 'US',
      RedPaletteColorLookupTableData: 'OW',
      GreenPaletteColorLookupTableData: 'OW',
      BluePaletteColorLookupTableData: 'OW',
    };
    const { frames } = await decodeAll(writePart10(ds));
    frames.forEach((f, k) => {
      const expected = Array.from(indices[k]!, (i) => 0.299 * i + 0.587 * (255 - i) + 0.114 * ((i * 3) % 256));
      expect(maxAbsDiff(f, expected)).toBeLessThan(1e-3);
    });
  });
});

describe('RLE Lossless', () => {
  it('decodes our own RLE encoding of 8-bit grayscale, RGB and 16-bit exactly', async () => {
    const gray = grayFrames(ROWS, COLS, 3);
    const { frames: rgb, luma } = rgbFrames(ROWS, COLS, 2);
    const g16 = gray.map((g) => new Uint8Array(Uint16Array.from(g, (v, i) => v * 251 + i).buffer));
    const a = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: gray, transferSyntaxUID: TransferSyntax.RLELossless }));
    const b = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: rgb, photometricInterpretation: 'RGB', transferSyntaxUID: TransferSyntax.RLELossless }));
    const c = await decodeAll(cineFile({ rows: ROWS, columns: COLS, frames: g16, bitsAllocated: 16, transferSyntaxUID: TransferSyntax.RLELossless }));
    a.frames.forEach((f, i) => expect(maxAbsDiff(f, gray[i]!)).toBe(0));
    b.frames.forEach((f, i) => expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(1e-3));
    c.frames.forEach((f, i) => expect(maxAbsDiff(f, new Uint16Array(g16[i]!.buffer))).toBe(0));
  });

  it('decodes dcmtk dcmcrle output exactly', async () => {
    const gray = grayFrames(ROWS, COLS, 3);
    const rle = convertWith('dcmcrle', [], cineFile({ rows: ROWS, columns: COLS, frames: gray }));
    const { cine, frames } = await decodeAll(rle);
    expect(cine.transferSyntaxUID).toBe(TransferSyntax.RLELossless);
    frames.forEach((f, i) => expect(maxAbsDiff(f, gray[i]!)).toBe(0));
  });
});

describe('JPEG family through the @cornerstonejs WASM codecs', () => {
  it('decodes JPEG Baseline colour (dcmcjpeg, stored YBR_FULL_422) to the RGB luma within JPEG error', async () => {
    const rows = 64;
    const cols = 80;
    // Smooth content: JPEG error on a smooth image is small and bounded.
    const frames: Uint8Array[] = [];
    const luma: Float32Array[] = [];
    for (let f = 0; f < 3; f++) {
      const rgb = new Uint8Array(rows * cols * 3);
      const y8 = new Float32Array(rows * cols);
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++) {
          const r = x * 3 + f * 5;
          const g = y * 3;
          const b = 128 + Math.round(60 * Math.sin((x + y + f) / 9));
          rgb.set([r, g, b], 3 * (y * cols + x));
          y8[y * cols + x] = 0.299 * r + 0.587 * g + 0.114 * b;
        }
      }
      frames.push(rgb);
      luma.push(y8);
    }
    const jpeg = convertWith('dcmcjpeg', ['+eb', '+q', '95'], cineFile({ rows, columns: cols, frames, photometricInterpretation: 'RGB' }));
    const { cine, frames: decoded } = await decodeAll(jpeg);
    expect(cine.transferSyntaxUID).toBe(TransferSyntax.JPEGBaseline8Bit);
    expect(cine.pixelFormat.photometricInterpretation).toBe('YBR_FULL_422');
    decoded.forEach((f, i) => {
      // Treating decoder RGB output as YCbCr (or the reverse) would miss by tens of grey levels.
      expect(meanAbsDiff(f, luma[i]!)).toBeLessThan(1.5);
      expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(12);
    });
  });

  it('decodes JPEG Baseline grayscale (dcmcjpeg) close to the original', async () => {
    const gray = grayFrames(48, 64, 2).map((g) => Uint8Array.from(g, (_, p) => (p % 64) * 3 + Math.floor(p / 64)));
    const jpeg = convertWith('dcmcjpeg', ['+eb', '+q', '95'], cineFile({ rows: 48, columns: 64, frames: gray }));
    const { frames } = await decodeAll(jpeg);
    frames.forEach((f, i) => expect(meanAbsDiff(f, gray[i]!)).toBeLessThan(1.5));
  });

  it('decodes JPEG-LS lossless (dcmcjpls) exactly, grayscale and RGB', async () => {
    const gray = grayFrames(ROWS, COLS, 3);
    const { frames: rgb, luma } = rgbFrames(ROWS, COLS, 2);
    const a = await decodeAll(convertWith('dcmcjpls', [], cineFile({ rows: ROWS, columns: COLS, frames: gray })));
    const b = await decodeAll(convertWith('dcmcjpls', [], cineFile({ rows: ROWS, columns: COLS, frames: rgb, photometricInterpretation: 'RGB' })));
    expect(a.cine.transferSyntaxUID).toBe(TransferSyntax.JPEGLSLossless);
    a.frames.forEach((f, i) => expect(maxAbsDiff(f, gray[i]!)).toBe(0));
    b.frames.forEach((f, i) => expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(1e-3));
  });

  it('decodes JPEG 2000 lossless (gdcmconv) exactly, grayscale and RGB', async () => {
    const gray = grayFrames(ROWS, COLS, 3);
    const { frames: rgb, luma } = rgbFrames(ROWS, COLS, 2);
    const a = await decodeAll(convertWith('gdcmconv', ['--j2k'], cineFile({ rows: ROWS, columns: COLS, frames: gray })));
    const b = await decodeAll(convertWith('gdcmconv', ['--j2k'], cineFile({ rows: ROWS, columns: COLS, frames: rgb, photometricInterpretation: 'RGB' })));
    expect(a.cine.transferSyntaxUID).toBe(TransferSyntax.JPEG2000Lossless);
    a.frames.forEach((f, i) => expect(maxAbsDiff(f, gray[i]!)).toBe(0));
    b.frames.forEach((f, i) => expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(1e-3));
  });
});

describe('JPEG Lossless through jpeg-lossless-decoder-js', () => {
  it('decodes dcmcjpeg lossless SV1 output exactly, 8-bit grayscale, 16-bit and RGB', async () => {
    const gray = grayFrames(ROWS, COLS, 3);
    const g16 = gray.map((g) => new Uint8Array(Uint16Array.from(g, (v, i) => (v * 131 + i) & 0x0fff).buffer));
    const { frames: rgb, luma } = rgbFrames(ROWS, COLS, 2);
    const a = await decodeAll(convertWith('dcmcjpeg', ['+e1'], cineFile({ rows: ROWS, columns: COLS, frames: gray })));
    const b = await decodeAll(convertWith('dcmcjpeg', ['+e1'], cineFile({ rows: ROWS, columns: COLS, frames: g16, bitsAllocated: 16, extra: { BitsStored: 12, HighBit: 11 } })));
    const c = await decodeAll(convertWith('dcmcjpeg', ['+e1'], cineFile({ rows: ROWS, columns: COLS, frames: rgb, photometricInterpretation: 'RGB' })));
    expect(a.cine.transferSyntaxUID).toBe(TransferSyntax.JPEGLosslessSV1);
    a.frames.forEach((f, i) => expect(maxAbsDiff(f, gray[i]!)).toBe(0));
    b.frames.forEach((f, i) => expect(maxAbsDiff(f, new Uint16Array(g16[i]!.buffer))).toBe(0));
    c.frames.forEach((f, i) => expect(maxAbsDiff(f, luma[i]!)).toBeLessThan(1e-3));
  });
});

describe('16-bit compressed frames', () => {
  const values = grayFrames(ROWS, COLS, 2).map((g) => Uint16Array.from(g, (v, i) => (v * 16 + (i % 16)) & 0x0fff));
  const file = () => cineFile({ rows: ROWS, columns: COLS, frames: values.map((v) => new Uint8Array(v.buffer)), bitsAllocated: 16, extra: { BitsStored: 12, HighBit: 11 } });

  it('decodes 12-bit JPEG-LS (dcmcjpls) exactly', async () => {
    const { frames } = await decodeAll(convertWith('dcmcjpls', [], file()));
    frames.forEach((f, i) => expect(maxAbsDiff(f, values[i]!)).toBe(0));
  });

  it('decodes 12-bit JPEG 2000 (gdcmconv) exactly', async () => {
    const { frames } = await decodeAll(convertWith('gdcmconv', ['--j2k'], file()));
    frames.forEach((f, i) => expect(maxAbsDiff(f, values[i]!)).toBe(0));
  });

  it('decodes lossy JPEG 2000 (gdcmconv -q) close to the original', async () => {
    const gray = grayFrames(32, 32, 2).map((g) => Uint8Array.from(g, (_, p) => (p % 32) * 6 + Math.floor(p / 32)));
    const { cine, frames } = await decodeAll(convertWith('gdcmconv', ['--j2k', '--lossy', '-q', '40'], cineFile({ rows: 32, columns: 32, frames: gray })));
    expect(cine.transferSyntaxUID).toBe(TransferSyntax.JPEG2000);
    frames.forEach((f, i) => {
      let se = 0;
      f.forEach((v, k) => (se += (v - gray[i]![k]!) ** 2));
      const psnr = 10 * Math.log10(255 ** 2 / (se / f.length));
      expect(psnr).toBeGreaterThan(30); // lossy, yet the same image
      expect(psnr).toBeLessThan(80);
    });
  });
});
