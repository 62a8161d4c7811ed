// WebGPU for Node from dawn.node (the `webgpu` npm package), so that onnxruntime-web's WebGPU
// execution provider (the build the viewer loads) and the engine's web backend run on a GPU
// machine that has no Chromium (the lent device: see bench/device/). Plain JavaScript: a bare
// `node` runs it there.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Installs `navigator.gpu` and the WebGPU globals (GPUBufferUsage...) in this process. `dir`: the
 * webgpu package's folder (default: resolved from here). Returns the package's version.
 */
export async function installDawnWebgpu(dir) {
  const require = createRequire(import.meta.url);
  const root = dir ?? join(require.resolve('webgpu'), '..');
  const { create, globals } = await import(pathToFileURL(join(root, 'index.js')).href);
  Object.assign(globalThis, globals);
  // onnxruntime-web's threaded WASM keeps its heap in a SharedArrayBuffer and writes GPU buffers
  // straight from views of it; dawn.node refuses such views ("Invalid argument"), a browser takes
  // them. A copy into an ordinary buffer gives dawn.node the same bytes.
  const queue = globals.GPUQueue.prototype;
  const writeBuffer = queue.writeBuffer;
  queue.writeBuffer = function (buffer, offset, data, dataOffset, size) {
    if (data instanceof SharedArrayBuffer) data = new Uint8Array(data).slice().buffer;
    else if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      // The same type over an ordinary copy: dataOffset and size keep their meaning (elements of a
      // typed array, bytes of a DataView).
      const copy = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
      data = data instanceof DataView ? new DataView(copy) : new data.constructor(copy);
    }
    return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
  };
  const gpu = create([]);
  // Node 21+ has a navigator without gpu; Node 20 has none.
  if (globalThis.navigator) Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  else globalThis.navigator = { gpu, hardwareConcurrency: availableParallelism() };
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}
