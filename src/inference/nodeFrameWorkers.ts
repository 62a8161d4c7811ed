/**
 * Frame workers in Node (frameWorkerPool.ts over worker_threads): this module is both the pool's
 * factory and, started as a worker, the serving side. Node only.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { frameWorkerPool, frameWorkersFor, serveFramePreparation, type FrameEndpoint, type FrameWorkerPool, type FrameWorkerPoolOptions } from './frameWorkerPool.js';

export type { FrameWorkerPool } from './frameWorkerPool.js';

const ROLE = 'trus-frame-preparation';

/** The CLI's default frame workers for a provider on this machine (frameWorkersFor). */
export function defaultFrameWorkers(provider: 'cpu' | 'webgpu'): number {
  return frameWorkersFor(provider, availableParallelism());
}

export interface NodeFrameWorkerPoolOptions extends FrameWorkerPoolOptions {
  /** Testing aid: another build of this module (a worker that fails on purpose). */
  script?: URL;
}

function workerEndpoint(worker: Worker): FrameEndpoint {
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (handler) => worker.on('message', handler),
    onFailure: (handler) => {
      worker.on('error', handler);
      worker.on('exit', (code) => handler(new Error(`it exited (code ${code})`)));
    },
    setIdle: (idle) => (idle ? worker.unref() : worker.ref()),
    terminate: () => void worker.terminate(),
  };
}

export function nodeFrameWorkerPool(options: NodeFrameWorkerPoolOptions): FrameWorkerPool {
  const script = options.script ?? new URL(import.meta.url);
  // execArgv is inherited: a process started with a TypeScript loader (tsx) gives it to the workers too.
  return frameWorkerPool({ ...options, create: () => workerEndpoint(new Worker(script, { workerData: { role: ROLE } })) });
}

function portEndpoint(port: MessagePort): FrameEndpoint {
  return {
    // Looked up at each call: a test double may wrap the port's postMessage after this starts.
    post: (message, transfer) => port.postMessage(message, transfer),
    onMessage: (handler) => port.on('message', handler),
    onFailure: () => undefined,
    terminate: () => port.close(),
  };
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === ROLE) serveFramePreparation(portEndpoint(parentPort));
