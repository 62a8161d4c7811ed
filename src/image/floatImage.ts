/** A single-channel float image and the resampling helpers the flow and metrics share. */
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { ceil, exp, floor, fround, max, min } = Math;

export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

export function floatImage(width: number, height: number, data?: ArrayLike<number>): FloatImage {
  const out = new Float32Array(width * height);
  if (data) {
    if (data.length !== width * height) throw new RangeError(`${data.length} values for a ${width}x${height} image`);
    out.set(data);
  }
  return { width, height, data: out };
}

/** Bilinear sample with border (clamp-to-edge) padding. */
export function sampleBilinear(img: FloatImage, x: number, y: number): number {
  const { width: w, height: h, data } = img;
  if (x < 0) x = 0;
  else if (x > w - 1) x = w - 1;
  if (y < 0) y = 0;
  else if (y > h - 1) y = h - 1;
  // Truncation is floor here (both clamped to at least 0) and gives an integer index directly. NaN
  // still gives NaN: it truncates to 0, an index in range, and fx or fy is NaN.
  const x0 = x | 0;
  const y0 = y | 0;
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const fx = x - x0;
  const fy = y - y0;
  const a = data[y0 * w + x0]!;
  const b = data[y0 * w + x1]!;
  const c = data[y1 * w + x0]!;
  const d = data[y1 * w + x1]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/**
 * Intensities divided by the file's maximum value, the [0, 1] scale the metrics and models use, in
 * the decoded frame's own array: its callers need the frame no longer, and a new array a frame
 * costs page faults (see prepareDecodedFrame).
 */
export function unitIntensitiesInPlace(frame: Float32Array, maxValue: number): Float32Array {
  for (let i = 0; i < frame.length; i++) frame[i] = frame[i]! / maxValue;
  return frame;
}

/** One pixel of a row near its ends, where taps fall outside and are clamped to the edge. */
function convolveClamped(src: Float32Array, dst: Float32Array, row: number, x: number, w: number, k: Float32Array, half: number): void {
  let s = 0;
  for (let i = -half; i <= half; i++) s += k[i + half]! * src[row + min(w - 1, max(0, x + i))]!;
  dst[row + x] = s;
}

/** One row of a 1-D convolution with clamp-to-edge borders: clamped taps only near the edges. */
function convolveRow(src: Float32Array, dst: Float32Array, row: number, w: number, k: Float32Array, half: number): void {
  const taps = 2 * half + 1;
  const end = w - half;
  let x = 0;
  for (; x < half && x < w; x++) convolveClamped(src, dst, row, x, w, k, half);
  // Interior: four pixels at a time, four independent sums (the same sums, in the same order).
  for (; x + 3 < end; x += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0, at = row + x - half; i < taps; i++, at++) {
      const weight = k[i]!;
      s0 += weight * src[at]!;
      s1 += weight * src[at + 1]!;
      s2 += weight * src[at + 2]!;
      s3 += weight * src[at + 3]!;
    }
    dst[row + x] = s0;
    dst[row + x + 1] = s1;
    dst[row + x + 2] = s2;
    dst[row + x + 3] = s3;
  }
  for (; x < w; x++) {
    if (x >= half && x < end) {
      let s = 0;
      for (let i = 0, at = row + x - half; i < taps; i++, at++) s += k[i]! * src[at]!;
      dst[row + x] = s;
    } else convolveClamped(src, dst, row, x, w, k, half);
  }
}

/**
 * One output row of the vertical pass. The sum is rounded to float32 after every tap, as when it
 * was accumulated in the output array row by row: the same values, without a store per tap.
 */
