/** Optical flow, warping and the metrics, on constructed cases with hand-computed answers. */
import { computeFlow, flowAtResolution, warpPrevious, confidenceMap } from '../../src/temporal/opticalFlow.js';
import { floatImage } from '../../src/image/floatImage.js';
import { distanceTransform } from '../../src/temporal/distanceTransform.js';
import { overlap, hd95, sMeasure, eMeasure, weightedFMeasure, meanEMeasure, sweepThresholds } from '../../src/temporal/regionMetrics.js';
import { LoopMetricsAccumulator } from '../../src/temporal/loopMetrics.js';

const W = 96;
const H = 80;
/** Band-limited texture (no aliasing), so sub-pixel shifts are well defined. */
const texture = (x: number, y: number) =>
  0.5 + 0.2 * Math.sin(x * 0.31 + y * 0.17) + 0.15 * Math.cos(x * 0.11 - y * 0.37) + 0.1 * Math.sin(0.23 * x - 0.41 * y + 1) + 0.08 * Math.cos(0.45 * y + 0.05 * x);
const shifted = (dx: number, dy: number) => floatImage(W, H, Array.from({ length: W * H }, (_, k) => texture((k % W) - dx, Math.floor(k / W) - dy)));

describe('optical flow', () => {
  it.each([
    [0.3, -0.7],
    [1.6, 0.4],
    [-0.45, 0.25],
  ])('recovers a known translation (%f, %f) px within 0.5 px', (dx, dy) => {
    const flow = flowAtResolution(computeFlow(shifted(0, 0), shifted(dx, dy)), W, H);
    const errors: number[] = [];
    for (let y = 8; y < H - 8; y++) for (let x = 8; x < W - 8; x++) errors.push(Math.hypot(flow.u[y * W + x]! - dx, flow.v[y * W + x]! - dy));
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]!).toBeLessThan(0.1);
    expect(errors[Math.floor(errors.length * 0.95)]!).toBeLessThan(0.5);
  });

  it('warps the previous frame onto the next (sample at p - F(p)) and the confidence map is then near 1', () => {
    const prev = shifted(0, 0);
    const next = shifted(1.2, -0.6);
    const flow = flowAtResolution(computeFlow(prev, next), W, H);
    const warped = warpPrevious(prev, flow);
    let before = 0;
    let after = 0;
    for (let y = 8; y < H - 8; y++) {
      for (let x = 8; x < W - 8; x++) {
        const k = y * W + x;
        before += Math.abs(next.data[k]! - prev.data[k]!);
        after += Math.abs(next.data[k]! - warped.data[k]!);
      }
    }
    expect(after).toBeLessThan(before / 5);
    const m = confidenceMap(next, warped, 5);
    const inner = Array.from(m).filter((_, k) => k % W > 8 && k % W < W - 8 && k / W > 8 && k / W < H - 8);
    expect(inner.reduce((a, b) => a + b, 0) / inner.length).toBeGreaterThan(0.97);
  });

  it('confidence map is exp(-alpha |I_t - warp(I_t-1)|)', () => {
    const m = confidenceMap(floatImage(2, 1, [0.5, 1]), floatImage(2, 1, [0.5, 0.5]), 2);
    expect(m[0]).toBeCloseTo(1, 12);
    expect(m[1]).toBeCloseTo(Math.exp(-1), 6);
  });
});

describe('distance transform', () => {
  it.each([
    [1, 1],
    [0.2, 0.35],
    [0.4, 0.1],
  ])('matches brute force with the nearest feature index, on pixels %f wide and %f high', (sx, sy) => {
    const w = 13;
    const h = 9;
    const feature = Array.from({ length: w * h }, (_, k) => ((k * 7919) % 23 === 0 ? 1 : 0));
    const { distance, nearest } = distanceTransform(feature, w, h, { x: sx, y: sy });
    const apart = (k: number, j: number) => Math.hypot(((k % w) - (j % w)) * sx, (Math.floor(k / w) - Math.floor(j / w)) * sy);
    for (let k = 0; k < w * h; k++) {
      let best = Infinity;
      for (let j = 0; j < w * h; j++) if (feature[j]) best = Math.min(best, apart(k, j));
      expect(distance[k]).toBeCloseTo(best, 5);
      expect(apart(k, nearest[k]!)).toBeCloseTo(best, 5);
    }
  });
});

