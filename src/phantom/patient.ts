/**
 * Virtual patients: every parameter of a simulated TRUS loop drawn from seeded distributions,
 * so a split by patient is meaningful and the same seed always gives the same patient.
 * Units: mm, seconds, dB, MHz; echogenicities are relative to background tissue (1).
 */
import { SeededRandom } from './random.js';

export type View = 'axial' | 'sagittal';
export const VIEWS: readonly View[] = ['axial', 'sagittal'];

export interface Harmonic {
  order: number;
  cos: number;
  sin: number;
}

export interface Calcification {
  /** Position in gland-local coordinates, as a fraction of the semi-axes. */
  u: number;
  v: number;
  radiusMm: number;
  /** Fraction of the beam that passes (0.1 = dark shadow). */
  transmission: number;
  echogenicity: number;
}

export interface ViewParameters {
  /** Gland semi-axes in this view: lateral (axial view) or cranio-caudal (sagittal), and antero-posterior. */
  semiAxisXMm: number;
  semiAxisYMm: number;
  /** Smooth asymmetric outline: radius multiplied by 1 + sum of harmonics. */
  harmonics: Harmonic[];
  /** Flattening of the posterior (probe-side) outline, 0..0.25. */
  posteriorFlattening: number;
  tiltRad: number;
  /** Outline arc where the capsule is weak or missing (the ambiguous boundary). */
  weakBoundaryStartRad: number;
  weakBoundarySpanRad: number;
  weakBoundaryStrength: number;
  calcifications: Calcification[];
  bladder: { present: boolean; semiAxisXMm: number; semiAxisYMm: number; offsetXMm: number; gapMm: number };
  seminalVesicles: { present: boolean; lengthMm: number; widthMm: number; tiltRad: number };
  /** Sector geometry. */
  sectorHalfAngleRad: number;
  fieldDepthMm: number;
  probeRadiusMm: number;
  frameCount: number;
  /** Larger image dimension in pixels. */
  frameWidthPx: number;
  framesPerSecond: number;
}

export interface PatientParameters {
  patientId: string;
  seed: string;
  glandCentreDepthMm: number;
  echogenicity: {
    gland: number;
    transitionZone: number;
    capsule: number;
    fat: number;
    heterogeneity: number;
    urethra: number;
    background: number;
  };
  capsuleThicknessMm: number;
  fatThicknessMm: number;
  urethraRadiusMm: number;
  acoustics: {
    frequencyMHz: number;
    attenuationDbPerCmMHz: number;
    /** Fraction of the attenuation the time-gain compensation leaves uncompensated (can be negative). */
    tgcResidual: number;
    tgcRippleDb: number;
    dynamicRangeDb: number;
    gainDb: number;
    /** Frame-to-frame correlation of the scatterers inside the gland and around it. */
    speckleCorrelationGland: number;
    speckleCorrelationOutside: number;
    gainFlickerDb: number;
    /** Probability per loop of a drifting contact-loss shadow. */
    contactShadowProbability: number;
  };
  motion: {
    breathingAmplitudeMm: number;
    breathingPeriodS: number;
    driftMmPerS: number;
    /** Probe-pressure compressions: frame fraction where each starts, relative strength. */
    compressions: { start: number; strength: number; durationS: number }[];
    bladderAmplitudeMm: number;
    rectalWallAmplitudeMm: number;
  };
  views: Record<View, ViewParameters>;
}

function harmonics(rng: SeededRandom, amplitude: number): Harmonic[] {
  return [2, 3, 4].map((order) => ({ order, cos: rng.normal() * amplitude / order, sin: rng.normal() * amplitude / order }));
}

function calcifications(rng: SeededRandom): Calcification[] {
  const count = rng.chance(0.45) ? 0 : rng.int(1, 3);
  return Array.from({ length: count }, () => {
    const angle = rng.uniform(0, 2 * Math.PI);
    const radius = rng.uniform(0.15, 0.75);
    return {
      u: radius * Math.cos(angle),
      v: radius * Math.sin(angle),
      radiusMm: rng.uniform(0.5, 1.4),
      transmission: rng.uniform(0.08, 0.35),
      echogenicity: rng.uniform(8, 20),
    };
  });
}

