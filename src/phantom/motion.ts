/**
 * Per-frame state of a loop, following the method's premise: the gland is geometrically stable
 * (breathing translation, slow drift, occasional probe-pressure compression of a few percent),
 * while the acoustic environment fluctuates strongly (gain flicker, bladder and rectal-wall
 * motion, a drifting contact-loss shadow). Speckle decorrelation is set per region in the renderer.
 */
import type { PatientParameters } from './patient.js';
import { SeededRandom } from './random.js';

export interface ContactShadow {
  centreRad: number;
  halfWidthRad: number;
  /** Two-way transmission at the shadow's centre (0 = black). */
  transmission: number;
}

export interface FrameState {
  timeS: number;
  glandShiftXMm: number;
  glandShiftYMm: number;
  glandScaleX: number;
  glandScaleY: number;
  bladderShiftXMm: number;
  bladderShiftYMm: number;
  rectalWallShiftMm: number;
  gainDb: number;
  contactShadow: ContactShadow | undefined;
}

/** Raised-cosine bump: 0 outside [start, start + duration], 1 at its middle. */
function bump(t: number, start: number, duration: number): number {
  if (t < start || t > start + duration) return 0;
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * (t - start)) / duration);
}

export function frameStates(p: PatientParameters, frameCount: number, framesPerSecond: number, rng: SeededRandom): FrameState[] {
  const m = p.motion;
  const durationS = frameCount / framesPerSecond;
  const phase = rng.uniform(0, 2 * Math.PI);
  const bladderPhase = rng.uniform(0, 2 * Math.PI);
  const bladderPeriod = rng.uniform(4, 9);
  const wallPeriod = rng.uniform(1.5, 4);
  const hasShadow = rng.chance(p.acoustics.contactShadowProbability);
  const shadowStart = rng.uniform(0, 0.6) * durationS;
  const shadowDuration = rng.uniform(0.25, 0.6) * durationS;
  let shadowCentre = rng.uniform(-0.6, 0.6);
  const shadowHalfWidth = rng.uniform(0.05, 0.16);
  let gain = 0;
  const gainCorrelation = 0.6;
  const states: FrameState[] = [];
  for (let f = 0; f < frameCount; f++) {
    const t = f / framesPerSecond;
    const breathing = Math.sin((2 * Math.PI * t) / m.breathingPeriodS + phase);
    let compression = 0;
    for (const c of m.compressions) compression = Math.max(compression, c.strength * bump(t, c.start * durationS, c.durationS));
    gain = gainCorrelation * gain + Math.sqrt(1 - gainCorrelation ** 2) * rng.normal() * p.acoustics.gainFlickerDb;
    shadowCentre += rng.normal() * 0.01;
    const shadowLevel = hasShadow ? bump(t, shadowStart, shadowDuration) : 0;
    states.push({
      timeS: t,
      glandShiftXMm: 0.35 * m.breathingAmplitudeMm * breathing + m.driftMmPerS * t * 0.5,
      // Probe pressure pushes the gland away from the probe while squeezing it.
      glandShiftYMm: m.breathingAmplitudeMm * breathing + m.driftMmPerS * t + 4 * compression,
      glandScaleX: 1 + 0.5 * compression,
      glandScaleY: 1 - compression,
      bladderShiftXMm: 0.5 * m.bladderAmplitudeMm * Math.sin((2 * Math.PI * t) / bladderPeriod + bladderPhase),
      bladderShiftYMm: m.bladderAmplitudeMm * Math.sin((2 * Math.PI * t) / bladderPeriod + bladderPhase + 1),
      rectalWallShiftMm: m.rectalWallAmplitudeMm * Math.sin((2 * Math.PI * t) / wallPeriod) - 2 * compression,
      gainDb: gain,
      contactShadow:
        shadowLevel > 0.02 ? { centreRad: shadowCentre, halfWidthRad: shadowHalfWidth, transmission: 1 - 0.85 * shadowLevel } : undefined,
    });
  }
  return states;
}
