/**
 * Image formation for one loop: scatterers weighted by the scene's echogenicity along the
 * scan lines of a sector probe (polar grid), two-way shadowing, a separable point-spread
 * function (Gaussian axially and laterally, lateral width growing with depth as for a focused
 * sector), depth attenuation with imperfect time-gain compensation, envelope detection, log
 * compression, and scan conversion to a Cartesian frame that is black outside the fan.
 */
import type { PatientParameters, View } from './patient.js';
import { Scene } from './scene.js';
import { frameStates, type FrameState } from './motion.js';
import { ScattererField } from './fields.js';
import { SeededRandom } from './random.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, atan2, ceil, cos, exp, floor, log10, max, min, round, sin, sqrt } = Math;

export interface LoopGeometry {
  width: number;
  height: number;
  /** Square pixels, mm. */
  pixelSpacingMm: number;
  /** Pixel position of the probe's virtual apex (may lie below the last row). */
  apexColumn: number;
  apexRow: number;
  probeRadiusMm: number;
  maxRadiusMm: number;
  halfAngleRad: number;
  /** 1 inside the fan, 0 outside. */
  fan: Uint8Array;
  /** Bounding box of the fan in pixels (inclusive), the ultrasound region for calibration. */
  fanBounds: { minX: number; minY: number; maxX: number; maxY: number };
}

export interface SimulatedFrame {
  index: number;
  image: Uint8Array;
  mask: Uint8Array;
  state: FrameState;
}

export interface SimulationOptions {
  /** Overrides the patient's frame count (the demo loop and tests use short loops). */
  frameCount?: number;
  /** Overrides the patient's frame width in pixels. */
  frameWidthPx?: number;
}

function gaussianKernel(sigma: number): Float32Array {
  const half = max(1, ceil(3 * sigma));
  const k = new Float32Array(2 * half + 1);
  let energy = 0;
  for (let i = -half; i <= half; i++) {
    const v = exp(-(i * i) / (2 * sigma * sigma));
    k[i + half] = v;
    energy += v * v;
  }
  // Unit energy keeps the speckle power equal to the echogenicity.
  const norm = 1 / sqrt(energy);
  for (let i = 0; i < k.length; i++) k[i]! *= norm;
  return k;
}

/** In-place [1 2 1]/4 smoothing in both directions of an nt x nr (line-major) image; `scratch` is reused. */
function smooth121(img: Float32Array, scratch: Float32Array, nr: number, nt: number): void {
  for (let j = 0; j < nt; j++) {
    const b = j * nr;
    for (let i = 0; i < nr; i++) {
      const l = img[b + max(0, i - 1)]!;
      const r = img[b + min(nr - 1, i + 1)]!;
      scratch[b + i] = 0.25 * l + 0.5 * img[b + i]! + 0.25 * r;
    }
  }
  for (let j = 0; j < nt; j++) {
    const prev = max(0, j - 1) * nr;
    const next = min(nt - 1, j + 1) * nr;
    const b = j * nr;
    for (let i = 0; i < nr; i++) img[b + i] = 0.25 * scratch[prev + i]! + 0.5 * scratch[b + i]! + 0.25 * scratch[next + i]!;
  }
}

export function loopGeometry(p: PatientParameters, view: View, frameWidthPx?: number): LoopGeometry {
  const v = p.views[view];
  const width = frameWidthPx ?? v.frameWidthPx;
  const R = v.probeRadiusMm + v.fieldDepthMm;
  const halfWidthMm = R * sin(min(v.sectorHalfAngleRad, Math.PI / 2));
  const pixelSpacingMm = (2 * halfWidthMm) / (width - 4);
  const height = round((R - v.probeRadiusMm * cos(v.sectorHalfAngleRad)) / pixelSpacingMm) + 3;
  const apexColumn = (width - 1) / 2;
  const apexRow = 1 + R / pixelSpacingMm;
  const fan = new Uint8Array(width * height);
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const x = (col - apexColumn) * pixelSpacingMm;
      const y = (apexRow - row) * pixelSpacingMm;
      const r = sqrt(x * x + y * y);
      const theta = atan2(x, y);
      if (r >= v.probeRadiusMm && r <= R && abs(theta) <= v.sectorHalfAngleRad) {
        fan[row * width + col] = 1;
        minX = min(minX, col);
        maxX = max(maxX, col);
        minY = min(minY, row);
        maxY = max(maxY, row);
      }
    }
  }
  return { width, height, pixelSpacingMm, apexColumn, apexRow, probeRadiusMm: v.probeRadiusMm, maxRadiusMm: R, halfAngleRad: v.sectorHalfAngleRad, fan, fanBounds: { minX, minY, maxX, maxY } };
}

