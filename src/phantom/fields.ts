/** Random fields on regular grids: smooth texture (echogenicity variation) and evolving scatterers (speckle). */
import { SeededRandom } from './random.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { ceil, floor, max, min, sqrt } = Math;

const NORMALS = 1 << 16;
let normalTable: Float32Array | undefined;

/**
 * Standard normal deviates by table look-up: the scatterer field needs hundreds of thousands per
 * frame, and a 65,536-entry table indexed by a fresh 32-bit draw is statistically ample for speckle.
 */
function normals(): Float32Array {
  if (!normalTable) {
    const rng = new SeededRandom('normal-table');
    normalTable = new Float32Array(NORMALS);
    for (let i = 0; i < NORMALS; i++) normalTable[i] = rng.normal();
  }
  return normalTable;
}

/** A grid covering [x0, x0 + nx*step) x [y0, y0 + ny*step), sampled bilinearly, clamped at the edges. */
class Grid {
  constructor(
    readonly x0: number,
    readonly y0: number,
    readonly step: number,
    readonly nx: number,
    readonly ny: number,
  ) {}

  /** Writes the cell index and bilinear weights for (x, y) into `out` as (index, wx, wy); clamps at the edges. */
  locate(x: number, y: number, out: Float64Array): void {
    let fx = (x - this.x0) / this.step;
    let fy = (y - this.y0) / this.step;
    if (fx < 0) fx = 0;
    else if (fx > this.nx - 1.001) fx = this.nx - 1.001;
    if (fy < 0) fy = 0;
    else if (fy > this.ny - 1.001) fy = this.ny - 1.001;
    const ix = floor(fx);
    const iy = floor(fy);
    out[0] = iy * this.nx + ix;
    out[1] = fx - ix;
    out[2] = fy - iy;
  }
}

/** Smooth zero-mean, unit-variance texture: white noise on a coarse grid, box-smoothed, bilinear. */
export class SmoothNoise {
  private readonly grid: Grid;
  private readonly values: Float32Array;
  private readonly at = new Float64Array(3);

  constructor(rng: SeededRandom, x0: number, y0: number, width: number, height: number, correlationMm: number) {
    const step = correlationMm / 2;
    const nx = ceil(width / step) + 2;
    const ny = ceil(height / step) + 2;
    this.grid = new Grid(x0, y0, step, nx, ny);
    const raw = new Float32Array(nx * ny);
    for (let i = 0; i < raw.length; i++) raw[i] = rng.normal();
    // 3x3 box smoothing, then rescale to unit variance.
    const smooth = new Float32Array(nx * ny);
    let sumSq = 0;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += raw[min(ny - 1, max(0, y + dy)) * nx + min(nx - 1, max(0, x + dx))]!;
        smooth[y * nx + x] = s / 9;
        sumSq += (s / 9) ** 2;
      }
    }
    const scale = 1 / sqrt(sumSq / smooth.length);
    for (let i = 0; i < smooth.length; i++) smooth[i]! *= scale;
    this.values = smooth;
  }

  sample(x: number, y: number): number {
    this.grid.locate(x, y, this.at);
    const i = this.at[0]!;
    const wx = this.at[1]!;
    const wy = this.at[2]!;
    const nx = this.grid.nx;
    const v = this.values;
    return (v[i]! * (1 - wx) + v[i + 1]! * wx) * (1 - wy) + (v[i + nx]! * (1 - wx) + v[i + nx + 1]! * wx) * wy;
  }
}

/**
 * Complex Gaussian scatterer amplitudes on a fine grid. Each frame they evolve as an AR(1)
 * process, z <- rho z + sqrt(1 - rho^2) n, so rho is the frame-to-frame correlation of the
 * speckle: high where tissue is stable, low where the acoustic field fluctuates.
 */
export class ScattererField {
  private readonly grid: Grid;
  private readonly re: Float32Array;
  private readonly im: Float32Array;
  private readonly at = new Float64Array(3);
  /** Results of the last sample(). */
  sampleRe = 0;
  sampleIm = 0;

  constructor(
    private readonly rng: SeededRandom,
    x0: number,
    y0: number,
    width: number,
    height: number,
    step: number,
  ) {
    const nx = ceil(width / step) + 2;
    const ny = ceil(height / step) + 2;
    this.grid = new Grid(x0, y0, step, nx, ny);
    this.re = new Float32Array(nx * ny);
    this.im = new Float32Array(nx * ny);
    this.evolve(0);
  }

  evolve(rho: number): void {
    const table = normals();
    const keep = rho;
    const add = sqrt(1 - rho * rho);
    const { re, im, rng } = this;
    for (let i = 0; i < re.length; i++) {
      re[i] = keep * re[i]! + add * table[rng.nextUint32() & (NORMALS - 1)]!;
      im[i] = keep * im[i]! + add * table[rng.nextUint32() & (NORMALS - 1)]!;
    }
  }

  sample(x: number, y: number): void {
    this.grid.locate(x, y, this.at);
    const i = this.at[0]!;
    const wx = this.at[1]!;
    const wy = this.at[2]!;
    const nx = this.grid.nx;
    // Bilinear interpolation of white noise lowers its variance; renormalise so that E|z|^2 = 1.
    const w00 = (1 - wx) * (1 - wy);
    const w10 = wx * (1 - wy);
    const w01 = (1 - wx) * wy;
    const w11 = wx * wy;
    const norm = 1 / sqrt(w00 * w00 + w10 * w10 + w01 * w01 + w11 * w11);
    const { re, im } = this;
    this.sampleRe = (re[i]! * w00 + re[i + 1]! * w10 + re[i + nx]! * w01 + re[i + nx + 1]! * w11) * norm;
    this.sampleIm = (im[i]! * w00 + im[i + 1]! * w10 + im[i + nx]! * w01 + im[i + nx + 1]! * w11) * norm;
  }
}
