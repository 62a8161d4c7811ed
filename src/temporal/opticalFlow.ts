/**
 * Dense optical flow by pyramidal Lucas-Kanade: at each level, from coarse to fine, the
 * previous frame is compared with the next frame warped by the current flow, and a Gaussian-
 * windowed least-squares update is solved per pixel. The window is a box applied twice (a
 * triangular, near-Gaussian weight, sigma 2 px at radius 2) by running sums: a Gaussian's taps
 * took most of the run time. A single box was measurably less accurate. Flow F maps frame t-1 to frame t:
 * I_{t-1}(p) ~ I_t(p + F(p)). Frames are first reduced to at most `maxSize` pixels per side,
 * so the cost stays small for any input size.
 */
import { type FloatImage, downsample2, boxBlurInto, resize, sampleBilinear } from '../image/floatImage.js';
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

/**
 * Central differences, one-sided at the borders. Inside the frame the difference is halved by a
 * multiplication, which gives exactly the division's result (a power of two): the division per
 * pixel and axis it replaces cost about 4% of the flow's time.
 */
export function gradientsInto(data: Float32Array, w: number, h: number, gx: Float32Array, gy: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const up = (y > 0 ? y - 1 : y) * w;
    const down = (y < h - 1 ? y + 1 : y) * w;
    const yScale = y > 0 && y < h - 1 ? 0.5 : down - up > 0 ? 1 : 0;
    for (let x = 0; x < w; x++) gy[row + x] = (data[down + x]! - data[up + x]!) * yScale;
    if (w < 3) {
      for (let x = 0; x < w; x++) {
        const xl = x > 0 ? x - 1 : x;
        const xr = x < w - 1 ? x + 1 : x;
        gx[row + x] = (data[row + xr]! - data[row + xl]!) / (xr - xl || 1);
      }
      continue;
    }
    gx[row] = data[row + 1]! - data[row]!;
    for (let x = 1; x < w - 1; x++) gx[row + x] = (data[row + x + 1]! - data[row + x - 1]!) * 0.5;
    gx[row + w - 1] = data[row + w - 1]! - data[row + w - 2]!;
  }
}

/**
 * 3x3 median, clamp-to-edge. Each column's three values are sorted once and shared by the three
 * windows that contain it; the median of the nine is then the median of (largest of the column
 * minima, median of the column medians, smallest of the column maxima), an exact identity for 3x3.
 * The sorted columns slide along the row in locals (the previous, this and the next column)
 * rather than through arrays written and read back: about 5% less time, and no scratch arrays.
 */
export function median3x3(f: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(f.length);
  for (let y = 0; y < h; y++) {
    const ym = (y > 0 ? y - 1 : y) * w;
    const y0 = y * w;
    const yp = (y < h - 1 ? y + 1 : y) * w;
    // Column 0, also its own left neighbour at the clamped edge.
    let p = f[ym]!;
    let q = f[y0]!;
    let r = f[yp]!;
    let loHere = min(p, q, r);
    let midHere = median3(p, q, r);
    let hiHere = max(p, q, r);
    let loLeft = loHere;
    let midLeft = midHere;
    let hiLeft = hiHere;
    for (let x = 0; x < w; x++) {
      let loRight = loHere;
      let midRight = midHere;
      let hiRight = hiHere;
      if (x < w - 1) {
        p = f[ym + x + 1]!;
        q = f[y0 + x + 1]!;
        r = f[yp + x + 1]!;
        loRight = min(p, q, r);
        midRight = median3(p, q, r);
        hiRight = max(p, q, r);
      }
      out[y0 + x] = median3(max(loLeft, loHere, loRight), median3(midLeft, midHere, midRight), min(hiLeft, hiHere, hiRight));
      loLeft = loHere;
      midLeft = midHere;
      hiLeft = hiHere;
      loHere = loRight;
      midHere = midRight;
      hiHere = hiRight;
    }
  }
  return out;
}

