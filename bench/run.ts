/**
 * `npm run bench`: latency, throughput and memory of the shipped models and the pipeline, measured
 * in one run on the same inputs, printed and written to bench/results/latest.{md,json}.
 * Figures only: nothing here passes or fails on timing. Sections can be chosen with
 * `npm run bench -- --only models,profile,sizes,pipeline,memory,codecs,pacs,viewer,torch,gpu`; such a run writes
 * bench/results/only-<sections>.{md,json} instead. `--tries N` (default 3): loops per whole-pipeline row, and warm runs in the viewer. `--rounds N` (default 3): rounds of the model-only rows. `--torch-cuda FILE`, `--chromium-gpu FILE`, `--webgpu-node FILE`, `--webgpu-web FILE` and `--node-loop-gpu FILE` take
 * GPU rows measured on a GPU machine without the project's install (see below, and bench/device/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { chromiumLatency, chromiumRoundRow, latencyInRounds, nodeRoundRow, type RoundRow } from './modelLatency.js';
import { nodePipeline, browserPipeline, type BrowserPipelineOptions, type PipelineResult } from './pipeline.js';
import { decodeThroughput, segWriteThroughput } from './codecs.js';
import { viewerFirstMask, viewerLoopFromPacs } from './viewerFirstMask.js';
import { pacsBatch } from './pacsBatch.js';
import { operatorProfile } from './operatorProfile.js';
import { studentSizes } from './studentSizes.js';
import { systemPythonJson } from './systemPython.js';
import { benchLoops, FRAME_WIDTH } from './loops.js';
import { medianTry } from './stats.js';
import { markStandIn, writeStandInModel } from './standInModel.js';
import { renderMarkdown, type Results } from './report.js';
import { importedChromiumGpu, importedNodeLoop, importedTorchCuda, importedWebgpuRows, type TorchLatency } from './importedRows.js';
import { chromiumVersion, gpuLoopOptions, gpuModelLatency, gpuName } from './chromiumGpu.js';
import { chromiumAvailable } from '../tests/helpers/browser.js';

const ROOT = resolve(process.cwd());
const MODELS = ['trus-student', 'trus-teacher'].map((m) => join(ROOT, 'models', m));
const STUDENT = MODELS[0]!;
const REAL_YBR_CINE = resolve(ROOT, '../shared/data/real-us/examples_ybr_color.dcm');
const SECTIONS = ['models', 'profile', 'sizes', 'torch', 'gpu', 'pipeline', 'memory', 'codecs', 'pacs', 'viewer'] as const;
type Section = (typeof SECTIONS)[number];

const onlyArg = process.argv.indexOf('--only');
const only = new Set<Section>(onlyArg >= 0 ? (process.argv[onlyArg + 1]!.split(',') as Section[]) : SECTIONS);
const log = (line: string) => console.error(`[bench] ${line}`);
/** Every value given after `name` (an option that may be repeated). */
function optionValues(name: string): string[] {
  return process.argv.flatMap((arg, i) => (arg === name && process.argv[i + 1] !== undefined ? [process.argv[i + 1]!] : []));
}
/** The whole number of at least 1 given after `name`, or `fallback` when the option is absent; anything else is an error. */
function countOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const n = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants a whole number of at least 1, not ${process.argv[at + 1]}`);
  return n;
}
/**
 * `--torch-cuda FILE`: PyTorch CUDA figures measured elsewhere (`python3 bench/torch_latency.py
 * --device cuda > FILE` on a GPU machine that has PyTorch but no Node or Chromium), put in the table
 * with their device named, in place of measuring them here.
 */
const torchCudaFile = optionValues('--torch-cuda')[0];
/**
 * `--webgpu-node FILE` / `--webgpu-web FILE` (each may be repeated): bench/webgpu_node_latency.mjs's
 * or bench/webgpu_web_latency.mjs's output from the GPU machine (bench/device/gpu.sh).
 */
const webgpuNodeFiles = optionValues('--webgpu-node');
const webgpuWebFiles = optionValues('--webgpu-web');
/** `--node-loop-gpu FILE` (may be repeated): bench/nodeLoopChild.mjs's whole loop on WebGPU from the GPU machine (gpu.sh). */
const nodeLoopGpuFiles = optionValues('--node-loop-gpu');
/**
 * `--chromium-gpu FILE` (may be repeated): bench/device/chromiumGpu.ts's output from the GPU machine
 * (onnxruntime-web WebGPU in Chromium there: model only and the loop; gpu.sh chromium).
 */
const chromiumGpuFiles = optionValues('--chromium-gpu');
/** `--tries N`: each whole-pipeline row is the median of N loops, run in turn with the other rows' (default 3); the viewer's warm row, of N runs. */
const PIPELINE_TRIES = countOption('--tries', 3);
/** `--rounds N`: the model-only rows are measured in N rounds, every row once a round (default 3; latencyInRounds). */
const MODEL_ROUNDS = countOption('--rounds', 3);

/** bench/torch_latency.py through the system Python: its JSON, or why it gave none (exit 3: no CUDA). */
function torchLatency(args: string[]): TorchLatency | string {
  return systemPythonJson<TorchLatency>(ROOT, 'bench/torch_latency.py', ['--seconds', '3', ...args], 3);
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const chromium = chromiumAvailable() ? chromiumVersion() : 'no Chromium';
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${gpuName() ?? 'no GPU'}, Node ${process.version}, ${chromium}`;
}

