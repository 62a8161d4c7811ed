// A frame worker that really dies (exit code 3) when its second frame arrives: the fault a
// crashing or out-of-memory worker causes, for tests/inference/frameWorkers.test.ts. Its listener
// comes before the real worker's (imported after it), so the frame is never answered.
import { parentPort } from 'node:worker_threads';

let frames = 0;
parentPort.on('message', (m) => {
  if (m.type === 'frame' && ++frames === 2) process.exit(3);
});
await import('../../dist/inference/nodeFrameWorkers.js');
