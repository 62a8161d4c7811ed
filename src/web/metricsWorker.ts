/**
 * The loop metrics' Web Worker (trus-metrics-worker.mjs), started by the segmentation worker so
 * that one frame's post-processing and metrics run while the next frames are inferred.
 */
import { serveLoopMetrics } from '../temporal/metricsRunner.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;

serveLoopMetrics({
  post: (message, transfer) => scope.postMessage(message, transfer ?? []),
  onMessage: (handler) => (scope.onmessage = (e) => handler(e.data)),
  onFailure: () => undefined,
  terminate: () => scope.close(),
});
