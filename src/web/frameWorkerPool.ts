/** Frame workers in the browser (module Web Workers running trus-frame-worker.mjs). */
import { frameWorkerPool, type FrameWorkerPool, type FrameWorkerPoolOptions } from '../inference/frameWorkerPool.js';
import { moduleWorkerEndpoint } from './moduleWorker.js';

export function webFrameWorkerPool(url: string, options: FrameWorkerPoolOptions): FrameWorkerPool {
  return frameWorkerPool({ ...options, create: () => moduleWorkerEndpoint(url) });
}
