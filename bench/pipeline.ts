/**
 * A whole loop through the pipeline (decode, pre-process, inference, post-process, metrics, SEG
 * write) with the time per stage: in Node (a fresh process, its peak RSS) and in headless
 * Chromium through the engine's worker as the viewer runs it (peak RSS of the Chromium processes,
 * the page's JS heap, the worker's memory where Chromium measures it); for the memory rows also
 * the peak PSS of either (bench/processMemory.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageTimings } from '../src/inference/engine.js';
import { serveStatic, launchChromium, chromiumAvailable, CROSS_ORIGIN_ISOLATION } from '../tests/helpers/browser.js';
import { watchPeakMemory, type PeakMemory } from './processMemory.js';
import { servedModel } from './servedModel.js';

export interface PipelineResult {
  where: string;
  inBrowser: boolean;
  /** The execution provider the engine ran ('cpu', 'wasm' or 'webgpu'). */
  provider?: string;
  /** A WebGPU row on a software adapter: for reference only, never a GPU's figure. */
  softwareAdapter?: boolean;
  /** Run with bench/standInModel.ts's model in the student's place: not a figure of the student. */
  standIn?: boolean;
  frames: number;
  threads?: number;
  /** From the start of segmentation (model loaded) to the SEG written. */
  totalMs: number;
  /** From the start (model load included) to the first mask. */
  firstMaskMs: number;
  timings: StageTimings & { segmentationWriteMs: number };
  peakRssMb: number;
  /**
   * Peak PSS (MiB) of the same processes, sampled each second: asked for by the memory rows only.
   * Chromium: its processes' summed PSS, each shared page split among those mapping it.
   */
  peakPssMb?: number;
  /** Chromium with peakPssMb: its summed PSS with the page loaded, before the engine started. */
  idlePssMb?: number;
  jsHeapMb?: number;
  /** performance.measureUserAgentSpecificMemory() after the run (page + worker), when available. */
  measuredMemoryMb?: number;
}

const metricsLabel = (timings: StageTimings) => (timings.metricsIn === 'worker' ? 'masks and metrics in a worker' : 'masks and metrics inline');

/** Where a loop's masks and metrics were computed and its frames prepared, for a row's label. */
function workersLabel(timings: StageTimings, metricsWorkers: number | undefined, frameWorkers: number | undefined): string {
  const metrics = (metricsWorkers ?? 1) > 1 ? `masks and metrics in ${metricsWorkers} workers` : metricsLabel(timings);
  return `${metrics}${frameWorkers && timings.preparedIn === 'worker' ? `, frames decoded and pre-processed in ${frameWorkers} workers` : ''}`;
}

/** What bench/nodeLoopChild.mjs prints. */
export interface NodeLoopOutput {
  frames: number;
  totalMs: number;
  firstMaskMs: number;
  timings: PipelineResult['timings'];
  peakRssMb: number;
  /** CPU time of all the process's threads over the loop (process.cpuUsage), in ms. */
  cpuMs?: { user: number; system: number };
  threads: number;
  /** Worker threads that shared the loop's post-processing and metrics (0: in line). */
  metricsWorkers?: number;
  /** Worker threads that decoded and pre-processed the frames ahead of inference (0 or absent: in line). */
  frameWorkers?: number;
  provider: string;
  fallbackReason?: string;
  /** WebGPU runs: what it ran on (bench/device/webgpuDevice.mjs). */
  device?: string;
  softwareAdapter?: boolean;
  /** 'onnxruntime-web': the model ran on the viewer's backend (provider web-webgpu), not onnxruntime-node. */
  backend?: string;
}

export function nodeLoopRow(r: NodeLoopOutput, onWhat = ''): PipelineResult {
  const runtime =
    r.backend === 'onnxruntime-web'
      ? "onnxruntime-web WebGPU EP, the viewer's backend, in the CLI pipeline (WebGPU from dawn.node)"
      : r.provider === 'webgpu'
        ? 'onnxruntime-node WebGPU EP, CLI pipeline'
        : `onnxruntime-node, CLI pipeline, ${r.threads} thread(s)`;
  return {
    where: `Node (${runtime})${onWhat}, ${workersLabel(r.timings, r.metricsWorkers, r.frameWorkers)}`,
    inBrowser: false,
    provider: r.provider,
    ...(r.softwareAdapter ? { softwareAdapter: true } : {}),
    threads: r.threads,
    frames: r.frames,
    totalMs: r.totalMs,
    firstMaskMs: r.firstMaskMs,
    timings: r.timings,
    peakRssMb: r.peakRssMb,
  };
}

export interface MemoryOptions {
  /** Also sample PSS, each second (PSS_EVERY_MS), as the memory rows do: reading it takes a little CPU from the loop. */
  proportionalMemory?: boolean;
}

const PSS_EVERY_MS = 1000;

