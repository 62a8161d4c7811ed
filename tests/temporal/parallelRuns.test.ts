/**
 * How several metrics workers share one loop (ParallelLoopMetrics): runs of runLength frames,
 * shorter over the loop's end so that no worker is left with a whole run after the last push.
 * That the values stay those of one worker is tested in tests/inference/metricsWorker.test.ts.
 * Also how many workers a loop gets by default.
 */
import { metricsWorkersFor } from '../../src/temporal/metricsWorkers.js';
import { runLengthAt } from '../../src/temporal/parallelLoopMetrics.js';

/** The runs a loop is dealt in, as ParallelLoopMetrics deals them: [first frame, length, worker]. */
function deal(frameCount: number | undefined, frames: number, workers: number, runLength: number): [number, number, number][] {
  const runs: [number, number, number][] = [];
  for (let start = 0; start < frames; ) {
    const length = Math.min(runLengthAt(start, frameCount, workers, runLength), frames - start);
    runs.push([start, length, runs.length % workers]);
    start += length;
  }
  return runs;
}

describe('runs of frames shared by metrics workers', () => {
  it('deals a 300-frame loop to 12 workers in runs of 8, then runs of 2 over the last 96 frames', () => {
    const runs = deal(300, 300, 12, 8);
    const covered = runs.flatMap(([start, length]) => Array.from({ length }, (_, k) => start + k));
    expect(covered).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const full = runs.filter(([start]) => 300 - start > 96);
    expect(full.every(([, length]) => length === 8)).toBe(true);
    // The run that crosses into the last 96 frames keeps its length; every run starting there is 2 long.
    const tail = runs.filter(([start]) => 300 - start <= 96);
    expect(tail.every(([, length]) => length === 2)).toBe(true);
    // Every worker's last run is 2 frames: the loop's end waits for 2 frames' work, not 8.
    const lastOf = new Map(runs.map(([, length, worker]) => [worker, length]));
    expect(lastOf.size).toBe(12);
    expect([...lastOf.values()].every((length) => length === 2)).toBe(true);
  });

  it('keeps full runs to the end when the loop\'s length is not known', () => {
    const runs = deal(undefined, 300, 12, 8);
    expect(runs.slice(0, -1).every(([, length]) => length === 8)).toBe(true);
    expect(runs.at(-1)).toEqual([296, 4, 37 % 12]);
  });

  it('never makes a run shorter than one frame', () => {
    expect(runLengthAt(5, 6, 2, 1)).toBe(1);
    expect(runLengthAt(0, 6, 2, 2)).toBe(2);
    expect(runLengthAt(2, 6, 2, 2)).toBe(1);
  });
});

describe('metrics workers a loop gets by default', () => {
  it('one beside inference on the CPU; with WebGPU three cores in four, at least 1, at most 12', () => {
    for (const cores of [1, 2, 4, 8, 16, 64]) {
      expect(metricsWorkersFor('cpu', cores)).toBe(1);
      expect(metricsWorkersFor('wasm', cores)).toBe(1);
    }
    expect([1, 2, 3, 4, 8, 16, 17, 64].map((c) => metricsWorkersFor('webgpu', c))).toEqual([1, 1, 2, 3, 6, 12, 12, 12]);
    // A browser may report no core count.
    expect(metricsWorkersFor('webgpu', Number.NaN)).toBe(1);
    expect(metricsWorkersFor('webgpu', 0)).toBe(1);
  });
});
