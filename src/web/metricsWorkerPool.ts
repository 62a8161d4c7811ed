/** Loop-metrics workers in the browser (module Web Workers running trus-metrics-worker.mjs). */
import { metricsWorkerPool, type MetricsWorkerPool, type MetricsWorkerPoolOptions } from '../temporal/metricsWorkers.js';
import { moduleWorkerEndpoint } from './moduleWorker.js';

export function webMetricsWorkerPool(url: string, options: Omit<MetricsWorkerPoolOptions, 'create'> = {}): MetricsWorkerPool {
  return metricsWorkerPool({ ...options, create: () => moduleWorkerEndpoint(url) });
}
