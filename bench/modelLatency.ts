/**
 * Model-only latency of a shipped model: onnxruntime-node (the CLI's backend) at 1 and 2 threads,
 * and onnxruntime-web WASM in headless Chromium, single-threaded (no cross-origin isolation) and
 * threaded (isolated), through its WASM build and through the WASM provider of its WebGPU build (what a loop
 * runs on once WebGPU falls back). Batch 1 gives per-frame latency (median, p95); batch 4 the per-frame cost
 * when frames are batched, as the engine does by default.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadNodeModel } from '../src/inference/nodeModel.js';
import type { ModelManifest } from '../src/inference/manifest.js';
import { serveStatic, launchChromium, chromiumAvailable, CROSS_ORIGIN_ISOLATION } from '../tests/helpers/browser.js';
import { servedModel } from './servedModel.js';
import { latencyStats, sampleCalls, type LatencyStats } from './stats.js';

export interface ModelLatencyRow {
  model: string;
  backend: 'node' | 'wasm' | 'webgpu';
  /** A software WebGPU adapter (SwiftShader): for reference only. */
  softwareAdapter?: boolean;
  /** onnxruntime-web's WASM binary as its package ships it, not the build's (scripts/patch-ort-sgemm.mjs): for comparison only. */
  shippedOrt?: boolean;
  /** WASM run through onnxruntime-web's WebGPU build (its asyncify binary): what the engine runs on when WebGPU falls back. */
  ortBuild?: 'webgpu';
  runtime: string;
  threads: number;
  batch1: LatencyStats;
  batch4: LatencyStats;
  /** Measured in rounds (latencyInRounds): each round's median per frame, in the order the rounds ran. */
  rounds?: { batch1MedianMs: number[]; batch4MedianMs: number[] };
}

export interface Timing {
  /** Calls before timing starts: at least this many, and for at least `warmupSeconds`. */
  warmup: number;
  warmupSeconds?: number;
  /** Further warm-up before a session's first batch, for a binary that V8 takes longer to tier up (WEBGPU_BUILD_TIER_UP_SECONDS). */
  tierUpSeconds?: number;
  seconds: number;
  minSamples: number;
}
/**
 * A second of warm-up: after 5 warm-up calls, the WebGPU build's WASM binary still ran 6-7 of
 * its first 15 timed calls at 24-44 ms against a median of 17.8 (V8 still tiering its code up),
 * which put that row's p95 at twice its median in 1-second rounds; after 60 warm-up calls, none.
 */
const TIMING: Timing = { warmup: 5, warmupSeconds: 1, seconds: 3, minSamples: 20 };
/**
 * Five more seconds before the first batch for the WebGPU build's binary (27 MB, asyncify's
 * instrumentation in it), which V8 tiers up far more slowly than the WASM build's (14 MB).
 * Measured in Chromium on a 2-core Zen 5 host (2026-12-06), the student's calls in half-second
 * windows from the session's start: the WASM build ran at its steady pace from the second window
 * at 1 and 2 threads, the WebGPU build's from the third at 1 thread, but at 2 threads only after
 * 3.5-5.5 s (medians 38-53 ms a frame in the first second, 12-24 ms in the next two, 9 ms steady in
 * one trace and 12 in another, a slow spell of the host). With one second of warm-up its 2-thread
 * row measured that tier-up: 19.4 ms at batch 1 against 9.0 for the WASM build (the table of
 * 2026-12-06's fourth run), where interleaved runs of both, warm, gave 9.1 and 9.0.
 */
export const WEBGPU_BUILD_TIER_UP_SECONDS = 5;

/** One measurement's per-frame times (ms) at batch 1 and 4, with what its row says of the runtime. */
export interface LatencySamples {
  row: Omit<ModelLatencyRow, 'batch1' | 'batch4' | 'rounds'>;
  msPerFrame: { 1: number[]; 4: number[] };
}

const latencyRow = (s: LatencySamples): ModelLatencyRow => ({ ...s.row, batch1: latencyStats(s.msPerFrame[1]), batch4: latencyStats(s.msPerFrame[4]) });

function input(manifest: ModelManifest, batch: number): Float32Array {
  const [, c, h, w] = manifest.input.shape as [unknown, number, number, number];
  return new Float32Array(batch * c * h * w).map((_, i) => Math.sin(i * 0.01));
}

async function nodeSamples(modelDir: string, threads: number, timing: Timing): Promise<LatencySamples> {
  const model = await loadNodeModel(modelDir, { threads });
  try {
    const per = async (batch: number) => {
      const x = input(model.manifest, batch);
      const samples = await sampleCalls(() => model.backend.run(x, batch), timing);
      return samples.map((s) => s / batch);
    };
    const row = { model: model.manifest.name, backend: 'node' as const, runtime: 'onnxruntime-node (CPU EP)', threads };
    return { row, msPerFrame: { 1: await per(1), 4: await per(4) } };
  } finally {
    await model.backend.dispose();
  }
}

