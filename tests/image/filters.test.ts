/**
 * The fast image kernels (running-sum box blur, unrolled Gaussian, column-sorted median, the
 * flow's shared scratch arrays) against plain reference implementations written for clarity.
 */
import { boxBlur, boxBlurInto, gaussianBlur, floatImage, type FloatImage } from '../../src/image/floatImage.js';
import { computeFlow, median3x3 } from '../../src/temporal/opticalFlow.js';

/** Deterministic pseudo-random values in [0, 1) with many exact ties (quantised to 1/16). */
function randomImage(width: number, height: number, seed: number, levels = 16): FloatImage {
  let state = seed >>> 0;
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = Math.floor((state / 2 ** 32) * levels) / levels;
  }
  return { width, height, data };
}

const at = (img: FloatImage, x: number, y: number) =>
  img.data[Math.min(img.height - 1, Math.max(0, y)) * img.width + Math.min(img.width - 1, Math.max(0, x))]!;

function referenceBox(img: FloatImage, r: number): Float64Array {
  const out = new Float64Array(img.width * img.height);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) for (let i = -r; i <= r; i++) s += at(img, x + i, y + j);
      out[y * img.width + x] = s / (2 * r + 1) ** 2;
    }
  return out;
}

function referenceMedian(img: FloatImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const window: number[] = [];
      for (let j = -1; j <= 1; j++) for (let i = -1; i <= 1; i++) window.push(at(img, x + i, y + j));
      window.sort((a, b) => a - b);
      out[y * img.width + x] = window[4]!;
    }
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// Sizes cover: narrower and shorter than the window, heights not a multiple of the four rows the
// horizontal pass interleaves, and a single row or column.
const SIZES: [number, number][] = [[1, 1], [1, 7], [7, 1], [2, 3], [3, 5], [5, 4], [9, 6], [17, 9], [33, 31], [64, 48]];

describe('box blur', () => {
  it.each(SIZES.flatMap(([w, h]) => [1, 2, 3].map((r) => [w, h, r] as const)))('%ix%i, radius %i: the windowed mean with clamped borders', (w, h, r) => {
    const img = randomImage(w, h, w * 131 + h * 7 + r);
    const fast = boxBlur(img, r).data;
    expect(maxDifference(fast, referenceBox(img, r))).toBeLessThan(1e-6);
  });

  it.each(SIZES.flatMap(([w, h]) => [1, 2].map((r) => [w, h, r] as const)))('%ix%i, radius %i: exactly the running sums along rows, then columns', (w, h, r) => {
    // The same recurrences, written plainly: the fast passes (rows four at a time, columns four at a
    // time) must give these values bit for bit, since the flow's figures are compared across versions.
    const img = randomImage(w, h, w * 7 + h * 131 + r, 1 << 20);
    const inv = 1 / (2 * r + 1);
    const cx = (x: number) => Math.min(w - 1, Math.max(0, x));
    const cy = (y: number) => Math.min(h - 1, Math.max(0, y));
    const tmp = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += img.data[y * w + cx(i)]!;
      for (let x = 0; x < w; x++) {
        tmp[y * w + x] = s * inv;
        s += img.data[y * w + cx(x + r + 1)]! - img.data[y * w + cx(x - r)]!;
      }
    }
    const expected = new Float32Array(w * h);
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += tmp[cy(i) * w + x]!;
      for (let y = 0; y < h; y++) {
        expected[y * w + x] = s * inv;
        s += tmp[cy(y + r + 1) * w + x]! - tmp[cy(y - r) * w + x]!;
      }
    }
    expect(Array.from(boxBlur(img, r).data)).toEqual(Array.from(expected));
  });

  it('into caller arrays longer than the image, and in place, gives boxBlur exactly', () => {
    const img = randomImage(23, 13, 5);
    const expected = boxBlur(img, 2).data;
    const tmp = new Float32Array(1000).fill(Number.NaN);
    const acc = new Float64Array(100).fill(1e9); // stale sums from an earlier, wider call
    const dst = new Float32Array(1000).fill(-1);
    boxBlurInto(img.data, dst, tmp, acc, 23, 13, 2);
    expect(Array.from(dst.subarray(0, 23 * 13))).toEqual(Array.from(expected));
    expect(dst[23 * 13]).toBe(-1);
    const inPlace = Float32Array.from(img.data);
    boxBlurInto(inPlace, inPlace, tmp, acc, 23, 13, 2);
    expect(Array.from(inPlace)).toEqual(Array.from(expected));
  });
});

describe('Gaussian blur', () => {
  it.each(SIZES)('%ix%i: the normalised Gaussian convolution with clamped borders', (w, h) => {
    const img = randomImage(w, h, w + h * 1000);
    const sigma = 1.3;
    const half = Math.ceil(3 * sigma);
    const weights = Array.from({ length: 2 * half + 1 }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
    const total = weights.reduce((a, b) => a + b, 0);
    const expected = new Float64Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let j = -half; j <= half; j++) for (let i = -half; i <= half; i++) s += (weights[i + half]! * weights[j + half]! * at(img, x + i, y + j)) / (total * total);
        expected[y * w + x] = s;
      }
    expect(maxDifference(gaussianBlur(img, sigma).data, expected)).toBeLessThan(1e-5);
  });
});

describe('3x3 median', () => {
  it.each(SIZES)('%ix%i: the median of each clamped window, ties included', (w, h) => {
    for (const levels of [3, 16, 1 << 20]) {
      const img = randomImage(w, h, w * 17 + h + levels, levels);
      const fast = median3x3(img.data, w, h);
      expect(Array.from(fast)).toEqual(Array.from(referenceMedian(img)));
    }
  });
});

describe('optical flow scratch arrays', () => {
  it('a flow is the same before and after flows of other sizes reuse the shared arrays', () => {
    const a = randomImage(120, 90, 1, 1 << 16);
    const b = floatImage(120, 90, a.data.map((_, k) => at(a, (k % 120) - 1, Math.floor(k / 120))));
    const first = computeFlow(a, b);
    // Wider but with fewer pixels, then larger in both: the arrays are replaced or partly used.
    computeFlow(randomImage(127, 20, 2), randomImage(127, 20, 3));
    computeFlow(randomImage(300, 260, 4), randomImage(300, 260, 5));
    const again = computeFlow(a, b);
    expect(Array.from(again.u)).toEqual(Array.from(first.u));
    expect(Array.from(again.v)).toEqual(Array.from(first.v));
    // The returned fields are the caller's own: a later flow does not overwrite them.
    const kept = Float32Array.from(again.u);
    computeFlow(b, a);
    expect(Array.from(again.u)).toEqual(Array.from(kept));
  });
});
