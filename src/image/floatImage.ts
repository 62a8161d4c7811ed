/** A single-channel float image and the resampling helpers the flow and metrics share. */
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { ceil, exp, floor, max, min } = Math;

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
  const x0 = floor(x);
  const y0 = floor(y);
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

/** Intensities divided by the file's maximum value: the [0, 1] scale the metrics and models use. */
export function unitIntensities(frame: ArrayLike<number>, maxValue: number): Float32Array {
  const out = new Float32Array(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = frame[i]! / maxValue;
  return out;
}

/** Separable Gaussian blur with clamp-to-edge borders. */
export function gaussianBlur(img: FloatImage, sigma: number): FloatImage {
  if (sigma <= 0) return floatImage(img.width, img.height, img.data);
  const half = max(1, ceil(3 * sigma));
  const k = new Float32Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) sum += k[i + half] = exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  const { width: w, height: h } = img;
  const src = img.data;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const taps = 2 * half + 1;
  // Rows: clamped taps only near the edges, a plain dot product inside.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      if (x >= half && x < w - half) {
        const base = row + x - half;
        for (let i = 0; i < taps; i++) s += k[i]! * src[base + i]!;
      } else {
        for (let i = -half; i <= half; i++) s += k[i + half]! * src[row + min(w - 1, max(0, x + i))]!;
      }
      tmp[row + x] = s;
    }
  }
  // Columns: whole rows scaled and added, which walks memory in order.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = -half; i <= half; i++) {
      const weight = k[i + half]!;
      const from = min(h - 1, max(0, y + i)) * w;
      for (let x = 0; x < w; x++) out[row + x]! += weight * tmp[from + x]!;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Mean over a (2r+1)^2 window with clamp-to-edge borders, by running sums: the cost does not
 * grow with the radius (the Lucas-Kanade window, where a Gaussian's taps dominated the run time).
 */
export function boxBlur(img: FloatImage, radius: number): FloatImage {
  const { width: w, height: h, data: src } = img;
  if (radius < 1) return floatImage(w, h, src);
  const r = radius;
  const inv = 1 / (2 * r + 1);
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let i = -r; i <= r; i++) s += src[row + min(w - 1, max(0, i))]!;
    for (let x = 0; x < w; x++) {
      tmp[row + x] = s * inv;
      s += src[row + min(w - 1, x + r + 1)]! - src[row + max(0, x - r)]!;
    }
  }
  const acc = new Float64Array(w);
  for (let i = -r; i <= r; i++) {
    const from = min(h - 1, max(0, i)) * w;
    for (let x = 0; x < w; x++) acc[x]! += tmp[from + x]!;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const add = min(h - 1, y + r + 1) * w;
    const sub = max(0, y - r) * w;
    for (let x = 0; x < w; x++) {
      out[row + x] = acc[x]! * inv;
      acc[x]! += tmp[add + x]! - tmp[sub + x]!;
    }
  }
  return { width: w, height: h, data: out };
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

/** Resamples to an arbitrary size (bilinear, pixel centres aligned). */
export function resize(img: FloatImage, width: number, height: number): FloatImage {
  if (width === img.width && height === img.height) return floatImage(width, height, img.data);
  const source = width < img.width || height < img.height ? gaussianBlur(img, max(img.width / width, img.height / height) / 2) : img;
  const out = new Float32Array(width * height);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = sampleBilinear(source, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5);
  return { width, height, data: out };
}
