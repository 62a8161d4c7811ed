/** Frame workers in the browser (module Web Workers running trus-frame-worker.mjs). */
import { failureLatch } from '../temporal/metricsRunner.js';
import { frameWorkerPool, type FrameWorkerPool, type FrameWorkerPoolOptions } from '../inference/frameWorkerPool.js';

export function webFrameWorkerPool(url: string, options: FrameWorkerPoolOptions): FrameWorkerPool {
  return frameWorkerPool({
    ...options,
    create: () => {
      const worker = new Worker(url, { type: 'module' });
      const failure = failureLatch();
      // A missing or broken script reports here (the constructor does not throw for it).
      worker.onerror = (e) => {
        e.preventDefault();
        failure.report(new Error(`${url}: ${e.message || 'the worker script failed to load'}`));
      };
      worker.onmessageerror = () => failure.report(new Error('a message could not be read'));
      return {
        post: (message, transfer) => worker.postMessage(message, transfer ?? []),
        onMessage: (handler) => (worker.onmessage = (e) => handler(e.data)),
        onFailure: failure.onFailure,
        terminate: () => worker.terminate(),
      };
    },
  });
}
