/**
 * Where a model's time goes, natively and in WASM: onnxruntime's own profiler (per-kernel times)
 * in onnxruntime-node and in onnxruntime-web in headless Chromium, on the same input, one thread,
 * batch 1, summed per kind of kernel and per resolution of the U-Net. What the "WASM within 3x of
 * native" analysis in docs/benchmarks.md rests on.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, type ModelManifest } from '../src/inference/manifest.js';
import { serveStatic, launchChromium, chromiumAvailable, CROSS_ORIGIN_ISOLATION } from '../tests/helpers/browser.js';
import { servedModel } from './servedModel.js';
import { buildMatMulModel } from '../tests/helpers/onnxModel.js';
import { percentile, sampleCalls } from './stats.js';
import { PEAK_PAGE_FUNCTION, peakPageArgument, simdPeak, type SimdPeak } from './wasmSimdPeak.js';
import { functionShares, KNOWN_BINARIES, sampledProfile, type WasmFunctionProfile } from './wasmFunctionProfile.js';

/** One kernel call as onnxruntime's profiler writes it (Chrome trace format). */
export interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  ts?: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

export interface ProfileGroup {
  /** "convolutions at 128x192 (8 channels)", or "other kernels at 128x192". */
  group: string;
  nativeMs: number;
  wasmMs: number;
  /** Multiply-accumulates per run (millions), for convolutions: from the WASM profile's NCHW shapes. */
  mmac?: number;
}

export interface OperatorProfile {
  model: string;
  runs: number;
  groups: ProfileGroup[];
  /** Whole runs as the profiler times them (kernels, and what lies between them). */
  nativeRunMs: number;
  wasmRunMs: number;
  /**
   * Whole runs without onnxruntime's profiler, the same session options, input and process (median
   * of as many runs as the profile's): what a run costs. On some hosts the profiler adds milliseconds to one
   * kernel of its table (2026-12-06: ~2 ms on the top level's Concat in WASM, a kernel that costs
   * 0.07 ms measured apart). Absent from results before 2026-12-06.
   */
  unprofiledRunMs?: { native: number; wasm: number };
  /** 128-bit WASM SIMD's ceiling in the same page (bench/wasmSimdPeak.ts); absent from results before 2026-12-05. */
  simdPeak?: SimdPeak;
  /** onnxruntime's own SGEMM on one product (a MatMul), 1 thread, in both runtimes; absent from results before 2026-12-05. */
  gemm?: GemmSpeed;
  /** onnxruntime-web's WASM functions by self time (Chromium's sampling profiler); absent from results before 2026-12-05. */
  wasmFunctions?: WasmFunctionProfile;
}

export interface GemmSpeed {
  /** M x K x N. */
  shape: [number, number, number];
  nativeGmacs: number;
  wasmGmacs: number;
}

/** Square, large enough that packing and edges are a small share, small enough to stay in L2. */
const GEMM: [number, number, number] = [256, 256, 256];
const GEMM_RUNS = 100;
const GEMM_WARMUP_MS = 2000;

/** Runs measured, with the profiler and without it. */
const RUNS = 100;
/** How long the sampling profiler watches the model run: about 250 runs of the student, 25,000 samples. */
const SAMPLED_MS = 5000;
const SAMPLING_INTERVAL_US = 200;
/**
 * Runs left out before measuring: enough for V8 to have swapped its baseline WebAssembly code for
 * the optimised code it compiles in the background once a function is hot.
 */
const WARMUP = 150;

function input(shape: number[]): Float32Array {
  return new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 0.01));
}

/**
 * Kernel time per measured run (ms) by group, the first WARMUP runs left out; the channels are
 * those of the kernel's output (onnxruntime-node's NCHWc layout pads them to its block).
 */
function grouped(events: TraceEvent[]): { runs: number; runMs: number; groups: Map<string, { ms: number; channels: number; height: number; mmac: number }> } {
  const runs = events.filter((e) => e.name === 'model_run').sort((a, b) => a.ts! - b.ts!);
  if (runs.length <= WARMUP) throw new Error(`onnxruntime's profile holds ${runs.length} runs, not ${WARMUP + RUNS}`);
  const from = runs[WARMUP]!.ts!;
  const measured = runs.slice(WARMUP);
  const groups = new Map<string, { ms: number; channels: number; height: number; mmac: number }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || e.dur === undefined || e.ts! < from) continue;
    const op = e.args?.op_name ?? '';
    const shape = Object.values(e.args?.output_type_shape?.[0] ?? {})[0] ?? [];
    const [, channels = 0, height = 0, width = 0] = shape;
    const conv = op === 'Conv' || op === 'FusedConv';
    const key = `${conv ? 'convolutions' : 'other kernels'} at ${height}x${width}`;
    const g = groups.get(key) ?? { ms: 0, channels: 0, height, mmac: 0 };
    g.ms += e.dur / 1000 / measured.length;
    if (conv) g.mmac += convolutionMacs(e) / 1e6 / measured.length;
    // The widest convolution of a resolution names its channels (the 1x1 head has one).
    if (conv) g.channels = Math.max(g.channels, channels);
    groups.set(key, g);
  }
  const runMs = measured.reduce((a, e) => a + e.dur!, 0) / 1000 / measured.length;
  return { runs: measured.length, runMs, groups };
}

