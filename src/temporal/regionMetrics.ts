/**
 * Agreement of a prediction with ground truth on one frame: Dice, IoU, sensitivity, HD95, and the
 * structure metrics of the saliency/polyp benchmarks the paper reports (S-alpha with alpha 0.5,
 * E-phi, weighted F-beta with beta^2 = 1), following their published definitions.
 */
import { distanceTransform } from './distanceTransform.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, ceil, exp, floor, log, max, round, sqrt } = Math;

const EPS = 2.220446049250313e-16;

export interface Overlap {
  dice: number;
  iou: number;
  sensitivity: number;
}

/** Pixels of a binary mask and their mean position (absent for an empty mask). */
export function maskCentroid(mask: ArrayLike<number>, w: number, h: number): { count: number; centroid: { x: number; y: number } | undefined } {
  let count = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x]) {
        count++;
        cx += x;
        cy += y;
      }
    }
  }
  return { count, centroid: count > 0 ? { x: cx / count, y: cy / count } : undefined };
}

/** Dice, IoU and sensitivity of binary masks; both empty counts as perfect agreement. */
export function overlap(pred: ArrayLike<number>, gt: ArrayLike<number>): Overlap {
  let tp = 0;
  let p = 0;
  let g = 0;
  for (let i = 0; i < gt.length; i++) {
    const a = pred[i] ? 1 : 0;
    const b = gt[i] ? 1 : 0;
    tp += a & b;
    p += a;
    g += b;
  }
  if (p === 0 && g === 0) return { dice: 1, iou: 1, sensitivity: 1 };
  return { dice: (2 * tp) / (p + g), iou: tp / (p + g - tp), sensitivity: g === 0 ? 1 : tp / g };
}

function boundary(mask: ArrayLike<number>, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      if (!mask[k]) continue;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1 || !mask[k - 1] || !mask[k + 1] || !mask[k - w] || !mask[k + w]) out[k] = 1;
    }
  }
  return out;
}

function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = floor(pos);
  const hi = ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/**
 * 95th percentile of the symmetric boundary-to-boundary distances, in mm when `spacingMm` (a
 * pixel's width and height) is given, else pixels. 0 when both masks are empty; undefined when
 * only one is.
 */
export function hd95(pred: ArrayLike<number>, gt: ArrayLike<number>, width: number, height: number, spacingMm: { x: number; y: number } = { x: 1, y: 1 }): number | undefined {
  const bp = boundary(pred, width, height);
  const bg = boundary(gt, width, height);
  const hasP = bp.some((v) => v);
  const hasG = bg.some((v) => v);
  if (!hasP && !hasG) return 0;
  if (!hasP || !hasG) return undefined;
  const toG = distanceTransform(bg, width, height, spacingMm).distance;
  const toP = distanceTransform(bp, width, height, spacingMm).distance;
  const d: number[] = [];
  for (let i = 0; i < bp.length; i++) {
    if (bp[i]) d.push(toG[i]!);
    if (bg[i]) d.push(toP[i]!);
  }
  return percentile(d, 0.95);
}

function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

function objectScore(values: number[]): number {
  if (values.length === 0) return 0;
  const mu = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mu) ** 2, 0) / (values.length - 1) : 0;
  return (2 * mu) / (mu * mu + 1 + sqrt(variance) + EPS);
}

function ssim(p: number[], g: number[]): number {
  const n = p.length;
  if (n === 0) return 0;
  const mx = p.reduce((a, b) => a + b, 0) / n;
  const my = g.reduce((a, b) => a + b, 0) / n;
  let sx = 0;
  let sy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += (p[i]! - mx) ** 2;
    sy += (g[i]! - my) ** 2;
    sxy += (p[i]! - mx) * (g[i]! - my);
  }
  const denom = n > 1 ? n - 1 : 1;
  sx /= denom;
  sy /= denom;
  sxy /= denom;
  const alpha = 4 * mx * my * sxy;
  const beta = (mx * mx + my * my) * (sx + sy);
  if (alpha !== 0) return alpha / (beta + EPS);
  return beta === 0 ? 1 : 0;
}

