/**
 * The benchmark run's results as markdown (bench/results/*.md, the README's tables): every row
 * measured or imported, the ratios that show the overheads, and the targets met or missed.
 */
import type { ModelLatencyRow } from './modelLatency.js';
import type { PipelineResult } from './pipeline.js';
import type { ThroughputRow } from './codecs.js';
import type { ViewerRun, ViewerTiming } from './viewerFirstMask.js';
import type { OperatorProfile } from './operatorProfile.js';
import type { StudentSizeRow } from './studentSizes.js';
import type { TorchLatency } from './importedRows.js';
import type { PacsBatchRow } from './pacsBatch.js';
import { fps, ms, percentile } from './stats.js';
import { STAND_IN_LABEL } from './standInModel.js';

export interface Results {
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
  /** The CLI on a batch from a PACS through links of several speeds, retrieving ahead or not. */
  pacs?: PacsBatchRow[];
  /** The demo loop, then the bench loop from a PACS. */
  viewer: ViewerTiming[];
}


/** A model's onnxruntime-node (native) row at some threads. */
function nativeRow(models: ModelLatencyRow[], model: string, threads: number): ModelLatencyRow | undefined {
  return models.find((m) => m.model === model && m.backend === 'node' && m.threads === threads);
}

/** A model's WASM row at some threads: the binary the build serves or as shipped, through the WASM build or (ortBuild 'webgpu') the WebGPU build's fallback. */
function wasmRow(models: ModelLatencyRow[], model: string, threads: number | undefined, shipped: boolean, ortBuild?: 'webgpu'): ModelLatencyRow | undefined {
  return models.find((m) => m.model === model && m.backend === 'wasm' && m.threads === threads && !!m.shippedOrt === shipped && m.ortBuild === ortBuild);
}

/** Time per frame against native at the same threads: at batch 1, at batch 4. */
const againstNative = (w: ModelLatencyRow, native: ModelLatencyRow): [number, number] => [w.batch1.medianMs / native.batch1.medianMs, w.batch4.medianMs / native.batch4.medianMs];

/**
 * The lowest and highest ratio of a row to native over the rounds (round k against round k, which
 * ran close in time): at batch 1, at batch 4. Undefined unless both rows ran in the same rounds.
 */
export function roundSpread(w: ModelLatencyRow, native: ModelLatencyRow): [string, string] | undefined {
  if (!w.rounds || !native.rounds || w.rounds.batch1MedianMs.length !== native.rounds.batch1MedianMs.length || w.rounds.batch1MedianMs.length < 2) return undefined;
  const range = (a: number[], b: number[]) => {
    const x = a.map((v, k) => v / b[k]!);
    return `${Math.min(...x).toFixed(2)}-${Math.max(...x).toFixed(2)}x`;
  };
  return [range(w.rounds.batch1MedianMs, native.rounds.batch1MedianMs), range(w.rounds.batch4MedianMs, native.rounds.batch4MedianMs)];
}

type StageKey = 'decodeMs' | 'preprocessMs' | 'inferenceMs' | 'postprocessMs' | 'metricsMs' | 'segmentationWriteMs';
const perFrame = (r: PipelineResult, k: StageKey) => r.timings[k] / r.frames;

/**
 * What the student's WASM run would cost if every convolution ran at 128-bit WASM SIMD's ceiling.
 * `run`: whole runs to take the rest of the run from and to compare with, in place of the profile's own.
 */
