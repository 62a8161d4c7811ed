/**
 * Where a loop's frames are finished, post-processing (model output -> mask) and temporal
 * metrics: in the calling thread, or in a worker of their own (a Web Worker in the browser, a
 * worker_threads Worker in Node) so that they overlap the next frames' inference instead of
 * following it. Both run the one LoopFrames; the worker side is `serveLoopMetrics`, the calling
 * side `RemoteLoopMetrics` (remoteLoopMetrics.ts; several workers on one loop:
 * parallelLoopMetrics.ts; the workers kept between loops: metricsWorkers.ts), joined by a message
 * endpoint that each host adapts (src/web/metricsWorkerPool.ts, src/temporal/nodeMetricsWorker.ts).
 */
import { LoopMetricsAccumulator, type FrameMetrics, type LoopSummary, type MetricsOptions } from './loopMetrics.js';
import { postprocessFrame, type FramePostprocess } from '../inference/postprocess.js';
import { ownBuffer } from '../util/bytes.js';

export interface LoopRunnerOptions {
  metrics: MetricsOptions;
  post: FramePostprocess;
  /** The loop's number of frames, when known: several workers then share its end evenly. */
  frameCount?: number;
}

/** One frame as inference leaves it. */
export interface ModelFrame {
  /** Grayscale frame scaled to [0, 1]. */
  image: Float32Array;
  /** The model's output for this frame alone, at model resolution. */
  output: Float32Array;
  groundTruth?: Uint8Array;
  /**
   * The caller gives `image` and `output` up: a worker's runner moves their buffers to the worker
   * (left detached here) instead of copying them, which cost a copy and a new array of each a
   * frame on both sides. The ground truth is always copied. Their buffers come back in a later
   * FinishedFrame's `spent` once the runner is done with them, unless its worker leaves them there
   * (ServeOptions.giveBack).
   */
  handOver?: boolean;
}

export interface FinishedFrame {
  /** The final binary mask over the source frame. */
  mask: Uint8Array;
  metrics: FrameMetrics;
  /** Time spent post-processing and computing the metrics, wherever they ran. */
  postprocessMs: number;
  metricsMs: number;
  /**
   * Buffers of handed-over frames (this one's or earlier ones') that the runner no longer reads:
   * the caller may write them again, for later frames, instead of making new arrays.
   */
  spent?: ArrayBuffer[];
}

export interface LoopMetricsRunner {
  /** 'worker' when the frames are finished beside the caller, 'inline' when in its own thread. */
  readonly where: 'worker' | 'inline';
  /** How many frames the caller may push before awaiting the oldest (0: results are ready at once). */
  readonly framesAhead: number;
  /** Queues one frame; settles with its mask and metrics, in push order. The frame's arrays are not modified (a handed-over frame's may be detached). */
  push(frame: ModelFrame): Promise<FinishedFrame>;
  /** After every push has settled: all frames' metrics and the loop summary. */
  finish(): Promise<{ frames: FrameMetrics[]; summary: LoopSummary }>;
  /** Stops: pending pushes reject with `reason`; a worker is let go (or kept for the next loop after `finish`). */
  close(reason?: unknown): void;
}

/** Makes a runner for one loop. */
export type LoopMetricsRunnerFactory = (options: LoopRunnerOptions) => Promise<LoopMetricsRunner>;

const now = () => globalThis.performance.now();

/**
 * Where a run of frames starts in a loop shared by several workers: its first frame's 1-based
 * number and the frame before it (absent for frame 1), which the worker finishes again, since the
 * first frame's metrics depend on it. Frames pushed without a context continue the run.
 */
export interface FrameContext {
  frameNumber: number;
  previous?: ModelFrame;
}

/** One loop's frames, finished in order: the same steps in line and in a worker. */
class LoopFrames {
  private accumulator: LoopMetricsAccumulator;
  private readonly options: LoopRunnerOptions;
  /**
   * The accumulator keeps the last frame's image and probability for the next frame's metrics;
   * once that frame is pushed they are spent: the image goes back to the caller (when it was
   * handed over), the probability is written again by the frame after.
   */
  private heldImage: ArrayBuffer | undefined;
  private heldProbability: Float32Array | undefined;
  private spareProbability: Float32Array | undefined;

  constructor(options: LoopRunnerOptions) {
    this.accumulator = new LoopMetricsAccumulator(options.metrics);
    this.options = options;
  }