/** Structure measure S-alpha (Fan et al., ICCV 2017) of a [0,1] map against a binary ground truth. */
export function sMeasure(pred: ArrayLike<number>, gt: ArrayLike<number>, width: number, height: number, alpha = 0.5): number {
  const y = meanOf(Array.from(gt, (v) => (v ? 1 : 0)));
  if (y === 0) return 1 - meanOf(pred);
  if (y === 1) return meanOf(pred);
  // Object-aware part.
  const fg: number[] = [];
  const bg: number[] = [];
  for (let i = 0; i < gt.length; i++) {
    if (gt[i]) fg.push(pred[i]!);
    else bg.push(1 - pred[i]!);
  }
  const object = y * objectScore(fg) + (1 - y) * objectScore(bg);
  // Region-aware part: four quadrants split at the ground truth's centroid.
  // Ground truth present here (y > 0), so the centroid exists.
  const { centroid } = maskCentroid(gt, width, height);
  const cx = round(centroid!.x);
  const cy = round(centroid!.y);
  const quadrants: [number, number, number, number][] = [
    [0, 0, cx + 1, cy + 1],
    [cx + 1, 0, width, cy + 1],
    [0, cy + 1, cx + 1, height],
    [cx + 1, cy + 1, width, height],
  ];
  let region = 0;
  for (const [x0, y0, x1, y1] of quadrants) {
    const p: number[] = [];
    const g: number[] = [];
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        p.push(pred[yy * width + xx]!);
        g.push(gt[yy * width + xx] ? 1 : 0);
      }
    }
    region += (p.length / (width * height)) * ssim(p, g);
  }
  return max(0, alpha * object + (1 - alpha) * region);
}

/**
 * E-phi from the four counts of a binary prediction against a binary ground truth: every pixel
 * of one (prediction, truth) class has the same alignment term, so the per-pixel sum collapses.
 */
function eMeasureFromCounts(n: number, tp: number, fp: number, fn: number, tn: number): number {
  const sumG = tp + fn;
  const sumP = tp + fp;
  let enhanced = 0;
  if (sumG === 0) enhanced = n - sumP;
  else if (sumG === n) enhanced = sumP;
  else {
    const mp = sumP / n;
    const mg = sumG / n;
    const term = (p: number, g: number) => {
      const ap = p - mp;
      const ag = g - mg;
      const align = (2 * ag * ap) / (ag * ag + ap * ap + EPS);
      return ((align + 1) * (align + 1)) / 4;
    };
    enhanced = tp * term(1, 1) + fp * term(1, 0) + fn * term(0, 1) + tn * term(0, 0);
  }
  return enhanced / (n - 1 + EPS);
}

/** Enhanced-alignment measure E-phi (Fan et al., IJCAI 2018) of a binary prediction. */
export function eMeasure(predBinary: ArrayLike<number>, gt: ArrayLike<number>): number {
  const n = gt.length;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    if (predBinary[i]) {
      if (gt[i]) tp++;
      else fp++;
    } else if (gt[i]) fn++;
  }
  return eMeasureFromCounts(n, tp, fp, fn, n - tp - fp - fn);
}

/** Mean over thresholds of E-phi, Dice and sensitivity of a [0,1] map (see `sweepThresholds`). */
export interface ThresholdSweep {
  ePhi: number;
  dice: number;
  sensitivity: number;
}

/**
 * E-phi, Dice and sensitivity averaged over `thresholds` evenly spaced thresholds t/(thresholds-1)
 * of a [0,1] map (the benchmarks use 256), with "above" meaning prob >= t/(thresholds-1). The
 * paper's tables most likely average Dice and sensitivity this way; Dice at 0.5 is `overlap`.
 * One pass: each pixel's highest threshold it reaches, per truth class, then cumulative counts.
 * Both masks empty at a threshold counts as Dice 1, as in `overlap`.
 */