export function simdFloor(p: OperatorProfile, run?: { native: number; wasm: number }): {
  convMmac: number;
  wasmConvGmacs: number;
  nativeConvGmacs: number;
  mulAddMs: number;
  mulAddRatio: number;
  fmaMs?: number;
  fmaRatio?: number;
} {
  const convs = p.groups.filter((g) => g.mmac);
  const convMmac = convs.reduce((a, g) => a + g.mmac!, 0);
  const wasmConvMs = convs.reduce((a, g) => a + g.wasmMs, 0);
  const nativeConvMs = convs.reduce((a, g) => a + g.nativeMs, 0);
  // Everything but the convolutions (other kernels, and what lies between kernels) stays as
  // measured: from a run without the profiler where there is one, since the profiler can add
  // milliseconds to one kernel that a run does not spend (the convolutions keep their profiled
  // times, so a profiler's cost among them would make the floor lower, not higher).
  run ??= p.unprofiledRunMs ?? { native: p.nativeRunMs, wasm: p.wasmRunMs };
  const rest = Math.max(0, run.wasm - wasmConvMs);
  if (!p.simdPeak) throw new Error('the profile has no WASM SIMD ceiling (measured from 2026-12-05 on)');
  const mulAddMs = rest + convMmac / p.simdPeak.mulAddGmacs;
  const fma = p.simdPeak.fmaGmacs;
  const fmaMs = typeof fma === 'number' ? rest + convMmac / fma : undefined;
  return {
    convMmac,
    wasmConvGmacs: convMmac / wasmConvMs,
    nativeConvGmacs: convMmac / nativeConvMs,
    mulAddMs,
    mulAddRatio: mulAddMs / run.native,
    ...(fmaMs !== undefined ? { fmaMs, fmaRatio: fmaMs / run.native } : {}),
  };
}

