/**
 * The GPU rows' path from the lent GPU machine back into the table: bench/webgpu_node_latency.mjs
 * (model only) and bench/nodeLoopChild.mjs (a whole loop through the Node pipeline) on
 * onnxruntime-node's WebGPU provider; bench/webgpu_web_latency.mjs and nodeLoopChild.mjs
 * web-webgpu on onnxruntime-web's (the viewer's backend, WebGPU from dawn.node); then
 * `npm run bench -- --webgpu-node / --webgpu-web / --node-loop-gpu`'s imports. Without a GPU here, Dawn is given Chromium's SwiftShader Vulkan driver (a real Vulkan
 * implementation on the CPU), so the scripts' whole success path runs; their rows must come back
 * marked as a software adapter, which the targets never count as a GPU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importedNodeLoop, importedWebgpuRows } from '../../bench/importedRows.js';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'bench/webgpu_node_latency.mjs');
const LOOP = join(ROOT, 'bench/nodeLoopChild.mjs');
const DEMO = join(ROOT, 'demo/trus-demo-axial.dcm');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

jest.setTimeout(120000);

let dir: string;
let modelDir: string;
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/inference/engine.js'))) throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'trus-webgpu-node-'));
  modelDir = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 32, width: 48 }), ['N', 1, 32, 48]).dir;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runScript = (vulkanDriverFiles: string, script = SCRIPT) =>
  spawnSync(process.execPath, [script, '--warmup', '1', '--min-samples', '3', '--seconds', '0', modelDir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, VK_DRIVER_FILES: vulkanDriverFiles },
    timeout: 120000,
  });

test('Chromium ships the SwiftShader Vulkan driver this test gives Dawn', () => {
  expect(existsSync(SWIFTSHADER_ICD)).toBe(true);
});

test('on a software Vulkan adapter the script measures, checks against the CPU provider, and names the adapter as software', () => {
  const run = runScript(SWIFTSHADER_ICD);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const out = JSON.parse(run.stdout.trim()) as { runtime: string; device: string; softwareAdapter: boolean; rows: { model: string; maxAbsDiffVsCpu: number; msPerFrame: Record<string, number[]> }[] };
  expect(out.runtime).toMatch(/^onnxruntime-node \d+\.\d+\.\d+ WebGPU EP \(Dawn\)$/);
  expect(out.device).toBe('software Vulkan (libvk_swiftshader.so, CPU)');
  expect(out.softwareAdapter).toBe(true);
  expect(out.rows).toHaveLength(1);
  const [row] = out.rows;
  expect(row!.model).toBe('test-model');
  expect(row!.maxAbsDiffVsCpu).toBeLessThanOrEqual(1e-3);
  for (const batch of ['1', '4']) {
    expect(row!.msPerFrame[batch]!.length).toBeGreaterThanOrEqual(3);
    expect(row!.msPerFrame[batch]!.every((t) => t > 0)).toBe(true);
  }

  const file = join(dir, 'webgpu.json');
  writeFileSync(file, run.stdout);
  const [imported] = importedWebgpuRows(file);
  expect(imported!.backend).toBe('webgpu');
  expect(imported!.softwareAdapter).toBe(true);
  expect(imported!.runtime).toContain('WebGPU EP (Dawn), software Vulkan (libvk_swiftshader.so, CPU) (output within');
  expect(imported!.runtime).not.toContain("that GPU's machine");
  expect(imported!.batch1.samples).toBe(row!.msPerFrame['1']!.length);
  expect(imported!.batch4.medianMs).toBeGreaterThan(0);
});

test('without any Vulkan driver the script says there is no WebGPU adapter (exit 3) and prints no rows', () => {
  const run = runScript(join(dir, 'no-such-icd.json'));
  expect(run.status).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^no WebGPU adapter: .*Failed to get a WebGPU adapter/m);
});

test('the import refuses an empty file and a file of another script', () => {
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '');
  expect(() => importedWebgpuRows(empty)).toThrow(/is not the output of bench\/webgpu_node_latency\.mjs or bench\/webgpu_web_latency\.mjs \(no JSON in it/);
  const torch = join(dir, 'cuda.json');
  writeFileSync(torch, JSON.stringify({ torch: '2.11', device: 'NVIDIA H200', rows: [{ model: 'trus-student', threads: 0, batch: 1, samples: 30, medianMsPerFrame: 1, p95MsPerFrame: 1 }] }));
  expect(() => importedWebgpuRows(torch)).toThrow(/is not the output of bench\/webgpu_node_latency\.mjs or bench\/webgpu_web_latency\.mjs$/);
});

const WEB_SCRIPT = join(ROOT, 'bench/webgpu_web_latency.mjs');

test("onnxruntime-web's WebGPU provider through the viewer's backend in Node (dawn.node): measured, checked against WASM, named as software", () => {
  const run = runScript(SWIFTSHADER_ICD, WEB_SCRIPT);
  expect(run.status).toBe(0);
  const out = JSON.parse(run.stdout.trim()) as { runtime: string; device: string; softwareAdapter: boolean; reference: string; rows: { model: string; maxAbsDiffVsCpu: number; msPerFrame: Record<string, number[]> }[] };
  expect(out.runtime).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ WebGPU EP, the viewer's backend, in Node \(dawn\.node \d+\.\d+\.\d+\)$/);
  expect(out.device).toMatch(/^software adapter \(google swiftshader .*, CPU\)$/);
  expect(out.softwareAdapter).toBe(true);
  expect(out.reference).toBe('the WASM provider');
  const [row] = out.rows;
  expect(row!.model).toBe('test-model');
  // The backend's own self-check ran: a difference was measured, and it is within its tolerance.
  expect(row!.maxAbsDiffVsCpu).toBeGreaterThanOrEqual(0);
  expect(row!.maxAbsDiffVsCpu).toBeLessThanOrEqual(1e-3);
  for (const batch of ['1', '4']) expect(row!.msPerFrame[batch]!.length).toBeGreaterThanOrEqual(3);
  const file = join(dir, 'webgpu-web.json');
  writeFileSync(file, run.stdout);
  const [imported] = importedWebgpuRows(file);
  expect(imported).toMatchObject({ backend: 'webgpu', softwareAdapter: true, model: 'test-model' });
  expect(imported!.runtime).toMatch(/in Node \(dawn\.node [\d.]+\), software adapter \(google swiftshader .*\) \(output within \S+ of the WASM provider; measured on the machine that wrote it/);
});

test('without any Vulkan driver the web script says why it cannot run WebGPU (exit 3) and prints no rows', () => {
  const run = runScript(join(dir, 'no-such-icd.json'), WEB_SCRIPT);
  expect(run.status).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^no WebGPU: no WebGPU adapter is available$/m);
});

const runLoop = (provider: string, vulkanDriverFiles: string) =>
  spawnSync(process.execPath, [LOOP, DEMO, modelDir, 'worker', '1', provider], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, VK_DRIVER_FILES: vulkanDriverFiles },
    timeout: 120000,
  });

test('a whole loop through the Node pipeline on the WebGPU provider, imported as a software row', () => {
  const run = runLoop('webgpu', SWIFTSHADER_ICD);
  expect(run.status).toBe(0);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, any>;
  expect(out).toMatchObject({ frames: 72, provider: 'webgpu', device: 'software Vulkan (libvk_swiftshader.so, CPU)', softwareAdapter: true });
  expect(out.fallbackReason).toBeUndefined();
  expect(out.timings.inferenceMs).toBeGreaterThan(0);
  expect(out.timings.metricsIn).toBe('worker');
  const file = join(dir, 'node-loop.json');
  writeFileSync(file, run.stdout);
  const row = importedNodeLoop(file);
  expect(row).toMatchObject({ inBrowser: false, provider: 'webgpu', softwareAdapter: true, frames: 72, totalMs: out.totalMs });
  expect(row.where).toMatch(/^Node \(onnxruntime-node WebGPU EP, CLI pipeline\), software Vulkan \(libvk_swiftshader\.so, CPU\) \(measured on the machine that wrote it, imported from .*node-loop\.json\), masks and metrics in a worker$/);
});

test('a loop file of several tries imports as the median try, with every try\'s FPS; tries of different machines are refused', () => {
  const run = runLoop('webgpu', SWIFTSHADER_ICD);
  expect(run.status).toBe(0);
  const line = run.stdout.trim().split('\n').pop()!;
  const measured = JSON.parse(line) as Record<string, any>;
  // Three tries of one real loop, their times spread around it (the import orders them by FPS).
  const tries = [1.5, 1, 0.5].map((f) => ({ ...measured, totalMs: measured.totalMs * f, timings: { ...measured.timings, inferenceMs: measured.timings.inferenceMs * f } }));
  const file = join(dir, 'node-loop-tries.json');
  writeFileSync(file, tries.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const row = importedNodeLoop(file);
  expect(row.totalMs).toBe(measured.totalMs);
  expect(row.timings.inferenceMs).toBe(measured.timings.inferenceMs);
  expect(row.triesFps).toEqual(tries.map((t) => (1000 * measured.frames) / t.totalMs));
  const one = join(dir, 'node-loop-one.json');
  writeFileSync(one, line + '\n');
  expect(importedNodeLoop(one).triesFps).toBeUndefined();
  const mixed = join(dir, 'node-loop-mixed.json');
  writeFileSync(mixed, [line, JSON.stringify({ ...measured, device: 'another GPU' })].join('\n'));
  expect(() => importedNodeLoop(mixed)).toThrow(/its tries differ in frames, device or backend/);
});

test("a whole loop with the model on the viewer's backend (onnxruntime-web WebGPU via dawn.node), imported as a software row", () => {
  const run = runLoop('web-webgpu', SWIFTSHADER_ICD);
  expect(run.status).toBe(0);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, any>;
  expect(out).toMatchObject({ frames: 72, provider: 'webgpu', backend: 'onnxruntime-web', softwareAdapter: true });
  expect(out.device).toMatch(/^software adapter \(google swiftshader .*, CPU\)$/);
  expect(out.fallbackReason).toBeUndefined();
  expect(out.timings.metricsIn).toBe('worker');
  const file = join(dir, 'node-loop-web.json');
  writeFileSync(file, run.stdout);
  const row = importedNodeLoop(file);
  expect(row).toMatchObject({ provider: 'webgpu', softwareAdapter: true, frames: 72 });
  expect(row.where).toMatch(/^Node \(onnxruntime-web WebGPU EP, the viewer's backend, in the CLI pipeline \(WebGPU from dawn\.node\)\), software adapter \(google swiftshader .*\(measured on the machine that wrote it, imported from .*node-loop-web\.json\)/);
});

test('the loop import refuses a loop that ran on the CPU provider', () => {
  const run = runLoop('cpu', SWIFTSHADER_ICD);
  expect(run.status).toBe(0);
  const file = join(dir, 'node-loop-cpu.json');
  writeFileSync(file, run.stdout);
  expect(() => importedNodeLoop(file)).toThrow(/is not the output of bench\/nodeLoopChild\.mjs with the webgpu provider/);
  const empty = join(dir, 'node-loop-empty.json');
  writeFileSync(empty, '');
  expect(() => importedNodeLoop(empty)).toThrow(/no JSON in it/);
});
