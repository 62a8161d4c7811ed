// Model latency through onnxruntime-web's WebGPU execution provider, the build and the backend
// code the viewer runs (the engine's web backend: provider choice, WebGPU-vs-WASM self-check,
// output read back each batch), in Node on a machine without Chromium: WebGPU comes from dawn.node
// (the `webgpu` npm package, bench/device/dawnWebgpu.mjs). For the lent GPU machine
// (bench/device/gpu.sh); here it runs on Chromium's SwiftShader Vulkan driver, a software adapter,
// which is named as such so that its rows never pass for a GPU's. Prints one JSON object in the
// format of webgpu_node_latency.mjs (npm run bench -- --webgpu-web imports it); exit 3 when the
// backend would not run WebGPU (no adapter, or the self-check failed), with the reason.
//   node bench/webgpu_web_latency.mjs [--ort-web DIST] [--webgpu DIR] [--seconds S] [--warmup N] [--min-samples N] MODEL_DIR...
import { resolve } from 'node:path';
import { scriptArgs } from './device/scriptArgs.mjs';
import { installDawnWebgpu } from './device/dawnWebgpu.mjs';
import { loadWebModel, onnxruntimeWeb } from './device/webModel.mjs';
import { webgpuDevice } from './device/webgpuDevice.mjs';

const { args, take: option } = scriptArgs();
const ortDist = option('--ort-web', undefined);
const webgpuDir = option('--webgpu', undefined);
const seconds = Number(option('--seconds', '3'));
const warmup = Number(option('--warmup', '10'));
const minSamples = Math.max(1, Number(option('--min-samples', '30')));
const modelDirs = args.length ? args : ['models/trus-student', 'models/trus-teacher'];

const dawnVersion = await installDawnWebgpu(webgpuDir && resolve(webgpuDir));
const ortVersion = onnxruntimeWeb(ortDist).version;

async function measure(dir) {
  const model = await loadWebModel(dir, { ortDist });
  const { manifest, backend } = model;
  if (backend.provider !== 'webgpu') {
    await backend.dispose();
    return { noWebgpu: true, reason: backend.fallbackReason ?? 'the backend chose WASM' };
  }
  const [, c, h, w] = manifest.input.shape;
  const per = {};
  for (const batch of [1, 4]) {
    const input = Float32Array.from({ length: batch * c * h * w }, (_, i) => Math.sin(i * 0.01));
    for (let i = 0; i < warmup; i++) await backend.run(input, batch);
    const samples = [];
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000 || samples.length < minSamples) {
      const t = performance.now();
      await backend.run(input, batch);
      samples.push((performance.now() - t) / batch);
    }
    per[batch] = samples;
  }
  // A device lost while measuring would have moved the backend to WASM: those times are not WebGPU's.
  if (backend.provider !== 'webgpu') throw new Error(`${manifest.name}: the backend left WebGPU while measuring (${backend.fallbackReason})`);
  const adapter = backend.adapterName ?? 'unnamed adapter';
  await backend.dispose();
  return { model: manifest.name, adapter, maxAbsDiffVsCpu: backend.crossCheckMaxDiff, msPerFrame: per };
}

const rows = [];
for (const dir of modelDirs) {
  const r = await measure(resolve(dir));
  if (r.noWebgpu) {
    console.error(`no WebGPU: ${r.reason}`);
    process.exit(3);
  }
  rows.push(r);
}
// The adapter names itself through dawn.node; a software one (SwiftShader, lavapipe) is marked
// whatever the Vulkan driver files say.
const adapter = rows[0].adapter;
const software = /swiftshader|llvmpipe|lavapipe/i.test(adapter) || webgpuDevice().softwareAdapter;
console.log(
  JSON.stringify({
    runtime: `onnxruntime-web ${ortVersion} WebGPU EP, the viewer's backend, in Node (dawn.node ${dawnVersion})`,
    device: software ? `software adapter (${adapter}, CPU)` : adapter,
    softwareAdapter: software,
    reference: 'the WASM provider',
    node: process.version,
    rows: rows.map(({ adapter: _, ...row }) => row),
  }),
);
// dawn.node keeps the process alive after its last device is gone.
process.exit(0);