function median3(p: number, q: number, r: number): number {
  return max(min(p, q), min(max(p, q), r));
}

function warpInto(img: FloatImage, u: Float32Array, v: Float32Array, sign: 1 | -1, out: Float32Array): void {
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const k = y * img.width + x;
      out[k] = sampleBilinear(img, x + sign * u[k]!, y + sign * v[k]!);
    }
  }
}

/**
 * The arrays one flow computation needs, kept between calls (sized for the finest level; coarser
 * levels use their first w*h values): fresh arrays per level and iteration were ~800 allocations a
 * frame, and collecting them cost more than a second per 300-frame loop in Chromium. Safe to share
 * because a flow computation runs to its end without yielding.
 */
class FlowWorkspace {
  readonly warped: Float32Array;
  readonly mean: Float32Array;
  readonly gx: Float32Array;
  readonly gy: Float32Array;
  /** gx^2, gx gy, gy^2, gx dI, gy dI: blurred in place into the window sums. */
  readonly products: readonly [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  readonly blurred: Float32Array;
  readonly blurRows: Float32Array;
  readonly columnSums: Float64Array;

  constructor(readonly size: number, readonly width: number) {
    const array = () => new Float32Array(size);
    this.warped = array();
    this.mean = array();
    this.gx = array();
    this.gy = array();
    this.products = [array(), array(), array(), array(), array()];
    this.blurred = array();
    this.blurRows = array();
    this.columnSums = new Float64Array(width);
  }
}

let sharedWorkspace: FlowWorkspace | undefined;

function workspaceFor(width: number, height: number): FlowWorkspace {
  const ws = sharedWorkspace;
  if (ws && ws.size >= width * height && ws.width >= width) return ws;
  return (sharedWorkspace = new FlowWorkspace(width * height, width));
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
  const ws = workspaceFor(w, h);
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
    const aw = a.width;
    const ah = a.height;
    const n = aw * ah;
    const ad = a.data;
    const { warped, mean, gx, gy, products, blurred, blurRows, columnSums } = ws;
    const [sxx, sxy, syy, sbx, sby] = products;
    for (let it = 0; it < o.iterations; it++) {
      warpInto(b, u, v, 1, warped);
      // Gradients of the mean of both frames: a symmetric, more accurate linearisation.
      for (let i = 0; i < n; i++) mean[i] = 0.5 * (ad[i]! + warped[i]!);
      gradientsInto(mean, aw, ah, gx, gy);
      for (let i = 0; i < n; i++) {
        const diff = warped[i]! - ad[i]!;
        sxx[i] = gx[i]! * gx[i]!;
        sxy[i] = gx[i]! * gy[i]!;
        syy[i] = gy[i]! * gy[i]!;
        sbx[i] = gx[i]! * diff;
        sby[i] = gy[i]! * diff;
      }
      if (o.windowRadius >= 1) {
        for (const p of products) {
          boxBlurInto(p, blurred, blurRows, columnSums, aw, ah, o.windowRadius);
          boxBlurInto(blurred, p, blurRows, columnSums, aw, ah, o.windowRadius);
        }
      }
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
    u = median3x3(u, aw, ah);
    v = median3x3(v, aw, ah);
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
  const out = new Float32Array(previous.width * previous.height);
  warpInto(previous, flow.u, flow.v, -1, out);
  return { width: previous.width, height: previous.height, data: out };
}

/** Confidence M(p) = exp(-alpha |I_t(p) - warp(I_{t-1})(p)|), intensities in [0, 1]. */
export function confidenceMap(current: FloatImage, warpedPrevious: FloatImage, alpha: number): Float32Array {
  const out = new Float32Array(current.data.length);
  for (let i = 0; i < out.length; i++) out[i] = exp(-alpha * abs(current.data[i]! - warpedPrevious.data[i]!));
  return out;
}