export async function nodeLatency(modelDir: string, threads: number): Promise<ModelLatencyRow> {
  return latencyRow(await nodeSamples(modelDir, threads, TIMING));
}

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
// The adapter as the engine asks for it (providerChoice.ts: high performance, a second request
// after a pause when the first gets none), handed to onnxruntime-web likewise.
const requestAdapter = async () => {
  if (!navigator.gpu) return null;
  const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (a) return a;
  await new Promise((r) => setTimeout(r, 250));
  return navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
};
window.adapter = async () => {
  const a = await requestAdapter();
  return a ? { fallback: !!(a.info?.isFallbackAdapter ?? a.isFallbackAdapter), description: [a.info?.vendor, a.info?.architecture, a.info?.description].filter(Boolean).join(' ') } : null;
};
window.latency = async (threads, timing, provider, ortDir, build) => {
  const ort = await import(ortDir + 'ort.' + build + '.min.mjs');
  ort.env.wasm.wasmPaths = ortDir;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  if (provider === 'webgpu') ort.env.webgpu.adapter = await requestAdapter();
  const manifest = await (await fetch('/model/model.json')).json();
  const bytes = new Uint8Array(await (await fetch('/model/' + manifest.file)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [provider], graphOptimizationLevel: 'all' });
  const [, c, h, w] = manifest.input.shape;
  const out = {};
  for (const batch of [1, 4]) {
    const data = new Float32Array(batch * c * h * w).map((_, i) => Math.sin(i * 0.01));
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', data, [batch, c, h, w]) };
    const warmStart = performance.now();
    const warmSeconds = (timing.warmupSeconds ?? 0) + (batch === 1 ? timing.tierUpSeconds ?? 0 : 0);
    for (let i = 0; i < timing.warmup || performance.now() - warmStart < warmSeconds * 1000; i++) await session.run(feeds);
    const samples = [];
    const t0 = performance.now();
    while (performance.now() - t0 < timing.seconds * 1000 || samples.length < timing.minSamples) {
      const t = performance.now();
      await session.run(feeds);
      samples.push((performance.now() - t) / batch);
    }
    out[batch] = samples;
  }
  await session.release();
  return { isolated: crossOriginIsolated, threads: ort.env.wasm.numThreads, out };
};
</script>`;

export interface ChromiumRun {
  isolated: boolean;
  provider: 'wasm' | 'webgpu';
  /** Extra Chromium flags (WebGPU adapters). */
  flags?: string[];
  /** Let Chromium use the machine's GPU (a hardware WebGPU adapter). */
  gpu?: boolean;
  timing?: Timing;
  /** For WebGPU: whether a software adapter (SwiftShader) is acceptable. */
  allowSoftwareAdapter?: boolean;
  /** WASM through onnxruntime-web's binary as its package ships it (the build serves it with its SGEMM loop reordered). */
  shippedOrt?: boolean;
  /** The build whose WASM provider runs (provider 'wasm'): the WASM build (default), or the WebGPU build, as after a WebGPU fallback. */
  ortBuild?: 'wasm' | 'webgpu';
}

/** onnxruntime-web's loaders and binaries (WASM build, WebGPU build) as the package has them, served under /ort-shipped/. */
export function shippedOrtFiles(root: string): Record<string, Uint8Array> {
  // The package's exports hide its folder; its require entry (dist/ort.min.js) sits beside the files.
  const dir = dirname(createRequire(join(root, 'package.json')).resolve('onnxruntime-web'));
  const files: Record<string, Uint8Array> = {};
  const names = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.webgpu.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
  for (const name of names) files[`/ort-shipped/${name}`] = new Uint8Array(readFileSync(join(dir, name)));
  return files;
}

/** A Chromium row's timing: its own or TIMING, with the tier-up warm-up where the WebGPU build's WASM provider runs. */
export function chromiumTiming(o: Pick<ChromiumRun, 'provider' | 'ortBuild' | 'timing'>): Timing {
  const timing = o.timing ?? TIMING;
  return o.provider === 'wasm' && o.ortBuild === 'webgpu' ? { ...timing, tierUpSeconds: WEBGPU_BUILD_TIER_UP_SECONDS } : timing;
}

export async function chromiumLatency(root: string, modelDir: string, o: ChromiumRun): Promise<ModelLatencyRow | string> {
  const s = await chromiumSamples(root, modelDir, o);
  return typeof s === 'string' ? s : latencyRow(s);
}

async function chromiumSamples(root: string, modelDir: string, o: ChromiumRun): Promise<LatencySamples | string> {
  if (!chromiumAvailable()) return 'Chromium is not installed';
  const model = servedModel(modelDir);
  const server = await serveStatic(
    join(root, 'dist/browser'),
    { '/index.html': PAGE, ...model.files, ...(o.shippedOrt ? shippedOrtFiles(root) : {}) },
    o.isolated ? CROSS_ORIGIN_ISOLATION : {},
  );
  const browser = await launchChromium(o.flags ?? [], { gpu: o.gpu ?? false });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/index.html`);
    const build = o.provider === 'webgpu' ? 'webgpu' : (o.ortBuild ?? 'wasm');
    const wasmBuild = build === 'webgpu' ? ', in its WebGPU build (as after a WebGPU fallback)' : '';
    let runtime = `onnxruntime-web WASM${o.shippedOrt ? ' as its package ships it (SGEMM loop not reordered)' : ''}${wasmBuild}, Chromium${o.isolated ? ' (cross-origin isolated)' : ''}`;
    let software = false;
    if (o.provider === 'webgpu') {
      const adapter = (await page.evaluate('window.adapter()')) as { fallback: boolean; description: string } | null;
      if (!adapter) return 'no WebGPU adapter';
      software = adapter.fallback || /swiftshader/i.test(adapter.description);
      if (software && !o.allowSoftwareAdapter) return `only a software WebGPU adapter (${adapter.description})`;
      runtime = `onnxruntime-web WebGPU, Chromium, ${adapter.description}${software ? ' (software, CPU)' : ''}`;
    }
    const ortDir = o.shippedOrt ? '/ort-shipped/' : '/ort/';
    const r = (await page.evaluate(`window.latency(${o.isolated ? 2 : 1}, ${JSON.stringify(chromiumTiming(o))}, '${o.provider}', '${ortDir}', '${build}')`)) as { isolated: boolean; threads: number; out: Record<string, number[]> };
    const row = {
      model: model.name,
      backend: o.provider,
      ...(software ? { softwareAdapter: true } : {}),
      ...(o.shippedOrt ? { shippedOrt: true } : {}),
      ...(o.provider === 'wasm' && build === 'webgpu' ? { ortBuild: 'webgpu' as const } : {}),
      runtime,
      threads: o.provider === 'webgpu' ? 0 : r.threads,
    };
    return { row, msPerFrame: { 1: r.out['1']!, 4: r.out['4']! } };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** A row that rounds repeat: `sample` measures it once, for the share of the time a round gives it. */
