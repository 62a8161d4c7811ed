// A frame worker (the real one, imported below) that really dies (exit code 3) when its second
// frame arrives: the fault a crashing or out-of-memory worker causes, for
// tests/inference/frameWorkers.test.ts. The static import registers the real worker's listener
// first (a listener added before it would start the port and the real one would miss the first
// messages); it starts decoding, and this one exits before the frame is answered.
import { parentPort } from 'node:worker_threads';
import '../../dist/inference/nodeFrameWorkers.js';

let frames = 0;
parentPort.on('message', (m) => {
  if (m.type === 'frame' && ++frames === 2) process.exit(3);
});