/**
 * Simulates a loop frame by frame (a generator, so a long loop needs only one frame of working
 * memory beyond what the caller keeps).
 */
export function* simulateLoop(p: PatientParameters, view: View, options: SimulationOptions = {}): Generator<SimulatedFrame, void, void> {
  const v = p.views[view];
  const a = p.acoustics;
  const frameCount = options.frameCount ?? v.frameCount;
  const geometry = loopGeometry(p, view, options.frameWidthPx);
  const scene = new Scene(p, view);
  const rng = new SeededRandom(`loop:${p.seed}:${p.patientId}:${view}`);
  const states = frameStates(p, frameCount, v.framesPerSecond, rng.fork('motion'));

  // Polar grid: radial spacing a bit finer than a pixel; enough lines for the mid-depth arc.
  const r0 = v.probeRadiusMm;
  const R = geometry.maxRadiusMm;
  const dr = geometry.pixelSpacingMm / 1.5;
  const nr = ceil((R - r0) / dr) + 1;
  const nt = min(320, ceil((2 * v.sectorHalfAngleRad * (r0 + 0.6 * (R - r0))) / geometry.pixelSpacingMm));
  const dtheta = (2 * v.sectorHalfAngleRad) / (nt - 1);
  const sinT = new Float64Array(nt);
  const cosT = new Float64Array(nt);
  for (let j = 0; j < nt; j++) {
    const t = -v.sectorHalfAngleRad + j * dtheta;
    sinT[j] = sin(t);
    cosT[j] = cos(t);
  }

  // Point-spread function: ~0.45 mm axial and ~0.9 mm lateral FWHM at 7 MHz and 30 mm, scaling with 1/f.
  const fScale = 7 / a.frequencyMHz;
  const axial = gaussianKernel((0.45 * fScale) / 2.355 / dr);
  const lateral = gaussianKernel((0.9 * fScale) / 2.355 / 30 / dtheta);

  // Depth gain: attenuation minus imperfect TGC, with a slow ripple from the TGC sliders.
  const alphaNpPerMm = (a.attenuationDbPerCmMHz * a.frequencyMHz) / 86.86; // dB/cm -> Np/mm
  const depthGain = new Float32Array(nr);
  const ripplePhase = rng.uniform(0, 2 * Math.PI);
  for (let i = 0; i < nr; i++) {
    const depth = i * dr;
    const rippleDb = a.tgcRippleDb * sin((2 * Math.PI * depth) / 25 + ripplePhase);
    depthGain[i] = exp(-2 * alphaNpPerMm * a.tgcResidual * depth) * 10 ** (rippleDb / 20);
  }

  // Scatterers: the gland's move with it (gland-local grid, well correlated); the rest sit in
  // the tissue frame and decorrelate quickly.
  const step = 0.25;
  const glandField = new ScattererField(rng.fork('gland-scatterers'), -1.4 * v.semiAxisXMm, -1.4 * v.semiAxisYMm, 2.8 * v.semiAxisXMm, 2.8 * v.semiAxisYMm, step);
  const tissueField = new ScattererField(rng.fork('tissue-scatterers'), -R, 0, 2 * R, R, step);

  // Scan-conversion table: for each fan pixel, its polar cell and bilinear weights.
  const { width, height, fan } = geometry;
  const pixelCell = new Int32Array(width * height).fill(-1);
  const pixelWr = new Float32Array(width * height);
  const pixelWt = new Float32Array(width * height);
  const pixelX = new Float32Array(width * height);
  const pixelY = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const k = row * width + col;
      const x = (col - geometry.apexColumn) * geometry.pixelSpacingMm;
      const y = (geometry.apexRow - row) * geometry.pixelSpacingMm;
      pixelX[k] = x;
      pixelY[k] = y;
      if (!fan[k]) continue;
      const fr = min(nr - 1.001, max(0, (sqrt(x * x + y * y) - r0) / dr));
      const ft = min(nt - 1.001, max(0, (atan2(x, y) + v.sectorHalfAngleRad) / dtheta));
      const ir = floor(fr);
      const it = floor(ft);
      pixelCell[k] = it * nr + ir;
      pixelWr[k] = fr - ir;
      pixelWt[k] = ft - it;
    }
  }

  const re = new Float32Array(nr * nt);
  const im = new Float32Array(nr * nt);
  const tmpRe = new Float32Array(nr * nt);
  const tmpIm = new Float32Array(nr * nt);
  const envelopeDb = new Float32Array(nr * nt);
  const ah = (axial.length - 1) / 2;
  const lh = (lateral.length - 1) / 2;

  for (let f = 0; f < frameCount; f++) {
    const state = states[f]!;
    if (f > 0) {
      glandField.evolve(a.speckleCorrelationGland);
      tissueField.evolve(a.speckleCorrelationOutside);
    }
    scene.prepare(state);
    const shadow = state.contactShadow;

    // 1. Scatterers x sqrt(echogenicity) x two-way transmission, line by line.
    for (let j = 0; j < nt; j++) {
      let transmission = 1;
      if (shadow) {
        const theta = -v.sectorHalfAngleRad + j * dtheta;
        const z = (theta - shadow.centreRad) / shadow.halfWidthRad;
        transmission = 1 - (1 - shadow.transmission) * exp(-z * z);
      }
      let opticalDepth = 0;
      for (let i = 0; i < nr; i++) {
        const r = r0 + i * dr;
        const x = r * sinT[j]!;
        const y = r * cosT[j]!;
        scene.sample(x, y);
        let sr: number;
        let si: number;
        if (scene.inGland) {
          glandField.sample(scene.localU, scene.localV);
          sr = glandField.sampleRe;
          si = glandField.sampleIm;
        } else {
          tissueField.sample(x, y);
          sr = tissueField.sampleRe;
          si = tissueField.sampleIm;
        }
        opticalDepth += scene.attenuation * dr;
        const amp = sqrt(scene.echogenicity) * transmission * exp(-2 * opticalDepth);
        const k = j * nr + i;
        re[k] = sr * amp;
        im[k] = si * amp;
      }
    }

    // 2. PSF: axial along each line, then lateral across lines.
    for (let j = 0; j < nt; j++) {
      const base = j * nr;
      for (let i = 0; i < nr; i++) {
        let sr = 0;
        let si = 0;
        for (let t = -ah; t <= ah; t++) {
          const ii = i + t;
          if (ii < 0 || ii >= nr) continue;
          const w = axial[t + ah]!;
          sr += w * re[base + ii]!;
          si += w * im[base + ii]!;
        }
        tmpRe[base + i] = sr;
        tmpIm[base + i] = si;
      }
    }
    const gainDb = p.acoustics.gainDb + state.gainDb;
    for (let j = 0; j < nt; j++) {
      for (let i = 0; i < nr; i++) {
        let sr = 0;
        let si = 0;
        for (let t = -lh; t <= lh; t++) {
          const jj = j + t;
          if (jj < 0 || jj >= nt) continue;
          const w = lateral[t + lh]!;
          sr += w * tmpRe[jj * nr + i]!;
          si += w * tmpIm[jj * nr + i]!;
        }
        // 3. Envelope, depth gain, log compression (dB relative to background speckle power).
        const env = sqrt(sr * sr + si * si) * depthGain[i]!;
        envelopeDb[j * nr + i] = 20 * log10(env + 1e-6) + gainDb;
      }
    }

    // 4. The scanner's mild speckle reduction: a [1 2 1] smoothing of the log image along and across lines.
    smooth121(envelopeDb, tmpRe, nr, nt);

    // 5. Scan conversion to 8-bit; the background (0 dB) sits at 60% of the display range.
    const dynamicRange = a.dynamicRangeDb;
    const floorDb = -0.6 * dynamicRange;
    const image = new Uint8Array(width * height);
    const mask = new Uint8Array(width * height);
    for (let k = 0; k < width * height; k++) {
      const cell = pixelCell[k]!;
      if (cell < 0) continue;
      const wr = pixelWr[k]!;
      const wt = pixelWt[k]!;
      const db =
        (envelopeDb[cell]! * (1 - wr) + envelopeDb[cell + 1]! * wr) * (1 - wt) + (envelopeDb[cell + nr]! * (1 - wr) + envelopeDb[cell + nr + 1]! * wr) * wt;
      const value = (255 * (db - floorDb)) / dynamicRange;
      image[k] = value <= 1 ? 1 : value >= 255 ? 255 : round(value);
      if (scene.insideGland(pixelX[k]!, pixelY[k]!)) mask[k] = 1;
    }
    yield { index: f, image, mask, state };
  }
}