/**
 * A convolution's multiply-accumulates: each output value takes one per weight of its output
 * channel, i.e. batch x height x width of the output times the weight tensor's size (which is
 * Cout x Cin/group x kH x kW). Only meaningful in NCHW, the WASM profile's layout: natively the
 * NCHWc weights are padded.
 */
export function convolutionMacs(e: TraceEvent): number {
  const weights = Object.values(e.args?.input_type_shape?.[1] ?? {})[0];
  const output = Object.values(e.args?.output_type_shape?.[0] ?? {})[0];
  if (!weights || !output || output.length !== 4) return NaN;
  const [batch = 0, , height = 0, width = 0] = output;
  return batch * height * width * weights.reduce((a, b) => a * b, 1);
}

/** onnxruntime-node's session of the model on the profile's input, 1 thread; `profileFilePrefix` turns its profiler on. */
async function nativeModelSession(modelDir: string, manifest: ModelManifest, shape: number[], profileFilePrefix?: string) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(modelDir, manifest.file), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(profileFilePrefix ? { enableProfiling: true, profileFilePrefix } : {}),
  });
  const OrtFloat32Array = new ort.Tensor('float32', [0], [1]).data.constructor as Float32ArrayConstructor;
  const feeds = { [manifest.input.name]: new ort.Tensor('float32', OrtFloat32Array.from(input(shape)), shape) };
  return { session, feeds };
}

/** onnxruntime-node's whole runs without the profiler: WARMUP runs left out, then RUNS timed. */
async function nativeUnprofiledMs(modelDir: string, manifest: ModelManifest, shape: number[]): Promise<number[]> {
  const { session, feeds } = await nativeModelSession(modelDir, manifest, shape);
  const times = await sampleCalls(() => session.run(feeds), { warmup: WARMUP, seconds: 0, minSamples: RUNS });
  await session.release();
  return times;
}

