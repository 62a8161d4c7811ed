/**
 * The onnxruntime-web binary the build serves (its SGEMM loop reordered by
 * scripts/patch-ort-sgemm.mjs) computes bit for bit what the binary onnxruntime-web ships computes,
 * in headless Chromium: the shipped student and teacher, and MatMuls whose shapes take the
 * kernel's every path (one row or two, an odd step of k left over, columns short of 16).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { launchChromium, serveStatic, CROSS_ORIGIN_ISOLATION, type Browser, type StaticServer } from '../helpers/browser.js';
import { buildMatMulModel } from '../helpers/onnxModel.js';
import { shippedOrtFiles } from '../../bench/modelLatency.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '../..');
const BUNDLE_DIR = join(ROOT, 'dist/browser');
const ORT_DIR = dirname(require.resolve('onnxruntime-web'));
const WASM = 'ort-wasm-simd-threaded.wasm';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
window.run = async (ortDir, threads, models) => {
  const ort = await import(ortDir + 'ort.wasm.min.mjs');
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

describe('the served onnxruntime-web WASM binary', () => {
  let server: StaticServer;
  let browser: Browser;
  const models: { url: string; shape: number[] }[] = [];
  const files: Record<string, Uint8Array | string> = { '/index.html': PAGE };

  beforeAll(async () => {
    if (!existsSync(join(BUNDLE_DIR, 'ort', WASM))) throw new Error('dist/browser is missing: run "npm run build" first');
    // The binary as onnxruntime-web ships it, beside its loader, under /ort-shipped/ (as the bench serves it).
    Object.assign(files, shippedOrtFiles(ROOT));
    for (const name of ['trus-student', 'trus-teacher']) {
      files[`/models/${name}.onnx`] = new Uint8Array(readFileSync(join(ROOT, 'models', name, 'model.onnx')));
      models.push({ url: `/models/${name}.onnx`, shape: [2, 1, 128, 192] });
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

  async function outputs(ortDir: string, threads: number): Promise<number[][]> {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.url}/index.html`);
      return (await page.evaluate(`window.run(${JSON.stringify(ortDir)}, ${threads}, ${JSON.stringify(models)})`)) as number[][];
    } finally {
      await page.close();
    }
  }

  it('is the patched one: onnxruntime-web 1.30.0 with its SGEMM loop changed', () => {
    const shipped = readFileSync(join(ORT_DIR, WASM));
    const served = readFileSync(join(BUNDLE_DIR, 'ort', WASM));
    expect(sha256(shipped)).toBe('3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2');
    expect(sha256(served)).not.toBe(sha256(shipped));
    // Two loops of 111 instructions become 115 each, and each kernel declares one more group of locals.
    expect(served.length - shipped.length).toBe(20);
  });

  it.each([1, 2])('gives bit for bit the shipped binary’s outputs, %i thread(s)', async (threads) => {
    const [patched, shipped] = [await outputs('/ort/', threads), await outputs('/ort-shipped/', threads)];
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
    const other = join(ORT_DIR, 'ort-wasm-simd-threaded.asyncify.wasm');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/patch-ort-sgemm.mjs'), other, out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`left as it is: not onnxruntime-web 1.30.0's ort-wasm-simd-threaded.wasm (SHA-256 ${sha256(readFileSync(other))})`);
    expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(other)));
  });
});
