/**
 * The full-resolution terms of one frame pair's temporal metrics in a single pass: the flow
 * brought to the frame's grid, the previous frame and its probability warped by it, the
 * confidence weights, and the sums the metrics are made of.
 *
 * It computes, pixel for pixel and rounding for rounding, what flowAtResolution, warpPrevious
 * (twice) and confidenceMap compute with their Float32Array outputs, then the sums over them in
 * the same order, so the metrics are the same to the last bit. Done apart, those steps wrote and
 * read six full-size arrays a frame and clamped and weighed each sample position twice; they were
 * about a third of a frame's metrics.
 */
import { axisTaps, type AxisTaps } from '../image/floatImage.js';
import type { FlowField } from './opticalFlow.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, exp, fround } = Math;

export interface FramePairImages {
  width: number;
  height: number;
  previousImage: Float32Array;
  previousProbability: Float32Array;
  image: Float32Array;
  probability: Float32Array;
}

/** Sums over every pixel of a frame pair. */
export interface WarpedAgreementSums {
  /** sum (P_t - warp(P_{t-1}))^2 */
  squaredError: number;
  /** sum |P_t - P_{t-1}| (no flow) */
  absoluteErrorNoFlow: number;
  /** sum M, M = exp(-alpha |I_t - warp(I_{t-1})|) */
  confidence: number;
  /** sum M (1 - |P_t - warp(P_{t-1})|) */
  confidenceWeightedAgreement: number;
}

/**
 * The sums for frame t against frame t-1, with `flow` (at its working size, `scale` working
 * pixels per frame pixel) mapping t-1 to t; warping samples at p - F(p), bilinear, border padding.
 */
export function warpedAgreement(flow: FlowField & { scale: number }, f: FramePairImages, alpha: number): WarpedAgreementSums {
  const { width: w, height: h } = f;
  const fw = flow.width;
  if (fw > w || flow.height > h) throw new RangeError(`flow grid ${fw}x${flow.height} is larger than the frame (${w}x${h})`);
  const n = w * h;
  for (const [name, a] of [['previousImage', f.previousImage], ['previousProbability', f.previousProbability], ['image', f.image], ['probability', f.probability]] as const) {
    if (a.length !== n) throw new RangeError(`${name} has ${a.length} values, expected ${w}x${h}`);
  }
  // Upsampling taps: at equal sizes they are the identity (weight 0 on the second neighbour), as
  // the copy flowAtResolution makes then.
  const xs = axisTaps(w, fw);
  const ys = axisTaps(h, flow.height);
  const factor = 1 / flow.scale;
  // Each flow row interpolated along x once, for every frame column: a frame row then blends two
  // of them. Kept in float64, as the expression held them, so the blend is the same to the bit.
  const { u: uAlongX, v: vAlongX } = flowRowsAlongX(flow, xs, w);
  const { previousImage: pi, previousProbability: pp, image, probability } = f;
  let squaredError = 0;
  let absoluteErrorNoFlow = 0;
  let confidence = 0;
  let confidenceWeightedAgreement = 0;
  for (let y = 0; y < h; y++) {
    const r0 = ys.lo[y]! * w;
    const r1 = ys.hi[y]! * w;
    const fy = ys.frac[y]!;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      // The flow at this pixel, in frame pixels: resize's expression, stored as float32, scaled, stored again.
      const u = fround(fround(uAlongX[r0 + x]! * (1 - fy) + uAlongX[r1 + x]! * fy) * factor);
      const v = fround(fround(vAlongX[r0 + x]! * (1 - fy) + vAlongX[r1 + x]! * fy) * factor);
      // sampleBilinear at p - F(p), shared by the image and the probability.
      let sx = x - u;
      let sy = y - v;
      if (sx < 0) sx = 0;
      else if (sx > w - 1) sx = w - 1;
      if (sy < 0) sy = 0;
      else if (sy > h - 1) sy = h - 1;
      // Truncation is floor here (both clamped to at least 0), an integer index directly; NaN still
      // gives NaN sums (it truncates to 0, in range, and ax or ay is NaN).
      const x0 = sx | 0;
      const y0 = sy | 0;
      const x1 = x0 + 1 < w ? x0 + 1 : x0;
      const y1 = y0 + 1 < h ? y0 + 1 : y0;
      const ax = sx - x0;
      const ay = sy - y0;
      const a = y0 * w + x0;
      const b = y0 * w + x1;
      const c = y1 * w + x0;
      const d = y1 * w + x1;
      const warpedImage = fround((pi[a]! * (1 - ax) + pi[b]! * ax) * (1 - ay) + (pi[c]! * (1 - ax) + pi[d]! * ax) * ay);
      const warpedProbability = fround((pp[a]! * (1 - ax) + pp[b]! * ax) * (1 - ay) + (pp[c]! * (1 - ax) + pp[d]! * ax) * ay);
      const k = row + x;
      const m = fround(exp(-alpha * abs(image[k]! - warpedImage)));
      const e = probability[k]! - warpedProbability;
      squaredError += e * e;
      absoluteErrorNoFlow += abs(probability[k]! - pp[k]!);
      confidence += m;
      confidenceWeightedAgreement += m * (1 - abs(e));
    }
  }
  return { squaredError, absoluteErrorNoFlow, confidence, confidenceWeightedAgreement };
}

let alongX: { u: Float64Array; v: Float64Array } | undefined;

/**
 * Every row of the flow resampled along x to `width` columns (resize's first products: a * (1 - fx)
 * + b * fx, unrounded). The arrays are reused between frames; a pass uses its first rows * width values.
 */
function flowRowsAlongX(flow: FlowField, xs: AxisTaps, width: number): { u: Float64Array; v: Float64Array } {
  const size = flow.height * width;
  if (!alongX || alongX.u.length < size) alongX = { u: new Float64Array(size), v: new Float64Array(size) };
  const { u: outU, v: outV } = alongX;
  const { lo, hi, frac } = xs;
  const { u: U, v: V, width: fw } = flow;
  for (let j = 0; j < flow.height; j++) {
    const from = j * fw;
    const to = j * width;
    for (let x = 0; x < width; x++) {
      const l = from + lo[x]!;
      const r = from + hi[x]!;
      const fx = frac[x]!;
      outU[to + x] = U[l]! * (1 - fx) + U[r]! * fx;
      outV[to + x] = V[l]! * (1 - fx) + V[r]! * fx;
    }
  }
  return alongX;
}
