/** How many metrics workers a loop gets, and the workers kept from one loop to the next. */
import { inlineLoopMetrics, type LoopMetricsRunnerFactory, type MetricsEndpoint } from './metricsRunner.js';
import { RemoteLoopMetrics } from './remoteLoopMetrics.js';
import { ParallelLoopMetrics } from './parallelLoopMetrics.js';

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
  /** How long a worker may take to answer its first loop before the metrics run inline; default 30 s. */
  startTimeoutMs?: number;
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
        const startOne = async () => RemoteLoopMetrics.start(take(), metricsOptions, release, options.framesAhead, options.startTimeoutMs);
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