export async function nodePipeline(root: string, cinePath: string, modelDir: string, metricsWorker = true, options: MemoryOptions = {}): Promise<PipelineResult> {
  // Run beside this process's event loop, so that the watcher can sample the child.
  const peak = options.proportionalMemory ? watchPeakMemory({ pssEveryMs: PSS_EVERY_MS }) : undefined;
  let stdout: string;
  let pssMb: number | undefined;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [join(root, 'bench/nodeLoopChild.mjs'), cinePath, modelDir, metricsWorker ? 'worker' : 'inline'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 }));
  } finally {
    pssMb = peak?.stop().pssMb;
  }
  const row = nodeLoopRow(JSON.parse(stdout.trim().split('\n').pop()!) as NodeLoopOutput);
  return pssMb !== undefined ? { ...row, peakPssMb: pssMb } : row;
}

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as engine from '/trus-cine-seg.mjs';
window.pipeline = async (o) => {
  const t0 = performance.now();
  const client = await engine.SegmentationClient.start({ manifestUrl: '/model/model.json', ...o });
  let firstMaskMs = 0;
  try {
    const bytes = new Uint8Array(await (await fetch('/loop.dcm')).arrayBuffer());
    const t1 = performance.now();
    const result = await client.segment(bytes, 'loop.dcm', { writeSegmentation: true, onFrame: (f) => { if (!firstMaskMs) firstMaskMs = performance.now() - t0; } });
    const totalMs = performance.now() - t1;
    let measuredMemoryMb = null;
    if (crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
      const m = await Promise.race([performance.measureUserAgentSpecificMemory(), new Promise((r) => setTimeout(() => r(null), 20000))]);
      if (m) measuredMemoryMb = m.bytes / 2 ** 20;
    }
    return {
      frames: result.run.masks.length,
      threads: client.info.threads,
      provider: client.info.provider,
      adapterName: client.info.adapterName ?? null,
      metricsWorkers: client.info.metricsWorkers,
      frameWorkers: client.info.frameWorkers,
      totalMs,
      firstMaskMs,
      timings: { ...result.run.timings, segmentationWriteMs: result.segmentationWriteMs ?? 0 },
      jsHeapMb: performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null,
      measuredMemoryMb,
    };
  } finally {
    client.terminate();
  }
};
</script>`;

export interface BrowserPipelineOptions extends MemoryOptions {
  isolated: boolean;
  /** Default true, as the viewer runs. */
  metricsWorker?: boolean;
  /** onnxruntime-web threads; default the engine's choice. */
  numThreads?: number;
  /** The engine's provider preference; default 'wasm' (the CPU rows). */
  preference?: 'wasm' | 'webgpu' | 'auto';
  /** Extra Chromium flags (a WebGPU adapter). */
  flags?: string[];
  /** Let Chromium use the machine's GPU (a hardware WebGPU adapter). */
  gpu?: boolean;
  /** Workers that decode and pre-process ahead of inference; default the engine's choice (frameWorkersFor). */
  frameWorkers?: number;
}

export async function browserPipeline(root: string, cinePath: string, modelDir: string, options: BrowserPipelineOptions): Promise<PipelineResult | string> {
  const { isolated } = options;
  if (!chromiumAvailable()) return 'Chromium is not installed';
  const server = await serveStatic(
    join(root, 'dist/browser'),
    { '/index.html': PAGE, '/loop.dcm': readFileSync(cinePath), ...servedModel(modelDir).files },
    isolated ? CROSS_ORIGIN_ISOLATION : {},
  );
  // Eager memory measurement: otherwise Chromium delays it to the next garbage collection.
  const browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory', '--enable-precise-memory-info', ...(options.flags ?? [])], { gpu: options.gpu ?? false });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/index.html`);
    const peak = watchPeakMemory(options.proportionalMemory ? { pssEveryMs: PSS_EVERY_MS } : {});
    const idlePssMb = peak.atStart.pssMb;
    const clientOptions = {
      metricsWorker: options.metricsWorker ?? true,
      preference: options.preference ?? 'wasm',
      ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
      ...(options.frameWorkers !== undefined ? { frameWorkers: options.frameWorkers } : {}),
    };
    let r: Omit<PipelineResult, 'where' | 'inBrowser' | 'peakRssMb'> & {
      jsHeapMb: number | null;
      measuredMemoryMb: number | null;
      provider: string;
      adapterName: string | null;
      metricsWorkers: number;
      frameWorkers: number;
    };
    let memory: PeakMemory;
    try {
      r = (await page.evaluate(`window.pipeline(${JSON.stringify(clientOptions)})`)) as typeof r;
    } finally {
      memory = peak.stop();
    }
    const { rssMb: peakRssMb, pssMb: peakPssMb } = memory;
    const runtime = r.provider === 'webgpu' ? `WebGPU (${r.adapterName ?? 'unnamed adapter'})` : `WASM ${r.threads} thread(s)${isolated ? ' (isolated)' : ''}`;
    return {
      where: `Chromium, engine worker, ${runtime}, ${workersLabel(r.timings, r.metricsWorkers, r.frameWorkers)}`,
      provider: r.provider,
      ...(r.provider === 'webgpu' && /swiftshader/i.test(r.adapterName ?? '') ? { softwareAdapter: true } : {}),
      inBrowser: true,
      frames: r.frames,
      threads: r.threads ?? 1,
      totalMs: r.totalMs,
      firstMaskMs: r.firstMaskMs,
      timings: r.timings,
      peakRssMb,
      ...(peakPssMb !== undefined ? { peakPssMb } : {}),
      ...(idlePssMb !== undefined ? { idlePssMb } : {}),
      ...(r.jsHeapMb !== null ? { jsHeapMb: r.jsHeapMb } : {}),
      ...(r.measuredMemoryMb !== null ? { measuredMemoryMb: r.measuredMemoryMb } : {}),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
