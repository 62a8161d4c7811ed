/** One loop's metrics shared by several workers, with the values one worker would give. */
import { summariseLoop, type FrameMetrics, type LoopSummary } from './loopMetrics.js';
import type { FinishedFrame, FrameContext, LoopMetricsRunner, LoopRunnerOptions, ModelFrame } from './metricsRunner.js';
import { MetricsWorkerError, type RemoteLoopMetrics } from './remoteLoopMetrics.js';

/**
 * Frames in the run that starts at frame `index` (0-based). Over a loop's last `workers x
 * runLength` frames the runs are a quarter as long: with full runs there, the worker given the
 * last one still had a whole run to finish after every frame had been pushed (0.43 s of a 2.9 s
 * loop with 12 workers on the GPU machine), while the others sat idle.
 */
export function runLengthAt(index: number, frameCount: number | undefined, workers: number, runLength: number): number {
  if (frameCount === undefined || frameCount - index > workers * runLength) return runLength;
  return Math.max(1, Math.floor(runLength / 4));
}

/**
 * One loop's frames dealt to several workers in runs of `runLength` consecutive frames, for
 * machines with cores to spare (inference on a GPU, or many cores), shorter runs at the loop's end
 * (runLengthAt). A run's first frame goes with the frame before it, so every worker computes the
 * metrics the loop would have in one worker (at the cost of finishing that frame twice, once a
 * run), and the summary is made here from all of them in order. The values are the same as in one
 * worker or in line.
 */
export class ParallelLoopMetrics implements LoopMetricsRunner {
  readonly where = 'worker' as const;
  readonly framesAhead: number;
  private pushed = 0;
  private runs = 0;
  private nextRunStart = 0;
  private last: ModelFrame | undefined;
  private readonly metrics: FrameMetrics[] = [];

  constructor(
    private readonly workers: RemoteLoopMetrics[],
    private readonly options: LoopRunnerOptions,
    private readonly runLength = 8,
  ) {
    this.framesAhead = Math.max(workers.reduce((n, w) => n + w.framesAhead, 0), workers.length * runLength);
  }

  push(frame: ModelFrame): Promise<FinishedFrame> {
    const index = this.pushed++;
    const starts = index === this.nextRunStart;
    if (starts) {
      this.runs++;
      this.nextRunStart = index + runLengthAt(index, this.options.frameCount, this.workers.length, this.runLength);
    }
    const context: FrameContext | undefined = starts ? { frameNumber: index + 1, ...(this.last ? { previous: this.last } : {}) } : undefined;
    // Kept for the next run's context when the next frame starts one; a handed-over frame's
    // arrays leave with it, so a copy is kept.
    const nextStarts = index + 1 === this.nextRunStart;
    this.last = !nextStarts ? undefined : frame.handOver ? { image: frame.image.slice(), output: frame.output.slice(), ...(frame.groundTruth ? { groundTruth: frame.groundTruth } : {}) } : frame;
    const worker = this.workers[(this.runs - 1) % this.workers.length]!;
    return worker.push(frame, context).then((finished) => {
      this.metrics[index] = finished.metrics;
      return finished;
    });
  }

  async finish(): Promise<{ frames: FrameMetrics[]; summary: LoopSummary }> {
    // Each worker's own list holds only its share of the frames: the loop is assembled here.
    await Promise.all(this.workers.map((w) => w.finish()));
    // Array.from turns holes into undefined (some() would skip them).
    const frames = Array.from({ length: this.pushed }, (_, i) => this.metrics[i]);
    if (frames.some((f) => f === undefined)) throw new MetricsWorkerError('a frame\'s metrics are missing at the end of the loop');
    const complete = frames as FrameMetrics[];
    return { frames: complete, summary: summariseLoop(complete, this.options.metrics) };
  }

  close(reason?: unknown): void {
    for (const w of this.workers) w.close(reason);
  }
}