async function nativeEvents(modelDir: string, manifest: ModelManifest, shape: number[]): Promise<TraceEvent[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trus-profile-'));
  try {
    const { session, feeds } = await nativeModelSession(modelDir, manifest, shape, join(dir, 'native'));
    for (let i = 0; i < WARMUP + RUNS; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    return JSON.parse(readFileSync(join(dir, file!), 'utf8')) as TraceEvent[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** onnxruntime-web prints its profile to the console, one event per line. */
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
// The model's session on the profile's input: every measure below runs the same options and feeds.
const modelSession = async (enableProfiling) => {
  const ort = await import('/ort/ort.wasm.min.mjs');
  const manifest = await (await fetch('/model/model.json')).json();
  const bytes = new Uint8Array(await (await fetch('/model/' + manifest.file)).arrayBuffer());
  const shape = [1, ...manifest.input.shape.slice(1)];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 0.01));
  const feeds = { [manifest.input.name]: new ort.Tensor('float32', data, shape) };
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling });
  return { session, feeds };
};
window.profile = async (runs, warmup) => {
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  console.log('profile-start');
  const { session, feeds } = await modelSession(true);
  for (let i = 0; i < warmup + runs; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  return crossOriginIsolated;
};
// Whole runs without onnxruntime's profiler.
window.unprofiled = async (runs, warmup) => {
  const { session, feeds } = await modelSession(false);
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return times;
};
// A session without onnxruntime's profiler, for Chromium's: prepared first, so that only runs are sampled.
window.prepareSampled = async (warmup) => {
  const { session, feeds } = await modelSession(false);
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  window.runSampled = async (ms) => {
    for (const t0 = performance.now(); performance.now() - t0 < ms; ) await session.run(feeds);
    await session.release();
  };
};
window.gemm = async (shape, runs, warmupMs) => {
  const ort = await import('/ort/ort.wasm.min.mjs');
  // The first session fixes the backend's threads: one, as for the profile after it.
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create('/gemm/gemm.onnx', { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const x = new ort.Tensor('float32', new Float32Array(shape[0] * shape[1]).map((_, i) => Math.sin(i)), shape);
  // Time, not a count: a product takes about 1 ms, less than V8 may take to optimise it.
  for (const t0 = performance.now(); performance.now() - t0 < warmupMs; ) await session.run({ x });
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run({ x });
    times.push(performance.now() - t);
  }
  await session.release();
  return times;
};
</script>`;

async function nativeGemmMs(model: Uint8Array, input: number[]): Promise<number[]> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const OrtFloat32Array = new ort.Tensor('float32', [0], [1]).data.constructor as Float32ArrayConstructor;
  const x = new ort.Tensor('float32', OrtFloat32Array.from({ length: input[0]! * input[1]! }, (_, i) => Math.sin(i)), input);
  const times = await sampleCalls(() => session.run({ x }), { warmup: WARMUP, seconds: 0, minSamples: GEMM_RUNS });
  await session.release();
  return times;
}

interface WasmMeasures {
  events: TraceEvent[];
  unprofiledMs: number[];
  simdPeak: SimdPeak;
  gemmMs: number[];
  wasmFunctions: WasmFunctionProfile;
}

async function wasmEvents(root: string, modelDir: string, gemm: { model: Uint8Array; input: number[] }): Promise<WasmMeasures | string> {
  if (!chromiumAvailable()) return 'Chromium is not installed';
  const model = servedModel(modelDir);
  // Isolated for the timer's resolution (Chromium coarsens performance.now to 100 us otherwise); one thread all the same.
  const server = await serveStatic(join(root, 'dist/browser'), { '/index.html': PAGE, ...model.files, '/gemm/gemm.onnx': gemm.model }, CROSS_ORIGIN_ISOLATION);
  const browser = await launchChromium([]);
  try {
    const page = await browser.context.newPage();
    const lines: string[] = [];
    page.on('console', (m) => lines.push(m.text()));
    await page.goto(`${server.url}/index.html`);
    const peak = simdPeak(await page.evaluate(`(${PEAK_PAGE_FUNCTION})(${JSON.stringify(peakPageArgument())})`));
    const gemmMs = (await page.evaluate(`window.gemm(${JSON.stringify(gemm.input)}, ${GEMM_RUNS}, ${GEMM_WARMUP_MS})`)) as number[];
    await page.evaluate(`window.profile(${RUNS}, ${WARMUP})`);
    const unprofiledMs = (await page.evaluate(`window.unprofiled(${RUNS}, ${WARMUP})`)) as number[];
    await page.evaluate(`window.prepareSampled(${WARMUP})`);
    const cpu = await sampledProfile(browser.context, page, () => page.evaluate(`window.runSampled(${SAMPLED_MS})`), SAMPLING_INTERVAL_US);
    const binary = createHash('sha256').update(readFileSync(join(root, 'dist/browser/ort/ort-wasm-simd-threaded.wasm'))).digest('hex');
    const roles = KNOWN_BINARIES[binary];
    const functions = functionShares(cpu, `${server.url}/ort/ort-wasm-simd-threaded.wasm`, roles);
    const wasmFunctions = { model: model.name, samples: cpu.samples.length, knownBinary: roles !== undefined, functions };
    const events: TraceEvent[] = [];
    for (const line of lines.slice(lines.indexOf('profile-start') + 1)) {
      const text = line.trim().replace(/,$/, '');
      if (text.startsWith('{')) events.push(JSON.parse(text) as TraceEvent);
    }
    return events.length ? { events, unprofiledMs, simdPeak: peak, gemmMs, wasmFunctions } : 'onnxruntime-web printed no profile';
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function operatorProfile(root: string, modelDir: string): Promise<OperatorProfile | string> {
  const manifestPath = join(modelDir, 'model.json');
  const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  const shape = [1, ...(manifest.input.shape.slice(1) as number[])];
  const [m, k, n] = GEMM;
  const product = { model: buildMatMulModel({ m, k, n }), input: [k, n] };
  const wasm = await wasmEvents(root, modelDir, product);
  if (typeof wasm === 'string') return wasm;
  const gmacs = (ms: number[]) => (m * k * n) / percentile(ms, 0.5) / 1e6;
  const gemm = { shape: GEMM, nativeGmacs: gmacs(await nativeGemmMs(product.model, product.input)), wasmGmacs: gmacs(wasm.gemmMs) };
  const unprofiledRunMs = { native: percentile(await nativeUnprofiledMs(modelDir, manifest, shape), 0.5), wasm: percentile(wasm.unprofiledMs, 0.5) };
  return { ...profiled(manifest.name, grouped(await nativeEvents(modelDir, manifest, shape)), grouped(wasm.events)), unprofiledRunMs, simdPeak: wasm.simdPeak, gemm, wasmFunctions: wasm.wasmFunctions };
}

function profiled(model: string, native: ReturnType<typeof grouped>, web: ReturnType<typeof grouped>): OperatorProfile {
  const first = (key: string) => (web.groups.get(key) ?? native.groups.get(key))!;
  const keys = [...new Set([...web.groups.keys(), ...native.groups.keys()])].sort((a, b) =>
    a.startsWith('conv') === b.startsWith('conv') ? first(b).height - first(a).height : a.startsWith('conv') ? -1 : 1,
  );
  const groups = keys.map((key) => {
    const channels = web.groups.get(key)?.channels;
    const mmac = web.groups.get(key)?.mmac;
    return {
      group: channels ? `${key} (${channels} channels)` : key,
      nativeMs: native.groups.get(key)?.ms ?? 0,
      wasmMs: web.groups.get(key)?.ms ?? 0,
      ...(mmac && Number.isFinite(mmac) ? { mmac } : {}),
    };
  });
  return { model, runs: Math.min(native.runs, web.runs), groups, nativeRunMs: native.runMs, wasmRunMs: web.runMs };
}