/** The run's markdown: the tables, the ratios and each target with its verdict. */
export function renderMarkdown(r: Results): string {
  const lines: string[] = [`# Benchmarks (${r.date})`, '', `Machine: ${r.machine}.`, ''];
  const row = (cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
  const header = (cells: string[]) => {
    row(cells);
    row(cells.map(() => '---'));
  };

  if (r.models.length || r.torch || r.torchCuda) {
    lines.push('## Model only (per frame, after warm-up)', '');
    // Results measured before the rows ran in rounds have no such column.
    const inRounds = r.models.some((m) => m.rounds);
    const notInRounds = inRounds ? ['—'] : [];
    const byRound = (m: ModelLatencyRow) => (m.rounds ? [m.rounds.batch1MedianMs.map((x) => ms(x)).join(', ')] : notInRounds);
    header(['model', 'runtime', 'threads', 'batch 1 median ms', 'batch 1 p95 ms', 'batch 1 FPS', 'batch 4 median ms/frame', 'batch 4 FPS', ...(inRounds ? ['batch 1 median ms, round by round'] : [])]);
    for (const m of r.models) row([m.model, m.runtime, m.threads || '—', ms(m.batch1.medianMs), ms(m.batch1.p95Ms), fps(m.batch1.fps), ms(m.batch4.medianMs), fps(m.batch4.fps), ...byRound(m)]);
    for (const model of ['trus-student', 'trus-teacher']) {
      for (const threads of [1, 2]) {
        const t1 = r.torch?.rows.find((x) => x.model === model && x.threads === threads && x.batch === 1);
        const t4 = r.torch?.rows.find((x) => x.model === model && x.threads === threads && x.batch === 4);
        if (t1 && t4) row([model, `PyTorch ${r.torch!.torch} CPU (architecture, eval, no_grad)`, threads, ms(t1.medianMsPerFrame), ms(t1.p95MsPerFrame), fps(1000 / t1.medianMsPerFrame), ms(t4.medianMsPerFrame), fps(1000 / t4.medianMsPerFrame), ...notInRounds]);
      }
      const c1 = r.torchCuda?.rows.find((x) => x.model === model && x.batch === 1);
      const c4 = r.torchCuda?.rows.find((x) => x.model === model && x.batch === 4);
      const elsewhere = r.torchCuda?.importedFrom ? `; measured on that GPU's machine, imported from ${r.torchCuda.importedFrom}` : '';
      if (c1 && c4) row([model, `PyTorch ${r.torchCuda!.torch} CUDA, ${r.torchCuda!.device} (architecture, float32, eval, no_grad${elsewhere})`, '—', ms(c1.medianMsPerFrame), ms(c1.p95MsPerFrame), fps(1000 / c1.medianMsPerFrame), ms(c4.medianMsPerFrame), fps(1000 / c4.medianMsPerFrame), ...notInRounds]);
    }
    lines.push('');
    const ratios: string[] = [];
    for (const model of ['trus-student', 'trus-teacher']) {
      for (const threads of [1, 2]) {
        const native = nativeRow(r.models, model, threads);
        // Each build's served binary against native, with its binary as shipped in brackets.
        for (const [ortBuild, name, shippedName] of [
          [undefined, 'WASM/native', "onnxruntime-web's binary as shipped"],
          ['webgpu', 'WASM in the WebGPU build (the fallback)/native', 'as shipped'],
        ] as const) {
          const wasm = wasmRow(r.models, model, threads, false, ortBuild);
          if (!native || !wasm) continue;
          const times = (w: ModelLatencyRow) => againstNative(w, native).map((x) => `${x.toFixed(2)}x`);
          const [b1, b4] = times(wasm);
          const spread = roundSpread(wasm, native);
          const shipped = wasmRow(r.models, model, threads, true, ortBuild);
          const asShipped = shipped ? `${shippedName}: ${times(shipped).join(' and ')}` : '';
          const brackets = [spread ? `round by round ${spread.join(' and ')}` : '', asShipped].filter(Boolean).join('; ');
          ratios.push(`${model}, ${threads} thread(s): ${name} ${b1} at batch 1, ${b4} at batch 4${brackets ? ` (${brackets})` : ''}`);
        }
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
    const peak = p.simdPeak?.mulAddGmacs ?? NaN;
    const gmacs = (mmac: number | undefined, msPerRun: number) => (mmac && msPerRun > 0 ? (mmac / msPerRun).toFixed(1) : '—');
    // Results written before the ceiling was measured have no MAC counts or peak: their table as it was.
    const withPeak = p.simdPeak !== undefined;
    header(['kernels', ...(withPeak ? ['MMAC'] : []), 'onnxruntime-node ms', 'onnxruntime-web WASM ms', 'WASM/native', ...(withPeak ? ['native GMAC/s', 'WASM GMAC/s', 'WASM ms at the SIMD ceiling'] : [])]);
    for (const g of p.groups) {
      const mac = withPeak ? [gmacs(g.mmac, g.nativeMs), gmacs(g.mmac, g.wasmMs), g.mmac ? ms(g.mmac / peak, 2) : '—'] : [];
      row([g.group, ...(withPeak ? [g.mmac ? g.mmac.toFixed(1) : '—'] : []), ms(g.nativeMs, 2), ms(g.wasmMs, 2), ratio(g.wasmMs, g.nativeMs), ...mac]);
    }
    const floor = withPeak ? simdFloor(p) : undefined;
    row(['whole run', ...(floor ? [floor.convMmac.toFixed(1)] : []), ms(p.nativeRunMs, 2), ms(p.wasmRunMs, 2), ratio(p.wasmRunMs, p.nativeRunMs), ...(floor ? ['', '', ms(floor.mulAddMs, 2)] : [])]);
    lines.push('', 'Kernels grouped by the resolution of their output; "other": transposed convolutions, concatenations, pooling and (native) layout reorders. Channels as the model has them: onnxruntime-node pads them to its NCHWc block. MMAC: the convolutions\' multiply-accumulates per run, from their NCHW shapes.', '');
    const u = p.unprofiledRunMs;
    if (u) {
      const added = (profiled: number, without: number) => (profiled >= without ? `${ms(profiled - without, 2)} ms more` : `${ms(without - profiled, 2)} ms less`);
      lines.push(
        `Without onnxruntime's profiler (the same session options, input and process, median of ${p.runs} runs): ${ms(u.wasm, 2)} ms in WASM and ${ms(u.native, 2)} natively, ${ratio(u.wasm, u.native)}. The profiled runs above took ${added(p.wasmRunMs, u.wasm)} in WASM and ${added(p.nativeRunMs, u.native)} natively; the kernels that were not convolutions are counted below from the run without it.`,
        '',
      );
    }
    const slow = u && withPeak ? slowUnprofiledRuns(r, p, u) : undefined;
    if (slow) {
      const other = simdFloor(p, slow.modelRows);
      lines.push(
        `These runs without the profiler were slower than the same model's in the model rows above (1 thread, batch 1: ${slow.parts.join('; ')}), by more than the ${Math.round(100 * (SLOW_SPELL_FACTOR - 1))}% that tells a slow spell of the host from noise, so the estimate below, which takes the rest of the run from them, is not this run's; with the model rows' figures in their place it is ${ms(other.mulAddMs, 2)} ms, ${other.mulAddRatio.toFixed(2)}x native.`,
        '',
      );
    }
    if (floor) {
      const fma = p.simdPeak!.fmaGmacs;
      const loop = p.simdPeak!.onnxruntimeLoopGmacs;
      const reordered = p.simdPeak!.reorderedLoopGmacs;
      lines.push(
        `128-bit WASM SIMD's ceiling in the same page, 1 thread (\`bench/wasmSimdPeak.ts\`: a GEMM micro-kernel's inner loop on vectors in L1, the best of its tiles): ${peak.toFixed(1)} GMAC/s multiplying then adding, as onnxruntime-web's WASM build does; ` +
          (typeof fma === 'number' ? `${fma.toFixed(1)} GMAC/s with relaxed SIMD's fused multiply-add, which no onnxruntime-web build uses.` : `relaxed SIMD's fused multiply-add not measured (${fma}).`) +
          (loop !== undefined
            ? ` The loop of onnxruntime-web's WASM SGEMM kernel as its package ships it, assembled with the shape its binary has (2 rows of 16 columns, two steps of k an iteration, B's 8 vectors kept for the second row: more vectors live than x64's 16 registers), ran at ${loop.toFixed(1)} GMAC/s, ${Math.round((100 * loop) / peak)}% of the ceiling; the build serves that loop reordered (scripts/patch-ort-sgemm.mjs)${reordered !== undefined ? `, which ran at ${reordered.toFixed(1)} GMAC/s, ${Math.round((100 * reordered) / peak)}%` : ''}.`
            : ''),
        '',
        `onnxruntime-web's convolutions ran at ${floor.wasmConvGmacs.toFixed(1)} GMAC/s, ${Math.round((100 * floor.wasmConvGmacs) / peak)}% of that ceiling (onnxruntime-node's at ${floor.nativeConvGmacs.toFixed(1)}). ` +
          `Had every convolution run at the ceiling, the rest of the run as measured${p.unprofiledRunMs ? ' without the profiler' : ''}, a WASM run would take ${ms(floor.mulAddMs, 2)} ms, ${floor.mulAddRatio.toFixed(2)}x native${p.unprofiledRunMs ? ' (a run without the profiler)' : ''}` +
          (floor.fmaMs !== undefined ? `; with fused multiply-add, ${ms(floor.fmaMs, 2)} ms, ${floor.fmaRatio!.toFixed(2)}x.` : '.'),
        '',
      );
      const g = p.gemm;
      if (g) {
        lines.push(
          `onnxruntime's GEMM alone (one ${g.shape.join('x')} MatMul, 1 thread, median of its runs): ${g.wasmGmacs.toFixed(1)} GMAC/s in WASM, ${Math.round((100 * g.wasmGmacs) / peak)}% of the ceiling; ${g.nativeGmacs.toFixed(1)} natively.`,
          '',
        );
      }
    }
    const f = p.wasmFunctions;
    if (f && f.functions.length) {
      lines.push(
        `Inside onnxruntime-web's WASM (${f.model}, 1 thread, batch 1; Chromium's sampling profiler, ${f.samples.toLocaleString('en-US')} samples, self time; \`bench/wasmFunctionProfile.ts\`${f.knownBinary ? '' : '; not onnxruntime-web 1.30.0\'s binary, so its functions are not named'}):`,
        '',
      );
      header(['function', 'what it does', 'share of the samples']);
      for (const x of f.functions) row([x.name, x.role ?? '', `${(100 * x.share).toFixed(1)}%`]);
      lines.push('');
    }
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
    const browser = studentWasmBrowserLoops(r);
    const ratios = browser
      .map((p) => {
        const wasm = wasmRow(r.models, 'trus-student', p.threads, false);
        return wasm ? `${p.where}: browser pipeline/model only ${(p.totalMs / p.frames / wasm.batch4.medianMs).toFixed(2)}x (per frame, against WASM batch 4 at the same threads)` : '';
      })
      .filter(Boolean);
    if (ratios.length) lines.push(...ratios.map((x) => `- ${x}`), '');
    if (r.pipeline.some((p) => p.standIn)) {
      lines.push(`Rows with ${STAND_IN_LABEL}: the same loop and pipeline, its inference a single 1x1 convolution (masks of the frame's darker pixels), so their FPS is what everything but the model allows here.`, '');
    }
  }
  if (r.memory.length) {
    lines.push('## Peak memory', '');
    const pss = r.memory.some((p) => p.peakPssMb !== undefined);
    header(['where', 'input', 'peak RSS MiB', ...(pss ? ['peak PSS MiB (before the loop)'] : []), 'page JS heap MiB (main thread)', 'page + worker memory MiB (measureUserAgentSpecificMemory)', 'FPS end to end']);
    for (const p of r.memory) {
      const pssCell = p.peakPssMb === undefined ? '—' : `${ms(p.peakPssMb, 0)}${p.idlePssMb !== undefined ? ` (${ms(p.idlePssMb, 0)})` : ''}`;
      row([p.where, p.input, ms(p.peakRssMb, 0), ...(pss ? [pssCell] : []), ms(p.jsHeapMb, 0), ms(p.measuredMemoryMb, 0), fps((1000 * p.frames) / p.totalMs)]);
    }
    lines.push('', 'Node: the peak RSS of a fresh process running the CLI pipeline (model, cine, masks, SEG), its own high-water mark (VmHWM). Runs before 2026-12-07 took the rusage peak instead, which Linux carries over from the process that launched the loop: their figures may be the benchmark process\'s size rather than the loop\'s. Chromium: the peak of the summed RSS of all its processes (browser, GPU, renderer with the worker).', '');
    if (pss) {
      lines.push(
        "PSS (proportional set size) splits each page that several processes map among them, where summed RSS counts it once for each: Chromium's processes share its binary, libraries and shared memory, so its PSS is what it holds. Sampled each second (RSS every 0.1 s); in brackets, Chromium's with the page loaded and before the engine started. A Node process shares its binary's pages with the benchmark's own process, and a sample each second can miss a short peak that its RSS high-water mark keeps, so its PSS comes out under its RSS.",
        '',
      );
    }
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
  if (r.pacs?.length) {
    const first = r.pacs[0]!;
    lines.push('## A batch from a PACS (CLI, Node)', '');
    header(['link', 'the next image', 'the SEGs', 'whole batch s, each try', 's per loop (mean)', 'FPS (mean)', 'against']);
    const mean = (values: number[]) => values.reduce((a, v) => a + v, 0) / values.length;
    const relative = (change: number, than: string) => (change >= 0 ? `${(100 * change).toFixed(0)}% less time than ${than}` : `${(-100 * change).toFixed(0)}% more time than ${than}`);
    for (const p of r.pacs) {
      const seconds = mean(p.seconds);
      const sameLink = r.pacs.filter((q) => q.linkMBps === p.linkMBps);
      // Retrieving ahead against one image at a time; storing against not storing.
      const base = p.stow ? sameLink.find((q) => q.prefetch && !q.stow) : p.prefetch ? sameLink.find((q) => !q.prefetch && !q.stow) : undefined;
      const against = base ? relative(1 - seconds / mean(base.seconds), p.stow ? 'not storing' : 'one image at a time') : '—';
      const link = p.linkMBps === undefined ? 'loopback (not throttled)' : `${p.linkMBps} MB/s (${Math.round(p.linkMBps * 8)} Mbit/s)`;
      row([link, p.prefetch ? 'retrieved while one is segmented (default)' : 'retrieved at its turn (--no-prefetch)', p.stow ? 'stored (--stow), each beside the next loop' : 'written only', p.seconds.map((x) => x.toFixed(1)).join(', '), (seconds / p.loops).toFixed(2), fps((p.loops * p.framesPerLoop) / seconds), against]);
    }
    lines.push(
      '',
      `\`trus-seg segment\` (the shipped student, CPU defaults) on a study of ${first.loops} copies of the bench loop (${first.framesPerLoop} frames, JPEG Baseline, ${(first.bytesPerLoop / 1e6).toFixed(1)} MB each) in Orthanc on loopback, through a proxy that passes at most the link's bytes a second each way; with --stow the SEGs go back to the same Orthanc through it. Whole process: start and model load included. The rows of a link ran in turn, each try.`,
      '',
    );
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

/** Runs slower than this factor times another measure of the same thing were taken in a slow spell of the host. */
const SLOW_SPELL_FACTOR = 1.2;

/**
 * The profile's runs without the profiler against the model rows' median for the same model, 1
 * thread, batch 1 (the binary the build serves): when either runtime's is slower by more than
 * SLOW_SPELL_FACTOR, the model rows' figures, and what was slower.
 */
function slowUnprofiledRuns(r: Results, p: OperatorProfile, u: { native: number; wasm: number }): { modelRows: { native: number; wasm: number }; parts: string[] } | undefined {
  const native = nativeRow(r.models, p.model, 1);
  const wasm = wasmRow(r.models, p.model, 1, false);
  if (!native || !wasm) return undefined;
  const modelRows = { native: native.batch1.medianMs, wasm: wasm.batch1.medianMs };
  const parts = (['wasm', 'native'] as const)
    .filter((k) => u[k] > SLOW_SPELL_FACTOR * modelRows[k])
    .map((k) => `${k === 'wasm' ? 'WASM' : 'native'} ${ms(u[k], 2)} ms against ${ms(modelRows[k], 2)}`);
  return parts.length ? { modelRows, parts } : undefined;
}

/** The student's whole loops in the browser on WASM: the browser target's and the pipeline/model-only ratios' rows. */
function studentWasmBrowserLoops(r: Results): Results['pipeline'] {
  return r.pipeline.filter((p) => p.inBrowser && p.provider !== 'webgpu' && !p.standIn);
}

function targets(r: Results): string[] {
  const out = ['## Targets', ''];
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'missed');
  const browser = studentWasmBrowserLoops(r).map((p) => (1000 * p.frames) / p.totalMs);
  const bestBrowser = browser.length ? Math.max(...browser) : undefined;
  out.push(`- Student end to end in the browser with WASM ≥ 30 FPS: ${fps(bestBrowser)} FPS, ${verdict(bestBrowser === undefined ? undefined : bestBrowser >= 30)}`);
  const node = r.models.filter((m) => m.model === 'trus-student' && m.backend === 'node').map((m) => Math.max(m.batch1.fps, m.batch4.fps));
  const bestNode = node.length ? Math.max(...node) : undefined;
  out.push(`- Student model only in onnxruntime-node ≥ 150 FPS: ${fps(bestNode)} FPS, ${verdict(bestNode === undefined ? undefined : bestNode >= 150)}`);
  const worstRatio = (shipped: boolean) => {
    const ratios = [1, 2]
      .map((threads) => {
        const n = nativeRow(r.models, 'trus-student', threads);
        const w = wasmRow(r.models, 'trus-student', threads, shipped);
        return n && w ? Math.max(...againstNative(w, n)) : undefined;
      })
      .filter((x): x is number => x !== undefined);
    return ratios.length ? Math.max(...ratios) : undefined;
  };
  const worst = worstRatio(false);
  out.push(`- WASM within 3x of native (same threads, worst of batch 1/4): ${worst === undefined ? '—' : `${worst.toFixed(2)}x`}, ${verdict(worst === undefined ? undefined : worst <= 3)}`);
  const worstShipped = worstRatio(true);
  if (worstShipped !== undefined) out.push(`  - with onnxruntime-web's WASM binary as its package ships it (the build reorders its SGEMM loop, scripts/patch-ort-sgemm.mjs): ${worstShipped.toFixed(2)}x`);
  const p = r.profile;
  const slow = p?.simdPeak && p.unprofiledRunMs ? slowUnprofiledRuns(r, p, p.unprofiledRunMs) : undefined;
  const floor = p?.simdPeak ? simdFloor(p, slow?.modelRows) : undefined;
  if (floor) {
    const source = slow ? "; from the model rows' whole runs, the profile's own having fallen in a slow spell" : '';
    out.push(`  - what 128-bit WASM SIMD allows: ${floor.mulAddRatio.toFixed(2)}x at 1 thread, had every convolution run at its measured ceiling ("Where the time goes"${source})`);
  }
  // Every GPU measurement in the table, each against the target: Node's and Chromium's providers differ.
  const gpuModels = r.models.filter((m) => m.model === 'trus-student' && m.backend === 'webgpu' && !m.softwareAdapter);
  const gpuLoops = r.pipeline.filter((p) => p.provider === 'webgpu' && !p.softwareAdapter && !p.standIn);
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
