/** Locations inside the installed package, found from this file (dist/cli/paths.js). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function defaultModelPath(): string {
  return resolve(packageRoot, 'models/trus-student');
}
