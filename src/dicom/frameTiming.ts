/** Cine timing from Frame Time, Frame Time Vector, Cine Rate or Recommended Display Frame Rate. */
import type { NaturalDataset } from './part10.js';

export type FrameTimingSource = 'FrameTime' | 'FrameTimeVector' | 'CineRate' | 'RecommendedDisplayFrameRate' | 'none';

export interface FrameTiming {
  /** Start time of each frame in ms, relative to the first frame (0). */
  frameTimesMs: number[];
  /** Frames per second for playback (the mean rate when the spacing varies). */
  framesPerSecond: number | undefined;
  source: FrameTimingSource;
}

function positive(v: unknown): number | undefined {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The Frame Increment Pointer says which attribute is authoritative; without it, Frame Time Vector
 * wins over Frame Time because it is the more specific of the two.
 */
export function readFrameTiming(ds: NaturalDataset, numberOfFrames: number, warnings: string[] = []): FrameTiming {
  const vector = Array.isArray(ds.FrameTimeVector) ? (ds.FrameTimeVector as unknown[]).map(Number) : undefined;
  const frameTime = positive(ds.FrameTime);
  if (vector && vector.length > 0) {
    if (vector.length === numberOfFrames && vector.every((v) => Number.isFinite(v) && v >= 0)) {
      // PS3.3 C.7.6.5.1.2: the first entry is 0; each entry is the time since the previous frame.
      const times: number[] = [];
      let t = 0;
      for (let i = 0; i < vector.length; i++) {
        if (i > 0) t += vector[i]!;
        times.push(t);
      }
      const span = times[times.length - 1]!;
      const fps = numberOfFrames > 1 && span > 0 ? ((numberOfFrames - 1) * 1000) / span : frameTime ? 1000 / frameTime : undefined;
      return { frameTimesMs: times, framesPerSecond: fps, source: 'FrameTimeVector' };
    }
    warnings.push(`Frame Time Vector has ${vector.length} entries for ${numberOfFrames} frames; ignored`);
  }
  if (frameTime) {
    return { frameTimesMs: Array.from({ length: numberOfFrames }, (_, i) => i * frameTime), framesPerSecond: 1000 / frameTime, source: 'FrameTime' };
  }
  for (const key of ['CineRate', 'RecommendedDisplayFrameRate'] as const) {
    const rate = positive(ds[key]);
    if (rate) {
      return { frameTimesMs: Array.from({ length: numberOfFrames }, (_, i) => (i * 1000) / rate), framesPerSecond: rate, source: key };
    }
  }
  if (numberOfFrames > 1) warnings.push('no Frame Time, Frame Time Vector or Cine Rate: playback rate unknown');
  return { frameTimesMs: Array.from({ length: numberOfFrames }, () => 0), framesPerSecond: undefined, source: 'none' };
}
