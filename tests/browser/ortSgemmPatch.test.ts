/**
 * The onnxruntime-web binaries the build serves (their SGEMM loop reordered by
 * scripts/patch-ort-sgemm.mjs, and given the direct 3x3 convolution of
 * scripts/ort-direct-conv.mjs) compute bit for bit what the binaries onnxruntime-web ships compute,
 * in headless Chromium, through the WASM provider of both builds (the WASM build, and the WebGPU
 * build that a loop falls back in): the shipped student and teacher, MatMuls whose shapes take
 * the kernel's every path (one row or two, an odd step of k left over, columns short of 16), and
 * convolutions that the direct path takes (tails of 8 and 4 pixels, K blocks inside a channel,
 * a residual added in the Conv, groups, a batch, ReLU with and without a bias; a LeakyRelu, which
 * it leaves to MlasActivation) and those it leaves to MLAS (stride, dilation, 5x5, no padding, an
 * odd number of filters, rows not in fours).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { launchChromium, serveStatic, CROSS_ORIGIN_ISOLATION, type Browser, type StaticServer } from '../helpers/browser.js';
import { buildConvModel, buildMatMulModel, type ConvModelOptions } from '../helpers/onnxModel.js';
import { shippedOrtFiles } from '../../bench/modelLatency.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '../..');
const BUNDLE_DIR = join(ROOT, 'dist/browser');
const ORT_DIR = dirname(require.resolve('onnxruntime-web'));
/** onnxruntime-web 1.30.0's binaries, as its package ships them: the WASM build's and the WebGPU build's. */
const SERVED = [
  { name: 'ort-wasm-simd-threaded.wasm', sha256: '3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2' },
  { name: 'ort-wasm-simd-threaded.asyncify.wasm', sha256: '39f9f0894d478800487ed9f7dbe92618498db320cf55c8e3d89adff8dce658da' },
];
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
window.run = async (ortDir, build, threads, models) => {
  const ort = await import(ortDir + 'ort.' + build + '.min.mjs');
  ort.env.wasm.wasmPaths = ortDir;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  const outputs = [];
  for (const { url, shape } of models) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const size = shape.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor('float32', new Float32Array(size).map((_, i) => Math.sin(i * 0.37) * 1.3), shape);
    const out = await session.run({ [session.inputNames[0]]: x });
    outputs.push(Array.from(out[session.outputNames[0]].data));
    await session.release();
  }
  return outputs;
};
</script>`;

/** [M, K, N]: two rows and one; K even, odd and 1; N a multiple of 16, short of one, and under 16. */
const SHAPES: [number, number, number][] = [
  [2, 64, 64],
  [3, 65, 17],
  [1, 7, 100],
  [5, 1, 16],
  [8, 2, 3],
  [64, 576, 384],
];

const same = (pads: number): [number, number, number, number] => [pads, pads, pads, pads];
/** [name, model]: those the direct convolution takes, then those it leaves to MLAS's im2col + SGEMM. */
const CONVS: [string, ConvModelOptions][] = [
  ['conv-tails', { batch: 2, inputChannels: 16, filters: 12, height: 20, width: 28, kernel: [3, 3], pads: same(1), relu: true }],
  ['conv-k-blocks', { batch: 1, inputChannels: 64, filters: 8, height: 9, width: 12, kernel: [3, 3], pads: same(1) }],
  ['conv-residual', { batch: 1, inputChannels: 8, filters: 8, height: 16, width: 24, kernel: [3, 3], pads: same(1), residual: true, relu: true }],
  // Activations: ReLU without a bias (done in the direct path), LeakyRelu (left to MlasActivation).
  ['conv-relu-no-bias', { batch: 1, inputChannels: 8, filters: 8, height: 12, width: 16, kernel: [3, 3], pads: same(1), relu: true, noBias: true }],
  ['conv-leaky-relu', { batch: 1, inputChannels: 8, filters: 8, height: 12, width: 16, kernel: [3, 3], pads: same(1), leakyRelu: true }],
  ['conv-pad-right', { batch: 1, inputChannels: 6, filters: 4, height: 8, width: 12, kernel: [3, 3], pads: [1, 0, 1, 2] }],
  ['conv-3x1', { batch: 1, inputChannels: 5, filters: 4, height: 7, width: 8, kernel: [3, 1], pads: [1, 0, 1, 0] }],
  ['conv-groups', { batch: 1, inputChannels: 8, filters: 8, height: 12, width: 16, kernel: [3, 3], pads: same(1), group: 2 }],
  ['conv-odd-filters', { batch: 1, inputChannels: 4, filters: 5, height: 8, width: 16, kernel: [3, 3], pads: same(1) }],
  ['conv-stride', { batch: 1, inputChannels: 4, filters: 4, height: 8, width: 16, kernel: [3, 3], pads: same(1), strides: [2, 2] }],
  ['conv-dilation', { batch: 1, inputChannels: 4, filters: 4, height: 8, width: 16, kernel: [3, 3], pads: same(2), dilations: [2, 2] }],
  ['conv-5x5', { batch: 1, inputChannels: 4, filters: 4, height: 8, width: 16, kernel: [5, 5], pads: same(2) }],
  ['conv-valid', { batch: 1, inputChannels: 4, filters: 4, height: 8, width: 16, kernel: [3, 3], pads: same(0) }],
  ['conv-width-30', { batch: 1, inputChannels: 4, filters: 4, height: 8, width: 30, kernel: [3, 3], pads: same(1) }],
];

/** How many functions a module defines (its function section's count). */
function definedFunctions(bytes: Uint8Array): number {
  const leb = (at: number) => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return { value, at };
    }
  };
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at]!;
    const size = leb(at + 1);
    if (id === 3) return leb(size.at).value;
    at = size.at + size.value;
  }
  throw new Error('no function section');
}

describe('the served onnxruntime-web WASM binary', () => {
  let server: StaticServer;
  let browser: Browser;
  const models: { url: string; shape: number[] }[] = [];
  const files: Record<string, Uint8Array | string> = { '/index.html': PAGE };

  beforeAll(async () => {
    if (!SERVED.every(({ name }) => existsSync(join(BUNDLE_DIR, 'ort', name)))) throw new Error('dist/browser is missing: run "npm run build" first');
    // The binary as onnxruntime-web ships it, beside its loader, under /ort-shipped/ (as the bench serves it).
    Object.assign(files, shippedOrtFiles(ROOT));
    for (const name of ['trus-student', 'trus-teacher']) {
      files[`/models/${name}.onnx`] = new Uint8Array(readFileSync(join(ROOT, 'models', name, 'model.onnx')));
      models.push({ url: `/models/${name}.onnx`, shape: [2, 1, 128, 192] });
    }
    for (const [name, options] of CONVS) {
      files[`/${name}.onnx`] = buildConvModel(options);
      models.push({ url: `/${name}.onnx`, shape: [options.batch, options.inputChannels, options.height, options.width] });
    }
    for (const [m, k, n] of SHAPES) {
      files[`/matmul-${m}-${k}-${n}.onnx`] = buildMatMulModel({ m, k, n });
      models.push({ url: `/matmul-${m}-${k}-${n}.onnx`, shape: [k, n] });
    }
    server = await serveStatic(BUNDLE_DIR, files, CROSS_ORIGIN_ISOLATION);
    browser = await launchChromium([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The outputs of every model, and the .wasm files the page fetched to compute them. */
  async function outputs(ortDir: string, build: string, threads: number): Promise<{ values: number[][]; binaries: string[] }> {
    const page = await browser.context.newPage();
    const binaries: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.endsWith('.wasm')) binaries.push(path);
    });
    try {
      await page.goto(`${server.url}/index.html`);
      const values = (await page.evaluate(`window.run(${JSON.stringify(ortDir)}, '${build}', ${threads}, ${JSON.stringify(models)})`)) as number[][];
      return { values, binaries };
    } finally {
      await page.close();
    }
  }

  it('serves both binaries patched: the WASM build’s and the WebGPU build’s', () => {
    for (const { name, sha256: original } of SERVED) {
      const shipped = readFileSync(join(ORT_DIR, name));
      const served = readFileSync(join(BUNDLE_DIR, 'ort', name));
      expect({ name, sha256: sha256(shipped) }).toEqual({ name, sha256: original });
      expect(sha256(served)).not.toBe(sha256(shipped));
      // Each gains two functions: the original MlasConvOperation (kept for what the direct path
      // leaves) and the direct convolution's block (besides two loops of 111 instructions become
      // 115 each).
      expect({ name, functionsAdded: definedFunctions(served) - definedFunctions(shipped) }).toEqual({ name, functionsAdded: 2 });
      expect(served.length - shipped.length).toBeGreaterThan(20);
    }
  });

  it.each([
    ['wasm', 1],
    ['wasm', 2],
    ['webgpu', 1],
    ['webgpu', 2],
  ])('gives bit for bit the shipped binary’s outputs, WASM provider of the %s build, %i thread(s)', async (build, threads) => {
    const served = await outputs('/ort/', build as string, threads as number);
    const asShipped = await outputs('/ort-shipped/', build as string, threads as number);
    const binary = build === 'webgpu' ? 'ort-wasm-simd-threaded.asyncify.wasm' : 'ort-wasm-simd-threaded.wasm';
    expect(served.binaries).toEqual([`/ort/${binary}`]);
    expect(asShipped.binaries).toEqual([`/ort-shipped/${binary}`]);
    const [patched, shipped] = [served.values, asShipped.values];
    expect(patched).toHaveLength(models.length);
    models.forEach((model, i) => {
      expect({ model: model.url, length: patched[i]!.length }).toEqual({ model: model.url, length: shipped[i]!.length });
      expect(patched[i]!.length).toBeGreaterThan(0);
      const differing = patched[i]!.findIndex((v, j) => !Object.is(v, shipped[i]![j]));
      expect({ model: model.url, firstDifference: differing }).toEqual({ model: model.url, firstDifference: -1 });
    });
  });

  it('leaves any other binary as it is, and says why', () => {
    const out = join(tempDir('ort-patch-'), 'out.wasm');
    // The JSEP binary of the same package: same kernels, not served, not known to the script.
    const other = join(ORT_DIR, 'ort-wasm-simd-threaded.jsep.wasm');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/patch-ort-sgemm.mjs'), other, out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`left as it is: not one of the binaries this script patches`);
    expect(r.stdout).toContain(`SHA-256 ${sha256(readFileSync(other))}`);
    expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(other)));
  });
});
