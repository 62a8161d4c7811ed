// Runs the built engine (dist/) with frames decoded and pre-processed in worker_threads, as the
// CLI does on WebGPU, and prints one JSON line for tests/inference/frameWorkers.test.ts (a child
// process: jest runs TypeScript as CommonJS, where the worker's module URL does not exist).
// Usage: node frameWorkerRun.mjs CINE MODEL_DIR compare|corrupt|dying|late [TEST_WORKER] [OTHER_CINE]
// (TEST_WORKER: the dying or the late worker; OTHER_CINE: a second loop, for 'late').
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CineImage } from '../../dist/dicom/cineImage.js';
import { loadNodeModel } from '../../dist/inference/nodeModel.js';
import { segmentCine } from '../../dist/inference/engine.js';
import { nodeFrameWorkerPool } from '../../dist/inference/nodeFrameWorkers.js';

const [cinePath, modelDir, mode, testWorker, otherCinePath] = process.argv.slice(2);
const model = await loadNodeModel(modelDir, { threads: 1 });
const fallbacks = [];
const onFallback = (reason) => fallbacks.push(reason);

/** The cine with its fourth frame's JPEG marked lossless (SOF3), which the decoder refuses. */
function withCorruptFourthFrame(bytes) {
  const copy = bytes.slice();
  let soi = 0;
  for (let i = 0; i < copy.length - 2; i++) {
    if (copy[i] === 0xff && copy[i + 1] === 0xd8 && copy[i + 2] === 0xff && ++soi === 4) {
      for (let j = i; j < copy.length - 1; j++) {
        if (copy[j] === 0xff && copy[j + 1] === 0xc0) {
          copy[j + 1] = 0xc3;
          return copy;
        }
      }
    }
  }
  throw new Error('no fourth JPEG frame with a SOF0 marker');
}

const bytes = new Uint8Array(readFileSync(cinePath));
const cine = CineImage.fromPart10(mode === 'corrupt' ? withCorruptFourthFrame(bytes) : bytes, cinePath);

async function run(pool, loop = cine) {
  const r = await segmentCine(loop, model, { batchSize: 2, ...(pool ? { frames: pool.source } : {}) });
  return { preparedIn: r.timings.preparedIn, frames: r.frames, summary: r.summary, masks: r.masks.map((m) => Array.from(m.bits)) };
}

async function failureOf(pool) {
  try {
    await run(pool);
    return null;
  } catch (e) {
    return { name: e.name, message: e.message, frameNumber: e.frameNumber };
  }
}

const out = { mode };
if (mode === 'compare') {
  const pool = nodeFrameWorkerPool({ workers: 2, framesAhead: 2, onFallback });
  out.worker = await run(pool);
  // The same workers again: 'init' must start a fresh loop.
  out.again = await run(pool);
  out.inline = await run(undefined);
  pool.dispose();
} else if (mode === 'corrupt') {
  const pool = nodeFrameWorkerPool({ workers: 2, onFallback });
  out.worker = await failureOf(pool);
  out.inline = await failureOf(undefined);
  pool.dispose();
} else if (mode === 'dying') {
  const pool = nodeFrameWorkerPool({ workers: 2, onFallback, script: pathToFileURL(testWorker) });
  out.worker = await run(pool);
  out.after = await run(pool);
  out.inline = await run(undefined);
  pool.dispose();
} else if (mode === 'late') {
  // The first loop's answers arrive again while the second loop (another cine) waits for its frames.
  const other = CineImage.fromPart10(readFileSync(otherCinePath), otherCinePath);
  const pool = nodeFrameWorkerPool({ workers: 2, onFallback, script: pathToFileURL(testWorker) });
  out.first = await run(pool);
  out.second = await run(pool, other);
  out.inlineFirst = await run(undefined);
  out.inlineSecond = await run(undefined, other);
  pool.dispose();
}
out.fallbacks = fallbacks;
await model.backend.dispose();
// No process.exit: the test also checks that no worker keeps the process alive.
console.log(JSON.stringify(out));
