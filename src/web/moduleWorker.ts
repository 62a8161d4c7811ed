/**
 * A module Web Worker as the worker pools' endpoints want it (the metrics' and the frames'): its
 * messages, and its failure kept until a pool listens (a script that is missing or throws reports
 * through onerror, not through the constructor).
 */
import { failureLatch } from '../temporal/remoteLoopMetrics.js';

export interface ModuleWorkerEndpoint {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
  onFailure(handler: (error: Error) => void): void;
  terminate(): void;
}

export function moduleWorkerEndpoint(url: string): ModuleWorkerEndpoint {
  const worker = new Worker(url, { type: 'module' });
  const failure = failureLatch();
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
}
