/**
 * One loop through the whole Node pipeline in a fresh process (so that its peak RSS is the
 * pipeline's own): decode, pre-process, inference, post-process, metrics (the engine) and the SEG
 * write. Prints one JSON line. Usage: tsx bench/nodeLoopChild.ts CINE MODEL_DIR [worker|inline] [THREADS]
 * (where the temporal metrics run, default worker as the CLI runs them; onnxruntime's threads).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CineImage } from '../src/dicom/cineImage.js';
import { loadNodeModel } from '../src/inference/nodeModel.js';
import { segmentCine } from '../src/inference/engine.js';
import { segmentationFromRun } from '../src/inference/segmentationFromRun.js';
import { inferenceThreadsBesideMetricsWorker, nodeMetricsWorkerPool } from '../src/temporal/nodeMetricsWorker.js';

const [cinePath, modelDir, where = 'worker', threads] = process.argv.slice(2) as [string, string, string?, string?];
// The worker runs the compiled module in dist/ (npm run bench builds first): a worker thread does
// not inherit tsx's TypeScript loader.
const metricsWorkers = where === 'worker' ? nodeMetricsWorkerPool({ script: new URL('../dist/temporal/nodeMetricsWorker.js', import.meta.url), onFallback: (reason) => console.error(`metrics inline: ${reason}`) }) : undefined;
metricsWorkers?.prewarm();
const t0 = performance.now();
const cine = CineImage.fromPart10(readFileSync(cinePath), cinePath);
// As the CLI: all cores, less one for the metrics worker when there is one.
const defaultThreads = metricsWorkers ? inferenceThreadsBesideMetricsWorker() : undefined;
const chosenThreads = threads ? Number(threads) : defaultThreads;
const model = await loadNodeModel(modelDir, chosenThreads ? { threads: chosenThreads } : {});
let firstMaskMs = 0;
const t1 = performance.now();
const run = await segmentCine(cine, model, { ...(metricsWorkers ? { metrics: metricsWorkers.runner } : {}), onFrame: (f) => (f.frameIndex === 0 ? (firstMaskMs = performance.now() - t0) : undefined) });
const segStart = performance.now();
segmentationFromRun(cine, run).toPart10();
const segmentationWriteMs = performance.now() - segStart;
const totalMs = performance.now() - t1;
await model.backend.dispose();
metricsWorkers?.dispose();
console.log(
  JSON.stringify({
    frames: cine.numberOfFrames,
    firstMaskMs,
    totalMs,
    timings: { ...run.timings, segmentationWriteMs },
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    threads: chosenThreads ?? availableParallelism(),
  }),
);