function convolveColumnsRow(src: Float32Array, dst: Float32Array, y: number, w: number, h: number, k: Float32Array, half: number): void {
  const row = y * w;
  const taps = 2 * half + 1;
  if (y >= half && y < h - half) {
    const first = (y - half) * w;
    let x = 0;
    // Four pixels at a time: four independent chains of additions keep the CPU busy.
    for (; x + 3 < w; x += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0, at = first + x; i < taps; i++, at += w) {
        const weight = k[i]!;
        s0 = fround(s0 + weight * src[at]!);
        s1 = fround(s1 + weight * src[at + 1]!);
        s2 = fround(s2 + weight * src[at + 2]!);
        s3 = fround(s3 + weight * src[at + 3]!);
      }
      dst[row + x] = s0;
      dst[row + x + 1] = s1;
      dst[row + x + 2] = s2;
      dst[row + x + 3] = s3;
    }
    for (; x < w; x++) {
      let s = 0;
      for (let i = 0, at = first + x; i < taps; i++, at += w) s = fround(s + k[i]! * src[at]!);
      dst[row + x] = s;
    }
    return;
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -half; i <= half; i++) s = fround(s + k[i + half]! * src[min(h - 1, max(0, y + i)) * w + x]!);
    dst[row + x] = s;
  }
}

/**
 * Separable Gaussian blur with clamp-to-edge borders. The loops over pixels sit in small per-row
 * functions: V8 optimises those by their call counts, where a whole-image loop was compiled on
 * stack again on every call (and deoptimised on leaving its inner loop) in Chromium.
 */
export function gaussianBlur(img: FloatImage, sigma: number): FloatImage {
  return gaussianBlurRows(img, sigma);
}

/**
 * gaussianBlur, with the vertical pass only on the rows marked in `rows` and both passes only on
 * the columns listed in `columns` (ascending; the others are left as they were: 0, or stale values
 * in `into`'s arrays, which may be longer than the image): a resize reads about two rows in three
 * and two columns in three when it shrinks a frame threefold, as the flow does.
 */
function gaussianBlurRows(img: FloatImage, sigma: number, rows?: Uint8Array, columns?: Int32Array, into?: { tmp: Float32Array; out: Float32Array }): FloatImage {
  if (sigma <= 0) return floatImage(img.width, img.height, img.data);
  const half = max(1, ceil(3 * sigma));
  const k = new Float32Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) sum += k[i + half] = exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  const { width: w, height: h } = img;
  const tmp = into?.tmp ?? new Float32Array(w * h);
  const out = into?.out ?? new Float32Array(w * h);
  if (columns) {
    for (let y = 0; y < h; y++) convolveRowAt(img.data, tmp, y * w, w, k, half, columns);
    for (let y = 0; y < h; y++) if (!rows || rows[y]) convolveColumnsRowAt(tmp, out, y, w, h, k, half, columns);
  } else {
    for (let y = 0; y < h; y++) convolveRow(img.data, tmp, y * w, w, k, half);
    for (let y = 0; y < h; y++) if (!rows || rows[y]) convolveColumnsRow(tmp, out, y, w, h, k, half);
  }
  return { width: w, height: h, data: out };
}

/**
 * convolveRow at the listed columns only: four of them at a time, four independent sums (each the
 * same sum, in the same order, as convolveRow's).
 */
function convolveRowAt(src: Float32Array, dst: Float32Array, row: number, w: number, k: Float32Array, half: number, columns: Int32Array): void {
  const taps = 2 * half + 1;
  const end = w - half;
  const n = columns.length;
  let j = 0;
  for (; j < n && columns[j]! < half; j++) convolveClamped(src, dst, row, columns[j]!, w, k, half);
  for (; j + 3 < n && columns[j + 3]! < end; j += 4) {
    const c0 = columns[j]!;
    const c1 = columns[j + 1]!;
    const c2 = columns[j + 2]!;
    const c3 = columns[j + 3]!;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0, at = row - half; i < taps; i++, at++) {
      const weight = k[i]!;
      s0 += weight * src[at + c0]!;
      s1 += weight * src[at + c1]!;
      s2 += weight * src[at + c2]!;
      s3 += weight * src[at + c3]!;
    }
    dst[row + c0] = s0;
    dst[row + c1] = s1;
    dst[row + c2] = s2;
    dst[row + c3] = s3;
  }
  for (; j < n; j++) {
    const c = columns[j]!;
    if (c < end) {
      let s = 0;
      for (let i = 0, at = row + c - half; i < taps; i++, at++) s += k[i]! * src[at]!;
      dst[row + c] = s;
    } else convolveClamped(src, dst, row, c, w, k, half);
  }
}