export function sweepThresholds(prob: ArrayLike<number>, gt: ArrayLike<number>, thresholds = 256): ThresholdSweep {
  const n = gt.length;
  const top = thresholds - 1;
  const reachedFg = new Float64Array(thresholds);
  const reachedBg = new Float64Array(thresholds);
  let fgTotal = 0;
  for (let i = 0; i < n; i++) {
    const p = prob[i]!;
    const g = gt[i] ? 1 : 0;
    fgTotal += g;
    // Highest t with p >= t/top, found with the same division as the threshold itself.
    let b = p >= 1 ? top : p < 0 ? -1 : floor(p * top);
    while (b < top && p >= (b + 1) / top) b++;
    while (b >= 0 && p < b / top) b--;
    if (b < 0) continue;
    if (g) reachedFg[b]!++;
    else reachedBg[b]!++;
  }
  let e = 0;
  let dice = 0;
  let sensitivity = 0;
  let tp = 0;
  let fp = 0;
  // From the highest threshold down: pixels reaching t also reach every lower threshold.
  for (let t = top; t >= 0; t--) {
    tp += reachedFg[t]!;
    fp += reachedBg[t]!;
    e += eMeasureFromCounts(n, tp, fp, fgTotal - tp, n - fgTotal - fp);
    const predicted = tp + fp;
    dice += predicted + fgTotal === 0 ? 1 : (2 * tp) / (predicted + fgTotal);
    sensitivity += fgTotal === 0 ? 1 : tp / fgTotal;
  }
  return { ePhi: e / thresholds, dice: dice / thresholds, sensitivity: sensitivity / thresholds };
}

/** Mean E-phi over `thresholds` evenly spaced thresholds of a [0,1] map (the benchmarks use 256). */
export function meanEMeasure(prob: ArrayLike<number>, gt: ArrayLike<number>, thresholds = 256): number {
  return sweepThresholds(prob, gt, thresholds).ePhi;
}

function gaussianWindow(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size * size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) s += k[y * size + x] = exp(-((x - c) ** 2 + (y - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/** Weighted F-beta (Margolin et al., CVPR 2014), beta^2 = 1, of a [0,1] map against a binary ground truth. */
export function weightedFMeasure(pred: ArrayLike<number>, gt: ArrayLike<number>, width: number, height: number, beta2 = 1): number {
  const n = width * height;
  let sumG = 0;
  for (let i = 0; i < n; i++) sumG += gt[i] ? 1 : 0;
  if (sumG === 0) return 0;
  const E = new Float64Array(n);
  for (let i = 0; i < n; i++) E[i] = abs(pred[i]! - (gt[i] ? 1 : 0));
  const { distance, nearest } = distanceTransform(gt, width, height);
  // Background pixels take the error of their nearest foreground pixel.
  const Et = new Float64Array(n);
  for (let i = 0; i < n; i++) Et[i] = gt[i] ? E[i]! : E[nearest[i]!]!;
  // 7x7 Gaussian (sigma 5), zero padding, as MATLAB's imfilter default.
  const K = gaussianWindow(7, 5);
  const EA = new Float64Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let ky = -3; ky <= 3; ky++) {
        const yy = y + ky;
        if (yy < 0 || yy >= height) continue;
        for (let kx = -3; kx <= 3; kx++) {
          const xx = x + kx;
          if (xx < 0 || xx >= width) continue;
          s += K[(ky + 3) * 7 + kx + 3]! * Et[yy * width + xx]!;
        }
      }
      EA[y * width + x] = s;
    }
  }
  let tpw = 0;
  let fpw = 0;
  let ewFg = 0;
  for (let i = 0; i < n; i++) {
    const minE = gt[i] && EA[i]! < E[i]! ? EA[i]! : E[i]!;
    const B = gt[i] ? 1 : 2 - exp((log(0.5) / 5) * distance[i]!);
    const ew = minE * B;
    if (gt[i]) ewFg += ew;
    else fpw += ew;
  }
  tpw = sumG - ewFg;
  const R = 1 - ewFg / sumG;
  const P = tpw / (tpw + fpw + EPS);
  return ((1 + beta2) * R * P) / (R + beta2 * P + EPS);
}
