// One loop through the whole Node pipeline in a fresh process (so that its peak RSS is the
// pipeline's own): decode, pre-process, inference, post-process, metrics (the engine) and the SEG
// write. Prints one JSON line. Plain JavaScript on the built engine (dist/, which npm run bench
// builds first), so that the lent GPU machine runs it with a bare node (bench/device/gpu.sh).
//   node bench/nodeLoopChild.mjs CINE MODEL_DIR [worker|inline] [THREADS|default] [cpu|webgpu|web-webgpu] [WORKERS|default] [FRAME_WORKERS|default]
// (where the temporal metrics run, default worker as the CLI runs them; onnxruntime's threads;
// its execution provider; the metrics workers sharing the loop, and the workers decoding and
// pre-processing frames ahead of inference (0: in the engine's thread), by default the CLI's).
// web-webgpu: the model on the viewer's backend instead (onnxruntime-web's WebGPU provider, WebGPU
// from dawn.node: bench/device/), for a GPU machine without Chromium; the rest as with webgpu.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CineImage } from '../dist/dicom/cineImage.js';
import { loadNodeModel } from '../dist/inference/nodeModel.js';
import { segmentCine } from '../dist/inference/engine.js';
import { segmentationFromRun } from '../dist/inference/segmentationFromRun.js';
import { defaultMetricsWorkers, inferenceThreadsBesideMetricsWorker, nodeMetricsWorkerPool } from '../dist/temporal/nodeMetricsWorker.js';
import { defaultFrameWorkers, nodeFrameWorkerPool } from '../dist/inference/nodeFrameWorkers.js';
import { webgpuDevice } from './device/webgpuDevice.mjs';
import { installDawnWebgpu } from './device/dawnWebgpu.mjs';
import { loadWebModel } from './device/webModel.mjs';

const [cinePath, modelDir, where = 'worker', threads = 'default', providerArg = 'cpu', workers = 'default', frameWorkersArg = 'default'] = process.argv.slice(2);
const web = providerArg === 'web-webgpu';
// The CLI's defaults for a loop whose model runs on a GPU.
const provider = web ? 'webgpu' : providerArg;
if (web) await installDawnWebgpu();
const workerCount = where === 'worker' ? (workers === 'default' ? defaultMetricsWorkers(provider) : Number(workers)) : 0;
const metricsWorkers = workerCount ? nodeMetricsWorkerPool({ workersPerLoop: workerCount, onFallback: (reason) => console.error(`metrics inline: ${reason}`) }) : undefined;
metricsWorkers?.prewarm();
const frameWorkerCount = frameWorkersArg === 'default' ? defaultFrameWorkers(provider) : Number(frameWorkersArg);
const frameWorkers = frameWorkerCount > 0 ? nodeFrameWorkerPool({ workers: frameWorkerCount, onFallback: (reason) => console.error(`frames inline: ${reason}`) }) : undefined;
const t0 = performance.now();
const cine = CineImage.fromPart10(readFileSync(cinePath), cinePath);
// As the CLI: all cores, less one for each metrics worker.
const defaultThreads = metricsWorkers ? inferenceThreadsBesideMetricsWorker(workerCount) : undefined;
const chosenThreads = threads !== 'default' ? Number(threads) : defaultThreads;
const model = web ? await loadWebModel(modelDir) : await loadNodeModel(modelDir, { ...(chosenThreads ? { threads: chosenThreads } : {}), provider });
if (web && model.backend.provider !== 'webgpu') {
  console.error(`no WebGPU: ${model.backend.fallbackReason}`);
  process.exit(3);
}
let firstMaskMs = 0;
const t1 = performance.now();
const cpu0 = process.cpuUsage();
const run = await segmentCine(cine, model, { ...(metricsWorkers ? { metrics: metricsWorkers.runner } : {}), ...(frameWorkers ? { frames: frameWorkers.source } : {}), onFrame: (f) => (f.frameIndex === 0 ? (firstMaskMs = performance.now() - t0) : undefined) });
const segStart = performance.now();
segmentationFromRun(cine, run).toPart10();
const segmentationWriteMs = performance.now() - segStart;
const totalMs = performance.now() - t1;
// All of the process's threads (engine, workers, onnxruntime's, the GPU runtime's): the cores the
// loop kept busy on average are (user + system) / totalMs.
const cpu = process.cpuUsage(cpu0);
await model.backend.dispose();
metricsWorkers?.dispose();
frameWorkers?.dispose();
console.log(
  JSON.stringify({
    frames: cine.numberOfFrames,
    firstMaskMs,
    totalMs,
    timings: { ...run.timings, segmentationWriteMs },
    peakRssMb: ownPeakRssMb(),
    cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    threads: web ? model.backend.threads : (chosenThreads ?? availableParallelism()),
    metricsWorkers: run.timings.metricsIn === 'worker' ? workerCount : 0,
    frameWorkers: run.timings.preparedIn === 'worker' ? frameWorkerCount : 0,
    provider: run.provider,
    ...(run.fallbackReason ? { fallbackReason: run.fallbackReason } : {}),
    ...(web ? { backend: 'onnxruntime-web', ...webAdapter(model.backend.adapterName) } : provider === 'webgpu' ? webgpuDevice() : {}),
    node: process.version,
  }),
);
// dawn.node keeps the process alive after its last device is gone.
if (web) process.exit(0);

/**
 * This process's own peak RSS (MiB): the high-water mark of its memory map. Not
 * process.resourceUsage().maxRSS, which Linux carries from the parent that forked a process
 * through its exec: launched by a benchmark process bigger than the loop, the 300- and 1,000-frame
 * loops, whose own peaks were 266 and 350 MiB, both reported the benchmark's 468 (2026-12-07).
 */
function ownPeakRssMb() {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // Not Linux: the rusage figure, the best there is.
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** The adapter as it names itself through dawn.node; a software one is marked whatever the Vulkan driver files say. */
function webAdapter(name = 'unnamed adapter') {
  const software = /swiftshader|llvmpipe|lavapipe/i.test(name) || webgpuDevice().softwareAdapter;
  return { device: software ? `software adapter (${name}, CPU)` : name, softwareAdapter: software };
}
