// Runs the built engine (dist/) on onnxruntime-node's WebGPU provider and on its CPU provider, and
// prints one JSON line for tests/inference/nodeWebgpu.test.ts. A child process because the Vulkan
// driver is chosen by the environment when Dawn starts, once per process.
// Usage: node nodeWebgpuRun.mjs CINE MODEL_DIR [FAIL_WEBGPU_AFTER_BATCHES]
import { readFileSync } from 'node:fs';
import { CineImage } from '../../dist/dicom/cineImage.js';
import { loadNodeModel } from '../../dist/inference/nodeModel.js';
import { segmentCine } from '../../dist/inference/engine.js';

const [cinePath, modelDir, failAfter] = process.argv.slice(2);
const cine = CineImage.fromPart10(readFileSync(cinePath), cinePath);

async function run(options) {
  const model = await loadNodeModel(modelDir, { threads: 1, ...options });
  const loadedOn = model.backend.provider;
  try {
    const r = await segmentCine(cine, model, { batchSize: 4 });
    return { loadedOn, provider: r.provider, fallbackReason: r.fallbackReason, providerChangedAtFrame: r.providerChangedAtFrame, masks: r.masks.map((m) => Buffer.from(m.unpack()).toString('base64')), areas: r.frames.map((f) => f.area) };
  } finally {
    await model.backend.dispose();
  }
}

const gpu = await run({ provider: 'webgpu', ...(failAfter ? { failWebgpuAfterBatches: Number(failAfter) } : {}) });
const cpu = await run({ provider: 'cpu' });
const differingMasks = gpu.masks.filter((m, i) => m !== cpu.masks[i]).length;
console.log(JSON.stringify({ gpu: { ...gpu, masks: undefined }, cpu: { ...cpu, masks: undefined }, frames: cpu.masks.length, differingMasks }));
