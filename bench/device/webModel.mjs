// A model loaded as the viewer's segmentation worker loads it (manifest, weights checked against
// its sha256, the engine's onnxruntime-web backend with its provider choice and WebGPU-vs-WASM
// self-check, the declared shapes run once), but in Node: WebGPU from dawn.node
// (dawnWebgpu.mjs). Plain JavaScript on the built engine (dist/), for the lent GPU machine.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { manifestFromText, verifyWeights, checkDeclaredShapes } from '../../dist/inference/model.js';
import { createWebBackend } from '../../dist/web/webBackend.js';

/** onnxruntime-web's dist folder and version (`dir`: that folder; default: resolved from here). */
export function onnxruntimeWeb(dir) {
  const require = createRequire(import.meta.url);
  const dist = dir ? resolve(dir) : join(require.resolve('onnxruntime-web'), '..');
  const version = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')).version;
  return { dist, version };
}

/** `preference`: 'webgpu' takes any adapter (a software one in tests), 'auto' a hardware one only. */
export async function loadWebModel(modelDir, { ortDist, preference = 'webgpu' } = {}) {
  const { dist } = onnxruntimeWeb(ortDist);
  const manifestPath = join(resolve(modelDir), 'model.json');
  const manifest = manifestFromText(readFileSync(manifestPath, 'utf8'), manifestPath);
  const weightsPath = join(resolve(modelDir), manifest.file);
  const bytes = new Uint8Array(readFileSync(weightsPath));
  verifyWeights(manifest, bytes, weightsPath);
  const backend = await createWebBackend(bytes, manifest, weightsPath, {
    preference,
    // Always the WebGPU build, which runs WASM too: the device kit carries only that build's files.
    loadOrt: () => import(pathToFileURL(join(dist, 'ort.webgpu.min.mjs')).href),
    wasmPaths: `${dist}/`,
  });
  await checkDeclaredShapes(manifest, backend, weightsPath);
  return { manifest, backend, source: manifestPath };
}
