// A frame worker (the real one, imported below) whose answers to its first loop come again, late,
// when the second loop asks for its first frame: what a worker still busy with a loop that ended
// early (a corrupt frame, a cancel) sends after the next loop has begun. Timing cannot make that
// happen on demand, so this double repeats real answers, for tests/inference/frameWorkers.test.ts.
import { parentPort } from 'node:worker_threads';
// Static: the real worker's listener is registered before this module's (see dyingFrameWorker.mjs).
import '../../dist/inference/nodeFrameWorkers.js';

const post = parentPort.postMessage.bind(parentPort);
const firstLoop = [];
let loops = 0;
let repeated = false;
parentPort.postMessage = (message, transfer) => {
  if (loops === 1) firstLoop.push(structuredClone(message));
  post(message, transfer);
};
// Runs after the real listener has started decoding the frame: the repeated answers go first.
parentPort.on('message', (m) => {
  if (m.type === 'init') loops++;
  else if (m.type === 'frame' && loops === 2 && !repeated) {
    repeated = true;
    for (const old of firstLoop) post(old);
  }
});
