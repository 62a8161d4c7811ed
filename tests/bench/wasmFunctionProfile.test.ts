/**
 * The benchmark's look inside onnxruntime-web's WASM: shares from a DevTools CPU profile, and the
 * roles it gives functions of the unnamed binary, checked against which models call them in
 * headless Chromium (a MatMul has no im2col; a 1x1 convolution neither; a 3x3 convolution of
 * stride 1 runs the direct convolution instead, one of stride 2 im2col; the kernel that adds to C
 * runs only when K spans more than one of the SGEMM's blocks).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { functionShares, KNOWN_BINARIES, OUTSIDE_WASM, roleShare, ROLES, sampledProfile, WEBGPU_BUILD_ROLES, type CpuProfile, type FunctionShare } from '../../bench/wasmFunctionProfile.js';
import { launchChromium, serveStatic, type Browser, type StaticServer } from '../helpers/browser.js';
import { buildConvModel, buildMatMulModel, buildThresholdModel } from '../helpers/onnxModel.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '../..');
const BUNDLE_DIR = join(ROOT, 'dist/browser');
const WASM = '/ort/ort-wasm-simd-threaded.wasm';
/** Each build's module, and the binary its WASM provider runs. */
const BUILDS = {
  wasm: { module: '/ort/ort.wasm.min.mjs', binary: WASM },
  webgpu: { module: '/ort/ort.webgpu.min.mjs', binary: '/ort/ort-wasm-simd-threaded.asyncify.wasm' },
};
type Build = keyof typeof BUILDS;
/** The roles of the served binary's functions, as the benchmark finds them (by its SHA-256). */
const servedRoles = (build: Build) => KNOWN_BINARIES[createHash('sha256').update(readFileSync(join(BUNDLE_DIR, BUILDS[build].binary))).digest('hex')];

