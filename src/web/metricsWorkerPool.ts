/** Loop-metrics workers in the browser (module Web Workers running trus-metrics-worker.mjs). */
import { failureLatch, metricsWorkerPool, type MetricsWorkerPool, type MetricsWorkerPoolOptions } from '../temporal/metricsRunner.js';

export function webMetricsWorkerPool(url: string, options: Omit<MetricsWorkerPoolOptions, 'create'> = {}): MetricsWorkerPool {
  return metricsWorkerPool({
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
        post: (message) => worker.postMessage(message),
        onMessage: (handler) => (worker.onmessage = (e) => handler(e.data)),
        onFailure: failure.onFailure,
        terminate: () => worker.terminate(),
      };
    },
  });
}
