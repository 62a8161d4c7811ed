/** Calliper diameters of masks whose true diameters are known: rasterised ellipses, turned, on pixels of unequal size. */
import { glandDiameters, medianDiameters } from '../../src/temporal/glandDiameters.js';
import { LoopMetricsAccumulator } from '../../src/temporal/loopMetrics.js';

/** An ellipse of full axes `a` (along the direction `angle` from the rows) and `b`, in mm, centred in the image. */
function ellipseMask(width: number, height: number, spacing: { x: number; y: number }, a: number, b: number, angleRad: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const cx = (width * spacing.x) / 2;
  const cy = (height * spacing.y) / 2;
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5) * spacing.x - cx;
      const dy = (y + 0.5) * spacing.y - cy;
      const u = dx * c + dy * s;
      const v = -dx * s + dy * c;
      if ((u / (a / 2)) ** 2 + (v / (b / 2)) ** 2 <= 1) mask[y * width + x] = 1;
    }
  }
  return mask;
}

describe('gland diameters', () => {
  it.each([
    // a (mm), b (mm), angle (degrees), spacing x, y (mm/pixel)
    [44, 30, 0, 0.2, 0.2],
    [44, 30, 20, 0.2, 0.2],
    [44, 30, -35, 0.2, 0.2],
    [40, 28, 10, 0.25, 0.15],
    [38, 34, 0, 0.15, 0.3],
  ])('measure an ellipse %f x %f mm turned %f° on %f x %f mm pixels to within a pixel along each axis', (a, b, deg, sx, sy) => {
    const spacing = { x: sx, y: sy };
    const angle = (deg * Math.PI) / 180;
    const d = glandDiameters(ellipseMask(400, 300, spacing, a, b, angle), 400, 300, spacing)!;
    // A pixel's footprint along a direction (its rectangle projected): the resolution of a calliper there.
    const footprint = (ux: number, uy: number) => Math.abs(ux) * sx + Math.abs(uy) * sy;
    expect(Math.abs(d.lateral - a)).toBeLessThan(footprint(Math.cos(angle), Math.sin(angle)));
    expect(Math.abs(d.anteroposterior - b)).toBeLessThan(footprint(Math.sin(angle), Math.cos(angle)));
  });

  it('names the axis nearer the rows lateral, also when the gland is taller than wide', () => {
    const spacing = { x: 0.2, y: 0.2 };
    // 26 mm across, 36 mm along the beam, turned 15° off the columns.
    const d = glandDiameters(ellipseMask(300, 300, spacing, 36, 26, ((90 - 15) * Math.PI) / 180), 300, 300, spacing)!;
    expect(d.lateral).toBeCloseTo(26, 0);
    expect(d.anteroposterior).toBeCloseTo(36, 0);
  });

  it('measures in pixels without calibration, and a single pixel as one pixel wide', () => {
    const mask = new Uint8Array(10 * 8);
    mask[3 * 10 + 4] = 1;
    expect(glandDiameters(mask, 10, 8)).toEqual({ lateral: 1, anteroposterior: 1 });
    // A 6 x 2 bar: its extent is counted edge to edge, not centre to centre.
    const bar = new Uint8Array(10 * 8);
    for (let x = 2; x < 8; x++) bar[4 * 10 + x] = bar[5 * 10 + x] = 1;
    const d = glandDiameters(bar, 10, 8)!;
    expect(d.lateral).toBeCloseTo(6, 12);
    expect(d.anteroposterior).toBeCloseTo(2, 12);
  });

  it('measures a square along the image axes (no preferred axis of its own), not along a diagonal', () => {
    const square = new Uint8Array(40 * 40);
    for (let y = 7; y < 27; y++) for (let x = 11; x < 31; x++) square[y * 40 + x] = 1;
    const d = glandDiameters(square, 40, 40, { x: 0.3, y: 0.3 })!;
    expect(d.lateral).toBeCloseTo(6, 9);
    expect(d.anteroposterior).toBeCloseTo(6, 9);
  });

  it('gives null on an empty mask and refuses a mask of the wrong size', () => {
    expect(glandDiameters(new Uint8Array(12), 4, 3)).toBeNull();
    expect(() => glandDiameters(new Uint8Array(11), 4, 3)).toThrow(/11 values, expected 4x3/);
  });

  it('takes each diameter’s median over the frames with a mask', () => {
    expect(medianDiameters([{ diameters: null }])).toBeNull();
    expect(
      medianDiameters([
        { diameters: { lateral: 40, anteroposterior: 30 } },
        { diameters: null },
        { diameters: { lateral: 44, anteroposterior: 20 } },
        { diameters: { lateral: 41, anteroposterior: 31 } },
        { diameters: { lateral: 90, anteroposterior: 29 } },
      ]),
    ).toEqual({ lateral: 42.5, anteroposterior: 29.5 });
  });

  it('are part of each frame’s metrics and of the loop summary, in the loop’s distance unit', () => {
    const spacing = { x: 0.2, y: 0.25 };
    const w = 240;
    const h = 180;
    const acc = new LoopMetricsAccumulator({ width: w, height: h, pixelSpacingMm: spacing });
    const image = new Float32Array(w * h).fill(0.5);
    const sizes = [
      [40, 28],
      [0, 0],
      [41, 29],
      [42, 27],
    ] as const;
    for (const [a, b] of sizes) {
      const mask = a ? ellipseMask(w, h, spacing, a, b, 0) : new Uint8Array(w * h);
      acc.push({ image, probability: Float32Array.from(mask), mask });
    }
    expect(acc.frames[1]!.diameters).toBeNull();
    expect(acc.frames[0]!.diameters!.lateral).toBeCloseTo(40, 0);
    const summary = acc.summary();
    expect(summary.distanceUnit).toBe('mm');
    expect(summary.medianDiameters!.lateral).toBeCloseTo(41, 0);
    expect(summary.medianDiameters!.anteroposterior).toBeCloseTo(28, 0);
  });
});
