// Loads a model through the engine's web backend (onnxruntime-web's WebGPU build, WebGPU from
// dawn.node, as bench/device/webModel.mjs does) on a navigator.gpu that answers a request without a
// power preference with null (a fault this machine cannot cause for real; headless Chromium on the
// lent H200 answered some requests with null, 2026-12-04): only the high-performance request gives
// the adapter. Prints one JSON line for tests/web/chosenAdapter.test.ts.
// Usage: node chosenAdapterRun.mjs MODEL_DIR
import { installDawnWebgpu } from '../../bench/device/dawnWebgpu.mjs';
import { loadWebModel } from '../../bench/device/webModel.mjs';

await installDawnWebgpu();
const gpu = globalThis.navigator.gpu;
const requests = [];
const requestAdapter = gpu.requestAdapter.bind(gpu);
Object.defineProperty(gpu, 'requestAdapter', {
  value: async (options = {}) => {
    requests.push(options.powerPreference ?? 'none');
    return options.powerPreference === 'high-performance' ? requestAdapter(options) : null;
  },
});
const { backend } = await loadWebModel(process.argv[2], { preference: 'webgpu' });
console.log(JSON.stringify({ provider: backend.provider, fallbackReason: backend.fallbackReason ?? null, adapterName: backend.adapterName ?? null, requests }));
await backend.dispose();
process.exit(0);
