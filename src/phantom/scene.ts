/**
 * The anatomy of one view in tissue coordinates (mm; origin at the probe's virtual apex, x
 * lateral (axial view) or cranio-caudal (sagittal view, cranial to the left), y depth away
 * from the probe). `sample` returns the backscatter power (echogenicity), the extra
 * attenuation that makes acoustic shadows, and whether the point lies in the gland.
 */
import type { PatientParameters, View, ViewParameters } from './patient.js';
import type { FrameState } from './motion.js';
import { SmoothNoise } from './fields.js';
import { SeededRandom } from './random.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, atan2, cos, floor, log, max, min, sin, sqrt } = Math;

const OUTLINE_BINS = 1440;

export class Scene {
  readonly view: View;
  readonly v: ViewParameters;
  readonly p: PatientParameters;
  readonly maxRadiusMm: number;
  /** Normalised outline radius per polar angle bin of the gland. */
  private readonly outline = new Float32Array(OUTLINE_BINS);
  private readonly weak = new Float32Array(OUTLINE_BINS);
  private readonly glandTexture: SmoothNoise;
  private readonly tissueTexture: SmoothNoise;
  private readonly fatTexture: SmoothNoise;
  private readonly cosTilt: number;
  private readonly sinTilt: number;
  private readonly centreY: number;
  // per-frame
  private cx = 0;
  private cy = 0;
  private sx = 1;
  private sy = 1;
  private bx = 0;
  private by = 0;
  private wall = 0;

  // Results of sample()
  echogenicity = 0;
  /** Extra attenuation in nepers per mm (calcification shadows, negative in fluid: enhancement). */
  attenuation = 0;
  inGland = false;
  /** Gland-local coordinates of the last sample (mm), for the gland's own scatterer field. */
  localU = 0;
  localV = 0;

  constructor(p: PatientParameters, view: View) {
    this.p = p;
    this.view = view;
    this.v = p.views[view];
    this.maxRadiusMm = this.v.probeRadiusMm + this.v.fieldDepthMm;
    this.centreY = this.v.probeRadiusMm + p.glandCentreDepthMm;
    this.cosTilt = cos(this.v.tiltRad);
    this.sinTilt = sin(this.v.tiltRad);
    const rng = new SeededRandom(`scene:${p.seed}:${p.patientId}:${view}`);
    const { semiAxisXMm: a, semiAxisYMm: b } = this.v;
    for (let k = 0; k < OUTLINE_BINS; k++) {
      const phi = (2 * Math.PI * k) / OUTLINE_BINS - Math.PI;
      let r = 1;
      for (const h of this.v.harmonics) r += h.cos * cos(h.order * phi) + h.sin * sin(h.order * phi);
      // The posterior (probe-side) outline is flatter: negative v points toward the probe.
      const posterior = max(0, -sin(phi));
      r *= 1 - this.v.posteriorFlattening * posterior ** 4;
      this.outline[k] = r;
      const delta = atan2(sin(phi - this.v.weakBoundaryStartRad), cos(phi - this.v.weakBoundaryStartRad));
      const inArc = delta >= 0 && delta <= this.v.weakBoundarySpanRad;
      // Soft edges so the weak arc fades in and out along the outline.
      const edge = min(delta, this.v.weakBoundarySpanRad - delta);
      this.weak[k] = inArc ? min(1, edge / 0.2) : 0;
    }
    const R = this.maxRadiusMm;
    this.glandTexture = new SmoothNoise(rng.fork('gland'), -1.6 * a, -1.6 * b, 3.2 * a, 3.2 * b, rng.uniform(3, 7));
    this.tissueTexture = new SmoothNoise(rng.fork('tissue'), -R, 0, 2 * R, R, rng.uniform(5, 12));
    this.fatTexture = new SmoothNoise(rng.fork('fat'), -R, 0, 2 * R, R, rng.uniform(1.5, 3));
  }

  prepare(s: FrameState): void {
    this.cx = s.glandShiftXMm;
    this.cy = this.centreY + s.glandShiftYMm;
    this.sx = s.glandScaleX;
    this.sy = s.glandScaleY;
    this.bx = s.bladderShiftXMm;
    this.by = s.bladderShiftYMm;
    this.wall = s.rectalWallShiftMm;
  }

  /**
   * Signed distance to the gland outline in mm (negative inside), approximate but smooth,
   * and leaves the gland-local coordinates and the outline bin in fields.
   */
  private glandDistance(x: number, y: number): number {
    const dx = x - this.cx;
    const dy = y - this.cy;
    const u = (this.cosTilt * dx + this.sinTilt * dy) / this.sx;
    const v = (-this.sinTilt * dx + this.cosTilt * dy) / this.sy;
    this.localU = u;
    this.localV = v;
    const a = this.v.semiAxisXMm;
    const b = this.v.semiAxisYMm;
    const nu = u / a;
    const nv = v / b;
    const rho = sqrt(nu * nu + nv * nv);
    const phi = atan2(nv, nu);
    let k = floor(((phi + Math.PI) / (2 * Math.PI)) * OUTLINE_BINS);
    if (k >= OUTLINE_BINS) k = OUTLINE_BINS - 1;
    this.bin = k;
    const radius = this.outline[k]!;
    const c = cos(phi);
    const s = sin(phi);
    const localScale = (a * b) / sqrt(b * b * c * c + a * a * s * s);
    return (rho - radius) * localScale;
  }

  private bin = 0;

