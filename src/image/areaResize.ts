/**
 * Resampling by pixel-area relation, as OpenCV's INTER_AREA does it for float images: the
 * resize the models were trained with (training/trus_train/data.py), so that the engine feeds a
 * model what it saw in training. Separable: each output pixel of an axis is a weighted sum of a
 * few source pixels, the weights computed once per axis.
 */
import type { FloatImage } from './floatImage.js';

const { ceil, floor, min } = Math;

/** For each output index of one axis: its first source index and weights (`taps` per index, unused ones 0). */
export interface AxisWeights {
  start: Int32Array;
  weights: Float64Array;
  taps: number;
}

function packWeights(rows: { start: number; weights: number[] }[]): AxisWeights {
  const taps = Math.max(1, ...rows.map((r) => r.weights.length));
  const start = new Int32Array(rows.length);
  const weights = new Float64Array(rows.length * taps);
  rows.forEach((r, i) => {
    start[i] = r.start;
    weights.set(r.weights, i * taps);
  });
  return { start, weights, taps };
}

/**
 * The weights of an axis that shrinks (or keeps its size): output pixel d averages the source
 * interval [d*scale, (d+1)*scale), a partly covered pixel at either end weighted by its share.
 */
export function shrinkingAxisWeights(outSize: number, inSize: number): AxisWeights {
  const scale = inSize / outSize;
  const rows: { start: number; weights: number[] }[] = [];
  for (let d = 0; d < outSize; d++) {
    const from = d * scale;
    const to = from + scale;
    const cell = min(scale, inSize - from);
    let first = ceil(from);
    const last = min(floor(to), inSize - 1);
    first = min(first, last);
    const weights: number[] = [];
    let start = first;
    // Shares under a thousandth of a pixel are left out, as OpenCV leaves them.
    if (first - from > 1e-3) {
      start = first - 1;
      weights.push((first - from) / cell);
    }
    for (let s = first; s < last; s++) weights.push(1 / cell);
    if (to - last > 1e-3) weights.push(min(to - last, 1, cell) / cell);
    rows.push({ start, weights });
  }
  return packWeights(rows);
}

/**
 * OpenCV's INTER_AREA on an image that grows along either axis: two taps per output pixel,
 * the nearest source pixel except where an output pixel straddles a source pixel's edge. It
 * applies to both axes then, the shrinking one included.
 */
export function growingAxisWeights(outSize: number, inSize: number): AxisWeights {
  const scale = inSize / outSize;
  const inverse = outSize / inSize;
  const rows: { start: number; weights: number[] }[] = [];
  for (let d = 0; d < outSize; d++) {
    const s = floor(d * scale);
    let f = d + 1 - (s + 1) * inverse;
    f = f <= 0 ? 0 : f - floor(f);
    if (s + 1 >= inSize) rows.push({ start: min(s, inSize - 1), weights: [1] });
    else rows.push({ start: s, weights: [1 - f, f] });
  }
  return packWeights(rows);
}

/** A loop resizes every frame alike: its two axes' weights are computed once. */
const cached = new Map<string, AxisWeights>();

function axisWeights(shrinking: boolean, outSize: number, inSize: number): AxisWeights {
  const key = `${shrinking ? 's' : 'g'}${outSize}/${inSize}`;
  let found = cached.get(key);
  if (!found) {
    found = shrinking ? shrinkingAxisWeights(outSize, inSize) : growingAxisWeights(outSize, inSize);
    if (cached.size >= 32) cached.clear();
    cached.set(key, found);
  }
  return found;
}

let horizontalPass = new Float64Array(0);
let sums = new Float64Array(0);

/**
 * `width` x `height` from the rectangle (x0, y0, w, h) of `img`, each value multiplied by
 * `scale` first, by OpenCV's INTER_AREA: area averaging when neither axis grows, else its
 * two-tap form on both axes. Written into `into` from `offset` when given (the result's data is
 * then a view of it), so that a caller who keeps its array between frames does not pay a new
 * one's page faults every frame.
 */
export function resizeArea(img: FloatImage, x0: number, y0: number, w: number, h: number, width: number, height: number, scale = 1, into?: { data: Float32Array; offset: number }): FloatImage {
  if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > img.width || y0 + h > img.height) {
    throw new RangeError(`resizeArea: the rectangle ${x0},${y0} ${w}x${h} is not inside a ${img.width}x${img.height} image`);
  }
  if (into && into.offset + width * height > into.data.length) {
    throw new RangeError(`resizeArea: ${width}x${height} values from ${into.offset} do not fit an array of ${into.data.length}`);
  }
  const shrinking = w >= width && h >= height;
  const xs = axisWeights(shrinking, width, w);
  const ys = axisWeights(shrinking, height, h);
  // Horizontal pass over every source row of the rectangle, then the vertical one. The passes'
  // array is kept between frames: a new one a frame (300 kB at 400 px) cost its page faults, dear
  // on some hosts (see prepareDecodedFrame); every value read is written first.
  if (horizontalPass.length < h * width) horizontalPass = new Float64Array(h * width);
  const rows = horizontalPass;
  for (let y = 0; y < h; y++) horizontalRow(img.data, (y0 + y) * img.width + x0, rows, y * width, xs, width, scale);
  const out = into ? into.data.subarray(into.offset, into.offset + width * height) : new Float32Array(width * height);
  if (sums.length !== width) sums = new Float64Array(width);
  for (let y = 0; y < height; y++) verticalRow(rows, out, y, ys, width, sums);
  return { width, height, data: out };
}

function horizontalRow(src: Float32Array, from: number, dst: Float64Array, at: number, xs: AxisWeights, width: number, scale: number): void {
  const { start, weights, taps } = xs;
  for (let x = 0; x < width; x++) {
    let s = 0;
    const first = from + start[x]!;
    for (let t = 0, k = x * taps; t < taps; t++, k++) {
      const weight = weights[k]!;
      if (weight !== 0) s += weight * (src[first + t]! * scale);
    }
    dst[at + x] = s;
  }
}

function verticalRow(src: Float64Array, dst: Float32Array, y: number, ys: AxisWeights, width: number, sums: Float64Array): void {
  const { start, weights, taps } = ys;
  const first = start[y]! * width;
  sums.fill(0);
  for (let t = 0, k = y * taps; t < taps; t++, k++) {
    const weight = weights[k]!;
    if (weight === 0) continue;
    const row = first + t * width;
    for (let x = 0; x < width; x++) sums[x]! += weight * src[row + x]!;
  }
  dst.set(sums, y * width);
}
