/** A model folder as a benchmark page fetches it: /model/model.json and its weights beside it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function servedModel(modelDir: string): { name: string; files: Record<string, string | Uint8Array> } {
  const manifestText = readFileSync(join(modelDir, 'model.json'), 'utf8');
  const manifest = JSON.parse(manifestText) as { name: string; file: string };
  return { name: manifest.name, files: { '/model/model.json': manifestText, [`/model/${manifest.file}`]: readFileSync(join(modelDir, manifest.file)) } };
}
