/**
 * GPU rows measured on another machine (the lent GPU machine, which has neither Node's project
 * install nor Chromium: see bench/device/) and brought back as files. Each file is checked, so
 * that a wrong or empty one fails loudly instead of filling the table.
 */
import { readFileSync } from 'node:fs';
import type { ModelLatencyRow } from './modelLatency.js';
import type { ChromiumGpuOutput } from './chromiumGpu.js';
import { nodeLoopRow, type NodeLoopOutput, type PipelineResult } from './pipeline.js';
import { latencyStats, medianTry } from './stats.js';

export interface TorchRow {
  model: string;
  threads: number;
  batch: number;
  samples: number;
  medianMsPerFrame: number;
  p95MsPerFrame: number;
}

/** What bench/torch_latency.py prints. */
export interface TorchLatency {
  torch: string;
  /** 'CPU', or the CUDA device's name. */
  device: string;
  rows: TorchRow[];
}

/**
 * The JSON lines a script printed, one per run; an empty file is what gpu.sh leaves when that part
 * failed on the GPU machine.
 */
function jsonLines(file: string, script: string): unknown[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  try {
    if (lines.length > 0) return lines.map((l) => JSON.parse(l) as unknown);
  } catch {
    // Said below, as for an empty file.
  }
  throw new Error(`${file} is not the output of ${script} (no JSON in it: see its log)`);
}

/** The JSON a script printed last. */
function lastJsonLine(file: string, script: string): unknown {
  return jsonLines(file, script).pop();
}

/** A torch_latency.py --device cuda result from a file, checked so that a wrong file fails loudly. */
export function importedTorchCuda(file: string): TorchLatency {
  const r = lastJsonLine(file, 'bench/torch_latency.py') as { torch?: unknown; device?: unknown; rows?: TorchRow[] };
  if (typeof r.torch !== 'string' || typeof r.device !== 'string' || r.device === 'CPU' || !Array.isArray(r.rows) || r.rows.length === 0) {
    throw new Error(`${file} is not the output of bench/torch_latency.py --device cuda`);
  }
  return { torch: r.torch, device: r.device, rows: r.rows };
}

/**
 * The rows of bench/webgpu_node_latency.mjs (onnxruntime-node's WebGPU provider) or
 * bench/webgpu_web_latency.mjs (onnxruntime-web's, the viewer's backend) from a file, checked so
 * that a wrong file fails loudly.
 */
export function importedWebgpuRows(file: string): ModelLatencyRow[] {
  type Output = { runtime?: unknown; device?: unknown; softwareAdapter?: unknown; reference?: unknown; rows?: { model: string; maxAbsDiffVsCpu: number; msPerFrame: Record<string, number[]> }[] };
  const scripts = 'bench/webgpu_node_latency.mjs or bench/webgpu_web_latency.mjs';
  const r = lastJsonLine(file, scripts) as Output;
  const timed = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && x > 0);
  if (typeof r.runtime !== 'string' || typeof r.device !== 'string' || !Array.isArray(r.rows) || r.rows.length === 0 || !r.rows.every((x) => typeof x.maxAbsDiffVsCpu === 'number' && timed(x.msPerFrame?.['1']) && timed(x.msPerFrame?.['4']))) {
    throw new Error(`${file} is not the output of ${scripts}`);
  }
  // A software adapter's rows are kept for reference, never counted as a GPU's.
  const software = r.softwareAdapter === true;
  const device = String(r.device);
  const runtime = String(r.runtime);
  const reference = typeof r.reference === 'string' ? r.reference : 'the CPU provider';
  return r.rows.map((x) => ({
    model: x.model,
    backend: 'webgpu',
    ...(software ? { softwareAdapter: true } : {}),
    runtime: `${runtime}, ${device}${software && !/software/i.test(device) ? ' (software, CPU)' : ''} (output within ${x.maxAbsDiffVsCpu.toExponential(1)} of ${reference}; measured on ${software ? 'the machine that wrote it' : "that GPU's machine"}, imported from ${file})`,
    threads: 0,
    batch1: latencyStats(x.msPerFrame['1']!),
    batch4: latencyStats(x.msPerFrame['4']!),
  }));
}

/**
 * bench/nodeLoopChild.mjs's output from the GPU machine (gpu.sh's node-loop.json): a whole loop
 * through the Node pipeline with the model on WebGPU, one JSON line per try. Several tries give
 * the median try's row with every try's FPS, as the rows measured here.
 */
