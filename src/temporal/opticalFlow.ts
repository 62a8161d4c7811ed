/**
 * Dense optical flow by pyramidal Lucas-Kanade: at each level, from coarse to fine, the
 * previous frame is compared with the next frame warped by the current flow, and a Gaussian-
 * windowed least-squares update is solved per pixel. The window is a box applied twice (a
 * triangular, near-Gaussian weight, sigma 2 px at radius 2) by running sums: a Gaussian's taps
 * took most of the run time. A single box was measurably less accurate. Flow F maps frame t-1 to frame t:
 * I_{t-1}(p) ~ I_t(p + F(p)). Frames are first reduced to at most `maxSize` pixels per side,
 * so the cost stays small for any input size.
 */
import { type FloatImage, floatImage, downsample2, boxBlur, resize, sampleBilinear } from '../image/floatImage.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, exp, max, min, round } = Math;

export interface FlowField {
  width: number;
  height: number;
  /** Horizontal and vertical displacement in pixels of this field's grid. */
  u: Float32Array;
  v: Float32Array;
}

export interface FlowOptions {
  /** Longest side the flow is computed at (frames are resized down to it). Default 128. */
  maxSize?: number;
  levels?: number;
  iterations?: number;
  /** Window: a (2r+1)^2 box applied twice, radius in pixels of each level. */
  windowRadius?: number;
}

const DEFAULTS = { maxSize: 128, levels: 4, iterations: 5, windowRadius: 2 };

function gradients(img: FloatImage): { gx: Float32Array; gy: Float32Array } {
  const { width: w, height: h, data } = img;
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xl = x > 0 ? x - 1 : x;
      const xr = x < w - 1 ? x + 1 : x;
      const yu = y > 0 ? y - 1 : y;
      const yd = y < h - 1 ? y + 1 : y;
      gx[y * w + x] = (data[y * w + xr]! - data[y * w + xl]!) / (xr - xl || 1);
      gy[y * w + x] = (data[yd * w + x]! - data[yu * w + x]!) / (yd - yu || 1);
    }
  }
  return { gx, gy };
}

/** One exchange of the sorting network (a module function, not a closure per call: V8 inlines it). */
function order(p: Float64Array, i: number, j: number): void {
  if (p[i]! > p[j]!) {
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
}

function median3x3(f: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(f.length);
  const p = new Float64Array(9);
  // The 19-exchange median-of-9 network: far cheaper than sorting a window per pixel.
  for (let y = 0; y < h; y++) {
    const ym = (y > 0 ? y - 1 : y) * w;
    const y0 = y * w;
    const yp = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const xm = x > 0 ? x - 1 : x;
      const xp = x < w - 1 ? x + 1 : x;
      p[0] = f[ym + xm]!; p[1] = f[ym + x]!; p[2] = f[ym + xp]!;
      p[3] = f[y0 + xm]!; p[4] = f[y0 + x]!; p[5] = f[y0 + xp]!;
      p[6] = f[yp + xm]!; p[7] = f[yp + x]!; p[8] = f[yp + xp]!;
      order(p, 1, 2); order(p, 4, 5); order(p, 7, 8); order(p, 0, 1); order(p, 3, 4); order(p, 6, 7);
      order(p, 1, 2); order(p, 4, 5); order(p, 7, 8); order(p, 0, 3); order(p, 5, 8); order(p, 4, 7);
      order(p, 3, 6); order(p, 1, 4); order(p, 2, 5); order(p, 4, 7); order(p, 4, 2); order(p, 6, 4);
      order(p, 4, 2);
      out[y0 + x] = p[4]!;
    }
  }
  return out;
}

function warpBy(img: FloatImage, u: Float32Array, v: Float32Array, sign: 1 | -1): FloatImage {
  const out = new Float32Array(img.width * img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const k = y * img.width + x;
      out[k] = sampleBilinear(img, x + sign * u[k]!, y + sign * v[k]!);
    }
  }
  return { width: img.width, height: img.height, data: out };
}

function pyramid(img: FloatImage, levels: number): FloatImage[] {
  const out = [img];
  while (out.length < levels && min(out[out.length - 1]!.width, out[out.length - 1]!.height) >= 16) out.push(downsample2(out[out.length - 1]!));
  return out;
}

/** A frame reduced to the flow's working size, with its pyramid: computed once per frame of a loop. */
export interface FlowFrame {
  /** Size of the frame it was made from. */
  sourceWidth: number;
  sourceHeight: number;
  scale: number;
  pyramid: FloatImage[];
}

export function flowFrame(image: FloatImage, options: FlowOptions = {}): FlowFrame {
  const o = { ...DEFAULTS, ...options };
  const scale = min(1, o.maxSize / max(image.width, image.height));
  const w = max(1, round(image.width * scale));
  const h = max(1, round(image.height * scale));
  return { sourceWidth: image.width, sourceHeight: image.height, scale, pyramid: pyramid(resize(image, w, h), o.levels) };
}

