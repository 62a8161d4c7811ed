/**
 * The GPU rows' path from the lent GPU machine back into the table: bench/webgpu_node_latency.mjs
 * through onnxruntime-node's WebGPU provider, then `npm run bench -- --webgpu-node`'s import.
 * Without a GPU here, Dawn is given Chromium's SwiftShader Vulkan driver (a real Vulkan
 * implementation on the CPU), so the script's whole success path runs; its rows must come back
 * marked as a software adapter, which the targets never count as a GPU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importedWebgpuNode } from '../../bench/importedRows.js';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'bench/webgpu_node_latency.mjs');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let dir: string;
let modelDir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trus-webgpu-node-'));
  modelDir = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 32, width: 48 }), ['N', 1, 32, 48]).dir;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runScript = (vulkanDriverFiles: string) =>
  spawnSync(process.execPath, [SCRIPT, '--warmup', '1', '--min-samples', '3', '--seconds', '0', modelDir], {
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
  const [imported] = importedWebgpuNode(file);
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
  expect(() => importedWebgpuNode(empty)).toThrow(/is not the output of bench\/webgpu_node_latency\.mjs \(no JSON in it/);
  const torch = join(dir, 'cuda.json');
  writeFileSync(torch, JSON.stringify({ torch: '2.11', device: 'NVIDIA H200', rows: [{ model: 'trus-student', threads: 0, batch: 1, samples: 30, medianMsPerFrame: 1, p95MsPerFrame: 1 }] }));
  expect(() => importedWebgpuNode(torch)).toThrow(/is not the output of bench\/webgpu_node_latency\.mjs$/);
});
