// Builds the browser side of trus-cine-seg as ES modules.
// Now: the engine bundle (dist/browser/trus-cine-seg.mjs), the segmentation worker
// (trus-seg-worker.mjs) and the metrics and frame workers it starts (trus-metrics-worker.mjs,
// trus-frame-worker.mjs), the codec .wasm files beside them and onnxruntime-web's files in ort/
// (its WASM binaries with the SGEMM loop reordered, and the WASM build's with a direct 3x3
// convolution: scripts/patch-ort-sgemm.mjs, scripts/ort-direct-conv.mjs).
// onnxruntime-web is not bundled: the worker imports its prebuilt ES module from ort/ at run time,
// because its own worker threads and .wasm lookups must resolve next to the real file.
// The OHIF extension and mode bundles (trus-cine-seg-extension.mjs, trus-cine-seg-mode.mjs, from
// tsc's dist/ohif) sit beside them, and after the build the served viewer is assembled in
// dist/viewer (scripts/assemble-viewer.mjs: the prebuilt OHIF dist, import map, models, demo).
import { createRequire } from 'node:module';
import { dirname, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { assembleViewer } from './scripts/assemble-viewer.mjs';
import { patchOrtSgemm } from './scripts/patch-ort-sgemm.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, 'dist/browser');

const CODEC_WASM = [
  '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
  '@cornerstonejs/codec-charls/decodewasm',
  '@cornerstonejs/codec-openjpeg/decodewasm',
];

// The package's exports hide its folder; its require entry (dist/ort.min.js) sits beside the files.
const ORT_DIR = dirname(require.resolve('onnxruntime-web'));
const ORT_FILES = [
  'ort.webgpu.min.mjs',
  'ort.wasm.min.mjs',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];

/** Emscripten looks its .wasm up at run time, which a bundler cannot follow: copy them beside the bundle. */
class CopyRuntimeFiles {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyRuntimeFiles', () => {
      mkdirSync(resolve(out, 'ort'), { recursive: true });
      for (const id of CODEC_WASM) {
        const file = require.resolve(id);
        copyFileSync(file, resolve(out, basename(file)));
      }
      for (const name of ORT_FILES) copyFileSync(resolve(ORT_DIR, name), resolve(out, 'ort', name));
      // Both binaries with their SGEMM loop kept in registers (see the script): the WASM build's, and
      // the WebGPU build's, whose WASM provider takes over when WebGPU falls back. The WASM build's
      // also convolves 3x3 directly, without im2col (scripts/ort-direct-conv.mjs).
      for (const name of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.wasm']) {
        const result = patchOrtSgemm(readFileSync(resolve(ORT_DIR, name)));
        writeFileSync(resolve(out, 'ort', name), result.bytes);
        console.log(result.skipped ? `ort/${name}: as onnxruntime-web ships it (${result.skipped})` : `ort/${name}: ${result.patched.join('; ')} (scripts/patch-ort-sgemm.mjs)`);
      }
      assembleViewer({ root: here, browserDir: out });
    });
  }
}

// Terser's default turns a function called once into a function expression at its call site: V8
// then makes a fresh closure per call, and hot loops in such closures (the optical flow, the
// confidence map) were compiled on stack again on every frame (Chromium spent 4.4 s of a 10 s
// loop in background Turbofan jobs, competing with inference on two cores).
const optimization = { minimizeOptions: { javascript: { compress: { passes: 2, reduce_funcs: false } } } };

const viewerBuild = {
  name: 'viewer',
  mode: 'production',
  target: 'web',
  entry: {
    'trus-cine-seg': resolve(here, 'dist/web/index.js'),
    'trus-seg-worker': resolve(here, 'dist/web/segmentationWorker.js'),
    'trus-metrics-worker': resolve(here, 'dist/web/metricsWorker.js'),
    'trus-frame-worker': resolve(here, 'dist/web/frameWorker.js'),
    'trus-cine-seg-extension': resolve(here, 'dist/ohif/extension/src/index.js'),
    'trus-cine-seg-mode': resolve(here, 'dist/ohif/modes/src/index.js'),
  },
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
  // Keep import.meta.url as the served bundle's URL (the worker and ort/ are found beside it).
  module: { parser: { javascript: { importMeta: false } } },
  optimization,
  performance: { hints: false },
  devtool: 'source-map',
  plugins: [new CopyRuntimeFiles()],
};

// The npm packages for sites that build OHIF themselves (scripts/assemble-ohif-packages.mjs adds
// package.json, types, the runtime files and the models): same code, React left to the host's
// bundler (a peer dependency) instead of inlined. One build per package, so that chunks stay in
// its dist/; dynamic imports are inlined (asyncChunks: false), so that a site's bundler meets one
// self-contained ES module per entry instead of our chunk loader.
function packageBuild(name, entry) {
  return {
    name,
    mode: 'production',
    target: 'web',
    entry,
    experiments: { outputModule: true },
    externalsType: 'module',
    externals: { react: 'react', 'react-dom/client': 'react-dom/client', 'react/jsx-runtime': 'react/jsx-runtime' },
    output: {
      path: resolve(here, 'dist/packages', name, 'dist'),
      filename: '[name].mjs',
      chunkFilename: '[name].chunk.mjs',
      module: true,
      library: { type: 'module' },
      asyncChunks: false,
      clean: true,
    },
    resolve: viewerBuild.resolve,
    module: viewerBuild.module,
    optimization,
    performance: { hints: false },
    devtool: 'source-map',
  };
}

export default [
  viewerBuild,
  packageBuild('trus-cine-seg-extension', {
    index: resolve(here, 'dist/ohif/extension/src/index.js'),
    'trus-seg-worker': resolve(here, 'dist/web/segmentationWorker.js'),
    'trus-metrics-worker': resolve(here, 'dist/web/metricsWorker.js'),
    'trus-frame-worker': resolve(here, 'dist/web/frameWorker.js'),
  }),
  packageBuild('trus-cine-seg-mode', { index: resolve(here, 'dist/ohif/modes/src/index.js') }),
];
