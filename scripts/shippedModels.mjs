// The shipped models: every folder of models/ with a model.json, so that the viewer assembly and
// the npm package carry the same set as the folder.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export function shippedModelNames(root) {
  const models = resolve(root, 'models');
  return readdirSync(models, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(resolve(models, d.name, 'model.json')))
    .map((d) => d.name)
    .sort();
}
