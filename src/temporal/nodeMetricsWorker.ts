/**
 * The loop metrics in a worker_threads Worker (Node): this module is both the pool's factory and,
 * started as a worker, the serving side. Node only.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { serveLoopMetrics, type MetricsEndpoint } from './metricsRunner.js';
import { failureLatch } from './remoteLoopMetrics.js';
import { messagePortEndpoint } from './messagePortEndpoint.js';
import { metricsWorkerPool, metricsWorkersFor, type MetricsWorkerPool, type MetricsWorkerPoolOptions } from './metricsWorkers.js';

const ROLE = 'trus-loop-metrics';

function endpointFor(worker: Worker): MetricsEndpoint {
  let onMessage: (message: unknown) => void = () => undefined;
  const failure = failureLatch();
  let terminated = false;
  worker.on('message', (m) => onMessage(m));
  worker.on('error', (e) => failure.report(e));
  worker.on('exit', (code) => {
    if (!terminated) failure.report(new Error(`it exited (code ${code})`));
  });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (handler) => (onMessage = handler),
    onFailure: failure.onFailure,
    setIdle: (idle) => (idle ? worker.unref() : worker.ref()),
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}

/**
 * onnxruntime threads beside the metrics workers: every core but theirs. Inference threads spin
 * while waiting, and sharing a core with the metrics slowed both (on two cores one inference
 * thread beat two; bench/results).
 */
export function inferenceThreadsBesideMetricsWorker(metricsWorkers = 1): number {
  return Math.max(1, availableParallelism() - metricsWorkers);
}

/** Metrics workers a loop gets by default on this machine's cores (metricsWorkersFor). */
export function defaultMetricsWorkers(provider: 'cpu' | 'webgpu'): number {
  return metricsWorkersFor(provider, availableParallelism());
}

/** Workers running this module; `script` only for tests that run another build of it. */
export function nodeMetricsWorkerPool(options: Omit<MetricsWorkerPoolOptions, 'create'> & { script?: URL } = {}): MetricsWorkerPool {
  const script = options.script ?? new URL(import.meta.url);
  // execArgv is inherited: a process started with a TypeScript loader (tsx) gives it to the worker too.
  return metricsWorkerPool({ ...options, create: () => endpointFor(new Worker(script, { workerData: { role: ROLE } })) });
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === ROLE) {
  const port = parentPort;
  // Spent buffers left to this worker's garbage collector, not moved back: measured slower in Node (see
  // ServeOptions); the Web Worker gives them back.
  serveLoopMetrics(messagePortEndpoint(port), { giveBack: false });
}