describe('function shares from a CPU profile', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('wasm-function[1422]', 'http://x/ort/a.wasm') },
      { id: 3, callFrame: frame('wasm-function[1709]', 'http://x/ort/a.wasm') },
      { id: 4, callFrame: frame('run', 'http://x/ort/ort.wasm.min.mjs') },
      { id: 5, callFrame: frame('wasm-function[7]', 'http://x/ort/a.wasm') },
      { id: 6, callFrame: frame('wasm-function[1422]', 'http://x/ort/a.wasm') },
    ],
    // 1422 twice as a node of its own (two call paths): 600 + 100 samples; 1709 200; JS 99; function 7 once.
    samples: [...Array(600).fill(2), ...Array(100).fill(6), ...Array(200).fill(3), ...Array(99).fill(4), 5],
  };

  it('sums a function over its nodes, keeps those of at least 0.5%, and puts the rest together', () => {
    const shares = functionShares(profile, 'http://x/ort/a.wasm', ROLES);
    expect(shares).toEqual([
      { name: 'wasm-function[1422]', role: ROLES['wasm-function[1422]'], share: 0.7 },
      { name: 'wasm-function[1709]', role: 'im2col', share: 0.2 },
      { name: 'other WASM functions', share: 0.001 },
      { name: OUTSIDE_WASM, share: 0.099 },
    ]);
    expect(roleShare(shares, 'SGEMM kernel')).toBeCloseTo(0.7, 10);
  });

  it('given no lower bound, keeps every function with its role, however small its share', () => {
    const small: CpuProfile = {
      nodes: [frame('wasm-function[1422]', 'http://x/ort/a.wasm'), frame('wasm-function[1226]', 'http://x/ort/a.wasm')].map((callFrame, i) => ({ id: i + 1, callFrame })),
      samples: [...Array(999).fill(1), 2],
    };
    expect(roleShare(functionShares(small, 'http://x/ort/a.wasm', ROLES), 'bias and activation')).toBe(0);
    const all = functionShares(small, 'http://x/ort/a.wasm', ROLES, 0);
    expect(roleShare(all, 'bias and activation')).toBeCloseTo(0.001, 10);
    expect(all.map((s) => s.name)).toEqual(['wasm-function[1422]', 'wasm-function[1226]']);
  });

  it('names no role for a binary it does not know, and counts another binary’s functions as outside', () => {
    expect(functionShares(profile, 'http://x/ort/a.wasm', undefined).every((s) => s.role === undefined)).toBe(true);
    expect(functionShares(profile, 'http://x/ort/other.wasm', ROLES)).toEqual([{ name: OUTSIDE_WASM, share: 1 }]);
  });
});

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
window.prepare = async (module, url, shape) => {
  const ort = await import(module);
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(url, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const size = shape.reduce((a, b) => a * b, 1);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(size).map((_, i) => Math.sin(i * 0.01)), shape) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  window.runFor = async (ms) => {
    for (const t0 = performance.now(); performance.now() - t0 < ms; ) await session.run(feeds);
  };
};
</script>`;

describe("the roles of onnxruntime-web 1.30.0's WASM functions", () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(BUNDLE_DIR, WASM))) throw new Error('dist/browser is missing: run "npm run build" first');
    server = await serveStatic(BUNDLE_DIR, {
      '/index.html': PAGE,
      '/matmul.onnx': buildMatMulModel({ m: 256, k: 256, n: 256 }),
      '/matmul-short-k.onnx': buildMatMulModel({ m: 256, k: 64, n: 256 }),
      '/conv3x3.onnx': buildConvModel({ batch: 1, inputChannels: 16, filters: 16, height: 128, width: 192, kernel: [3, 3], pads: [1, 1, 1, 1], relu: true }),
      '/conv1x1.onnx': buildThresholdModel({ height: 128, width: 192, batch: 1 }),
      '/conv3x3-stride2.onnx': buildConvModel({ batch: 1, inputChannels: 16, filters: 16, height: 128, width: 192, kernel: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], relu: true }),
    });
    browser = await launchChromium([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function shares(model: string, shape: number[], build: Build = 'wasm'): Promise<FunctionShare[]> {
    const { module, binary } = BUILDS[build];
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.url}/index.html`);
      await page.evaluate(`window.prepare('${module}', '/${model}.onnx', ${JSON.stringify(shape)})`);
      const profile = await sampledProfile(browser.context, page, () => page.evaluate('window.runFor(2000)'));
      // Every function with its role, however small its share: the report's table puts those under
      // 0.5% together, and a small model's bias and activation fell either side of that (CI, 12-06).
      return functionShares(profile, `${server.url}${binary}`, servedRoles(build), 0);
    } finally {
      await page.close();
    }
  }
  const share = (s: FunctionShare[], role: string) => roleShare(s, role);

  it('knows the binaries the build serves, each with its own roles', () => {
    expect(servedRoles('wasm')).toBe(ROLES);
    expect(servedRoles('webgpu')).toBe(WEBGPU_BUILD_ROLES);
  });

  it('a MatMul: the SGEMM kernels and the packing of B, no im2col, no bias', async () => {
    const s = await shares('matmul', [256, 256]);
    const wasm = s.filter((x) => x.name !== OUTSIDE_WASM).reduce((sum, x) => sum + x.share, 0);
    expect(share(s, 'SGEMM kernel') / wasm).toBeGreaterThan(0.8);
    expect(share(s, 'packing of B')).toBeGreaterThan(0);
    expect(share(s, 'im2col')).toBe(0);
    expect(share(s, 'bias and activation')).toBe(0);
  });

  it('the kernel that adds to C only where K spans more than one of its blocks', async () => {
    const long = await shares('matmul', [256, 256]);
    const short = await shares('matmul-short-k', [64, 256]);
    expect(share(long, 'SGEMM kernel (C = AB)')).toBeGreaterThan(0.05);
    expect(share(long, 'SGEMM kernel (C += AB)')).toBeGreaterThan(0.05);
    expect(share(short, 'SGEMM kernel (C = AB)')).toBeGreaterThan(0.05);
    expect(share(short, 'SGEMM kernel (C += AB)')).toBe(0);
  });

  it.each(['wasm', 'webgpu'] as Build[])('3x3 convolutions of stride 1 with a ReLU (the %s build): the direct convolution, which adds the bias and applies the ReLU itself; no im2col, no SGEMM, no MlasActivation', async (build) => {
    const s = await shares('conv3x3', [1, 16, 128, 192], build);
    expect(share(s, 'direct convolution')).toBeGreaterThan(0.01);
    for (const role of ['im2col', 'packing of B', 'SGEMM kernel', 'bias and activation']) expect({ role, share: share(s, role) }).toEqual({ role, share: 0 });
  });

  it.each(['wasm', 'webgpu'] as Build[])('3x3 convolutions of stride 2 (the %s build), which the direct convolution leaves: im2col, the packing of B, the kernel, bias and activation', async (build) => {
    const s = await shares('conv3x3-stride2', [1, 16, 128, 192], build);
    for (const role of ['im2col', 'packing of B', 'SGEMM kernel']) expect({ role, present: share(s, role) > 0.01 }).toEqual({ role, present: true });
    // A quarter of the outputs of stride 1: bias and activation take under 1% here.
    expect(share(s, 'bias and activation')).toBeGreaterThan(0);
    expect(share(s, 'direct convolution')).toBe(0);
  });

  it('a 1x1 convolution: no im2col', async () => {
    const s = await shares('conv1x1', [1, 1, 128, 192]);
    expect(share(s, 'im2col')).toBe(0);
    expect(share(s, 'bias and activation')).toBeGreaterThan(0);
  });
});
