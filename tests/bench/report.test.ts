/** The benchmark's markdown: the targets' verdicts follow the figures of the run they render. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown, simdFloor, type Results } from '../../bench/report.js';
import { markStandIn, STAND_IN_LABEL } from '../../bench/standInModel.js';

const RUN = join(__dirname, '..', '..', 'bench', 'results', 'latest.json');

function run(): Results {
  return JSON.parse(readFileSync(RUN, 'utf8')) as Results;
}

/** The run with its rows' round-by-round medians taken out: for tests that set a row's medians by hand, which those would contradict. */
function runWithoutRounds(): Results {
  const r = run();
  for (const m of r.models) delete m.rounds;
  return r;
}

function targetLine(md: string, start: string): string {
  const line = md.split('\n').find((l) => l.startsWith(start));
  if (!line) throw new Error(`no line starting ${start}`);
  return line;
}

const WASM_TARGET = '- WASM within 3x of native';

describe('benchmark markdown', () => {
  test('the WASM ratio is the worst of 1 and 2 threads and batch 1 and 4, against 3x', () => {
    const r = run();
    const student = (backend: string, threads: number) => r.models.find((m) => m.model === 'trus-student' && m.backend === backend && m.threads === threads)!;
    for (const threads of [1, 2]) {
      student('wasm', threads).batch1.medianMs = 2.5 * student('node', threads).batch1.medianMs;
      student('wasm', threads).batch4.medianMs = 2.5 * student('node', threads).batch4.medianMs;
    }
    expect(targetLine(renderMarkdown(r), WASM_TARGET)).toMatch(/: 2\.50x, met$/);
    student('wasm', 2).batch4.medianMs = 3.2 * student('node', 2).batch4.medianMs;
    expect(targetLine(renderMarkdown(r), WASM_TARGET)).toMatch(/: 3\.20x, missed$/);
  });

  test('rows of onnxruntime-web\'s binary as shipped are compared, never judged: the verdict is the served binary\'s', () => {
    const r = runWithoutRounds();
    r.models = r.models.filter((m) => !m.shippedOrt);
    const served = (threads: number) => r.models.find((m) => m.model === 'trus-student' && m.backend === 'wasm' && m.threads === threads)!;
    const native = (threads: number) => r.models.find((m) => m.model === 'trus-student' && m.backend === 'node' && m.threads === threads)!;
    for (const threads of [1, 2]) {
      served(threads).batch1.medianMs = 2.5 * native(threads).batch1.medianMs;
      served(threads).batch4.medianMs = 2.5 * native(threads).batch4.medianMs;
    }
    const slower = (threads: number, factor: number) => {
      const row = served(threads);
      return { ...row, shippedOrt: true, batch1: { ...row.batch1, medianMs: factor * native(threads).batch1.medianMs }, batch4: { ...row.batch4, medianMs: factor * native(threads).batch4.medianMs } };
    };
    r.models.push(slower(1, 3.3), slower(2, 3.1));
    const md = renderMarkdown(r);
    expect(targetLine(md, WASM_TARGET)).toMatch(/: 2\.50x, met$/);
    expect(md).toContain("  - with onnxruntime-web's WASM binary as its package ships it (the build reorders its SGEMM loop, scripts/patch-ort-sgemm.mjs): 3.30x");
    expect(md).toContain("- trus-student, 1 thread(s): WASM/native 2.50x at batch 1, 2.50x at batch 4 (onnxruntime-web's binary as shipped: 3.30x and 3.30x)");
    r.models = r.models.filter((m) => !m.shippedOrt);
    const without = renderMarkdown(r);
    expect(without).not.toContain("with onnxruntime-web's WASM binary as its package ships it");
    expect(without).not.toContain("(onnxruntime-web's binary as shipped:");
  });

  test('rows of the WebGPU build\'s WASM provider (the fallback) get a ratio of their own, never the verdict', () => {
    const r = runWithoutRounds();
    r.models = r.models.filter((m) => !m.shippedOrt && !m.ortBuild);
    const served = (threads: number) => r.models.find((m) => m.model === 'trus-student' && m.backend === 'wasm' && m.threads === threads)!;
    const native = (threads: number) => r.models.find((m) => m.model === 'trus-student' && m.backend === 'node' && m.threads === threads)!;
    for (const threads of [1, 2]) {
      served(threads).batch1.medianMs = 2.5 * native(threads).batch1.medianMs;
      served(threads).batch4.medianMs = 2.5 * native(threads).batch4.medianMs;
    }
    const fallback = (threads: number, factor: number, shippedOrt: boolean) => {
      const row = served(threads);
      const at = (factor: number, stats: typeof row.batch1, nativeMs: number) => ({ ...stats, medianMs: factor * nativeMs });
      return { ...row, ortBuild: 'webgpu' as const, ...(shippedOrt ? { shippedOrt: true } : {}), batch1: at(factor, row.batch1, native(threads).batch1.medianMs), batch4: at(factor, row.batch4, native(threads).batch4.medianMs) };
    };
    // Ahead of the WASM build's rows, so that a look-up not told them apart would find them first.
    r.models.unshift(fallback(1, 3.6, false), fallback(1, 4.4, true), fallback(2, 3.5, false));
    const md = renderMarkdown(r);
    expect(targetLine(md, WASM_TARGET)).toMatch(/: 2\.50x, met$/);
    expect(md).not.toContain("(onnxruntime-web's binary as shipped:");
    expect(md).toContain('- trus-student, 1 thread(s): WASM/native 2.50x at batch 1, 2.50x at batch 4\n');
    expect(md).toContain('- trus-student, 1 thread(s): WASM in the WebGPU build (the fallback)/native 3.60x at batch 1, 3.60x at batch 4 (as shipped: 4.40x and 4.40x)\n');
    expect(md).toContain('- trus-student, 2 thread(s): WASM in the WebGPU build (the fallback)/native 3.50x at batch 1, 3.50x at batch 4\n');
  });

  test("the profile's table of WASM functions names their roles, and says when the binary is not one it knows", () => {
    const r = run();
    const functions = [
      { name: 'wasm-function[1422]', role: 'SGEMM kernel (C = AB)', share: 0.392 },
      { name: 'wasm-function[1709]', role: 'im2col', share: 0.123 },
      { name: 'JavaScript, the rest', share: 0.039 },
    ];
    r.profile!.wasmFunctions = { model: 'trus-student', samples: 17276, knownBinary: true, functions };
    const md = renderMarkdown(r);
    expect(md).toContain("Inside onnxruntime-web's WASM (trus-student, 1 thread, batch 1; Chromium's sampling profiler, 17,276 samples, self time; `bench/wasmFunctionProfile.ts`):");
    expect(md).toContain('| wasm-function[1422] | SGEMM kernel (C = AB) | 39.2% |\n| wasm-function[1709] | im2col | 12.3% |\n| JavaScript, the rest |  | 3.9% |');
    r.profile!.wasmFunctions = { model: 'trus-student', samples: 100, knownBinary: false, functions: [{ name: 'wasm-function[5]', share: 1 }] };
    expect(renderMarkdown(r)).toContain("not onnxruntime-web 1.30.0's binary, so its functions are not named");
  });

  test('without GPU rows the GPU target is not measured, and without WASM rows neither is the ratio', () => {
    const r = run();
    r.models = r.models.filter((m) => m.backend !== 'webgpu' && m.backend !== 'wasm');
    r.pipeline = r.pipeline.filter((p) => p.provider !== 'webgpu');
    const md = renderMarkdown(r);
    expect(targetLine(md, WASM_TARGET)).toMatch(/: —, not measured$/);
    expect(targetLine(md, '- WebGPU on an H100-class GPU')).toMatch(/not measured \(no GPU here\)$/);
  });

  test('rows measured in rounds show each round\'s median, and a ratio its lowest and highest round against round', () => {
    const r = runWithoutRounds();
    r.models = r.models.filter((m) => !m.shippedOrt && !m.ortBuild && m.backend !== 'webgpu');
    expect(renderMarkdown(r)).not.toContain('round by round');
    const row = (backend: string, threads: number) => r.models.find((m) => m.model === 'trus-student' && m.backend === backend && m.threads === threads)!;
    row('node', 1).rounds = { batch1MedianMs: [10, 12, 10], batch4MedianMs: [8, 8, 10] };
    row('wasm', 1).rounds = { batch1MedianMs: [24, 27.6, 26], batch4MedianMs: [20, 16, 25] };
    const md = renderMarkdown(r);
    const header = md.split('\n').find((l) => l.startsWith('| model | runtime |'))!;
    expect(header.endsWith('| batch 1 median ms, round by round |')).toBe(true);
    const cells = (line: string) => line.split(' | ');
    const nativeLine = md.split('\n').find((l) => l.startsWith('| trus-student | onnxruntime-node (CPU EP) | 1 |'))!;
    expect(cells(nativeLine).at(-1)).toBe('10.00, 12.00, 10.00 |');
    const teacherLine = md.split('\n').find((l) => l.startsWith('| trus-teacher | onnxruntime-node (CPU EP) | 1 |'))!;
    expect(cells(teacherLine).at(-1)).toBe('— |');
    const columns = cells(header).length;
    for (const line of md.split('\n').filter((l) => l.startsWith('| trus-'))) expect(cells(line)).toHaveLength(columns);
    // Round k against round k: 2.4, 2.3, 2.6 at batch 1; 2.5, 2.0, 2.5 at batch 4.
    expect(md).toMatch(/- trus-student, 1 thread\(s\): WASM\/native [\d.]+x at batch 1, [\d.]+x at batch 4 \(round by round 2\.30-2\.60x and 2\.00-2\.50x\)\n/);
    // Only one of the two rows in rounds: no spread.
    expect(md).toMatch(/- trus-student, 2 thread\(s\): WASM\/native [\d.]+x at batch 1, [\d.]+x at batch 4\n/);
  });

  test('the end-to-end target takes the best browser loop on WASM, not a GPU loop', () => {
    const r = run();
    const browser = r.pipeline.filter((p) => p.inBrowser && p.provider !== 'webgpu');
    expect(browser.length).toBeGreaterThan(0);
    for (const p of browser) p.totalMs = (1000 * p.frames) / 20;
    expect(targetLine(renderMarkdown(r), '- Student end to end in the browser with WASM')).toMatch(/: 20\.0 FPS, missed$/);
  });
  test('a loop with the stand-in model is in the table, marked, but counts for no target and no model-only ratio', () => {
    const r = run();
    const browser = r.pipeline.filter((p) => p.inBrowser && p.provider !== 'webgpu' && !p.standIn);
    for (const p of browser) p.totalMs = (1000 * p.frames) / 20;
    const gpu = r.pipeline.find((p) => p.provider === 'webgpu' && !p.softwareAdapter)!;
    expect(gpu).toBeDefined();
    // Each faster than its target, were it counted.
    const fast = (p: Results['pipeline'][number]) => markStandIn({ ...p, totalMs: (1000 * p.frames) / 500, triesFps: undefined });
    r.pipeline.push(fast(browser[0]!), fast(gpu));
    const md = renderMarkdown(r);
    expect(targetLine(md, '- Student end to end in the browser with WASM')).toMatch(/: 20\.0 FPS, missed$/);
    expect(md).not.toMatch(/end to end, [^\n]*1x1 convolution/);
    expect(md).not.toMatch(/1x1 convolution[^\n]*browser pipeline\/model only/);
    // Every stand-in loop in the table (the run's own and the two added), each marked.
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && l.includes(STAND_IN_LABEL));
    expect(rows).toHaveLength(r.pipeline.filter((p) => p.standIn).length);
    expect(rows.filter((row) => row.includes('| 500.0 |'))).toHaveLength(2);
    expect(md).toContain(`Rows with ${STAND_IN_LABEL}: the same loop and pipeline`);
  });

  test('runs without the profiler slower than the model rows by more than a fifth are called a slow spell, and the ceiling\'s estimate for the target is taken from the model rows', () => {
    const r = run();
    const p = r.profile!;
    const native = r.models.find((m) => m.model === p.model && m.backend === 'node' && m.threads === 1)!;
    const wasm = r.models.find((m) => m.model === p.model && m.backend === 'wasm' && m.threads === 1 && !m.shippedOrt && !m.ortBuild)!;
    // Within a fifth of the model rows: the profile's own runs, no note.
    p.unprofiledRunMs = { native: native.batch1.medianMs * 1.19, wasm: wasm.batch1.medianMs * 0.9 };
    let md = renderMarkdown(r);
    expect(md).not.toContain('These runs without the profiler were slower');
    const own = simdFloor(p);
    expect(targetLine(md, '  - what 128-bit WASM SIMD allows')).toBe(`  - what 128-bit WASM SIMD allows: ${own.mulAddRatio.toFixed(2)}x at 1 thread, had every convolution run at its measured ceiling ("Where the time goes")`);
    // WASM half as slow again: the note, and the target's estimate from the model rows.
    p.unprofiledRunMs = { native: native.batch1.medianMs, wasm: wasm.batch1.medianMs * 1.5 };
    md = renderMarkdown(r);
    expect(md).toContain(`(1 thread, batch 1: WASM ${(wasm.batch1.medianMs * 1.5).toFixed(2)} ms against ${wasm.batch1.medianMs.toFixed(2)}), by more than the 20%`);
    const fromRows = simdFloor(p, { native: native.batch1.medianMs, wasm: wasm.batch1.medianMs });
    expect(fromRows.mulAddRatio).toBeLessThan(simdFloor(p).mulAddRatio);
    expect(md).toContain(`with the model rows' figures in their place it is ${fromRows.mulAddMs.toFixed(2)} ms, ${fromRows.mulAddRatio.toFixed(2)}x native.`);
    expect(targetLine(md, '  - what 128-bit WASM SIMD allows')).toContain(`${fromRows.mulAddRatio.toFixed(2)}x at 1 thread`);
    expect(targetLine(md, '  - what 128-bit WASM SIMD allows')).toContain("from the model rows' whole runs, the profile's own having fallen in a slow spell");
    // Native slower too: both named.
    p.unprofiledRunMs = { native: native.batch1.medianMs * 1.3, wasm: wasm.batch1.medianMs * 1.5 };
    expect(renderMarkdown(r)).toMatch(/1 thread, batch 1: WASM [\d.]+ ms against [\d.]+; native [\d.]+ ms against [\d.]+\)/);
  });

  test('a PACS batch row says what retrieving ahead saved, or cost, against the same link one image at a time, and what storing the SEGs cost against not storing', () => {
    const r = run();
    const rows3 = (linkMBps: number | undefined, ahead: number[], atTurn: number[], stored: number[]) => [
      { linkMBps, prefetch: true, loops: 4, framesPerLoop: 300, bytesPerLoop: 8e6, seconds: ahead },
      { linkMBps, prefetch: false, loops: 4, framesPerLoop: 300, bytesPerLoop: 8e6, seconds: atTurn },
      { linkMBps, prefetch: true, stow: true, loops: 4, framesPerLoop: 300, bytesPerLoop: 8e6, seconds: stored },
    ];
    r.pacs = [...rows3(undefined, [17, 17], [16, 16], [18, 18]), ...rows3(3, [18, 20], [26, 28], [19, 21])];
    const rows = renderMarkdown(r).split('\n').filter((l) => l.startsWith('| loopback') || l.startsWith('| 3 MB/s'));
    expect(rows).toEqual([
      '| loopback (not throttled) | retrieved while one is segmented (default) | written only | 17.0, 17.0 | 4.25 | 70.6 | 6% more time than one image at a time |',
      '| loopback (not throttled) | retrieved at its turn (--no-prefetch) | written only | 16.0, 16.0 | 4.00 | 75.0 | — |',
      '| loopback (not throttled) | retrieved while one is segmented (default) | stored (--stow), each beside the next loop | 18.0, 18.0 | 4.50 | 66.7 | 6% more time than not storing |',
      '| 3 MB/s (24 Mbit/s) | retrieved while one is segmented (default) | written only | 18.0, 20.0 | 4.75 | 63.2 | 30% less time than one image at a time |',
      '| 3 MB/s (24 Mbit/s) | retrieved at its turn (--no-prefetch) | written only | 26.0, 28.0 | 6.75 | 44.4 | — |',
      '| 3 MB/s (24 Mbit/s) | retrieved while one is segmented (default) | stored (--stow), each beside the next loop | 19.0, 21.0 | 5.00 | 60.0 | 5% more time than not storing |',
    ]);
  });

  test('the memory table gains a PSS column when any row has one: Chromium\'s peak with its idle figure beside it, a dash where a row has none', () => {
    const r = run();
    const memoryRows = (md: string) => md.split('## Peak memory')[1]!.split('\n').filter((l) => l.startsWith('| '));
    for (const m of r.memory) {
      delete m.peakPssMb;
      delete m.idlePssMb;
    }
    expect(memoryRows(renderMarkdown(r))[0]).not.toMatch(/PSS/);
    const chromium = r.memory.findIndex((m) => m.where.startsWith('Chromium'));
    const node = r.memory.findIndex((m) => m.where.startsWith('Node'));
    r.memory[chromium]!.peakPssMb = 661.4;
    r.memory[chromium]!.idlePssMb = 383.2;
    const rows = memoryRows(renderMarkdown(r));
    expect(rows[0]).toMatch(/\| peak RSS MiB \| peak PSS MiB \(before the loop\) \|/);
    expect(rows[2 + chromium]!.split(' | ')[3]).toBe('661 (383)');
    expect(rows[2 + node]!.split(' | ')[3]).toBe('—');
    r.memory[node]!.peakPssMb = 219;
    expect(memoryRows(renderMarkdown(r))[2 + node]!.split(' | ')[3]).toBe('219');
  });
});
