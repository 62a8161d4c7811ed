/**
 * `npm run bench`: latency, throughput and memory of the shipped models and the pipeline, measured
 * in one run on the same inputs, printed and written to bench/results/latest.{md,json}.
 * Figures only: nothing here passes or fails on timing. Sections can be chosen with
 * `npm run bench -- --only models,profile,sizes,pipeline,memory,codecs,viewer,torch,gpu`; such a run writes
 * bench/results/only-<sections>.{md,json} instead. `--tries N` (default 3): loops per whole-pipeline row, and warm runs in the viewer. `--torch-cuda FILE`, `--chromium-gpu FILE`, `--webgpu-node FILE`, `--webgpu-web FILE` and `--node-loop-gpu FILE` take
 * GPU rows measured on a GPU machine without the project's install (see below, and bench/device/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeLatency, chromiumLatency, type ModelLatencyRow } from './modelLatency.js';
import { nodePipeline, browserPipeline, type BrowserPipelineOptions, type PipelineResult } from './pipeline.js';
import { decodeThroughput, segWriteThroughput, type ThroughputRow } from './codecs.js';
import { viewerFirstMask, viewerLoopFromPacs, type ViewerRun, type ViewerTiming } from './viewerFirstMask.js';
import { operatorProfile, type OperatorProfile } from './operatorProfile.js';
import { studentSizes, type StudentSizeRow } from './studentSizes.js';
import { systemPythonJson } from './systemPython.js';
import { benchLoops, FRAME_WIDTH } from './loops.js';
import { fps, medianTry, ms, percentile } from './stats.js';
import { importedChromiumGpu, importedNodeLoop, importedTorchCuda, importedWebgpuRows, type TorchLatency } from './importedRows.js';
import { chromiumVersion, gpuLoopOptions, gpuModelLatency, gpuName } from './chromiumGpu.js';
import { chromiumAvailable } from '../tests/helpers/browser.js';

const ROOT = resolve(process.cwd());
const MODELS = ['trus-student', 'trus-teacher'].map((m) => join(ROOT, 'models', m));
const STUDENT = MODELS[0]!;
const REAL_YBR_CINE = resolve(ROOT, '../shared/data/real-us/examples_ybr_color.dcm');
const SECTIONS = ['models', 'profile', 'sizes', 'torch', 'gpu', 'pipeline', 'memory', 'codecs', 'viewer'] as const;
type Section = (typeof SECTIONS)[number];

const onlyArg = process.argv.indexOf('--only');
const only = new Set<Section>(onlyArg >= 0 ? (process.argv[onlyArg + 1]!.split(',') as Section[]) : SECTIONS);
const log = (line: string) => console.error(`[bench] ${line}`);
/** Every value given after `name` (an option that may be repeated). */
function optionValues(name: string): string[] {
  return process.argv.flatMap((arg, i) => (arg === name && process.argv[i + 1] !== undefined ? [process.argv[i + 1]!] : []));
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
const triesArg = process.argv.indexOf('--tries');
const PIPELINE_TRIES = triesArg >= 0 ? Number(process.argv[triesArg + 1]) : 3;
if (!Number.isInteger(PIPELINE_TRIES) || PIPELINE_TRIES < 1) throw new Error(`--tries wants a whole number of at least 1, not ${process.argv[triesArg + 1]}`);

interface Results {
  date: string;
  machine: string;
  models: ModelLatencyRow[];
  /** The student's kernels, native and WASM, one thread. */
  profile?: OperatorProfile;
  /** The student's architecture at other sizes, random weights: speed only. */
  sizes?: StudentSizeRow[];
  notMeasured: { what: string; why: string }[];
  torch?: TorchLatency;
  /** importedFrom: measured on another machine (--torch-cuda FILE). */
  torchCuda?: TorchLatency & { importedFrom?: string };
  /** Each row: the try of median FPS, with every try's FPS (one, for an imported row). */
  pipeline: (PipelineResult & { input: string; triesFps?: number[] })[];
  memory: (PipelineResult & { input: string })[];
  throughput: ThroughputRow[];
  /** The demo loop, then the bench loop from a PACS. */
  viewer: ViewerTiming[];
}

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
    for (const dir of MODELS) {
      for (const threads of [1, 2]) {
        log(`model latency: ${dir} onnxruntime-node ${threads} thread(s)`);
        results.models.push(await nodeLatency(dir, threads));
      }
      for (const isolated of [false, true]) {
        log(`model latency: ${dir} WASM in Chromium, ${isolated ? 'isolated' : 'not isolated'}`);
        const row = keep(`WASM latency of ${dir}`, await chromiumLatency(ROOT, dir, { isolated, provider: 'wasm' }));
        if (row) results.models.push(row);
      }
    }
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

  const needLoops = only.has('pipeline') || only.has('memory') || only.has('codecs') || only.has('viewer') || gpuLoop !== undefined;
  const loops = needLoops ? await benchLoops(log) : undefined;

  if (loops) {
    const input = `simulated loop, 300 frames ${FRAME_WIDTH} px wide, JPEG Baseline`;
    const browserRuns: BrowserPipelineOptions[] = [];
    const rows: { label: string; run: () => Promise<PipelineResult | string> }[] = [];
    if (only.has('pipeline')) {
      for (const metricsWorker of [false, true]) {
        rows.push({ label: `Node, 300 frames, metrics ${metricsWorker ? 'in a worker' : 'inline'}`, run: async () => nodePipeline(ROOT, loops.files['jpeg-300'], STUDENT, metricsWorker) });
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
      results.memory.push({ ...nodePipeline(ROOT, loops.files[name], STUDENT), input });
      log(`memory: Chromium, ${input}`);
      const r = keep('browser memory', await browserPipeline(ROOT, loops.files[name], STUDENT, { isolated: true }));
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

type StageKey = 'decodeMs' | 'preprocessMs' | 'inferenceMs' | 'postprocessMs' | 'metricsMs' | 'segmentationWriteMs';
const perFrame = (r: PipelineResult, k: StageKey) => r.timings[k] / r.frames;

function renderMarkdown(r: Results): string {
  const lines: string[] = [`# Benchmarks (${r.date})`, '', `Machine: ${r.machine}.`, ''];
  const row = (cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
  const header = (cells: string[]) => {
    row(cells);
    row(cells.map(() => '---'));
  };

  if (r.models.length || r.torch || r.torchCuda) {
    lines.push('## Model only (per frame, after warm-up)', '');
    header(['model', 'runtime', 'threads', 'batch 1 median ms', 'batch 1 p95 ms', 'batch 1 FPS', 'batch 4 median ms/frame', 'batch 4 FPS']);
    for (const m of r.models) row([m.model, m.runtime, m.threads || '—', ms(m.batch1.medianMs), ms(m.batch1.p95Ms), fps(m.batch1.fps), ms(m.batch4.medianMs), fps(m.batch4.fps)]);
    for (const model of ['trus-student', 'trus-teacher']) {
      for (const threads of [1, 2]) {
        const t1 = r.torch?.rows.find((x) => x.model === model && x.threads === threads && x.batch === 1);
        const t4 = r.torch?.rows.find((x) => x.model === model && x.threads === threads && x.batch === 4);
        if (t1 && t4) row([model, `PyTorch ${r.torch!.torch} CPU (architecture, eval, no_grad)`, threads, ms(t1.medianMsPerFrame), ms(t1.p95MsPerFrame), fps(1000 / t1.medianMsPerFrame), ms(t4.medianMsPerFrame), fps(1000 / t4.medianMsPerFrame)]);
      }
      const c1 = r.torchCuda?.rows.find((x) => x.model === model && x.batch === 1);
      const c4 = r.torchCuda?.rows.find((x) => x.model === model && x.batch === 4);
      const elsewhere = r.torchCuda?.importedFrom ? `; measured on that GPU's machine, imported from ${r.torchCuda.importedFrom}` : '';
      if (c1 && c4) row([model, `PyTorch ${r.torchCuda!.torch} CUDA, ${r.torchCuda!.device} (architecture, float32, eval, no_grad${elsewhere})`, '—', ms(c1.medianMsPerFrame), ms(c1.p95MsPerFrame), fps(1000 / c1.medianMsPerFrame), ms(c4.medianMsPerFrame), fps(1000 / c4.medianMsPerFrame)]);
    }
    lines.push('');
    const ratios: string[] = [];
    for (const model of ['trus-student', 'trus-teacher']) {
      for (const threads of [1, 2]) {
        const native = r.models.find((m) => m.model === model && m.backend === 'node' && m.threads === threads);
        const wasm = r.models.find((m) => m.model === model && m.backend === 'wasm' && m.threads === threads);
        if (native && wasm) ratios.push(`${model}, ${threads} thread(s): WASM/native ${(wasm.batch1.medianMs / native.batch1.medianMs).toFixed(2)}x at batch 1, ${(wasm.batch4.medianMs / native.batch4.medianMs).toFixed(2)}x at batch 4`);
        const torch = r.torch?.rows.find((x) => x.model === model && x.threads === threads && x.batch === 1);
        if (native && torch) ratios.push(`${model}, ${threads} thread(s): PyTorch CPU/onnxruntime-node ${(torch.medianMsPerFrame / native.batch1.medianMs).toFixed(2)}x at batch 1`);
      }
    }
    if (ratios.length) lines.push('Ratios (time per frame):', '', ...ratios.map((x) => `- ${x}`), '');
  }

  if (r.profile) {
    const p = r.profile;
    const ratio = (wasm: number, native: number) => (native > 0 ? `${(wasm / native).toFixed(2)}x` : '—');
    lines.push(`## Where the time goes (${p.model}, onnxruntime's profiler, 1 thread, batch 1, mean of ${p.runs} runs)`, '');
    header(['kernels', 'onnxruntime-node ms', 'onnxruntime-web WASM ms', 'WASM/native']);
    for (const g of p.groups) row([g.group, ms(g.nativeMs, 2), ms(g.wasmMs, 2), ratio(g.wasmMs, g.nativeMs)]);
    row(['whole run', ms(p.nativeRunMs, 2), ms(p.wasmRunMs, 2), ratio(p.wasmRunMs, p.nativeRunMs)]);
    lines.push('', 'Kernels grouped by the resolution of their output; "other": transposed convolutions, concatenations, pooling and (native) layout reorders. Channels as the model has them: onnxruntime-node pads them to its NCHWc block.', '');
  }

  const loopFps = (p: PipelineResult & { triesFps?: number[] }) => {
    const median = fps((1000 * p.frames) / p.totalMs);
    const t = p.triesFps;
    return t && t.length > 1 ? `${median} (${fps(Math.min(...t))}–${fps(Math.max(...t))}, ${t.length} tries)` : median;
  };
  const stageTable = (rows: (PipelineResult & { input: string; triesFps?: number[] })[]) => {
    header(['where', 'input', 'FPS end to end', 'first mask ms (incl. model load)', 'decode', 'pre-process', 'inference', 'post-process', 'metrics', 'SEG write', 'other (transfer, scheduling)']);
    for (const p of rows) {
      const stages = (['decodeMs', 'preprocessMs', 'inferenceMs', 'postprocessMs', 'metricsMs', 'segmentationWriteMs'] as const).map((k) => perFrame(p, k));
      // Stages done in workers of their own overlap the others: they are not part of the sum.
      const inWorker = (i: number) => (p.timings.preparedIn === 'worker' && (i === 0 || i === 1)) || (p.timings.metricsIn === 'worker' && (i === 3 || i === 4));
      const inLine = stages.filter((_, i) => !inWorker(i));
      const other = p.totalMs / p.frames - inLine.reduce((a, b) => a + b, 0);
      row([p.where, p.input, loopFps(p), ms(p.firstMaskMs, 0), ...stages.map((v, i) => (inWorker(i) ? `(${ms(v)})` : ms(v))), ms(other)]);
    }
    lines.push('', 'FPS end to end: the median of the tries (each row\'s loop run that many times, the rows in turn), with the slowest and fastest in brackets; a row without tries is one loop (imported). The other columns are the median try\'s.', '');
    lines.push('Stage columns: ms per frame. Stages in brackets (post-processing and metrics; decoding and pre-processing where frame workers prepared them) ran in workers of their own, overlapping the other stages; "other" then includes waiting for them.', '');
  };
  if (r.pipeline.length) {
    lines.push('## Whole pipeline, one loop (decode → SEG written)', '');
    stageTable(r.pipeline);
    const browser = r.pipeline.filter((p) => p.inBrowser && p.provider !== 'webgpu');
    const ratios = browser
      .map((p) => {
        const wasm = r.models.find((m) => m.model === 'trus-student' && m.backend === 'wasm' && m.threads === p.threads);
        return wasm ? `${p.where}: browser pipeline/model only ${(p.totalMs / p.frames / wasm.batch4.medianMs).toFixed(2)}x (per frame, against WASM batch 4 at the same threads)` : '';
      })
      .filter(Boolean);
    if (ratios.length) lines.push(...ratios.map((x) => `- ${x}`), '');
  }
  if (r.memory.length) {
    lines.push('## Peak memory', '');
    header(['where', 'input', 'peak RSS MiB', 'page JS heap MiB (main thread)', 'page + worker memory MiB (measureUserAgentSpecificMemory)', 'FPS end to end']);
    for (const p of r.memory) row([p.where, p.input, ms(p.peakRssMb, 0), ms(p.jsHeapMb, 0), ms(p.measuredMemoryMb, 0), fps((1000 * p.frames) / p.totalMs)]);
    lines.push('', 'Node: the peak RSS of a fresh process running the CLI pipeline (model, cine, masks, SEG). Chromium: the peak of the summed RSS of all its processes (browser, GPU, renderer with the worker).', '');
  }
  if (r.sizes?.length) {
    const shipped = r.sizes[0]!;
    lines.push('## What a smaller student would cost (random weights, speed only; 1 thread, batch 1, median)', '');
    header(['size', 'channels per level', 'input', 'parameters', 'conv MMAC', 'onnxruntime-node ms', 'WASM (Chromium) ms', 'WASM FPS', 'WASM time against the shipped size', 'WASM/native']);
    for (const s of r.sizes) {
      const ratio = s.wasm1 && shipped.wasm1 ? `${(s.wasm1.medianMs / shipped.wasm1.medianMs).toFixed(2)}x` : '—';
      const wasmNative = s.wasm1 ? `${(s.wasm1.medianMs / s.node1.medianMs).toFixed(2)}x` : '—';
      row([s.name, s.channels.join('-'), s.input.join('x'), s.parameters.toLocaleString('en'), (s.macs / 1e6).toFixed(0), ms(s.node1.medianMs), ms(s.wasm1?.medianMs), fps(s.wasm1?.fps), ratio, wasmNative]);
    }
    lines.push('', 'The shipped student\'s U-Net built at other sizes and exported as training/ exports a run, with random weights: a convolutional network does the same work whatever its weights, so these are what a student of that size would cost once trained; how accurate it would be is not known until one is.', '');
  }
  if (r.throughput.length) {
    lines.push('## DICOM decoding and SEG writing (Node)', '');
    header(['what', 'frames', 'size', 'FPS', 'ms/frame']);
    for (const t of r.throughput) row([t.what, t.frames, t.size, fps(t.fps), ms(t.msPerFrame, 3)]);
    lines.push('');
  }
  if (r.viewer.length) {
    lines.push('## Viewer (OHIF + extension)', '');
    header(['loop', 'run', 'frames', 'first mask in the panel ms', 'first mask on the viewport ms', 'whole loop ms', 'FPS', 'viewport renders', 'provider']);
    const spread = (values: number[]) => (values.length > 1 ? `${Math.round(percentile(values, 0.5))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})` : String(Math.round(values[0]!)));
    for (const v of r.viewer) {
      const viewerRow = (label: string, runs: ViewerRun[]) => {
        const loop = runs.map((x) => x.loopMs);
        row([v.loop, label, v.frames, spread(runs.map((x) => x.firstMaskMs)), spread(runs.map((x) => x.firstShownMs)), spread(loop), fps((1000 * v.frames) / percentile(loop, 0.5)), spread(runs.map((x) => x.viewportRenders)), v.provider]);
      };
      viewerRow('first run (clicked once the loop is shown; the model loads in the background from then, the cine on click)', [v.cold]);
      viewerRow(`warm (${v.warm.length} more runs, median (fastest–slowest))`, v.warm);
    }
    lines.push('', 'Times from the click on Segment loop. The panel counts a frame when its mask and figures are in; the viewport shows it from its first render of the run\'s labelmap with that frame\'s mask in it (cornerstone\'s SEGMENTATION_RENDERED). Viewport renders: cornerstone\'s IMAGE_RENDERED on the viewport from the click to the run\'s end.', '');
  }
  if (r.notMeasured.length) {
    lines.push('## Not measured', '', ...r.notMeasured.map((n) => `- ${n.what}: ${n.why}`), '');
  }
  lines.push(...targets(r), '');
  return lines.join('\n');
}

function targets(r: Results): string[] {
  const out = ['## Targets', ''];
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'missed');
  const browser = r.pipeline.filter((p) => p.inBrowser && p.provider !== 'webgpu').map((p) => (1000 * p.frames) / p.totalMs);
  const bestBrowser = browser.length ? Math.max(...browser) : undefined;
  out.push(`- Student end to end in the browser with WASM ≥ 30 FPS: ${fps(bestBrowser)} FPS, ${verdict(bestBrowser === undefined ? undefined : bestBrowser >= 30)}`);
  const node = r.models.filter((m) => m.model === 'trus-student' && m.backend === 'node').map((m) => Math.max(m.batch1.fps, m.batch4.fps));
  const bestNode = node.length ? Math.max(...node) : undefined;
  out.push(`- Student model only in onnxruntime-node ≥ 150 FPS: ${fps(bestNode)} FPS, ${verdict(bestNode === undefined ? undefined : bestNode >= 150)}`);
  const ratios = [1, 2]
    .map((threads) => {
      const n = r.models.find((m) => m.model === 'trus-student' && m.backend === 'node' && m.threads === threads);
      const w = r.models.find((m) => m.model === 'trus-student' && m.backend === 'wasm' && m.threads === threads);
      return n && w ? Math.max(w.batch1.medianMs / n.batch1.medianMs, w.batch4.medianMs / n.batch4.medianMs) : undefined;
    })
    .filter((x): x is number => x !== undefined);
  const worst = ratios.length ? Math.max(...ratios) : undefined;
  out.push(`- WASM within 3x of native (same threads, worst of batch 1/4): ${worst === undefined ? '—' : `${worst.toFixed(2)}x`}, ${verdict(worst === undefined ? undefined : worst <= 3)}`);
  // Every GPU measurement in the table, each against the target: Node's and Chromium's providers differ.
  const gpuModels = r.models.filter((m) => m.model === 'trus-student' && m.backend === 'webgpu' && !m.softwareAdapter);
  const gpuLoops = r.pipeline.filter((p) => p.provider === 'webgpu' && !p.softwareAdapter);
  if (!gpuModels.length && !gpuLoops.length) out.push('- WebGPU on an H100-class GPU ≥ 300 FPS model, ≥ 100 FPS end to end: not measured (no GPU here)');
  else {
    out.push('- WebGPU on an H100-class GPU ≥ 300 FPS model, ≥ 100 FPS end to end:');
    for (const m of gpuModels) {
      const best = Math.max(m.batch1.fps, m.batch4.fps);
      out.push(`  - model, ${m.runtime}: ${fps(best)} FPS, ${verdict(best >= 300)}`);
    }
    for (const p of gpuLoops) {
      const loop = (1000 * p.frames) / p.totalMs;
      out.push(`  - end to end, ${p.where}: ${fps(loop)} FPS, ${verdict(loop >= 100)}`);
    }
    if (!gpuLoops.length) out.push('  - end to end: not measured');
  }
  return out;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