describe('region metrics, hand-computed', () => {
  it('Dice 0.5, IoU 1/3, sensitivity 0.5', () => {
    expect(overlap([1, 1, 0, 0], [1, 0, 1, 0])).toEqual({ dice: 0.5, iou: 1 / 3, sensitivity: 0.5 });
    expect(overlap([0, 0], [0, 0])).toEqual({ dice: 1, iou: 1, sensitivity: 1 });
  });

  it('HD95 of two parallel 5-pixel lines 3 px apart is 3 px, 1.5 mm at 0.5 mm/pixel', () => {
    const w = 10;
    const a = new Uint8Array(100);
    const b = new Uint8Array(100);
    for (let y = 2; y <= 6; y++) {
      a[y * w + 2] = 1;
      b[y * w + 5] = 1;
    }
    expect(hd95(a, b, 10, 10)).toBeCloseTo(3, 10);
    expect(hd95(a, b, 10, 10, { x: 0.5, y: 0.5 })).toBeCloseTo(1.5, 10);
    expect(hd95(a, new Uint8Array(100), 10, 10)).toBeUndefined();
  });

  it('HD95 on pixels taller than wide: lines 3 px apart across the rows are 0.6 mm apart at 0.2 mm columns, 3 px apart down the columns 1.5 mm at 0.5 mm rows', () => {
    const w = 10;
    const spacing = { x: 0.2, y: 0.5 };
    const a = new Uint8Array(100);
    const b = new Uint8Array(100);
    for (let y = 2; y <= 6; y++) {
      a[y * w + 2] = 1;
      b[y * w + 5] = 1;
    }
    expect(hd95(a, b, 10, 10, spacing)).toBeCloseTo(0.6, 6);
    const rowA = new Uint8Array(100);
    const rowB = new Uint8Array(100);
    for (let x = 2; x <= 6; x++) {
      rowA[2 * w + x] = 1;
      rowB[5 * w + x] = 1;
    }
    expect(hd95(rowA, rowB, 10, 10, spacing)).toBeCloseTo(1.5, 6);
  });

  it('E-phi of a 2x2 example is 0.851519', () => {
    // align = 2 ag ap / (ag^2 + ap^2); enhanced = (align + 1)^2 / 4; sum / (n - 1)
    expect(eMeasure([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo((0.924556213 + 0.01 + 0.81 + 0.81) / 3, 6);
    expect(eMeasure([0, 0, 0, 0], [0, 0, 0, 0])).toBeCloseTo(4 / 3, 6);
  });

  it('S-alpha: 1 - mean(P) without foreground; 1 for a perfect prediction', () => {
    expect(sMeasure([0.2, 0.4, 0, 0], [0, 0, 0, 0], 2, 2)).toBeCloseTo(0.85, 12);
    const gt = Array.from({ length: 64 }, (_, k) => (k % 8 >= 2 && k % 8 < 6 && k >= 16 && k < 48 ? 1 : 0));
    expect(sMeasure(gt, gt, 8, 8)).toBeCloseTo(1, 9);
    expect(sMeasure(gt.map((v) => 1 - v), gt, 8, 8)).toBeLessThan(0.2);
  });

  it('weighted F-beta: 0.350152 for an all-foreground prediction on a 1x4 image; 1 when perfect; 0 when empty', () => {
    // Background pixels at distances 1, 2, 3 weigh 2 - 0.5^(d/5); P = 1 / (1 + sum), R = 1.
    const fp = [1, 2, 3].reduce((s, d) => s + 2 - 0.5 ** (d / 5), 0);
    const p = 1 / (1 + fp);
    expect(weightedFMeasure([1, 1, 1, 1], [1, 0, 0, 0], 4, 1)).toBeCloseTo((2 * p) / (1 + p), 6);
    expect(weightedFMeasure([1, 1, 1, 1], [1, 0, 0, 0], 4, 1)).toBeCloseTo(0.350152, 5);
    const gt = Array.from({ length: 400 }, (_, k) => (k % 20 >= 6 && k % 20 < 14 && k >= 120 && k < 280 ? 1 : 0));
    expect(weightedFMeasure(gt, gt, 20, 20)).toBeCloseTo(1, 9);
    expect(weightedFMeasure(new Array(400).fill(0), gt, 20, 20)).toBeCloseTo(0, 9);
  });

  it('mean E-phi of a binary map equals its E-phi', () => {
    const gt = [1, 0, 0, 0];
    expect(meanEMeasure([1, 1, 0, 0], gt, 8)).toBeCloseTo((eMeasure([1, 1, 1, 1], gt) + 7 * eMeasure([1, 1, 0, 0], gt)) / 8, 9);
  });

  it('mean E-phi of a continuous map equals the per-pixel definition averaged over thresholds', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const n = 300;
    const gt = Array.from({ length: n }, (_, k) => (k > 90 && k < 200 ? 1 : 0));
    // Include exact threshold values (k/255) and the ends, where ">=" matters.
    const prob = Array.from({ length: n }, (_, k) => (k % 7 === 0 ? Math.floor(rand() * 256) / 255 : k % 11 === 0 ? 0 : k % 13 === 0 ? 1 : rand()));
    const direct = (p: number[], g: number[]) => {
      const sg = g.reduce((a, b) => a + b, 0);
      const sp = p.reduce((a, b) => a + b, 0);
      if (sg === 0) return (n - sp) / (n - 1);
      if (sg === n) return sp / (n - 1);
      let e = 0;
      for (let i = 0; i < n; i++) {
        const ap = p[i]! - sp / n;
        const ag = g[i]! - sg / n;
        const a = (2 * ag * ap) / (ag * ag + ap * ap + 2.2204e-16);
        e += ((a + 1) * (a + 1)) / 4;
      }
      return e / (n - 1);
    };
    let expected = 0;
    for (let t = 0; t < 256; t++) expected += direct(prob.map((p) => (p >= t / 255 ? 1 : 0)), gt);
    expect(meanEMeasure(prob, gt)).toBeCloseTo(expected / 256, 9);
  });

  it('threshold-averaged Dice and sensitivity equal overlap() averaged over the 256 thresholds', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const n = 400;
    const gt = Array.from({ length: n }, (_, k) => (k > 120 && k < 260 ? 1 : 0));
    const prob = Array.from({ length: n }, (_, k) => (k % 5 === 0 ? Math.floor(rand() * 256) / 255 : k % 17 === 0 ? 1 : gt[k] ? 0.3 + 0.7 * rand() : 0.6 * rand()));
    let dice = 0;
    let sensitivity = 0;
    for (let t = 0; t < 256; t++) {
      const o = overlap(prob.map((p) => (p >= t / 255 ? 1 : 0)), gt);
      dice += o.dice;
      sensitivity += o.sensitivity;
    }
    const sweep = sweepThresholds(prob, gt);
    expect(sweep.dice).toBeCloseTo(dice / 256, 9);
    expect(sweep.sensitivity).toBeCloseTo(sensitivity / 256, 9);
    // A map that is already binary gives its own Dice at every threshold but the lowest (0 takes every pixel).
    const binary = prob.map((p) => (p >= 0.5 ? 1 : 0));
    expect(sweepThresholds(binary, gt).dice).toBeCloseTo((overlap(binary, gt).dice * 255 + overlap(binary.map(() => 1), gt).dice) / 256, 9);
    // An all-zero map on empty truth: empty agreement at every threshold except 0, where every pixel is predicted.
    expect(sweepThresholds(new Array(n).fill(0), new Array(n).fill(0)).dice).toBeCloseTo(255 / 256, 12);
  });
});

describe('loop metrics', () => {
  const w = 40;
  const h = 30;
  const image = floatImage(w, h, Array.from({ length: w * h }, (_, k) => texture(k % w, Math.floor(k / w)))).data;
  const square = (x0: number, size: number) => {
    const m = new Uint8Array(w * h);
    for (let y = 10; y < 10 + size; y++) for (let x = x0; x < x0 + size; x++) m[y * w + x] = 1;
    return m;
  };
  const asProb = (m: Uint8Array) => Float32Array.from(m);

  it('an unchanged mask scores perfect consistency and flags nothing', () => {
    const acc = new LoopMetricsAccumulator({ width: w, height: h });
    const m = square(10, 10);
    for (let i = 0; i < 4; i++) acc.push({ image, probability: asProb(m), mask: m });
    const s = acc.summary();
    expect(s.meanWarpedConsistency).toBeCloseTo(1, 4);
    expect(s.meanConsistencyNoFlow).toBe(1);
    expect(s.meanDicePrevious).toBe(1);
    expect(s.meanConfidenceWeightedConsistency).toBeCloseTo(1, 4);
    expect(s.areaCoefficientOfVariation).toBe(0);
    expect(s.flickerCount).toBe(0);
    expect(s.unstableFrames).toEqual([]);
    expect(acc.frames[1]!.centroidDrift).toBe(0);
  });

  it('areas in mm^2, area CV, flicker count, unstable frames and the max-area frame', () => {
    const acc = new LoopMetricsAccumulator({ width: w, height: h, pixelSpacingMm: { x: 0.5, y: 0.2 } });
    // areas: 100, 100, 144 (+44%: flicker), 144, 0 (vanished) px
    const masks = [square(10, 10), square(10, 10), square(10, 12), square(10, 12), new Uint8Array(w * h)];
    masks.forEach((m) => acc.push({ image, probability: asProb(m), mask: m }));
    const s = acc.summary();
    expect(acc.frames.map((f) => f.area)).toEqual([10, 10, 14.4, 14.4, 0].map((a) => expect.closeTo(a, 9)));
    const areas = [10, 10, 14.4, 14.4, 0];
    const mu = areas.reduce((a, b) => a + b) / 5;
    const sd = Math.sqrt(areas.reduce((a, b) => a + (b - mu) ** 2, 0) / 5);
    expect(s.areaCoefficientOfVariation).toBeCloseTo(sd / mu, 9);
    expect(s.flickerCount).toBe(2);
    expect(s.unstableFrames).toEqual([3, 5]);
    expect(s.maxAreaFrame).toBe(3);
    expect(acc.frames[2]!.dicePrevious).toBeCloseTo((2 * 100) / 244, 9);
    // The 12 px square's centroid moved by (1, 1) px from the 10 px one's: 0.5 and 0.2 mm.
    expect(acc.frames[2]!.centroidDrift).toBeCloseTo(Math.hypot(0.5, 0.2), 9);
    expect(s.areaUnit).toBe('mm2');
  });

  it('adds ground-truth metrics per frame and per loop', () => {
    const acc = new LoopMetricsAccumulator({ width: w, height: h, eMeasureThresholds: 16 });
    const gt = square(10, 10);
    acc.push({ image, probability: asProb(gt), mask: gt, groundTruth: gt });
    const half = square(10, 10).map((v, k) => (k % w < 15 ? v : 0));
    acc.push({ image, probability: asProb(half), mask: half, groundTruth: gt });
    const s = acc.summary();
    expect(acc.frames[0]!.groundTruth!.dice).toBe(1);
    expect(acc.frames[1]!.groundTruth!.sensitivity).toBeCloseTo(0.5, 12);
    expect(s.groundTruth!.dice).toBeCloseTo((1 + 2 / 3) / 2, 12);
  });
});