/** convolveColumnsRow at the listed columns only (the same sums, rounded after every tap). */
function convolveColumnsRowAt(src: Float32Array, dst: Float32Array, y: number, w: number, h: number, k: Float32Array, half: number, columns: Int32Array): void {
  const row = y * w;
  const taps = 2 * half + 1;
  const n = columns.length;
  if (y >= half && y < h - half) {
    const first = (y - half) * w;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const c0 = columns[j]!;
      const c1 = columns[j + 1]!;
      const c2 = columns[j + 2]!;
      const c3 = columns[j + 3]!;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0, at = first; i < taps; i++, at += w) {
        const weight = k[i]!;
        s0 = fround(s0 + weight * src[at + c0]!);
        s1 = fround(s1 + weight * src[at + c1]!);
        s2 = fround(s2 + weight * src[at + c2]!);
        s3 = fround(s3 + weight * src[at + c3]!);
      }
      dst[row + c0] = s0;
      dst[row + c1] = s1;
      dst[row + c2] = s2;
      dst[row + c3] = s3;
    }
    for (; j < n; j++) {
      const c = columns[j]!;
      let s = 0;
      for (let i = 0, at = first + c; i < taps; i++, at += w) s = fround(s + k[i]! * src[at]!);
      dst[row + c] = s;
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const c = columns[j]!;
    let s = 0;
    for (let i = -half; i <= half; i++) s = fround(s + k[i + half]! * src[min(h - 1, max(0, y + i)) * w + c]!);
    dst[row + c] = s;
  }
}

/**
 * Mean over a (2r+1)^2 window with clamp-to-edge borders, by running sums: the cost does not
 * grow with the radius (the Lucas-Kanade window, where a Gaussian's taps dominated the run time).
 */
export function boxBlur(img: FloatImage, radius: number): FloatImage {
  const { width: w, height: h, data: src } = img;
  if (radius < 1) return floatImage(w, h, src);
  const out = new Float32Array(w * h);
  boxBlurInto(src, out, new Float32Array(w * h), new Float64Array(w), w, h, radius);
  return { width: w, height: h, data: out };
}

/**
 * boxBlur into caller-owned arrays (`tmp` holds the horizontal pass, `acc` the column sums of the
 * last w mod 4 columns): the flow blurs five arrays twice per iteration, and fresh arrays for each made most of
 * its garbage. The arrays may be longer than w*h; `dst` may be `src`.
 */
