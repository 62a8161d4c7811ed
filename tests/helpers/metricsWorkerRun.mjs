// Runs the built engine (dist/) with the loop metrics in worker_threads, as the CLI does, and
// prints one JSON line for tests/inference/metricsWorker.test.ts (a child process: jest runs
// TypeScript as CommonJS, where the worker's module URL does not exist).
// Usage: node metricsWorkerRun.mjs CINE MODEL_DIR compare|parallel|handover|first-mask|missing|dying|parallel-dying|abort [DYING_WORKER]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CineImage } from '../../dist/dicom/cineImage.js';
import { loadNodeModel } from '../../dist/inference/nodeModel.js';
import { segmentCine } from '../../dist/inference/engine.js';
import { nodeMetricsWorkerPool } from '../../dist/temporal/nodeMetricsWorker.js';

const [cinePath, modelDir, mode, dyingWorker] = process.argv.slice(2);
const cine = CineImage.fromPart10(readFileSync(cinePath), cinePath);
const model = await loadNodeModel(modelDir, { threads: 1 });
const fallbacks = [];
const onFallback = (reason) => fallbacks.push(reason);
const errorOf = (e) => ({ name: e.name, message: e.message });

async function run(pool, extra = {}) {
  const streamed = [];
  const r = await segmentCine(cine, model, { batchSize: 1, ...(pool ? { metrics: pool.runner } : {}), onFrame: (f) => streamed.push({ frameIndex: f.frameIndex, metrics: f.metrics }), ...extra });
  return { metricsIn: r.timings.metricsIn, frames: r.frames, summary: r.summary, streamed, masks: r.masks.map((m) => Array.from(m.bits)) };
}

/** The error a run ends with (null when it does not fail). */
async function failureOf(runIt) {
  try {
    await runIt();
    return null;
  } catch (e) {
    return errorOf(e);
  }
}

const out = { mode };
if (mode === 'compare') {
  const pool = nodeMetricsWorkerPool({ onFallback });
  out.worker = await run(pool);
  // The same worker again: 'init' must start a fresh loop (no frame of the first loop as "previous").
  out.again = await run(pool);
  out.inline = await run(undefined);
  pool.dispose();
} else if (mode === 'parallel') {
  // Two workers share each loop in runs of two frames, one frame over the last four (frames 1-2,
  // then 3, 4, 5 and 6 alone: a run continued and the short runs of a loop's end); batches of 4 frames and of 1.
  const pool = nodeMetricsWorkerPool({ onFallback, workersPerLoop: 2, runLength: 2 });
  out.worker = await run(pool, { batchSize: 4 });
  out.again = await run(pool);
  out.inline = await run(undefined);
  pool.dispose();
} else if (mode === 'handover') {
  // The runner itself: a handed-over frame's arrays are moved to the worker, another's copied.
  const pool = nodeMetricsWorkerPool({ onFallback });
  const [width, height] = [8, 6];
  const runner = await pool.runner({
    metrics: { width, height },
    post: { modelWidth: 4, modelHeight: 3, logits: true, box: { x0: 0, y0: 0, x1: width, y1: height }, width, height, options: { threshold: 0.5, keepLargestComponent: true, fillHoles: true } },
    frameCount: 3,
  });
  const frame = (handOver, value = 0.5) => ({ image: new Float32Array(width * height).fill(value), output: new Float32Array(12).fill(value * 6), handOver });
  const moved = frame(true);
  const moved2 = frame(true, 0.25);
  const copied = frame(false);
  const results = [runner.push(moved), runner.push(moved2), runner.push(copied)];
  out.lengthsAfterPush = { moved: [moved.image.length, moved.output.length], copied: [copied.image.length, copied.output.length] };
  const finished = await Promise.all(results);
  out.areas = finished.map((f) => f.metrics.area);
  // What came back, per frame: each buffer's length in values and the values it holds.
  out.spent = finished.map((f) => (f.spent ?? []).map((b) => [...new Set(new Float32Array(b))].concat(b.byteLength / 4)));
  await runner.finish();
  runner.close();
  pool.dispose();
} else if (mode === 'parallel-dying') {
  // Two workers taking frames in turn: each gets three of the six, and the dying script exits on its third.
  const pool = nodeMetricsWorkerPool({ onFallback, workersPerLoop: 2, runLength: 1, script: pathToFileURL(dyingWorker) });
  out.error = await failureOf(() => run(pool));
  pool.dispose();
} else if (mode === 'first-mask') {
  // What happened in which order: each inference (a batch of 2) and each frame reported.
  const pool = nodeMetricsWorkerPool({ onFallback });
  const events = [];
  const run = model.backend.run.bind(model.backend);
  model.backend.run = (input, n) => {
    events.push('inference');
    return run(input, n);
  };
  await segmentCine(cine, model, { batchSize: 2, metrics: pool.runner, onFrame: (f) => events.push(`frame ${f.frameIndex}`) });
  model.backend.run = run;
  out.events = events;
  pool.dispose();
} else if (mode === 'missing') {
  const pool = nodeMetricsWorkerPool({ onFallback, script: new URL('file:///nonexistent/trus-metrics-worker.js') });
  out.run = await run(pool);
  pool.dispose();
} else if (mode === 'dying') {
  const pool = nodeMetricsWorkerPool({ onFallback, script: pathToFileURL(dyingWorker) });
  out.error = await failureOf(() => run(pool));
  pool.dispose();
} else if (mode === 'abort') {
  const pool = nodeMetricsWorkerPool({ onFallback });
  const controller = new AbortController();
  try {
    await run(pool, { signal: controller.signal, onFrame: () => controller.abort(new DOMException('cancelled by the test', 'AbortError')) });
    out.error = null;
  } catch (e) {
    out.error = errorOf(e);
  }
  out.after = await run(pool);
  pool.dispose();
}
out.fallbacks = fallbacks;
await model.backend.dispose();
// No process.exit: the test also checks that no worker keeps the process alive.
console.log(JSON.stringify(out));
