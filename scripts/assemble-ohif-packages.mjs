// Completes the two npm packages that webpack.config.js bundles into dist/packages/ (for sites
// that build OHIF themselves): package.json with peer dependencies, README, the type declarations
// tsc wrote to dist/ohif, and for the extension the runtime files its worker loads (ort/, codec
// .wasm) and the models with their card. `npm pack dist/packages/<name>` then gives the tarball.
// Layout of the extension package: dist/ (index.mjs, trus-seg-worker.mjs, chunks, ort/, *.wasm),
// models/ (as the viewer assembly: ../models/ from the bundle's folder), types/.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedModelNames } from './shippedModels.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'dist/packages');
const rootPackage = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
// Read, not imported: importing fetch-ohif-app.mjs would run its download.
const OHIF_APP_VERSION = /OHIF_APP_VERSION = '([^']+)'/.exec(readFileSync(resolve(root, 'scripts/fetch-ohif-app.mjs'), 'utf8'))?.[1];

/** The host versions this was built and tested against (the prebuilt viewer of scripts/fetch-ohif-app.mjs). */
const HOST_PEERS = {
  '@ohif/core': '>=3.13.0-0 <4',
  '@cornerstonejs/core': '^5.0.0',
  '@cornerstonejs/tools': '^5.0.0',
};
const REACT_PEERS = { react: '^18.2.0', 'react-dom': '^18.2.0' };

function fail(message) {
  console.error(`assemble-ohif-packages: ${message}`);
  process.exit(1);
}

/** Copies the .d.ts files under dist/ohif/<from> into <to>, keeping the tree (relative imports stay valid). */
function copyDeclarations(from, to) {
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.d.ts')) {
        const target = join(to, relative(resolve(root, 'dist/ohif'), path));
        mkdirSync(dirname(target), { recursive: true });
        cpSync(path, target);
      }
    }
  };
  walk(resolve(root, 'dist/ohif', from));
}

function writePackage(dir, manifest, readme) {
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(readme, join(dir, 'README.md'));
}

const common = {
  version: rootPackage.version,
  license: rootPackage.license,
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20' },
};

export function assembleOhifPackages() {
  for (const name of ['trus-cine-seg-extension', 'trus-cine-seg-mode']) {
    if (!existsSync(join(out, name, 'dist/index.mjs'))) fail(`${name}/dist/index.mjs is missing: run webpack first (npm run build)`);
  }

  const extension = join(out, 'trus-cine-seg-extension');
  cpSync(resolve(root, 'dist/browser/ort'), join(extension, 'dist/ort'), { recursive: true });
  for (const file of readdirSync(resolve(root, 'dist/browser'))) {
    if (file.endsWith('.wasm')) cpSync(resolve(root, 'dist/browser', file), join(extension, 'dist', file));
  }
  // A model since removed from models/ must not linger from an earlier build.
  rmSync(join(extension, 'models'), { recursive: true, force: true });
  for (const model of shippedModelNames(root)) cpSync(resolve(root, 'models', model), join(extension, 'models', model), { recursive: true });
  cpSync(resolve(root, 'models/README.md'), join(extension, 'models/README.md'));
  // Engine declarations first (the extension's import them by relative path), then the extension's.
  copyDeclarations('src', join(extension, 'types'));
  copyDeclarations('extension/src', join(extension, 'types'));
  // dcmjs is bundled, not a dependency: its ambient declarations travel with the types, referenced
  // from the entry so that consumers' TypeScript sees them (tsc does not copy hand-written .d.ts).
  cpSync(resolve(root, 'src/types'), join(extension, 'types/src/types'), { recursive: true });
  const entryTypes = join(extension, 'types/extension/src/index.d.ts');
  const references = readdirSync(resolve(root, 'src/types')).map((file) => `/// <reference path="../../src/types/${file}" />\n`).join('');
  writeFileSync(entryTypes, references + readFileSync(entryTypes, 'utf8'));
  writePackage(
    extension,
    {
      name: 'trus-cine-seg-extension',
      ...common,
      description: 'OHIF extension: temporally consistent prostate segmentation of TRUS cine loops in the browser, temporal-consistency panel, DICOM SEG export (research use only; models trained on simulated data).',
      keywords: ['ohif-extension', 'ohif', 'ultrasound', 'trus', 'segmentation', 'dicom-seg'],
      module: 'dist/index.mjs',
      main: 'dist/index.mjs',
      types: 'types/extension/src/index.d.ts',
      exports: { '.': { types: './types/extension/src/index.d.ts', import: './dist/index.mjs' }, './package.json': './package.json', './dist/*': './dist/*', './models/*': './models/*' },
      files: ['dist', 'models', 'types', 'README.md'],
      peerDependencies: { ...HOST_PEERS, ...REACT_PEERS },
      ohif: { testedWith: `@ohif/app ${OHIF_APP_VERSION}` },
    },
    resolve(root, 'extension/README.md'),
  );

  const mode = join(out, 'trus-cine-seg-mode');
  copyDeclarations('modes/src', join(mode, 'types'));
  writePackage(
    mode,
    {
      name: 'trus-cine-seg-mode',
      ...common,
      description: 'OHIF mode "TRUS Cine Segmentation": one cine viewport, the temporal-consistency panel and the labelmap tools (research use only).',
      keywords: ['ohif-mode', 'ohif', 'ultrasound', 'trus', 'segmentation'],
      module: 'dist/index.mjs',
      main: 'dist/index.mjs',
      types: 'types/modes/src/index.d.ts',
      exports: { '.': { types: './types/modes/src/index.d.ts', import: './dist/index.mjs' }, './package.json': './package.json' },
      files: ['dist', 'types', 'README.md'],
      peerDependencies: { '@ohif/core': HOST_PEERS['@ohif/core'], 'trus-cine-seg-extension': rootPackage.version },
    },
    resolve(root, 'modes/README.md'),
  );
  console.log(`assemble-ohif-packages: dist/packages/trus-cine-seg-extension and dist/packages/trus-cine-seg-mode ${rootPackage.version}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) assembleOhifPackages();
