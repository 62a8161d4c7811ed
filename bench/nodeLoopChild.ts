/**
 * One loop through the whole Node pipeline in a fresh process (so that its peak RSS is the
 * pipeline's own): decode, pre-process, inference, post-process, metrics (the engine) and the SEG
 * write. Prints one JSON line. Usage: tsx bench/nodeLoopChild.ts CINE MODEL_DIR
 */
import { readFileSync } from 'node:fs';
import { CineImage } from '../src/dicom/cineImage.js';
import { loadNodeModel } from '../src/inference/nodeModel.js';
import { segmentCine } from '../src/inference/engine.js';
import { segmentationFromRun } from '../src/inference/segmentationFromRun.js';

const [cinePath, modelDir] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const cine = CineImage.fromPart10(readFileSync(cinePath), cinePath);
const model = await loadNodeModel(modelDir);
let firstMaskMs = 0;
const t1 = performance.now();
const run = await segmentCine(cine, model, { onFrame: (f) => (f.frameIndex === 0 ? (firstMaskMs = performance.now() - t0) : undefined) });
const segStart = performance.now();
segmentationFromRun(cine, run).toPart10();
const segmentationWriteMs = performance.now() - segStart;
const totalMs = performance.now() - t1;
await model.backend.dispose();
console.log(
  JSON.stringify({
    frames: cine.numberOfFrames,
    firstMaskMs,
    totalMs,
    timings: { ...run.timings, segmentationWriteMs },
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
