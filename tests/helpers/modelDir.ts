/** Writes a model folder (model.onnx + model.json manifest) as the engine expects it. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ModelFolder {
  dir: string;
  manifestPath: string;
  weightsPath: string;
  manifest: Record<string, any>;
}

export function writeModelFolder(dir: string, onnx: Uint8Array, shape: [number | string, number, number, number], overrides: Record<string, unknown> = {}): ModelFolder {
  mkdirSync(dir, { recursive: true });
  const weightsPath = join(dir, 'model.onnx');
  writeFileSync(weightsPath, onnx);
  const manifest = {
    name: 'test-model',
    version: '0.0.1',
    file: 'model.onnx',
    sha256: createHash('sha256').update(onnx).digest('hex'),
    input: { name: 'input', shape },
    output: { name: 'output', kind: 'logits' },
    normalisation: { mean: 0, std: 1 },
    crop: 'ultrasound-region',
    threshold: 0.5,
    trainedOn: 'nothing (a test model)',
    ...overrides,
  };
  const manifestPath = join(dir, 'model.json');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return { dir, manifestPath, weightsPath, manifest };
}
