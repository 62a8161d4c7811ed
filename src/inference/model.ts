/** A model ready to run: its manifest, verified weights, and a backend whose shapes were checked. */
import { parseManifest, type ModelManifest } from './manifest.js';
import { sha256Hex } from '../util/sha256.js';
import { ModelLoadError, type InferenceBackend } from './backend.js';

export interface LoadedModel {
  manifest: ModelManifest;
  backend: InferenceBackend;
  /** Where the model came from, for messages. */
  source: string;
}

/** The manifest file's text (read from disk or fetched) -> a validated manifest. */
export function manifestFromText(text: string, source: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(`${source}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseManifest(json, source);
}

/** Refuses weights whose sha256 differs from the manifest's. */
export function verifyWeights(manifest: ModelManifest, bytes: Uint8Array, source: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== manifest.sha256) {
    throw new ModelLoadError(`${source}: weights sha256 ${actual} does not match the manifest's ${manifest.sha256} (corrupt or mismatched model file)`);
  }
}

/** Runs one zero frame and checks that the output has the declared spatial size. */
export async function checkDeclaredShapes(manifest: ModelManifest, backend: InferenceBackend, source: string): Promise<void> {
  const [, c, h, w] = manifest.input.shape;
  let out: Float32Array;
  try {
    out = await backend.run(new Float32Array(c * h * w), 1);
  } catch (err) {
    throw new ModelLoadError(`${source}: the model does not accept the declared input [1, ${c}, ${h}, ${w}]: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (out.length !== h * w) {
    throw new ModelLoadError(`${source}: output has ${out.length} values for one frame, the manifest declares ${h}x${w}`);
  }
  if (!out.every(Number.isFinite)) throw new ModelLoadError(`${source}: the model returns non-finite values on a zero input`);
}
