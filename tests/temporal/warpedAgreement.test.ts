/**
 * The fused full-resolution pass against the steps it replaces (flowAtResolution, warpPrevious
 * twice, confidenceMap, then sums in pixel order): equal to the last bit, so reports stay the same.
 */
import { computeFlow, confidenceMap, flowAtResolution, gradientsInto, warpPrevious, type FlowField } from '../../src/temporal/opticalFlow.js';
import { warpedAgreement } from '../../src/temporal/warpedAgreement.js';
import { resize, gaussianBlur, sampleBilinear, type FloatImage } from '../../src/image/floatImage.js';

function random(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  });
}

function separateSteps(flow: FlowField & { scale: number }, prevImage: FloatImage, prevProb: FloatImage, image: FloatImage, prob: FloatImage, alpha: number) {
  const { width: w, height: h } = image;
  const full = flowAtResolution(flow, w, h);
  const warpedImage = warpPrevious(prevImage, full);
  const warpedProb = warpPrevious(prevProb, full);
  const m = confidenceMap(image, warpedImage, alpha);
  let squaredError = 0;
  let absoluteErrorNoFlow = 0;
  let confidence = 0;
  let confidenceWeightedAgreement = 0;
  for (let i = 0; i < w * h; i++) {
    const d = prob.data[i]! - warpedProb.data[i]!;
    squaredError += d * d;
    absoluteErrorNoFlow += Math.abs(prob.data[i]! - prevProb.data[i]!);
    confidence += m[i]!;
    confidenceWeightedAgreement += m[i]! * (1 - Math.abs(d));
  }
  return { squaredError, absoluteErrorNoFlow, confidence, confidenceWeightedAgreement };
}

describe('warpedAgreement', () => {
  // Frames larger than the flow's 128-pixel working size (upsampled flow) and within it (the
  // flow's own grid), odd sizes, a single row.
  it.each([[400, 224], [301, 97], [128, 72], [60, 45], [33, 1]])('%ix%i: the separate steps, bit for bit', (w, h) => {
    const img = (seed: number): FloatImage => ({ width: w, height: h, data: random(w * h, seed) });
    // A smooth moving pattern for a real flow, random probabilities.
    const pattern = (shift: number): FloatImage => ({
      width: w,
      height: h,
      data: Float32Array.from({ length: w * h }, (_, k) => 0.5 + 0.4 * Math.sin(((k % w) - shift) / 5) * Math.cos(Math.floor(k / w) / 7)),
    });
    const prevImage = pattern(0);
    const image = pattern(1.5);
    const flow = computeFlow(prevImage, image);
    // Large random displacements too: sample positions clamped at every border.
    const wild = { ...flow, u: random(flow.u.length, 9).map((r) => (r - 0.5) * 40), v: random(flow.v.length, 10).map((r) => (r - 0.5) * 40) };
    for (const f of [flow, wild]) {
      for (const alpha of [1, 7.5]) {
        const prevProb = img(3);
        const prob = img(4);
        const fused = warpedAgreement(f, { width: w, height: h, previousImage: prevImage.data, previousProbability: prevProb.data, image: image.data, probability: prob.data }, alpha);
        expect(fused).toEqual(separateSteps(f, prevImage, prevProb, image, prob, alpha));
      }
    }
  });

  it('refuses arrays of the wrong size', () => {
    const flow = computeFlow({ width: 8, height: 8, data: random(64, 1) }, { width: 8, height: 8, data: random(64, 2) });
    const a = random(64, 3);
    expect(() => warpedAgreement(flow, { width: 8, height: 8, previousImage: a, previousProbability: a, image: a, probability: random(63, 4) }, 1)).toThrow(/probability has 63 values/);
  });
});

describe('kernels rewritten for speed give the former results exactly', () => {
  it('a shrinking resize blurs only the rows and columns it samples: the full blur, sampled', () => {
    // Shrinking along both axes, one or the other, and a blur wider than the frame (every column clamped).
    for (const [w, h, tw, th] of [[400, 224, 128, 72], [37, 29, 12, 29], [37, 29, 37, 5], [50, 3, 7, 1], [9, 40, 2, 10], [401, 3, 5, 3]] as const) {
      const img: FloatImage = { width: w, height: h, data: random(w * h, w + h) };
      const blurred = gaussianBlur(img, Math.max(w / tw, h / th) / 2);
      const expected = new Float32Array(tw * th);
      for (let y = 0; y < th; y++)
        for (let x = 0; x < tw; x++) expected[y * tw + x] = sampleBilinear(blurred, (x + 0.5) * (w / tw) - 0.5, (y + 0.5) * (h / th) - 0.5);
      expect(Array.from(resize(img, tw, th).data)).toEqual(Array.from(expected));
    }
  });

  it('gradients: central differences halved, one-sided at the borders, as the division gave them', () => {
    for (const [w, h] of [[1, 1], [1, 5], [5, 1], [2, 2], [3, 4], [17, 9]] as const) {
      const data = random(w * h, w * 31 + h);
      const gx = new Float32Array(w * h);
      const gy = new Float32Array(w * h);
      gradientsInto(data, w, h, gx, gy);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const xl = Math.max(0, x - 1);
          const xr = Math.min(w - 1, x + 1);
          const yu = Math.max(0, y - 1);
          const yd = Math.min(h - 1, y + 1);
          expect(gx[y * w + x]).toBe(Math.fround((data[y * w + xr]! - data[y * w + xl]!) / (xr - xl || 1)));
          expect(gy[y * w + x]).toBe(Math.fround((data[yd * w + x]! - data[yu * w + x]!) / (yd - yu || 1)));
        }
    }
  });
});
