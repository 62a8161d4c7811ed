/**
 * On the lent GPU machine, with Chromium unpacked there (bench/device/gpu.sh chromium, after
 * make-kit.sh chromium here): the student and teacher through onnxruntime-web's WebGPU provider in
 * Chromium on the GPU, then the benchmark's loop through the browser pipeline on it, N tries, by
 * the same functions as `npm run bench`'s GPU section. That machine has no tsx: make-kit.sh bundles
 * this file. Prints one JSON object (`npm run bench -- --chromium-gpu FILE` imports it); exit 3
 * when no flag set gave an adapter or a loop did not run on WebGPU, with chrome://gpu's text in the
 * output for the former.
 *   node chromiumGpu.mjs CINE [--tries N] [--software] [--flags "FLAG ..."] [--frame-workers LIST] [--stand-in] [MODEL_DIR...]
 * --flags: a set of Chromium flags to try before the usual ones.
 * --frame-workers: the frame-worker counts each try runs a loop with, "auto" the engine's choice;
 * default "auto,0", so that what the browser's frame workers give shows beside the loop without them.
 * --stand-in: then the same tries with bench/standInModel.ts's model in the first model's place,
 * so that what the pipeline around the model allows on that machine shows beside the loops.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markStandIn, writeStandInModel } from '../standInModel.js';
import { chromiumGpuReport, chromiumVersion, frameWorkerCounts, GPU_FLAG_SETS, gpuName, gpuReportSummary, gpuLoopOptions, gpuLoops, gpuModelLatency, type ChromiumGpuOutput } from '../chromiumGpu.js';

const ROOT = process.cwd();
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, 2)[1];
};
const tries = Number(option('--tries') ?? '3');
const extraFlags = option('--flags')?.split(/\s+/).filter(Boolean);
const workerCounts = frameWorkerCounts(option('--frame-workers') ?? 'auto,0');
const flag = (name: string): boolean => args.includes(name) && args.splice(args.indexOf(name), 1).length > 0;
const software = flag('--software');
const standIn = flag('--stand-in');
const [cine, ...modelArgs] = args;
if (!cine || !Number.isInteger(tries) || tries < 1) {
  console.error('usage: chromiumGpu.mjs CINE [--tries N] [--software] [--flags "FLAG ..."] [--frame-workers LIST] [--stand-in] [MODEL_DIR...]');
  process.exit(2);
}
const modelDirs = modelArgs.length ? modelArgs : ['models/trus-student', 'models/trus-teacher'].map((m) => join(ROOT, m));

const out: ChromiumGpuOutput = { chromium: chromiumVersion(), attempts: [], models: [], pipeline: [] };
const gpu = gpuName();
if (gpu) out.gpu = gpu;
const timing = software ? { warmup: 1, seconds: 0, minSamples: 3 } : undefined;
const found = await gpuModelLatency(ROOT, modelDirs, { allowSoftware: software, ...(extraFlags?.length ? { extraFlagSets: [extraFlags] } : {}), ...(timing ? { timing } : {}) });
if (typeof found === 'string') {
  out.failure = found;
  // What Chromium says of each set, to choose the next flags from.
  out.gpuReports = [];
  for (const set of [...(extraFlags?.length ? [extraFlags] : []), ...GPU_FLAG_SETS]) {
    const report = await chromiumGpuReport(set).catch((err: unknown) => `chrome://gpu could not be read: ${String(err)}`);
    out.gpuReports.push({ flags: [...set], summary: gpuReportSummary(report) });
    out.gpuPage ??= report;
  }
} else {
  Object.assign(out, { flags: found.flags, attempts: found.attempts, models: found.models });
  console.error(`[chromium-gpu] adapter found with ${found.flags.join(' ')}; ${tries} tries of ${cine}, frame workers ${workerCounts.map((n) => n ?? 'auto').join(', ')}`);
  const loops = await gpuLoops(ROOT, cine, modelDirs[0]!, gpuLoopOptions(found.flags, software), tries, workerCounts);
  out.pipeline = loops.pipeline;
  if (loops.failure) out.failure = loops.failure;
  else if (standIn) {
    const standInDir = writeStandInModel(join(mkdtempSync(join(tmpdir(), 'trus-stand-in-')), 'model'), modelDirs[0]!);
    console.error(`[chromium-gpu] ${tries} tries with the stand-in model`);
    const standInLoops = await gpuLoops(ROOT, cine, standInDir, gpuLoopOptions(found.flags, software), tries, workerCounts);
    out.pipeline.push(...standInLoops.pipeline.map(markStandIn));
    if (standInLoops.failure) out.failure = `stand-in model: ${standInLoops.failure}`;
  }
}
console.log(JSON.stringify(out));
process.exit(out.failure ? 3 : 0);
