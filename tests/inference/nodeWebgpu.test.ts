/**
 * onnxruntime-node's WebGPU provider behind the engine and `trus-seg segment --provider webgpu`.
 * Without a GPU here, Dawn is given Chromium's SwiftShader Vulkan driver (a real Vulkan
 * implementation on the CPU) through VK_DRIVER_FILES, so the whole path runs: session, self-check
 * against the CPU provider, the loop, the SEG. The driver is chosen when Dawn starts, once per
 * process, so every run here is a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../../src/dicom/cineImage.js';
import { readSegmentation } from '../../src/dicom/segmentationReader.js';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';
import { dciodvfy, tempDir } from '../helpers/tools.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '../..');
const CLI = resolve(ROOT, 'dist/cli/main.js');
const RUN = resolve(ROOT, 'tests/helpers/nodeWebgpuRun.mjs');
const DEMO = resolve(ROOT, 'demo/trus-demo-axial.dcm');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const demo = CineImage.fromPart10(readFileSync(DEMO), DEMO);

const dir = tempDir('node-webgpu-');
const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64], { name: 'tiny-net', version: '1.2.3' });
const NO_DRIVER = join(dir, 'no-such-icd.json');

function node(args: string[], vulkanDriverFiles: string) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, VK_DRIVER_FILES: vulkanDriverFiles }, timeout: 170000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface EngineRun {
  loadedOn: string;
  provider: string;
  fallbackReason?: string;
  providerChangedAtFrame?: number;
  areas: number[];
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  expect(existsSync(SWIFTSHADER_ICD)).toBe(true);
});

test('the engine on the WebGPU provider gives the CPU provider\'s masks, frame for frame', () => {
  const r = node([RUN, DEMO, model.dir], SWIFTSHADER_ICD);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout.trim()) as { gpu: EngineRun; cpu: EngineRun; frames: number; differingMasks: number };
  expect(out.gpu).toMatchObject({ loadedOn: 'webgpu', provider: 'webgpu' });
  expect(out.gpu.fallbackReason).toBeUndefined();
  expect(out.gpu.providerChangedAtFrame).toBeUndefined();
  expect(out.cpu.provider).toBe('cpu');
  expect(out.frames).toBe(72);
  expect(out.differingMasks).toBe(0);
  expect(out.gpu.areas).toEqual(out.cpu.areas);
  expect(out.cpu.areas.some((a) => a > 0)).toBe(true);
});

test('a WebGPU run that fails mid-loop is re-run on the CPU, which finishes the loop with the same masks', () => {
  // onnxruntime-node cannot lose its device on request, so the backend's testing aid makes the
  // fourth batch's WebGPU run fail as a lost device's would (the load-time shape check is the first).
  const r = node([RUN, DEMO, model.dir, '3'], SWIFTSHADER_ICD);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout.trim()) as { gpu: EngineRun; cpu: EngineRun; frames: number; differingMasks: number };
  expect(out.gpu.loadedOn).toBe('webgpu');
  expect(out.gpu.provider).toBe('cpu');
  expect(out.gpu.providerChangedAtFrame).toBe(9);
  expect(out.gpu.fallbackReason).toBe('WebGPU run failed (the WebGPU device was lost (simulated by failWebgpuAfterBatches)); continued on the CPU provider');
  expect(out.differingMasks).toBe(0);
});

test('trus-seg segment --provider webgpu writes a valid SEG and says which provider ran', () => {
  const out = join(dir, 'out-webgpu');
  const r = node([CLI, 'segment', DEMO, '--model', model.dir, '--out', out, '--provider', 'webgpu'], SWIFTSHADER_ICD);
  expect(r.stderr).toMatch(/model tiny-net 1\.2\.3 \(webgpu\)/);
  expect(r.code).toBe(0);
  const segPath = join(out, `${demo.sopInstanceUID}.seg.dcm`);
  const seg = readFileSync(segPath);
  expect(dciodvfy(seg).errors).toEqual([]);
  expect(readSegmentation(seg, segPath).frames).toHaveLength(72);
  const report = JSON.parse(readFileSync(join(out, `${demo.sopInstanceUID}.report.json`), 'utf8'));
  expect(report.provider).toBe('webgpu');
  expect(report.warnings).toEqual([]);

  const cpuOut = join(dir, 'out-cpu');
  expect(node([CLI, 'segment', DEMO, '--model', model.dir, '--out', cpuOut], SWIFTSHADER_ICD).code).toBe(0);
  const cpuReport = JSON.parse(readFileSync(join(cpuOut, `${demo.sopInstanceUID}.report.json`), 'utf8'));
  expect(cpuReport.provider).toBe('cpu');
  expect(report.frames.map((f: { area: number }) => f.area)).toEqual(cpuReport.frames.map((f: { area: number }) => f.area));
});

test('--provider webgpu without a usable adapter is refused with the reason, before anything is written', () => {
  const out = join(dir, 'out-no-adapter');
  const r = node([CLI, 'segment', DEMO, '--model', model.dir, '--out', out, '--provider', 'webgpu'], NO_DRIVER);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: .*model\.onnx: onnxruntime's WebGPU provider cannot run here \(Failed to get a WebGPU adapter: No supported adapters\); use the CPU provider instead/);
  expect(existsSync(out)).toBe(false);
});

test('--provider accepts cpu and webgpu only', () => {
  const r = node([CLI, 'segment', DEMO, '--model', model.dir, '--out', join(dir, 'unused'), '--provider', 'cuda'], SWIFTSHADER_ICD);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--provider must be cpu or webgpu, got "cuda"');
});
