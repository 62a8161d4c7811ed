/** Frame timing, ultrasound region calibration, multipart parsing and the validity of the cines we write. */
import { CineImage } from '../../src/dicom/cineImage.js';
import { readFrameTiming } from '../../src/dicom/frameTiming.js';
import { chooseSpatialCalibration, pixelAreaMm2, readUltrasoundRegions } from '../../src/dicom/ultrasoundRegions.js';
import { cineFile, grayFrames } from '../helpers/synthetic.js';
import { dciodvfy } from '../helpers/tools.js';
import { TransferSyntax } from '../../src/dicom/uids.js';

describe('frame timing', () => {
  it('uses Frame Time for a uniform loop', () => {
    const t = readFrameTiming({ FrameTime: 25 }, 4);
    expect(t).toEqual({ frameTimesMs: [0, 25, 50, 75], framesPerSecond: 40, source: 'FrameTime' });
  });

  it('accumulates Frame Time Vector increments (first entry 0) and reports the mean rate', () => {
    const t = readFrameTiming({ FrameTimeVector: [0, 20, 30, 50] }, 4);
    expect(t.source).toBe('FrameTimeVector');
    expect(t.frameTimesMs).toEqual([0, 20, 50, 100]);
    expect(t.framesPerSecond).toBeCloseTo(30, 10);
  });

  it('ignores a Frame Time Vector of the wrong length, with a warning, and falls back to Cine Rate', () => {
    const warnings: string[] = [];
    const t = readFrameTiming({ FrameTimeVector: [0, 20], CineRate: 20 }, 3, warnings);
    expect(t.source).toBe('CineRate');
    expect(t.frameTimesMs).toEqual([0, 50, 100]);
    expect(warnings[0]).toMatch(/2 entries for 3 frames/);
  });

  it('says when the rate is unknown', () => {
    const warnings: string[] = [];
    expect(readFrameTiming({}, 3, warnings).framesPerSecond).toBeUndefined();
    expect(warnings[0]).toMatch(/playback rate unknown/);
  });

  it('round-trips Frame Time Vector through a written cine', () => {
    const cine = CineImage.fromPart10(cineFile({ rows: 4, columns: 4, frames: grayFrames(4, 4, 3), frameTimeVectorMs: [0, 33, 34] }), 'ftv');
    expect(cine.timing.frameTimesMs).toEqual([0, 33, 67]);
  });
});

describe('ultrasound region calibration', () => {
  const region = (over: Record<string, number>) => ({
    RegionSpatialFormat: 1,
    RegionDataType: 1,
    RegionFlags: 0,
    RegionLocationMinX0: 10,
    RegionLocationMinY0: 20,
    RegionLocationMaxX1: 109,
    RegionLocationMaxY1: 219,
    PhysicalUnitsXDirection: 3,
    PhysicalUnitsYDirection: 3,
    PhysicalDeltaX: 0.01,
    PhysicalDeltaY: 0.02,
    ...over,
  });

  it('turns cm per pixel into mm and mm^2 per pixel', () => {
    const regions = readUltrasoundRegions({ SequenceOfUltrasoundRegions: [region({})] });
    const cal = chooseSpatialCalibration(regions, {}, 300, 200);
    expect(cal?.pixelSpacingMm.x).toBeCloseTo(0.1, 12);
    expect(cal?.pixelSpacingMm.y).toBeCloseTo(0.2, 12);
    expect(pixelAreaMm2(cal)).toBeCloseTo(0.02, 12);
    expect(cal?.bounds).toEqual({ minX: 10, minY: 20, maxX: 109, maxY: 219 });
  });

  it('never uses a spectral region, or a region with a zero Physical Delta, for areas', () => {
    const warnings: string[] = [];
    const regions = readUltrasoundRegions({
      SequenceOfUltrasoundRegions: [region({ RegionSpatialFormat: 3, PhysicalUnitsYDirection: 7 }), region({ PhysicalDeltaY: 0 })],
    });
    expect(chooseSpatialCalibration(regions, {}, 300, 200, warnings)).toBeUndefined();
    expect(warnings[0]).toMatch(/areas are in pixels/);
  });

  it('picks the largest 2D region when there are several', () => {
    const regions = readUltrasoundRegions({
      SequenceOfUltrasoundRegions: [region({ RegionLocationMaxX1: 20, PhysicalDeltaX: 0.05 }), region({ PhysicalDeltaX: 0.03 })],
    });
    expect(chooseSpatialCalibration(regions, {}, 300, 200)?.pixelSpacingMm.x).toBeCloseTo(0.3, 12);
  });

  it('falls back to Pixel Spacing (row, column order) without US regions', () => {
    const warnings: string[] = [];
    const cal = chooseSpatialCalibration([], { PixelSpacing: [0.3, 0.2] }, 10, 10, warnings);
    expect(cal).toMatchObject({ pixelSpacingMm: { x: 0.2, y: 0.3 }, source: 'PixelSpacing' });
    expect(warnings).toEqual([]);
  });

  it('says areas are in pixels when there is no calibration of any kind', () => {
    const warnings: string[] = [];
    expect(chooseSpatialCalibration([], {}, 10, 10, warnings)).toBeUndefined();
    expect(warnings).toEqual(['no Sequence of Ultrasound Regions and no Pixel Spacing: areas are in pixels']);
  });
});

describe('multipart WADO-RS responses', () => {
  it('reads every application/dicom part of a multipart/related body', () => {
    const a = cineFile({ rows: 6, columns: 8, frames: grayFrames(6, 8, 2) });
    const b = cineFile({ rows: 5, columns: 7, frames: grayFrames(5, 7, 3) });
    const boundary = 'test-boundary-1234';
    const enc = new TextEncoder();
    const parts: Uint8Array[] = [];
    for (const body of [a, b]) {
      parts.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), body, enc.encode('\r\n'));
    }
    parts.push(enc.encode(`--${boundary}--\r\n`));
    const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      total.set(p, o);
      o += p.length;
    }
    const cines = CineImage.fromMultipart(total, 'wado');
    expect(cines.map((c) => [c.rows, c.columns, c.numberOfFrames])).toEqual([
      [6, 8, 2],
      [5, 7, 3],
    ]);
  });
});

describe('cines written by the project', () => {
  it.each([
    ['MONOCHROME2', TransferSyntax.ExplicitVRLittleEndian],
    ['MONOCHROME2', TransferSyntax.RLELossless],
  ] as const)('are accepted by dciodvfy (%s, %s)', (photometric, ts) => {
    const bytes = cineFile({ rows: 20, columns: 30, frames: grayFrames(20, 30, 3), photometricInterpretation: photometric, transferSyntaxUID: ts });
    const report = dciodvfy(bytes);
    expect(report.output).toMatch(/USMultiFrameImage/);
    expect(report.errors).toEqual([]);
  });
});
