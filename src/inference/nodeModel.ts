/** Loads `models/<name>/model.json` and its ONNX file from disk into a checked onnxruntime-node model. Node only. */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ModelLoadError } from './backend.js';
import { createNodeBackend, type NodeBackendOptions } from './nodeBackend.js';
import { checkDeclaredShapes, manifestFromText, verifyWeights, type LoadedModel } from './model.js';

/** Accepts a model folder or the path of its model.json. */
export async function loadNodeModel(path: string, options: NodeBackendOptions = {}): Promise<LoadedModel> {
  let manifestPath = resolve(path);
  try {
    if ((await stat(manifestPath)).isDirectory()) manifestPath = join(manifestPath, 'model.json');
  } catch {
    throw new ModelLoadError(`${path}: no such model (expected a folder with model.json, or a model.json path)`);
  }
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new ModelLoadError(`${manifestPath}: missing model manifest`);
  }
  const manifest = manifestFromText(text, manifestPath);
  const weightsPath = join(dirname(manifestPath), manifest.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(weightsPath));
  } catch {
    throw new ModelLoadError(`${weightsPath}: the weights file named by the manifest is missing`);
  }
  verifyWeights(manifest, bytes, weightsPath);
  const backend = await createNodeBackend(bytes, manifest, weightsPath, options);
  await checkDeclaredShapes(manifest, backend, weightsPath);
  return { manifest, backend, source: manifestPath };
}
