/**
 * The gland's calliper diameters in one frame, as a sonographer measures them on the largest
 * section: the extent of the mask along its two principal axes. The axes come from the mask's
 * second moments in millimetres, so that pixels of unequal height and width do not tilt them.
 *
 * The axis nearer the image rows is `lateral`: across the beam of a transrectal probe, which is
 * the transverse (left-right) diameter in a transverse view and the cranio-caudal length in a
 * sagittal one. The other is `anteroposterior`, along the beam, in either view. Naming the axes by
 * the image rather than by length keeps them apart when a gland is taller than it is wide.
 */
const { abs, atan2, cos, sin, max, min } = Math;

export interface GlandDiameters {
  /** Across the beam (mm, or pixels without calibration). */
  lateral: number;
  /** Along the beam (mm, or pixels without calibration). */
  anteroposterior: number;
}

/** The diameters of a binary mask (row-major, width x height), or null when it is empty. */
export function glandDiameters(mask: Uint8Array, width: number, height: number, spacing: { x: number; y: number } = { x: 1, y: 1 }): GlandDiameters | null {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, expected ${width}x${height}`);
  const { x: sx, y: sy } = spacing;
  // One pass for the raw moments (exact enough in float64 for any image size) and the bounding
  // box, so that the projections below visit only the gland's rows and columns.
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXX = 0;
  let sumYY = 0;
  let sumXY = 0;
  let x0 = width;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let rowN = 0;
    let rowX = 0;
    let rowXX = 0;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      rowN++;
      rowX += x;
      rowXX += x * x;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
    if (rowN === 0) continue;
    if (y < y0) y0 = y;
    y1 = y;
    n += rowN;
    sumX += rowX;
    sumXX += rowXX;
    sumY += rowN * y;
    sumYY += rowN * y * y;
    sumXY += rowX * y;
  }
  if (n === 0) return null;
  const mx = sumX / n;
  const my = sumY / n;
  const cxx = (sumXX - n * mx * mx) * sx * sx;
  const cyy = (sumYY - n * my * my) * sy * sy;
  const cxy = (sumXY - n * mx * my) * sx * sy;
  // Direction of the major axis; a mask without a preferred axis (round, square) gets the image's
  // own axes rather than whatever angle rounding noise in its moments would point to.
  const isotropic = abs(cxy) <= 1e-9 * (cxx + cyy) && abs(cxx - cyy) <= 1e-9 * (cxx + cyy);
  const theta = isotropic ? 0 : 0.5 * atan2(2 * cxy, cxx - cyy);
  let ux = cos(theta);
  let uy = sin(theta);
  if (abs(ux) < abs(uy)) [ux, uy] = [-uy, ux];
  // u is the lateral axis, v = u turned a quarter the antero-posterior one.
  const vx = -uy;
  const vy = ux;
  let uLo = Infinity;
  let uHi = -Infinity;
  let vLo = Infinity;
  let vHi = -Infinity;
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    const py = y * sy;
    for (let x = x0; x <= x1; x++) {
      if (!mask[row + x]) continue;
      const px = x * sx;
      const pu = px * ux + py * uy;
      const pv = px * vx + py * vy;
      uLo = min(uLo, pu);
      uHi = max(uHi, pu);
      vLo = min(vLo, pv);
      vHi = max(vHi, pv);
    }
  }
  // From pixel centres to pixel edges: a pixel's footprint along a direction is the projection of its rectangle.
  return {
    lateral: uHi - uLo + abs(ux) * sx + abs(uy) * sy,
    anteroposterior: vHi - vLo + abs(vx) * sx + abs(vy) * sy,
  };
}

/** The median of each diameter over the frames that have a mask (null when none has). */
export function medianDiameters(frames: readonly { diameters?: GlandDiameters | null }[]): GlandDiameters | null {
  const present = frames.map((f) => f.diameters).filter((d): d is GlandDiameters => !!d);
  if (present.length === 0) return null;
  return { lateral: median(present.map((d) => d.lateral)), anteroposterior: median(present.map((d) => d.anteroposterior)) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
