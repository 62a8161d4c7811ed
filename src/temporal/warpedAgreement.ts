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
import { axisTaps } from '../image/floatImage.js';
import type { FlowField } from './opticalFlow.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, exp, floor, fround } = Math;

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
  const { lo: xLo, hi: xHi, frac: xFrac } = xs;
  const factor = 1 / flow.scale;
  const { u: U, v: V } = flow;
  const { previousImage: pi, previousProbability: pp, image, probability } = f;
  let squaredError = 0;
  let absoluteErrorNoFlow = 0;
  let confidence = 0;
  let confidenceWeightedAgreement = 0;
  for (let y = 0; y < h; y++) {
    const r0 = ys.lo[y]! * fw;
    const r1 = ys.hi[y]! * fw;
    const fy = ys.frac[y]!;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const l = xLo[x]!;
      const r = xHi[x]!;
      const fx = xFrac[x]!;
      // The flow at this pixel, in frame pixels: resize's expression, stored as float32, scaled, stored again.
      const u = fround(fround((U[r0 + l]! * (1 - fx) + U[r0 + r]! * fx) * (1 - fy) + (U[r1 + l]! * (1 - fx) + U[r1 + r]! * fx) * fy) * factor);
      const v = fround(fround((V[r0 + l]! * (1 - fx) + V[r0 + r]! * fx) * (1 - fy) + (V[r1 + l]! * (1 - fx) + V[r1 + r]! * fx) * fy) * factor);
      // sampleBilinear at p - F(p), shared by the image and the probability.
      let sx = x - u;
      let sy = y - v;
      if (sx < 0) sx = 0;
      else if (sx > w - 1) sx = w - 1;
      if (sy < 0) sy = 0;
      else if (sy > h - 1) sy = h - 1;
      const x0 = floor(sx);
      const y0 = floor(sy);
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
