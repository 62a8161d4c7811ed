/**
 * Where a loop's frames are finished, post-processing (model output -> mask) and temporal
 * metrics: in the calling thread, or in a worker of their own (a Web Worker in the browser, a
 * worker_threads Worker in Node) so that they overlap the next frames' inference instead of
 * following it. Both run the one LoopFrames; the worker side is `serveLoopMetrics`, the calling
 * side `RemoteLoopMetrics`, joined by a message endpoint that each host adapts
 * (src/web/metricsWorkerPool.ts, src/temporal/nodeMetricsWorker.ts).
 */
import { LoopMetricsAccumulator, summariseLoop, type FrameMetrics, type LoopSummary, type MetricsOptions } from './loopMetrics.js';
import { postprocessFrame, type FramePostprocess } from '../inference/postprocess.js';

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
}

export interface FinishedFrame {
  /** The final binary mask over the source frame. */
  mask: Uint8Array;
  metrics: FrameMetrics;
  /** Time spent post-processing and computing the metrics, wherever they ran. */
  postprocessMs: number;
  metricsMs: number;
}

export interface LoopMetricsRunner {
  /** 'worker' when the frames are finished beside the caller, 'inline' when in its own thread. */
  readonly where: 'worker' | 'inline';
  /** How many frames the caller may push before awaiting the oldest (0: results are ready at once). */
  readonly framesAhead: number;
  /** Queues one frame; settles with its mask and metrics, in push order. The frame's arrays are not modified. */
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
    const { probability, mask } = postprocessFrame(frame.output, this.options.post);
    const t1 = now();
    const metrics = this.accumulator.push({ image: frame.image, probability, mask, groundTruth: frame.groundTruth });
    if (context && metrics.frameNumber !== context.frameNumber) throw new Error(`metrics worker: frame ${context.frameNumber} came without the frame before it`);
    return { mask, metrics, postprocessMs: t1 - t0, metricsMs: now() - t1 };
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
  /** Messages are copied (structured clone), never moved: the caller keeps its arrays. */
  post(message: MetricsRequest | MetricsResponse): void;
  /** Messages from the other side (replaces the previous handler: an endpoint serves one loop at a time). */
  onMessage(handler: (message: unknown) => void): void;
  /** The other side failed to start or died (script missing, uncaught error, out of memory); replaces the previous handler. */
  onFailure(handler: (error: Error) => void): void;
  /** Idle between loops: Node lets the process exit while its worker waits (unref). */
  setIdle?(idle: boolean): void;
  terminate(): void;
}

/** The worker side: one loop per 'init', frames answered in order. */
export function serveLoopMetrics(endpoint: MetricsEndpoint): void {
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
          endpoint.post({ type: 'frame', seq: request.seq, ...loop.push(request.frame, request.context) });
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

/**
 * A worker's failure, kept until a handler is set: a prewarmed worker can fail (its script
 * missing or broken) before any loop listens.
 */
export function failureLatch(): { report(error: Error): void; onFailure(handler: (error: Error) => void): void } {
  let failed: Error | undefined;
  let handler: ((error: Error) => void) | undefined;
  return {
    report(error) {
      failed ??= error;
      handler?.(error);
    },
    onFailure(h) {
      handler = h;
      if (failed) h(failed);
    },
  };
}

export class MetricsWorkerError extends Error {
  override readonly name = 'MetricsWorkerError';
}

/**
 * The calling side. `start` resolves once the worker has answered 'init', so that a worker that
 * cannot run is known before the first frame (and the caller can compute inline instead).
 * `release` is called after a clean finish with the endpoint, for reuse; otherwise it is terminated.
 */
export class RemoteLoopMetrics implements LoopMetricsRunner {
  readonly where = 'worker' as const;
  readonly framesAhead: number;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: FinishedFrame) => void; reject: (e: unknown) => void }>();
  private finishing: { resolve: (r: { frames: FrameMetrics[]; summary: LoopSummary }) => void; reject: (e: unknown) => void } | undefined;
  private failed: unknown;
  private done = false;

  private constructor(
    private readonly endpoint: MetricsEndpoint,
    private readonly release: (endpoint: MetricsEndpoint) => void,
    framesAhead: number,
  ) {
    this.framesAhead = framesAhead;
  }

  static start(endpoint: MetricsEndpoint, options: LoopRunnerOptions, release: (endpoint: MetricsEndpoint) => void, framesAhead = 8, startTimeoutMs = 30000): Promise<RemoteLoopMetrics> {
    return new Promise((resolve, reject) => {
      let runner: RemoteLoopMetrics | undefined;
      // A worker that neither answers nor fails (a script that never finishes loading) must not stall the loop.
      const timer = setTimeout(() => failToStart(new MetricsWorkerError(`the metrics worker did not answer within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
      const failToStart = (error: Error) => {
        clearTimeout(timer);
        endpoint.terminate();
        reject(error);
      };
      endpoint.onMessage((data) => {
        const message = data as MetricsResponse;
        if (!runner) {
          if (message.type === 'ready') {
            clearTimeout(timer);
            resolve((runner = new RemoteLoopMetrics(endpoint, release, framesAhead)));
          }
          else failToStart(new MetricsWorkerError(message.type === 'error' ? message.message : `metrics worker: unexpected '${message.type}' before ready`));
          return;
        }
        runner.receive(message);
      });
      endpoint.onFailure((error) => {
        if (runner) runner.fail(new MetricsWorkerError(`the metrics worker stopped: ${error.message}`));
        else failToStart(new MetricsWorkerError(`the metrics worker did not start: ${error.message}`));
      });
      try {
        endpoint.post({ type: 'init', options });
      } catch (err) {
        failToStart(new MetricsWorkerError(`the metrics worker did not start: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  private receive(message: MetricsResponse): void {
    switch (message.type) {
      case 'frame': {
        const { type: _type, seq, ...finished } = message;
        const p = this.pending.get(seq);
        this.pending.delete(seq);
        p?.resolve(finished);
        break;
      }
      case 'finished':
        this.finishing?.resolve({ frames: message.frames, summary: message.summary });
        this.finishing = undefined;
        break;
      case 'error':
        this.fail(new MetricsWorkerError(`metrics worker: ${message.message}`));
        break;
    }
  }

  private fail(reason: unknown): void {
    if (this.failed !== undefined) return;
    this.failed = reason;
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    this.finishing?.reject(reason);
    this.finishing = undefined;
    this.endpoint.terminate();
  }

  push(frame: ModelFrame, context?: FrameContext): Promise<FinishedFrame> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      // Copied (about 450 KB a frame at 400 px: the image, and the output at model resolution; twice with a context).
      this.endpoint.post({ type: 'frame', seq, frame, ...(context ? { context } : {}) });
    });
  }

  finish(): Promise<{ frames: FrameMetrics[]; summary: LoopSummary }> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.finishing = {
        resolve: (result) => {
          this.done = true;
          resolve(result);
        },
        reject,
      };
      this.endpoint.post({ type: 'finish' });
    });
  }

  close(reason: unknown = new MetricsWorkerError('the metrics runner was closed')): void {
    if (this.done && this.failed === undefined) {
      this.failed = reason;
      this.release(this.endpoint);
      return;
    }
    this.fail(reason);
  }
}

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
    this.last = frame;
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