function viewParameters(rng: SeededRandom, view: View, widthMm: number, heightMm: number, lengthMm: number, depth: number): ViewParameters {
  const axial = view === 'axial';
  const semiX = (axial ? widthMm : lengthMm) / 2;
  const semiY = heightMm / 2;
  const fieldDepthMm = Math.max(depth + semiY + rng.uniform(14, 28), 50);
  return {
    semiAxisXMm: semiX,
    semiAxisYMm: semiY,
    harmonics: harmonics(rng, rng.uniform(0.02, 0.07)),
    posteriorFlattening: rng.uniform(0.05, 0.22),
    tiltRad: axial ? rng.normal() * 0.05 : rng.uniform(-0.35, -0.05),
    weakBoundaryStartRad: rng.uniform(0, 2 * Math.PI),
    weakBoundarySpanRad: rng.uniform(0.5, 1.7),
    weakBoundaryStrength: rng.uniform(0, 0.35),
    calcifications: calcifications(rng),
    bladder: {
      present: axial ? rng.chance(0.5) : true,
      semiAxisXMm: rng.uniform(15, 32),
      semiAxisYMm: rng.uniform(10, 22),
      offsetXMm: axial ? rng.normal() * 4 : -semiX * rng.uniform(0.6, 1.1),
      gapMm: rng.uniform(1, 6),
    },
    seminalVesicles: { present: !axial, lengthMm: rng.uniform(14, 26), widthMm: rng.uniform(4, 8), tiltRad: rng.uniform(0.2, 0.6) },
    sectorHalfAngleRad: ((axial ? rng.uniform(55, 72) : rng.uniform(42, 58)) * Math.PI) / 180,
    fieldDepthMm,
    probeRadiusMm: rng.uniform(6, 11),
    frameCount: rng.int(40, 200),
    // Axial sectors are wide, so their frames are wider for a similar height.
    frameWidthPx: 2 * (axial ? rng.int(160, 240) : rng.int(128, 240)),
    framesPerSecond: rng.int(15, 30),
  };
}

export function drawPatient(seed: string, patientId: string): PatientParameters {
  const rng = new SeededRandom(`patient:${seed}:${patientId}`);
  const widthMm = rng.uniform(34, 52);
  const heightMm = rng.uniform(24, 36);
  const lengthMm = rng.uniform(30, 48);
  const depth = rng.uniform(22, 34);
  const gland = rng.uniform(0.12, 0.6);
  return {
    patientId,
    seed,
    glandCentreDepthMm: depth,
    echogenicity: {
      gland,
      transitionZone: gland * rng.uniform(0.5, 1.6),
      capsule: rng.uniform(3, 8),
      fat: rng.uniform(1.8, 4.5),
      heterogeneity: rng.uniform(0.1, 0.4),
      urethra: rng.uniform(0.08, 0.3),
      background: 1,
    },
    capsuleThicknessMm: rng.uniform(0.6, 1.4),
    fatThicknessMm: rng.uniform(1.5, 4),
    urethraRadiusMm: rng.uniform(1.2, 2.4),
    acoustics: {
      frequencyMHz: rng.uniform(6, 9),
      attenuationDbPerCmMHz: rng.uniform(0.35, 0.7),
      tgcResidual: rng.uniform(-0.15, 0.2),
      tgcRippleDb: rng.uniform(0, 3),
      dynamicRangeDb: rng.uniform(42, 56),
      gainDb: rng.uniform(-4, 4),
      speckleCorrelationGland: rng.uniform(0.88, 0.97),
      speckleCorrelationOutside: rng.uniform(0.2, 0.55),
      gainFlickerDb: rng.uniform(0.4, 2.2),
      contactShadowProbability: 0.35,
    },
    motion: {
      breathingAmplitudeMm: rng.uniform(0.15, 0.8),
      breathingPeriodS: rng.uniform(3, 6),
      driftMmPerS: rng.normal() * 0.15,
      compressions: Array.from({ length: rng.chance(0.4) ? rng.int(1, 2) : 0 }, () => ({
        start: rng.uniform(0.1, 0.8),
        strength: rng.uniform(0.03, 0.08),
        durationS: rng.uniform(0.8, 2),
      })),
      bladderAmplitudeMm: rng.uniform(0.8, 3),
      rectalWallAmplitudeMm: rng.uniform(0.3, 1.5),
    },
    views: {
      axial: viewParameters(rng.fork('axial'), 'axial', widthMm, heightMm, lengthMm, depth),
      sagittal: viewParameters(rng.fork('sagittal'), 'sagittal', widthMm, heightMm, lengthMm, depth),
    },
  };
}