  /** True where the gland is at this frame (what the ground-truth mask records). */
  insideGland(x: number, y: number): boolean {
    return this.glandDistance(x, y) < 0;
  }

  sample(x: number, y: number): void {
    const p = this.p;
    const e = p.echogenicity;
    const d = this.glandDistance(x, y);
    const weak = this.weak[this.bin]!;
    const half = p.capsuleThicknessMm / 2;
    this.attenuation = 0;
    this.inGland = d < 0;
    let echo: number;
    if (d < -half) {
      echo = this.glandInterior(weak, d);
    } else if (d <= half) {
      // Capsule: bright, except on the weak arc where it fades to nearly the surrounding level.
      const faded = this.v.weakBoundaryStrength * e.capsule + (1 - this.v.weakBoundaryStrength) * e.background;
      echo = e.capsule * (1 - weak) + faded * weak;
    } else {
      echo = this.surroundings(x, y, d, weak);
    }
    this.echogenicity = max(0.005, echo);
  }

  private glandInterior(weak: number, d: number): number {
    const p = this.p;
    const e = p.echogenicity;
    const a = this.v.semiAxisXMm;
    const b = this.v.semiAxisYMm;
    const u = this.localU;
    const v = this.localV;
    // Transition zone: a central, anteriorly placed inner region with its own echogenicity.
    const tz = (u / (0.55 * a)) ** 2 + ((v - 0.12 * b) / (0.5 * b)) ** 2;
    const tzWeight = tz < 0.8 ? 1 : tz < 1.2 ? (1.2 - tz) / 0.4 : 0;
    let echo = e.gland * (1 - tzWeight) + e.transitionZone * tzWeight;
    echo *= 1 + e.heterogeneity * this.glandTexture.sample(u, v);
    // Near the weak arc the gland fades toward the surrounding tissue: no usable edge there.
    if (weak > 0 && d > -4) echo += (1 - echo) * weak * 0.7 * (1 + d / 4);
    // Urethra: a small hypoechoic lumen (axial) or a gently curved channel (sagittal).
    const ur = p.urethraRadiusMm;
    if (this.view === 'axial') {
      const du = u;
      const dv = v - 0.15 * b;
      const r2 = du * du + dv * dv;
      if (r2 < ur * ur) echo = e.urethra;
      else if (r2 < (ur + 0.6) ** 2) echo = max(echo, 1.3);
    } else {
      const centre = 0.15 * b + 0.2 * b * (u / a) ** 2;
      const dist = abs(v - centre);
      if (dist < ur * 0.8) echo = e.urethra;
    }
    for (const c of this.v.calcifications) {
      const du = u - c.u * a;
      const dv = v - c.v * b;
      if (du * du + dv * dv < c.radiusMm * c.radiusMm) {
        echo = c.echogenicity;
        // Crossing the full diameter leaves `transmission` of the beam: an acoustic shadow behind.
        this.attenuation = -log(c.transmission) / (2 * c.radiusMm);
      }
    }
    return echo;
  }

  private surroundings(x: number, y: number, d: number, weak: number): number {
    const p = this.p;
    const e = p.echogenicity;
    const v = this.v;
    let echo = e.background * (1 + 0.3 * this.tissueTexture.sample(x, y));
    // Periprostatic fat: a bright, heterogeneous band around the gland (thin on the weak arc).
    const fat = p.fatThicknessMm * (1 - 0.8 * weak);
    if (d < fat) echo = e.fat * (1 + 0.5 * this.fatTexture.sample(x, y));
    // Rectal wall: layers parallel to the probe surface (mucosa bright, muscularis dark, serosa bright).
    const r = sqrt(x * x + y * y);
    const s = r - v.probeRadiusMm - 0.8 - this.wall;
    if (s < 0.5) echo = 2.4;
    else if (s < 2.2) echo = 0.35;
    else if (s < 3.2) echo = 1.7;
    // Bladder: anechoic urine behind a bright wall, above (anterior to) the gland; fluid attenuates less.
    if (v.bladder.present) {
      const bcx = v.bladder.offsetXMm + this.bx;
      const bcy = this.centreY + v.semiAxisYMm + v.bladder.gapMm + v.bladder.semiAxisYMm + this.by;
      const q = ((x - bcx) / v.bladder.semiAxisXMm) ** 2 + ((y - bcy) / v.bladder.semiAxisYMm) ** 2;
      if (q < 1) {
        echo = 0.002;
        this.attenuation = -0.35 * (p.acoustics.attenuationDbPerCmMHz * p.acoustics.frequencyMHz) / 86.86;
      } else if (q < 1.12) echo = 1.9;
    }
    // Seminal vesicles (sagittal): a tilted hypoechoic sac cranial and posterior to the gland.
    if (v.seminalVesicles.present) {
      const sv = v.seminalVesicles;
      const scx = this.cx - 0.85 * v.semiAxisXMm - 0.35 * sv.lengthMm;
      const scy = this.cy - 0.1 * v.semiAxisYMm;
      const dx = x - scx;
      const dy = y - scy;
      const c = cos(sv.tiltRad);
      const sn = sin(sv.tiltRad);
      const q = ((c * dx + sn * dy) / (sv.lengthMm / 2)) ** 2 + ((-sn * dx + c * dy) / (sv.widthMm / 2)) ** 2;
      if (q < 1) echo = 0.3 * (1 + 0.3 * this.fatTexture.sample(x, y));
      else if (q < 1.3) echo = 1.6;
    }
    return echo;
  }
}