export interface RoundRow {
  what: string;
  sample: (timing: Timing) => Promise<LatencySamples | string>;
}

export const nodeRoundRow = (modelDir: string, threads: number): RoundRow => ({
  what: `${modelDir} onnxruntime-node ${threads} thread(s)`,
  sample: (timing) => nodeSamples(modelDir, threads, timing),
});

export const chromiumRoundRow = (root: string, modelDir: string, o: Omit<ChromiumRun, 'timing'>, what: string): RoundRow => ({
  what,
  sample: (timing) => chromiumSamples(root, modelDir, { ...o, timing }),
});

/**
 * Rows measured in rounds: every row once for a share of the time, then every row again, and each
 * row's figures from the samples of all its rounds. Run one after another, a slow spell of the host
 * moved a single row (the teacher's native row at 2 threads ran at 15.3 ms in one run and 11.6 in
 * the next), and with it a ratio; in rounds it falls on all rows alike, and each round's median
 * shows how far a row moved. A row that fails in any round is not measured: its reason is given.
 */
export async function latencyInRounds(
  rows: readonly RoundRow[],
  rounds: number,
  log: (line: string) => void,
): Promise<{ rows: ModelLatencyRow[]; failed: { what: string; why: string }[] }> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`latencyInRounds: rounds must be a whole number of at least 1, not ${rounds}`);
  // Each round starts its runtime afresh, so each warms up in full.
  const timing: Timing = { ...TIMING, seconds: TIMING.seconds / rounds, minSamples: Math.ceil(TIMING.minSamples / rounds) };
  const measured: LatencySamples[][] = rows.map(() => []);
  const failed = new Map<number, string>();
  for (let k = 1; k <= rounds; k++) {
    for (const [i, r] of rows.entries()) {
      if (failed.has(i)) continue;
      log(`model latency (round ${k} of ${rounds}): ${r.what}`);
      const s = await r.sample(timing);
      if (typeof s === 'string') failed.set(i, s);
      else measured[i]!.push(s);
    }
  }
  const out: ModelLatencyRow[] = [];
  for (const [i, runs] of measured.entries()) {
    if (failed.has(i)) continue;
    const pooled = (batch: 1 | 4) => runs.flatMap((s) => s.msPerFrame[batch]);
    const medians = (batch: 1 | 4) => runs.map((s) => latencyStats(s.msPerFrame[batch]).medianMs);
    out.push({ ...latencyRow({ row: runs[0]!.row, msPerFrame: { 1: pooled(1), 4: pooled(4) } }), rounds: { batch1MedianMs: medians(1), batch4MedianMs: medians(4) } });
  }
  return { rows: out, failed: [...failed].map(([i, why]) => ({ what: rows[i]!.what, why })) };
}