  /** With a context: the frame starts a run of the loop, its metrics as they would be in the whole loop. */
  push(frame: ModelFrame, context?: FrameContext): FinishedFrame {
    const t0 = now();
    if (context) {
      this.accumulator = new LoopMetricsAccumulator(this.options.metrics);
      if (context.previous) {
        const before = postprocessFrame(context.previous.output, this.options.post);
        this.accumulator.startAfter({ image: context.previous.image, ...before }, context.frameNumber - 1);
      }
    }
    const { probability, mask } = postprocessFrame(frame.output, this.options.post, this.spareProbability);
    this.spareProbability = undefined;
    const t1 = now();
    const metrics = this.accumulator.push({ image: frame.image, probability, mask, groundTruth: frame.groundTruth });
    if (context && metrics.frameNumber !== context.frameNumber) throw new Error(`metrics worker: frame ${context.frameNumber} came without the frame before it`);
    // Only now: the push above still read the previous frame's image and probability.
    const spent: ArrayBuffer[] = [];
    if (this.heldImage) spent.push(this.heldImage);
    this.spareProbability = this.heldProbability;
    this.heldProbability = probability;
    this.heldImage = undefined;
    if (frame.handOver) {
      this.heldImage = ownBuffer(frame.image);
      const output = ownBuffer(frame.output);
      if (output && output !== this.heldImage) spent.push(output);
    }
    return { mask, metrics, postprocessMs: t1 - t0, metricsMs: now() - t1, ...(spent.length ? { spent } : {}) };
  }

  finish(): { frames: FrameMetrics[]; summary: LoopSummary } {
    return { frames: this.accumulator.frames, summary: this.accumulator.summary() };
  }
}

export const inlineLoopMetrics: LoopMetricsRunnerFactory = async (options) => {
  const frames = new LoopFrames(options);
  let closed: { reason: unknown } | undefined;
  return {
    where: 'inline',
    framesAhead: 0,
    async push(frame) {
      if (closed) throw closed.reason;
      return frames.push(frame);
    },
    async finish() {
      return frames.finish();
    },
    close(reason) {
      closed = { reason };
    },
  };
};

// ---- the message protocol between the two sides ----

export type MetricsRequest =
  | { type: 'init'; options: LoopRunnerOptions }
  | { type: 'frame'; seq: number; frame: ModelFrame; context?: FrameContext }
  | { type: 'finish' };

export type MetricsResponse =
  | { type: 'ready' }
  | ({ type: 'frame'; seq: number } & FinishedFrame)
  | { type: 'finished'; frames: FrameMetrics[]; summary: LoopSummary }
  | { type: 'error'; name: string; message: string };

/** One side of a message channel, as a host's worker API offers it. */
export interface MetricsEndpoint {
  /** Messages are copied (structured clone), except the buffers in `transfer`, which are moved (detached on this side). */
  post(message: MetricsRequest | MetricsResponse, transfer?: ArrayBuffer[]): void;
  /** Messages from the other side (replaces the previous handler: an endpoint serves one loop at a time). */
  onMessage(handler: (message: unknown) => void): void;
  /** The other side failed to start or died (script missing, uncaught error, out of memory); replaces the previous handler. */
  onFailure(handler: (error: Error) => void): void;
  /** Idle between loops: Node lets the process exit while its worker waits (unref). */
  setIdle?(idle: boolean): void;
  terminate(): void;
}

export interface ServeOptions {
  /**
   * Move each frame's spent buffers back to the caller (default true). Worth it where a new
   * frame-sized array is dear: in Chromium, where filling a new 400x207 one cost 0.9-1.3 ms, the
   * engine worker's decoding went from 2.3 to 1.4 ms a frame with buffers given back. Not in Node:
   * with a worker beside it, a new array took 0.5-0.8 ms to fill and one given back by the worker
   * 1.0-1.3 ms (its lines still in the other core's cache), and the CLI ran about 1 ms a frame slower.
   */
  giveBack?: boolean;
}

/** The worker side: one loop per 'init', frames answered in order. */
export function serveLoopMetrics(endpoint: MetricsEndpoint, options: ServeOptions = {}): void {
  const giveBack = options.giveBack ?? true;
  let loop: LoopFrames | undefined;
  endpoint.onMessage((data) => {
    const request = data as MetricsRequest;
    try {
      switch (request.type) {
        case 'init':
          loop = new LoopFrames(request.options);
          endpoint.post({ type: 'ready' });
          break;
        case 'frame': {
          if (!loop) throw new Error('metrics worker: a frame came before init');
          const { spent, ...finished } = loop.push(request.frame, request.context);
          // The spent buffers are moved back (the caller's to reuse), or left here: never copied.
          // The mask is copied, since the loop keeps it for the next frame's metrics.
          if (giveBack && spent) endpoint.post({ type: 'frame', seq: request.seq, ...finished, spent }, spent);
          else endpoint.post({ type: 'frame', seq: request.seq, ...finished });
          break;
        }
        case 'finish':
          if (!loop) throw new Error('metrics worker: finish came before init');
          endpoint.post({ type: 'finished', ...loop.finish() });
          loop = undefined;
          break;
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      endpoint.post({ type: 'error', name: e.name, message: e.message });
    }
  });
}