/** Flow at a reduced working size; `scale` is working pixels per input pixel. */
export function computeFlow(previous: FloatImage, next: FloatImage, options: FlowOptions = {}): FlowField & { scale: number } {
  if (previous.width !== next.width || previous.height !== next.height) throw new RangeError('frames differ in size');
  return computeFlowBetween(flowFrame(previous, options), flowFrame(next, options), options);
}

/** As computeFlow, from frames already reduced by flowFrame with the same options. */
export function computeFlowBetween(previous: FlowFrame, next: FlowFrame, options: FlowOptions = {}): FlowField & { scale: number } {
  if (previous.sourceWidth !== next.sourceWidth || previous.sourceHeight !== next.sourceHeight) throw new RangeError('frames differ in size');
  const o = { ...DEFAULTS, ...options };
  const { scale } = previous;
  const p0 = previous.pyramid;
  const p1 = next.pyramid;
  const w = p0[0]!.width;
  const h = p0[0]!.height;
  let u: Float32Array = new Float32Array(p0[p0.length - 1]!.width * p0[p0.length - 1]!.height);
  let v: Float32Array = new Float32Array(u.length);
  for (let level = p0.length - 1; level >= 0; level--) {
    const a = p0[level]!;
    const b = p1[level]!;
    if (level < p0.length - 1) {
      // Upsample the coarser flow to this level (and double it).
      const coarse = p0[level + 1]!;
      const up = (f: Float32Array) => {
        const r = resize({ width: coarse.width, height: coarse.height, data: f }, a.width, a.height);
        const sx = a.width / coarse.width;
        for (let i = 0; i < r.data.length; i++) r.data[i]! *= sx;
        return r.data;
      };
      u = up(u);
      v = up(v);
    }
    const n = a.width * a.height;
    for (let it = 0; it < o.iterations; it++) {
      const warped = warpBy(b, u, v, 1);
      // Gradients of the mean of both frames: a symmetric, more accurate linearisation.
      const mean = floatImage(a.width, a.height);
      for (let i = 0; i < n; i++) mean.data[i] = 0.5 * (a.data[i]! + warped.data[i]!);
      const { gx, gy } = gradients(mean);
      const products = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      for (let i = 0; i < n; i++) {
        const diff = warped.data[i]! - a.data[i]!;
        products[0]![i] = gx[i]! * gx[i]!;
        products[1]![i] = gx[i]! * gy[i]!;
        products[2]![i] = gy[i]! * gy[i]!;
        products[3]![i] = gx[i]! * diff;
        products[4]![i] = gy[i]! * diff;
      }
      const [sxx, sxy, syy, sbx, sby] = products.map((p) => boxBlur(boxBlur({ width: a.width, height: a.height, data: p }, o.windowRadius), o.windowRadius).data) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      for (let i = 0; i < n; i++) {
        const A = sxx[i]!;
        const B = sxy[i]!;
        const C = syy[i]!;
        const det = A * C - B * B;
        // Flat or one-dimensional texture: no reliable update (the aperture problem).
        if (A + C < 1e-10 || det < 1e-6 * (A + C) ** 2) continue;
        // At most one pixel per iteration: a bad linearisation cannot throw the estimate away.
        const du = max(-1, min(1, -(C * sbx[i]! - B * sby[i]!) / det));
        const dv = max(-1, min(1, -(A * sby[i]! - B * sbx[i]!) / det));
        u[i]! += du;
        v[i]! += dv;
      }
    }
    // The reference also median-filters its flow: isolated outliers do not survive to the next level.
    u = median3x3(u, a.width, a.height);
    v = median3x3(v, a.width, a.height);
  }
  return { width: w, height: h, u, v, scale };
}

/** The flow resampled to a full-resolution grid, in full-resolution pixels. */
export function flowAtResolution(flow: FlowField & { scale: number }, width: number, height: number): FlowField {
  const factor = 1 / flow.scale;
  const u = resize({ width: flow.width, height: flow.height, data: flow.u }, width, height).data;
  const v = resize({ width: flow.width, height: flow.height, data: flow.v }, width, height).data;
  for (let i = 0; i < u.length; i++) {
    u[i]! *= factor;
    v[i]! *= factor;
  }
  return { width, height, u, v };
}

/**
 * Warps the previous frame (or probability map) to time t as the method does: sample at
 * p - F(p), bilinear, border padding.
 */
export function warpPrevious(previous: FloatImage, flow: FlowField): FloatImage {
  if (flow.width !== previous.width || flow.height !== previous.height) throw new RangeError('flow and image sizes differ');
  return warpBy(previous, flow.u, flow.v, -1);
}

/** Confidence M(p) = exp(-alpha |I_t(p) - warp(I_{t-1})(p)|), intensities in [0, 1]. */
export function confidenceMap(current: FloatImage, warpedPrevious: FloatImage, alpha: number): Float32Array {
  const out = new Float32Array(current.data.length);
  for (let i = 0; i < out.length; i++) out[i] = exp(-alpha * abs(current.data[i]! - warpedPrevious.data[i]!));
  return out;
}
