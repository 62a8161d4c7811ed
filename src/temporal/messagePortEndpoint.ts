/** A worker_threads MessagePort as a metrics endpoint: a Node worker's side of its loop (its parentPort). Node only. */
import type { MessagePort } from 'node:worker_threads';
import type { MetricsEndpoint } from './metricsRunner.js';

export function messagePortEndpoint(port: MessagePort): MetricsEndpoint {
  return {
    post: (message, transfer) => port.postMessage(message, transfer),
    onMessage: (handler) => {
      port.removeAllListeners('message');
      port.on('message', handler);
    },
    onFailure: () => undefined,
    terminate: () => port.close(),
  };
}