export function boxBlurInto(src: Float32Array, dst: Float32Array, tmp: Float32Array, acc: Float64Array, w: number, h: number, radius: number): void {
  const r = radius;
  const inv = 1 / (2 * r + 1);
  // The running sum along a row is one long chain of dependent additions: four rows advance
  // together so that four chains overlap (each row's sums are the same, in the same order).
  const start = min(r, w);
  const end = max(start, w - r - 1);
  let y = 0;
  for (; y + 3 < h; y += 4) {
    const r0 = y * w;
    const r1 = r0 + w;
    const r2 = r1 + w;
    const r3 = r2 + w;
    let s0 = boxRowHead(src, tmp, r0, w, r, inv);
    let s1 = boxRowHead(src, tmp, r1, w, r, inv);
    let s2 = boxRowHead(src, tmp, r2, w, r, inv);
    let s3 = boxRowHead(src, tmp, r3, w, r, inv);
    for (let x = start, enter = x + r + 1, leave = x - r; x < end; x++, enter++, leave++) {
      tmp[r0 + x] = s0 * inv;
      tmp[r1 + x] = s1 * inv;
      tmp[r2 + x] = s2 * inv;
      tmp[r3 + x] = s3 * inv;
      s0 += src[r0 + enter]! - src[r0 + leave]!;
      s1 += src[r1 + enter]! - src[r1 + leave]!;
      s2 += src[r2 + enter]! - src[r2 + leave]!;
      s3 += src[r3 + enter]! - src[r3 + leave]!;
    }
    boxRowTail(src, tmp, r0, end, w, r, inv, s0);
    boxRowTail(src, tmp, r1, end, w, r, inv, s1);
    boxRowTail(src, tmp, r2, end, w, r, inv, s2);
    boxRowTail(src, tmp, r3, end, w, r, inv, s3);
  }
  for (; y < h; y++) {
    const row = y * w;
    let s = boxRowHead(src, tmp, row, w, r, inv);
    for (let x = start; x < end; x++) {
      tmp[row + x] = s * inv;
      s += src[row + x + r + 1]! - src[row + x - r]!;
    }
    boxRowTail(src, tmp, row, end, w, r, inv, s);
  }
  // The vertical pass four columns at a time, down the whole height: the running sums stay in
  // registers instead of an array read and written at every pixel (the same sums, in the same order).
  let x = 0;
  for (; x + 3 < w; x += 4) boxColumns4(tmp, dst, x, w, h, r, inv);
  acc.fill(0, x, w);
  for (let i = -r; i <= r; i++) {
    const from = min(h - 1, max(0, i)) * w;
    for (let c = x; c < w; c++) acc[c]! += tmp[from + c]!;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const add = min(h - 1, y + r + 1) * w;
    const sub = max(0, y - r) * w;
    for (let c = x; c < w; c++) {
      dst[row + c] = acc[c]! * inv;
      acc[c]! += tmp[add + c]! - tmp[sub + c]!;
    }
  }
}

/** Columns x..x+3 of the vertical box pass. */
function boxColumns4(tmp: Float32Array, dst: Float32Array, x: number, w: number, h: number, r: number, inv: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = -r; i <= r; i++) {
    const from = min(h - 1, max(0, i)) * w + x;
    s0 += tmp[from]!;
    s1 += tmp[from + 1]!;
    s2 += tmp[from + 2]!;
    s3 += tmp[from + 3]!;
  }
  for (let y = 0; y < h; y++) {
    const at = y * w + x;
    const add = min(h - 1, y + r + 1) * w + x;
    const sub = max(0, y - r) * w + x;
    dst[at] = s0 * inv;
    dst[at + 1] = s1 * inv;
    dst[at + 2] = s2 * inv;
    dst[at + 3] = s3 * inv;
    s0 += tmp[add]! - tmp[sub]!;
    s1 += tmp[add + 1]! - tmp[sub + 1]!;
    s2 += tmp[add + 2]! - tmp[sub + 2]!;
    s3 += tmp[add + 3]! - tmp[sub + 3]!;
  }
}

/**
 * The first min(r, w) outputs of a row of the horizontal box pass, where the sample leaving the
 * window is clamped to the row's start; returns the running sum for the next output.
 */
function boxRowHead(src: Float32Array, tmp: Float32Array, row: number, w: number, r: number, inv: number): number {
  let s = 0;
  for (let i = -r; i <= r; i++) s += src[row + min(w - 1, max(0, i))]!;
  for (let x = 0; x < r && x < w; x++) {
    tmp[row + x] = s * inv;
    s += src[row + min(w - 1, x + r + 1)]! - src[row]!;
  }
  return s;
}

/** The outputs from `x` to the row's end, where the sample entering the window is clamped. */
function boxRowTail(src: Float32Array, tmp: Float32Array, row: number, x: number, w: number, r: number, inv: number, s: number): void {
  for (; x < w; x++) {
    tmp[row + x] = s * inv;
    s += src[row + min(w - 1, x + r + 1)]! - src[row + max(0, x - r)]!;
  }
}

/** Halves the size after an anti-alias blur (for pyramids). */
export function downsample2(img: FloatImage): FloatImage {
  const blurred = gaussianBlur(img, 1);
  const w = max(1, floor(img.width / 2));
  const h = max(1, floor(img.height / 2));
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = sampleBilinear(blurred, 2 * x + 0.5, 2 * y + 0.5);
  return { width: w, height: h, data: out };
}

