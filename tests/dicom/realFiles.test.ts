/**
 * Real ultrasound files from ../shared/data/real-us (made by other encoders, not this project):
 * each is decoded by our reader and by an independent decoder (dcmtk, GDCM), and the
 * grayscale results compared. Skipped only when the folder is absent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CineImage } from '../../src/dicom/cineImage.js';
import { TransferSyntax } from '../../src/dicom/uids.js';
import { execFileSync } from 'node:child_process';
import { convertWith, tempDir } from '../helpers/tools.js';

const REAL = resolve(__dirname, '../../../shared/data/real-us');
const describeIfPresent = existsSync(REAL) ? describe : describe.skip;

function read(name: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(REAL, name)));
}

function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

/** dcm2pnm (dcmtk) renders frame 1 as a binary PPM; its RGB as BT.601 luma. */
function dcmtkLuma(bytes: Uint8Array): Float32Array {
  const dir = tempDir('pnm-');
  const input = resolve(dir, 'in.dcm');
  const output = resolve(dir, 'out.ppm');
  writeFileSync(input, bytes);
  execFileSync('dcm2pnm', ['--write-raw-pnm', input, output]);
  const ppm = readFileSync(output);
  // Header: "P6\n<w> <h>\n255\n"
  let offset = 0;
  const fields: string[] = [];
  while (fields.length < 4) {
    let token = '';
    while (/\s/.test(String.fromCharCode(ppm[offset]!))) offset++;
    while (!/\s/.test(String.fromCharCode(ppm[offset]!))) token += String.fromCharCode(ppm[offset++]!);
    fields.push(token);
  }
  offset++;
  const w = Number(fields[1]);
  const h = Number(fields[2]);
  const out = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) out[p] = 0.299 * ppm[offset + 3 * p]! + 0.587 * ppm[offset + 3 * p + 1]! + 0.114 * ppm[offset + 3 * p + 2]!;
  return out;
}

describeIfPresent('real ultrasound files', () => {
  it('reads the JPEG Baseline YBR_FULL_422 cine: 30 frames, 30 frames/s, 0.51 mm pixels', async () => {
    const cine = CineImage.fromPart10(read('examples_ybr_color.dcm'), 'examples_ybr_color.dcm');
    expect(cine.transferSyntaxUID).toBe(TransferSyntax.JPEGBaseline8Bit);
    expect(cine.pixelFormat.photometricInterpretation).toBe('YBR_FULL_422');
    expect(cine.numberOfFrames).toBe(30);
    expect(cine.rows).toBe(240);
    expect(cine.columns).toBe(320);
    expect(cine.timing.source).toBe('FrameTime');
    expect(cine.timing.framesPerSecond).toBeCloseTo(30.0, 2);
    expect(cine.calibration?.pixelSpacingMm.x).toBeCloseTo(0.5105, 4);
    expect(cine.calibration?.pixelSpacingMm.y).toBeCloseTo(0.5105, 4);
    // Its region extends past the image (it was drawn for a larger frame): clipped, with a warning.
    expect(cine.calibration?.bounds).toEqual({ minX: 84, minY: 31, maxX: 319, maxY: 239 });
    expect(cine.warnings.join(' ')).toMatch(/extends beyond/);
  });

  it('decodes every JPEG Baseline frame like dcmtk does (mean difference under 1 grey level)', async () => {
    const bytes = read('examples_ybr_color.dcm');
    const ours = await CineImage.fromPart10(bytes, 'jpeg').decodeAllFrames();
    const reference = await CineImage.fromPart10(convertWith('dcmdjpeg', [], bytes), 'dcmdjpeg').decodeAllFrames();
    expect(ours).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      const d = diffStats(ours[i]!, reference[i]!);
      expect(d.mean).toBeLessThan(1);
      expect(d.max).toBeLessThan(8);
    }
  });

  it('decodes the JPEG 2000 (YBR_RCT) image exactly like GDCM', async () => {
    const bytes = read('examples_jpeg2k.dcm');
    const cine = CineImage.fromPart10(bytes, 'j2k');
    expect(cine.pixelFormat.photometricInterpretation).toBe('YBR_RCT');
    const ours = await cine.decodeFrame(0);
    const reference = await CineImage.fromPart10(convertWith('gdcmconv', ['--raw'], bytes), 'gdcm').decodeFrame(0);
    expect(diffStats(ours, reference).max).toBeLessThan(1e-3);
  });

  it('decodes PALETTE COLOR like dcmtk and ignores the spectral region for calibration', async () => {
    const bytes = read('examples_palette.dcm');
    const cine = CineImage.fromPart10(bytes, 'palette');
    expect(cine.regions).toHaveLength(2);
    expect(cine.regions[1]!.physicalDeltaY).toBe(0);
    expect(cine.calibration?.source).toBe('SequenceOfUltrasoundRegions');
    expect(cine.calibration?.pixelSpacingMm.x).toBeCloseTo(0.2623, 4);
    const d = diffStats(await cine.decodeFrame(0), dcmtkLuma(bytes));
    // dcmtk reduces 16-bit palette entries to 8 bits by truncation, we by scaling: under 1 level.
    expect(d.max).toBeLessThan(1);
  });

  it('decodes native RGB like dcmtk', async () => {
    const bytes = read('examples_rgb_color.dcm');
    const d = diffStats(await CineImage.fromPart10(bytes, 'rgb').decodeFrame(0), dcmtkLuma(bytes));
    expect(d.max).toBeLessThan(1e-3);
  });
});