/**
 * Metrics workers a loop gets by default, the same rule in Node and in the browser. Beside
 * inference on the CPU (onnxruntime-node's CPU provider, WASM), one: each further worker takes a
 * core from inference. With inference on a GPU the cores are free and the workers set the loop's
 * pace: three cores in four, at most 12, leaving the rest to the engine's thread, the frame
 * workers and the GPU runtime. On the 16-core H200 machine (2026-12-04, Node, 300 frames, frames
 * still decoded in the engine's thread) 4, 8, 12 and 14 workers took 3.9-4.1, 3.1-3.3, 2.9-3.1
 * and 2.9-3.1 s: past 12 the engine's thread was the limit. Each worker adds about 70 MB.
 */
export function metricsWorkersFor(provider: 'cpu' | 'wasm' | 'webgpu', cores: number): number {
  const n = Number.isFinite(cores) && cores >= 1 ? Math.floor(cores) : 1;
  return provider === 'webgpu' ? Math.max(1, Math.min(12, n - Math.ceil(n / 4))) : 1;
}

export interface MetricsWorkerPoolOptions {
  /** Starts a worker serving `serveLoopMetrics`. */
  create: () => MetricsEndpoint;
  /** Frames pushed ahead of the oldest result, per worker (bounds the frames held in flight). Default 8. */
  framesAhead?: number;
  /** Workers sharing each loop (ParallelLoopMetrics when more than 1). Default 1. */
  workersPerLoop?: number;
  /** With several workers: consecutive frames each worker takes in turn. Default 8. */
  runLength?: number;
  /** Told once when no worker could start and the metrics run inline instead. */
  onFallback?: (reason: string) => void;
}

export interface MetricsWorkerPool {
  readonly runner: LoopMetricsRunnerFactory;
  /** Starts a worker now, so that the first loop does not wait for its script. */
  prewarm(): void;
  /** Ends the idle workers. */
  dispose(): void;
}

/**
 * Runners backed by workers, one worker per loop in flight, kept for the next loop. A worker that
 * cannot start (no Worker support, script missing) makes this and every later loop compute
 * inline: slower, same results.
 */
export function metricsWorkerPool(options: MetricsWorkerPoolOptions): MetricsWorkerPool {
  const idle: MetricsEndpoint[] = [];
  let unavailable: string | undefined;
  const take = (): MetricsEndpoint => {
    const endpoint = idle.pop() ?? options.create();
    endpoint.setIdle?.(false);
    return endpoint;
  };
  const release = (endpoint: MetricsEndpoint) => {
    endpoint.setIdle?.(true);
    idle.push(endpoint);
  };
  const workersPerLoop = Math.max(1, Math.floor(options.workersPerLoop ?? 1));
  return {
    runner: async (metricsOptions) => {
      if (unavailable === undefined) {
        // async: a worker that cannot even be constructed (no Worker support) rejects like one that fails to start.
        const startOne = async () => RemoteLoopMetrics.start(take(), metricsOptions, release, options.framesAhead);
        const started = await Promise.allSettled(Array.from({ length: workersPerLoop }, startOne));
        const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        const workers = started.filter((r): r is PromiseFulfilledResult<RemoteLoopMetrics> => r.status === 'fulfilled').map((r) => r.value);
        if (!failed) return workers.length === 1 ? workers[0]! : new ParallelLoopMetrics(workers, metricsOptions, options.runLength);
        for (const w of workers) w.close();
        const err = failed.reason as unknown;
        unavailable = err instanceof Error ? err.message : String(err);
        options.onFallback?.(unavailable);
      }
      return inlineLoopMetrics(metricsOptions);
    },
    prewarm() {
      if (unavailable !== undefined) return;
      try {
        while (idle.length < workersPerLoop) release(options.create());
      } catch {
        // The first loop tries again and falls back then, with the reason.
      }
    },
    dispose() {
      for (const endpoint of idle.splice(0)) endpoint.terminate();
    },
  };
}
