// A metrics worker that really dies (exit code 3) when its third frame arrives: the fault a
// crashing or out-of-memory worker causes, for tests/inference/metricsWorker.test.ts.
import { parentPort } from 'node:worker_threads';
import { serveLoopMetrics } from '../../dist/temporal/metricsRunner.js';

let frames = 0;
serveLoopMetrics({
  post: (message) => parentPort.postMessage(message),
  onMessage: (handler) =>
    parentPort.on('message', (m) => {
      if (m.type === 'frame' && ++frames === 3) process.exit(3);
      handler(m);
    }),
  onFailure: () => undefined,
  terminate: () => parentPort.close(),
});
