// Model latency through onnxruntime's WebGPU execution provider in onnxruntime-node (Dawn over
// Vulkan), for a GPU machine that has neither Chromium nor the project's node_modules (the lent
// device: see bench/device/). Plain JavaScript on the built engine (dist/), so that a bare `node` runs it. Each model is first
// checked against the CPU provider on a fixed input, so a wrong-but-silent GPU path cannot pass as
// fast. Prints one JSON object with each batch size's per-frame times (npm run bench -- --webgpu-node
// turns them into the table's statistics, as for every other row); exit 3 when there is no WebGPU adapter.
// A software Vulkan driver (SwiftShader, lavapipe) is named as such and marked softwareAdapter, so
// that its rows can never pass for a GPU's.
//   node bench/webgpu_node_latency.mjs [--ort DIR] [--seconds S] [--warmup N] [--min-samples N] MODEL_DIR...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { webgpuDevice } from './device/webgpuDevice.mjs';
import { scriptArgs } from './device/scriptArgs.mjs';
// The engine's own self-check (built into dist/, which the kit carries): the same tolerance and difference as the CLI and the browser use.
import { CROSS_CHECK_TOLERANCE, maxAbsDifference } from '../dist/inference/providerCrossCheck.js';

const { args, take: option } = scriptArgs();
const ortDir = option('--ort', undefined);
const seconds = Number(option('--seconds', '3'));
const warmup = Number(option('--warmup', '10'));
const minSamples = Math.max(1, Number(option('--min-samples', '30')));
const modelDirs = args.length ? args : ['models/trus-student', 'models/trus-teacher'];
const require = createRequire(import.meta.url);
const ort = require(ortDir ? resolve(ortDir) : 'onnxruntime-node');
const ortVersion = JSON.parse(readFileSync(join(ortDir ? resolve(ortDir) : join(require.resolve('onnxruntime-node'), '../..'), 'package.json'), 'utf8')).version;

async function measure(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bytes = readFileSync(join(dir, manifest.file));
  const [, c, h, w] = manifest.input.shape;
  const input = (batch) => new ort.Tensor('float32', Float32Array.from({ length: batch * c * h * w }, (_, i) => Math.sin(i * 0.01)), [batch, c, h, w]);
  const cpu = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  let gpu;
  try {
    gpu = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
  } catch (err) {
    await cpu.release();
    const message = String(err instanceof Error ? err.message : err);
    // Only a missing adapter means "not measurable here"; any other failure is the model's or the provider's, and must show as one.
    if (!/Failed to get a WebGPU adapter/.test(message)) throw new Error(`${manifest.name}: onnxruntime's WebGPU provider cannot load the model: ${message}`);
    return { noAdapter: true, reason: message.split('\n').map((l) => l.trim()).filter(Boolean).pop() };
  }
  const probe = { [manifest.input.name]: input(2) };
  const expected = (await cpu.run(probe))[manifest.output.name].data;
  const actual = (await gpu.run(probe))[manifest.output.name].data;
  const maxAbsDiffVsCpu = maxAbsDifference(actual, expected);
  await cpu.release();
  if (!(maxAbsDiffVsCpu <= CROSS_CHECK_TOLERANCE)) throw new Error(`${manifest.name}: WebGPU output differs from the CPU provider's by ${maxAbsDiffVsCpu} (> ${CROSS_CHECK_TOLERANCE})`);
  const per = {};
  for (const batch of [1, 4]) {
    const feeds = { [manifest.input.name]: input(batch) };
    for (let i = 0; i < warmup; i++) await gpu.run(feeds);
    const samples = [];
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000 || samples.length < minSamples) {
      const t = performance.now();
      // Reading the output back is part of every frame's cost: the engine needs the logits on the CPU.
      await gpu.run(feeds);
      samples.push((performance.now() - t) / batch);
    }
    per[batch] = samples;
  }
  await gpu.release();
  return { model: manifest.name, maxAbsDiffVsCpu, msPerFrame: per };
}

const rows = [];
for (const dir of modelDirs) {
  const r = await measure(resolve(dir));
  if (r.noAdapter) {
    console.error(`no WebGPU adapter: ${r.reason}`);
    process.exit(3);
  }
  rows.push(r);
}
console.log(JSON.stringify({ runtime: `onnxruntime-node ${ortVersion} WebGPU EP (Dawn)`, ...webgpuDevice(), node: process.version, rows }));
