/** Warnings about the masks of a loop, shared by the CLI's and the panel's reports. */
import { loopWarnings } from '../../src/temporal/loopWarnings.js';
import type { FrameMetrics } from '../../src/temporal/loopMetrics.js';

function frames(areas: number[]): FrameMetrics[] {
  return areas.map((area, i) => ({
    frameNumber: i + 1,
    area,
    dicePrevious: i === 0 ? null : 1,
    warpedConsistency: i === 0 ? null : 1,
    consistencyNoFlow: null,
    confidenceWeightedConsistency: null,
    centroidDrift: null,
    meanProbabilityMargin: 0.5,
    diameters: area > 0 ? { lateral: 40, anteroposterior: 30 } : null,
    unstable: false,
    reasons: [],
  }));
}

describe('loopWarnings', () => {
  test('nothing to say about a loop with a mask on every frame', () => {
    expect(loopWarnings(frames([700, 710, 705]))).toEqual([]);
    expect(loopWarnings([])).toEqual([]);
  });

  test('a loop with no mask at all says its perfect consistency describes empty masks', () => {
    const [w, ...rest] = loopWarnings(frames([0, 0, 0]));
    expect(rest).toEqual([]);
    expect(w).toMatch(/^no prostate on any of the 3 frames: the consistency figures describe empty masks/);
  });

  test('empty frames are named by their 1-based numbers, at most ten of them', () => {
    expect(loopWarnings(frames([700, 0, 705, 0]))).toEqual(['no prostate on 2 of 4 frames: 2, 4']);
    const many = frames([700, ...new Array<number>(12).fill(0)]);
    expect(loopWarnings(many)).toEqual(['no prostate on 12 of 13 frames: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (2 more)']);
  });

  test('a single frame has no frame-to-frame figures, and says so', () => {
    expect(loopWarnings(frames([650]))).toEqual(['a single frame: frame-to-frame Dice and flow-warped consistency need at least two']);
    expect(loopWarnings(frames([0]))).toEqual([
      'no prostate on the only frame: the consistency figures describe empty masks (the shipped models were trained on simulated transverse and sagittal TRUS loops of the prostate; is this one?)',
      'a single frame: frame-to-frame Dice and flow-warped consistency need at least two',
    ]);
  });
});
