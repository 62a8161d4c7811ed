// Builds the browser side of trus-cine-seg as ES modules.
// Now: the engine bundle (dist/browser/trus-cine-seg.mjs) with the codec .wasm files beside it.
// The OHIF extension and mode bundles, and the assembled viewer, are added with the viewer.
import { createRequire } from 'node:module';
import { dirname, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, 'dist/browser');

const CODEC_WASM = [
  '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
  '@cornerstonejs/codec-charls/decodewasm',
  '@cornerstonejs/codec-openjpeg/decodewasm',
];

/** Emscripten looks its .wasm up at run time, which a bundler cannot follow: copy them beside the bundle. */
class CopyCodecWasm {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyCodecWasm', () => {
      mkdirSync(out, { recursive: true });
      for (const id of CODEC_WASM) {
        const file = require.resolve(id);
        copyFileSync(file, resolve(out, basename(file)));
      }
    });
  }
}

export default {
  mode: 'production',
  target: 'web',
  entry: { 'trus-cine-seg': resolve(here, 'dist/index.js') },
  experiments: { outputModule: true },
  output: {
    path: out,
    filename: '[name].mjs',
    chunkFilename: '[name].chunk.mjs',
    module: true,
    library: { type: 'module' },
    clean: true,
  },
  resolve: {
    // Node-only branches of dependencies (the XMLHttpRequest polyfill, Emscripten's file loading).
    alias: { xhr2: false },
    fallback: { fs: false, path: false, crypto: false, url: false, module: false, worker_threads: false },
  },
  performance: { hints: false },
  devtool: 'source-map',
  plugins: [new CopyCodecWasm()],
};
