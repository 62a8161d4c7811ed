/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher), with the index of the
 * nearest feature pixel, as MATLAB's bwdist returns it. Used by HD95 (in mm, on pixels that may be
 * taller than wide, as US regions calibrate them) and weighted F-beta (in pixels).
 */
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { max, sqrt } = Math;

const INF = 1e20;

/**
 * 1-D squared distance transform of f with steps of squared length `w` (the pixel spacing
 * squared along this axis), also returning for each position the index of its minimiser.
 */
function dt1d(f: Float64Array, n: number, d: Float64Array, arg: Int32Array, v: Int32Array, z: Float64Array, w: number): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s = (f[q]! + w * q * q - (f[v[k]!]! + w * v[k]! * v[k]!)) / (2 * w * (q - v[k]!));
    while (s <= z[k]!) {
      k--;
      s = (f[q]! + w * q * q - (f[v[k]!]! + w * v[k]! * v[k]!)) / (2 * w * (q - v[k]!));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    d[q] = w * (q - v[k]!) ** 2 + f[v[k]!]!;
    arg[q] = v[k]!;
  }
}

export interface DistanceTransform {
  /** Distance to the nearest feature pixel (0 on features), in pixels or in the spacing's unit. */
  distance: Float32Array;
  /** Linear index of that nearest feature pixel (-1 when there is no feature at all). */
  nearest: Int32Array;
}

/** Distances from every pixel to the nearest pixel where `feature` is non-zero; `spacing` is a pixel's width (x) and height (y). */
export function distanceTransform(feature: ArrayLike<number>, width: number, height: number, spacing: { x: number; y: number } = { x: 1, y: 1 }): DistanceTransform {
  const n = max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const arg = new Int32Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const colDist = new Float64Array(width * height);
  const colArg = new Int32Array(width * height);
  // Columns first: distance along y to the nearest feature in the same column.
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = feature[y * width + x] ? 0 : INF;
    dt1d(f, height, d, arg, v, z, spacing.y * spacing.y);
    for (let y = 0; y < height; y++) {
      colDist[y * width + x] = d[y]!;
      colArg[y * width + x] = arg[y]!;
    }
  }
  const distance = new Float32Array(width * height);
  const nearest = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = colDist[y * width + x]!;
    dt1d(f, width, d, arg, v, z, spacing.x * spacing.x);
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const bestX = arg[x]!;
      const bestY = colArg[y * width + bestX]!;
      const dd = d[x]!;
      distance[k] = dd >= INF / 2 ? Infinity : sqrt(dd);
      nearest[k] = dd >= INF / 2 ? -1 : bestY * width + bestX;
    }
  }
  return { distance, nearest };
}