async function main(): Promise<void> {
  /** Set when the GPU section found a hardware WebGPU adapter: the pipeline then also runs a loop on it. */
  let gpuLoop: BrowserPipelineOptions | undefined;
  const results: Results = { date: new Date().toISOString().slice(0, 10), machine: machine(), models: [], notMeasured: [], pipeline: [], memory: [], throughput: [], viewer: [] };
  // Read before anything is measured: a wrong file should not cost a whole run.
  for (const file of [...webgpuNodeFiles, ...webgpuWebFiles]) {
    results.models.push(...importedWebgpuRows(file));
    log(`WebGPU rows: imported from ${file}`);
  }
  for (const file of nodeLoopGpuFiles) {
    results.pipeline.push({ ...importedNodeLoop(file), input: 'the bench loop (300 frames 400 px wide, JPEG Baseline), carried to that machine' });
    log(`Node pipeline on WebGPU: imported from ${file}`);
  }
  for (const file of chromiumGpuFiles) {
    const imported = importedChromiumGpu(file);
    results.models.push(...imported.models);
    for (const loop of imported.loops) results.pipeline.push({ ...loop, input: 'the bench loop (300 frames 400 px wide, JPEG Baseline), carried to that machine' });
    if (imported.loopFailure) results.notMeasured.push({ what: `the loop in Chromium on WebGPU (${file})`, why: imported.loopFailure });
    log(`Chromium on WebGPU: imported from ${file}`);
  }
  if (torchCudaFile) {
    results.torchCuda = { ...importedTorchCuda(torchCudaFile), importedFrom: torchCudaFile };
    log(`PyTorch CUDA reference: imported from ${torchCudaFile}`);
  }
  const skip = (what: string, why: string) => {
    results.notMeasured.push({ what, why });
    log(`not measured: ${what}: ${why}`);
  };
  const keep = <T>(what: string, r: T | string): T | undefined => {
    if (typeof r === 'string') {
      skip(what, r);
      return undefined;
    }
    return r;
  };

  if (only.has('models')) {
    const rows: RoundRow[] = [];
    for (const dir of MODELS) {
      for (const threads of [1, 2]) rows.push(nodeRoundRow(dir, threads));
      // Each build's WASM provider, with the binary the build serves and as onnxruntime-web ships it. The WebGPU
      // build's is what a loop runs on once WebGPU falls back (lost device, failed self-check).
      for (const ortBuild of ['wasm', 'webgpu'] as const) {
        for (const shippedOrt of [false, true]) {
          for (const isolated of [false, true]) {
            const what = `${ortBuild === 'webgpu' ? " through onnxruntime-web's WebGPU build" : ''}${shippedOrt ? ", onnxruntime-web's binary as shipped" : ''}`;
            rows.push(chromiumRoundRow(ROOT, dir, { isolated, provider: 'wasm', ortBuild, shippedOrt }, `WASM latency of ${dir} in Chromium${what}, ${isolated ? 'isolated' : 'not isolated'}`));
          }
        }
      }
    }
    const measured = await latencyInRounds(rows, MODEL_ROUNDS, log);
    results.models.push(...measured.rows);
    for (const f of measured.failed) skip(f.what, f.why);
  }

  if (only.has('profile')) {
    log(`operator profile: ${STUDENT}, onnxruntime-node and WASM in Chromium, 1 thread`);
    const p = keep('operator profile', await operatorProfile(ROOT, STUDENT));
    if (p) results.profile = p;
  }

  if (only.has('sizes')) {
    log('student sizes: the architecture at other sizes, onnxruntime-node and WASM in Chromium, 1 thread');
    const sizes = keep('student sizes', await studentSizes(ROOT, log));
    if (sizes) results.sizes = sizes;
  }

  if (only.has('gpu')) {
    // A real adapter only: Chromium's software WebGPU (SwiftShader) is measured apart, for reference.
    log('WebGPU: looking for a hardware adapter');
    const gpu = await gpuModelLatency(ROOT, [STUDENT]);
    if (typeof gpu === 'string') {
      // Whether a GPU machine was lent is not this run's to know: it says what it was given.
      if (chromiumGpuFiles.length) log(`WebGPU in Chromium here: ${gpu}; the rows measured in Chromium on a GPU machine are imported from ${chromiumGpuFiles.join(', ')}`);
      else {
        const imported = [...webgpuNodeFiles, ...webgpuWebFiles];
        const elsewhere = imported.length
          ? `; the WebGPU rows above were measured on a GPU machine in Node (imported from ${imported.join(', ')})`
          : '; rows measured on a GPU machine are imported with --chromium-gpu, --webgpu-node, --webgpu-web, --node-loop-gpu and --torch-cuda (bench/device/gpu.sh)';
        skip('WebGPU on a GPU in Chromium (student, onnxruntime-web; model only and end to end)', `${gpu}: this machine has no GPU${elsewhere}`);
      }
      log('WebGPU on SwiftShader (software), for reference');
      const soft = keep(
        'WebGPU on SwiftShader',
        await chromiumLatency(ROOT, STUDENT, { isolated: true, provider: 'webgpu', flags: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'], allowSoftwareAdapter: true, timing: { warmup: 2, seconds: 2, minSamples: 5 } }),
      );
      if (soft) results.models.push(soft);
    } else {
      results.models.push(...gpu.models);
      gpuLoop = gpuLoopOptions(gpu.flags);
    }
    if (!results.torchCuda) {
      log('PyTorch CUDA reference (system Python)');
      const cuda = torchLatency(['--device', 'cuda']);
      if (typeof cuda === 'string') skip('PyTorch CUDA (student, teacher)', cuda);
      else results.torchCuda = cuda;
    }
  }

  if (only.has('torch')) {
    log('PyTorch CPU reference (system Python)');
    const cpu = torchLatency([]);
    if (typeof cpu === 'string') skip('PyTorch CPU', cpu);
    else results.torch = cpu;
  }

  const needLoops = only.has('pipeline') || only.has('memory') || only.has('codecs') || only.has('pacs') || only.has('viewer') || gpuLoop !== undefined;
  const loops = needLoops ? await benchLoops(log) : undefined;

  if (loops) {
    const input = `simulated loop, 300 frames ${FRAME_WIDTH} px wide, JPEG Baseline`;
    const browserRuns: BrowserPipelineOptions[] = [];
    const rows: { label: string; run: () => Promise<PipelineResult | string> }[] = [];
    if (only.has('pipeline')) {
      for (const metricsWorker of [false, true]) {
        rows.push({ label: `Node, 300 frames, metrics ${metricsWorker ? 'in a worker' : 'inline'}`, run: () => nodePipeline(ROOT, loops.files['jpeg-300'], STUDENT, metricsWorker) });
      }
      // The engine's default (metrics worker; one thread, or when isolated up to 4 less one core
      // for the metrics), each against metrics in line, and every core on inference beside the
      // metrics worker (the contention the default avoids).
      const cores = availableParallelism();
      browserRuns.push({ isolated: false, metricsWorker: false }, { isolated: false }, { isolated: true, metricsWorker: false }, { isolated: true });
      if (cores > 1) browserRuns.push({ isolated: true, numThreads: Math.min(4, cores) });
    }
    // The GPU section's end-to-end row: run with it, whether or not the CPU rows are.
    if (gpuLoop) browserRuns.push(gpuLoop);
    for (const o of browserRuns) rows.push({ label: `Chromium, 300 frames, ${JSON.stringify(o)}`, run: () => browserPipeline(ROOT, loops.files['jpeg-300'], STUDENT, o) });
    if (only.has('pipeline')) {
      // The viewer's and the CLI's defaults once more, with a model that costs almost nothing
      // (rewritten each run, in one folder, so that runs leave nothing behind them).
      const standIn = writeStandInModel(join(tmpdir(), 'trus-bench-stand-in'), STUDENT);
      rows.push({ label: 'Node, 300 frames, metrics in a worker, stand-in model', run: async () => markStandIn(await nodePipeline(ROOT, loops.files['jpeg-300'], standIn, true)) });
      rows.push({
        label: 'Chromium, 300 frames, {"isolated":false}, stand-in model',
        run: async () => {
          const r = await browserPipeline(ROOT, loops.files['jpeg-300'], standIn, { isolated: false });
          return typeof r === 'string' ? r : markStandIn(r);
        },
      });
    }
    // Tries in turn (every row once, then again), so that a slow spell of the host falls on all
    // rows alike rather than on one row's tries.
    const tries: PipelineResult[][] = rows.map(() => []);
    const failed = new Set<number>();
    for (let t = 1; t <= PIPELINE_TRIES; t++) {
      for (const [i, row] of rows.entries()) {
        if (failed.has(i)) continue;
        log(`pipeline (try ${t} of ${PIPELINE_TRIES}): ${row.label}`);
        const r = await row.run();
        if (typeof r === 'string') {
          failed.add(i);
          skip(row.label, r);
        } else tries[i]!.push(r);
      }
    }
    for (const [i, rowTries] of tries.entries()) {
      if (failed.has(i) || rowTries.length === 0) continue;
      const { chosen, triesFps } = medianTry(rowTries);
      results.pipeline.push({ ...chosen, triesFps, input });
    }
  }

  if (loops && only.has('memory')) {
    for (const name of ['jpeg-300', 'jpeg-1000'] as const) {
      const input = `${name.split('-')[1]} frames, JPEG Baseline`;
      log(`memory: Node, ${input}`);
      results.memory.push({ ...(await nodePipeline(ROOT, loops.files[name], STUDENT, true, { proportionalMemory: true })), input });
      log(`memory: Chromium, ${input}`);
      const r = keep('browser memory', await browserPipeline(ROOT, loops.files[name], STUDENT, { isolated: true, proportionalMemory: true }));
      if (r) results.memory.push({ ...r, input });
    }
  }

  if (loops && only.has('codecs')) {
    log('decode and SEG write throughput');
    results.throughput.push(await decodeThroughput('native (Explicit VR Little Endian)', loops.files['native-300']));
    results.throughput.push(await decodeThroughput('RLE Lossless', loops.files['rle-300']));
    results.throughput.push(await decodeThroughput('JPEG Baseline (grayscale)', loops.files['jpeg-300']));
    results.throughput.push(await decodeThroughput('JPEG Baseline YBR_FULL_422 (real cine, pydicom test file)', REAL_YBR_CINE));
    results.throughput.push(segWriteThroughput(loops.files['jpeg-300']));
  }

  if (loops && only.has('pacs')) {
    log('a batch from a PACS through throttled links, with and without retrieving ahead');
    const rows = keep('PACS batch', await pacsBatch(join(ROOT, 'dist/cli/main.js'), loops.files['jpeg-300'], { loops: 4, linksMBps: [undefined, 12.5, 3], tries: 2 }));
    if (rows) results.pacs = rows;
  }

  if (only.has('viewer')) {
    log('viewer: time to first mask on the demo loop');
    const demo = keep('viewer time to first mask', await viewerFirstMask(PIPELINE_TRIES));
    if (demo) results.viewer.push(demo);
    if (loops) {
      log('viewer: the bench loop (300 frames) from a PACS');
      const long = keep('viewer, the 300-frame bench loop', await viewerLoopFromPacs(loops.files['jpeg-300'], `the bench loop (300 frames ${FRAME_WIDTH} px wide, JPEG Baseline), from Orthanc`, PIPELINE_TRIES));
      if (long) results.viewer.push(long);
    }
  }

  const markdown = renderMarkdown(results);
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  // A run of some sections must not replace the full table the README quotes.
  const name = onlyArg >= 0 ? `only-${[...only].sort().join('-')}` : 'latest';
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), markdown);
  console.log(markdown);
  log(`written: bench/results/${name}.md and ${name}.json`);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
