/**
 * WebGPU in Chromium, the lent GPU machine's path (bench/device/chromiumGpu.ts, run there by
 * gpu.sh chromium), and `npm run bench -- --chromium-gpu FILE`'s import of what it prints. This
 * machine has no GPU: with --software the script takes Chromium's SwiftShader adapter, so its whole
 * success path runs (a small model, model only and a whole loop through the browser pipeline), and
 * its rows must come back marked as a software adapter; without it, no flag set finds a hardware
 * adapter, which the script must say, with Chromium's own GPU report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importedChromiumGpu } from '../../bench/importedRows.js';
import { frameWorkerCounts, GPU_FLAG_SETS, type ChromiumGpuOutput } from '../../bench/chromiumGpu.js';
import { STAND_IN_LABEL } from '../../bench/standInModel.js';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'bench/device/chromiumGpu.ts');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const DEMO = join(ROOT, 'demo/trus-demo-axial.dcm');

jest.setTimeout(300000);

let dir: string;
let modelDir: string;
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/browser/trus-cine-seg.mjs'))) throw new Error('dist/browser is missing: run "npm run build" first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'trus-chromium-gpu-'));
  modelDir = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 32, width: 48 }), ['N', 1, 32, 48]).dir;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runScript = (...args: string[]) => spawnSync(TSX, [SCRIPT, DEMO, ...(args.includes('--tries') ? [] : ['--tries', '2']), ...args, modelDir], { cwd: ROOT, encoding: 'utf8', timeout: 280000 });

let software: ChromiumGpuOutput;
let softwareFile: string;

test('on a software adapter the script measures the model and whole loops through the browser pipeline, with and without frame workers, all marked as software', () => {
  // Two frame workers asked for: on two cores the engine's own choice beside WebGPU is none.
  const run = runScript('--software', '--frame-workers', '2,0');
  expect(run.status).toBe(0);
  software = JSON.parse(run.stdout.trim()) as ChromiumGpuOutput;
  expect(software.chromium).toMatch(/^Chromium \d+\./);
  expect(software.failure).toBeUndefined();
  expect(software.flags).toContain('--use-webgpu-adapter=swiftshader');
  expect(software.models).toHaveLength(1);
  expect(software.models[0]).toMatchObject({ model: 'test-model', backend: 'webgpu', softwareAdapter: true });
  expect(software.models[0]!.batch4.samples).toBeGreaterThanOrEqual(3);
  // Each try runs a loop with 2 frame workers, then one without.
  expect(software.pipeline).toHaveLength(4);
  software.pipeline.forEach((loop, i) => {
    expect(loop).toMatchObject({ inBrowser: true, provider: 'webgpu', softwareAdapter: true, frames: 72 });
    expect(loop.where).toMatch(/^Chromium, engine worker, WebGPU \(google swiftshader/);
    expect(loop.timings.preparedIn).toBe(i % 2 === 0 ? 'worker' : 'inline');
    expect(loop.where.endsWith(', frames decoded and pre-processed in 2 workers')).toBe(i % 2 === 0);
    expect(loop.timings.inferenceMs).toBeGreaterThan(0);
    expect(loop.firstMaskMs).toBeGreaterThan(0);
  });

  softwareFile = join(dir, 'chromium-gpu.json');
  writeFileSync(softwareFile, run.stdout);
  const imported = importedChromiumGpu(softwareFile);
  expect(imported.models[0]).toMatchObject({ backend: 'webgpu', softwareAdapter: true });
  expect(imported.models[0]!.runtime).toContain('measured on the machine that wrote it');
  expect(imported.models[0]!.runtime).not.toContain("that GPU's machine");
  // One row for each frame-worker count, the median of its two tries: the slower.
  expect(imported.loops).toHaveLength(2);
  imported.loops.forEach((loop, k) => {
    const tries = software.pipeline.filter((_, i) => i % 2 === k);
    const fps = tries.map((p) => (1000 * p.frames) / p.totalMs);
    expect(loop.triesFps).toEqual(fps);
    expect(loop.totalMs).toBe(tries[fps[0]! <= fps[1]! ? 0 : 1]!.totalMs);
    expect(loop).toMatchObject({ softwareAdapter: true, provider: 'webgpu' });
    expect(loop.where).toMatch(/\(measured on the machine that wrote it, Chromium \d+.*, imported from .*chromium-gpu\.json\)$/);
  });
  expect(imported.loops[0]!.where).toContain('frames decoded and pre-processed in 2 workers');
  expect(imported.loops[1]!.where).not.toContain('frames decoded and pre-processed');
});

test('with --stand-in the tries run again with the stand-in model in the first model\'s place, marked so, and the import keeps them apart', () => {
  const run = runScript('--software', '--tries', '1', '--frame-workers', '0', '--stand-in');
  expect(run.status).toBe(0);
  const out = JSON.parse(run.stdout.trim()) as ChromiumGpuOutput;
  expect(out.failure).toBeUndefined();
  expect(out.models).toHaveLength(1);
  expect(out.pipeline).toHaveLength(2);
  const [model, standIn] = out.pipeline;
  expect(model!.standIn).toBeUndefined();
  expect(model!.where.endsWith(STAND_IN_LABEL)).toBe(false);
  expect(standIn).toMatchObject({ standIn: true, provider: 'webgpu', softwareAdapter: true, frames: 72 });
  expect(standIn!.where).toBe(`${model!.where}, ${STAND_IN_LABEL}`);
  const file = join(dir, 'stand-in.json');
  writeFileSync(file, run.stdout);
  const imported = importedChromiumGpu(file);
  expect(imported.loops.map((l) => l.standIn === true)).toEqual([false, true]);
  expect(imported.loops[1]!.totalMs).toBe(standIn!.totalMs);
});

test('--frame-workers takes "auto" and whole numbers, nothing else', () => {
  expect(frameWorkerCounts('auto,0')).toEqual([undefined, 0]);
  expect(frameWorkerCounts('2, 4')).toEqual([2, 4]);
  expect(() => frameWorkerCounts('2,-1')).toThrow(/"-1" is neither "auto" nor a whole number of at least 0/);
  expect(() => frameWorkerCounts('two')).toThrow(/"two" is neither/);
  expect(() => frameWorkerCounts('2,')).toThrow(/"" is neither/);
});

test('the import refuses a loop that fell back to WASM, loops of different adapters, and a file without rows', () => {
  expect(software).toBeDefined();
  const write = (name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, `${JSON.stringify(value)}\n`);
    return file;
  };
  const [first, second] = software.pipeline;
  expect(() => importedChromiumGpu(write('wasm.json', { ...software, pipeline: [{ ...first, provider: 'wasm' }] }))).toThrow(/a loop ran on wasm, not WebGPU/);
  expect(() => importedChromiumGpu(write('mixed.json', { ...software, pipeline: [first, { ...second, where: 'Chromium, engine worker, WebGPU (another adapter)' }] }))).toThrow(/its loops differ in frames or adapter/);
  expect(() => importedChromiumGpu(write('none.json', { ...software, models: [], pipeline: [], failure: 'no WebGPU adapter' }))).toThrow(/Chromium found no WebGPU adapter there \(no WebGPU adapter\)/);
  expect(() => importedChromiumGpu(write('other.json', { torch: '2.11', device: 'NVIDIA H200', rows: [] }))).toThrow(/is not the output of bench\/device\/chromiumGpu\.ts/);
  const noLoop = importedChromiumGpu(write('no-loop.json', { ...software, pipeline: [], failure: 'the engine ran the loop on wasm' }));
  expect(noLoop.loops).toEqual([]);
  expect(noLoop.loopFailure).toBe('the engine ran the loop on wasm');
});

test('without a GPU no flag set finds a hardware adapter: exit 3, every set tried, with Chromium\'s GPU report', () => {
  const run = runScript();
  expect(run.status).toBe(3);
  const out = JSON.parse(run.stdout.trim()) as ChromiumGpuOutput;
  expect(out.models).toEqual([]);
  expect(out.pipeline).toEqual([]);
  // Every set was tried, in order, and each says why it gave no hardware adapter.
  const tried = out.failure!.split('; ');
  expect(tried).toHaveLength(GPU_FLAG_SETS.length);
  tried.forEach((t, i) => expect(t.endsWith(` (flags ${GPU_FLAG_SETS[i]!.join(' ')})`)).toBe(true));
  for (const t of tried) expect(t).toMatch(/^(only a software WebGPU adapter \(.*\)|no WebGPU adapter) \(flags /);
  // And what Chromium itself reports for each: its adapter answers, then chrome://gpu.
  expect(out.gpuReports!.map((r) => r.flags)).toEqual(GPU_FLAG_SETS.map((f) => [...f]));
  for (const r of out.gpuReports!) expect(r.summary).toMatch(/^requestAdapter: \{\}: .* \| WebGPU: /);
  expect(out.gpuPage).toMatch(/^requestAdapter: [^\n]*\nconsole: [^\n]*\nGraphics Feature Status/);
});