/** Where each output pixel of one axis samples its source: the two neighbours and the weight of the second. */
export interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

/** The clamping and rounding of sampleBilinear, done once per column and row instead of per pixel. */
export function axisTaps(outSize: number, inSize: number): AxisTaps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  const step = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    let t = (i + 0.5) * step - 0.5;
    if (t < 0) t = 0;
    else if (t > inSize - 1) t = inSize - 1;
    const t0 = floor(t);
    lo[i] = t0;
    hi[i] = t0 + 1 < inSize ? t0 + 1 : t0;
    frac[i] = t - t0;
  }
  return { lo, hi, frac };
}

function resampleRow(data: Float32Array, out: Float32Array, outRow: number, row0: number, row1: number, fy: number, xs: AxisTaps, width: number): void {
  const { lo, hi, frac } = xs;
  for (let x = 0; x < width; x++) {
    const fx = frac[x]!;
    const a = data[row0 + lo[x]!]!;
    const b = data[row0 + hi[x]!]!;
    const c = data[row1 + lo[x]!]!;
    const d = data[row1 + hi[x]!]!;
    // The same expression as sampleBilinear: identical results.
    out[outRow + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
  }
}

/** The source columns a resample along x reads, ascending. */
function sampledColumns(xs: AxisTaps, inSize: number): Int32Array {
  const read = new Uint8Array(inSize);
  for (let x = 0; x < xs.lo.length; x++) read[xs.lo[x]!] = read[xs.hi[x]!] = 1;
  const columns = new Int32Array(read.reduce((n, r) => n + r, 0));
  for (let c = 0, j = 0; c < inSize; c++) if (read[c]) columns[j++] = c;
  return columns;
}

/** Resamples to an arbitrary size (bilinear, pixel centres aligned, as sampleBilinear samples). */
export function resize(img: FloatImage, width: number, height: number): FloatImage {
  const out = new Float32Array(width * height);
  resizeInto(img, width, height, out, 0, width);
  return { width, height, data: out };
}

/** The blurred frame a shrinking resize samples, kept between calls: only its sampled rows and columns are read. */
let blurScratch: { tmp: Float32Array; out: Float32Array } | undefined;

/**
 * resize, written into `out`: row y of the result at `offset + y * stride` (a box inside a larger
 * frame). A shrinking resize blurs into arrays kept between calls (a new pair a frame cost their
 * page faults, see prepareDecodedFrame); safe to share, since a resize runs to its end without yielding.
 */
export function resizeInto(img: FloatImage, width: number, height: number, out: Float32Array, offset: number, stride: number): void {
  if (width === img.width && height === img.height) {
    // The check the copy through floatImage made before resizeInto wrote rows itself.
    if (img.data.length !== width * height) throw new RangeError(`${img.data.length} values for a ${width}x${height} image`);
    for (let y = 0; y < height; y++) out.set(img.data.subarray(y * width, (y + 1) * width), offset + y * stride);
    return;
  }
  const xs = axisTaps(width, img.width);
  const ys = axisTaps(height, img.height);
  let source = img;
  if (width < img.width || height < img.height) {
    const sampled = new Uint8Array(img.height);
    for (let y = 0; y < height; y++) sampled[ys.lo[y]!] = sampled[ys.hi[y]!] = 1;
    const n = img.width * img.height;
    if (!blurScratch || blurScratch.out.length < n) blurScratch = { tmp: new Float32Array(n), out: new Float32Array(n) };
    const sigma = max(img.width / width, img.height / height) / 2;
    source = gaussianBlurRows(img, sigma, sampled, width < img.width ? sampledColumns(xs, img.width) : undefined, blurScratch);
  }
  for (let y = 0; y < height; y++) resampleRow(source.data, out, offset + y * stride, ys.lo[y]! * img.width, ys.hi[y]! * img.width, ys.frac[y]!, xs, width);
}