export function importedNodeLoop(file: string): PipelineResult & { triesFps?: number[] } {
  const tries = jsonLines(file, 'bench/nodeLoopChild.mjs') as Partial<NodeLoopOutput>[];
  const first = tries[0]!;
  for (const r of tries) {
    const t = r.timings as Partial<NodeLoopOutput['timings']> | undefined;
    if (typeof r.frames !== 'number' || !(r.frames > 0) || typeof r.totalMs !== 'number' || !(r.totalMs > 0) || typeof t?.inferenceMs !== 'number' || typeof r.device !== 'string') {
      throw new Error(`${file} is not the output of bench/nodeLoopChild.mjs with the webgpu provider`);
    }
    if (r.provider !== 'webgpu') {
      throw new Error(`${file}: the loop ran on the ${String(r.provider)} provider, not WebGPU${r.fallbackReason ? ` (${r.fallbackReason})` : ''}`);
    }
    // Tries of different loops or machines must not be mixed into one row.
    if (r.frames !== first.frames || r.device !== first.device || r.backend !== first.backend) throw new Error(`${file}: its tries differ in frames, device or backend`);
  }
  const { chosen, triesFps } = medianTry(tries as NodeLoopOutput[]);
  const software = chosen.softwareAdapter === true;
  const row = nodeLoopRow(chosen, `, ${chosen.device} (${software ? 'measured on the machine that wrote it' : "measured on that GPU's machine"}, imported from ${file})`);
  return tries.length > 1 ? { ...row, triesFps } : row;
}

/**
 * bench/device/chromiumGpu.ts's output from the GPU machine: onnxruntime-web's WebGPU provider in
 * Chromium there, model only and whole loops through the browser pipeline (the median try's row,
 * with every try's FPS). Rows of a software adapter stay marked as such; a loop that fell back to
 * WASM, or tries of different loops, are refused.
 */
export function importedChromiumGpu(file: string): { models: ModelLatencyRow[]; loops: (PipelineResult & { triesFps?: number[] })[]; loopFailure?: string } {
  const script = 'bench/device/chromiumGpu.ts';
  const r = lastJsonLine(file, script) as Partial<ChromiumGpuOutput>;
  if (typeof r.chromium !== 'string' || !Array.isArray(r.models) || !Array.isArray(r.pipeline)) throw new Error(`${file} is not the output of ${script}`);
  if (r.models.length === 0) throw new Error(`${file}: Chromium found no WebGPU adapter there (${r.failure ?? 'no reason given'})`);
  for (const m of r.models) {
    if (m.backend !== 'webgpu' || !(m.batch1?.medianMs > 0) || !(m.batch4?.medianMs > 0)) throw new Error(`${file}: a model row that is not a WebGPU measurement (${String(m.runtime)})`);
  }
  const loops = r.pipeline;
  // A row's label names the adapter ("WebGPU (vendor architecture)") and then where the frames were prepared.
  const adapter = (where: unknown) => /WebGPU \(([^)]*)\)/.exec(String(where))?.[1];
  for (const p of loops) {
    if (p.provider !== 'webgpu') throw new Error(`${file}: a loop ran on ${String(p.provider)}, not WebGPU (${String(p.where)})`);
    if (!(p.frames > 0) || !(p.totalMs > 0) || typeof p.timings?.inferenceMs !== 'number') throw new Error(`${file}: a loop without frames or times`);
    if (p.frames !== loops[0]!.frames || adapter(p.where) !== adapter(loops[0]!.where)) throw new Error(`${file}: its loops differ in frames or adapter`);
  }
  const software = r.models.some((m) => m.softwareAdapter) || loops.some((p) => p.softwareAdapter);
  const where = `measured on ${software ? 'the machine that wrote it' : "that GPU's machine"}${r.gpu ? ` (${r.gpu})` : ''}, ${r.chromium}, imported from ${file}`;
  const models = r.models.map((m) => ({ ...m, ...(software ? { softwareAdapter: true } : {}), runtime: `${m.runtime} (${where})` }));
  if (loops.length === 0) return { models, loops: [], loopFailure: r.failure ?? 'no loop ran' };
  // One row for each way the loops ran (with and without frame workers), its median try.
  const kinds = [...new Set(loops.map((p) => p.where))];
  const rows = kinds.map((kind) => {
    const tries = loops.filter((p) => p.where === kind);
    const { chosen, triesFps } = medianTry(tries);
    return { ...chosen, ...(software ? { softwareAdapter: true } : {}), where: `${chosen.where} (${where})`, ...(tries.length > 1 ? { triesFps } : {}) };
  });
  return { models, loops: rows, ...(r.failure ? { loopFailure: r.failure } : {}) };
}
