/**
 * The WASM SIMD ceiling's kernels (bench/wasmSimdPeak.ts), and onnxruntime's loop timed beside
 * them, do the multiply-accumulates they are counted for: run in Node (multiply then add) and in Chromium (relaxed SIMD's fused
 * multiply-add, which Node 20's V8 has only behind a flag), each against a float32 reckoning in
 * JavaScript over the same memory. The timings themselves are the benchmark's, not tested.
 */
import { ONNXRUNTIME_LOOP, PEAK_KERNELS, REORDERED_LOOP, PEAK_PAGE_FUNCTION, expectedSum, macsPerIteration, peakModule, peakPageArgument, simdPeak, type PeakKernel } from '../../bench/wasmSimdPeak.js';
import { chromiumAvailable, launchChromium, serveStatic } from '../helpers/browser.js';

const ITERATIONS = 777; // more than one pass of the pointer over its 4 KiB
const FLOATS = 1100;

function filled(memory: Float32Array): Float32Array {
  // Values of both signs whose products round: a kernel that skipped or repeated a term would show.
  for (let i = 0; i < FLOATS; i++) memory[i] = Math.fround(Math.sin(i * 1.37) * 0.75 + (i % 5) * 0.01);
  return memory.subarray(0, FLOATS);
}

const mulAdd = [...PEAK_KERNELS, ONNXRUNTIME_LOOP, REORDERED_LOOP].filter((k) => !k.fused);
const fused = PEAK_KERNELS.filter((k) => k.fused);

test('each multiply-then-add kernel accumulates exactly what a float32 reckoning gives', () => {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(peakModule(mulAdd)));
  const memory = filled(new Float32Array((instance.exports.memory as WebAssembly.Memory).buffer));
  expect(mulAdd.length).toBeGreaterThan(1);
  for (const k of mulAdd) {
    const run = instance.exports[k.name] as (n: number) => number;
    const expected = expectedSum(k, memory, ITERATIONS);
    expect(Math.abs(expected)).toBeGreaterThan(1);
    expect(run(ITERATIONS)).toBe(expected);
    // One iteration fewer gives another sum: the count is the loop's, not a constant.
    expect(run(ITERATIONS - 1)).toBe(expectedSum(k, memory, ITERATIONS - 1));
    expect(run(ITERATIONS - 1)).not.toBe(expected);
  }
});

test('the reckoning itself counts rows x cols x 4 lanes of products per iteration', () => {
  // With every float 1, each accumulator's lane gains exactly 1 per step of k and iteration.
  const ones = new Float32Array(FLOATS).fill(1);
  for (const k of PEAK_KERNELS) expect(expectedSum(k, ones, 10)).toBe(10 * k.rows * k.cols);
  expect(expectedSum(ONNXRUNTIME_LOOP, ones, 10)).toBe(10 * 2 * 2 * 4);
  expect(expectedSum(REORDERED_LOOP, ones, 10)).toBe(10 * 2 * 2 * 4);
  // What the page divides its time by: the first lane's count, times f32x4's 4 lanes.
  const counted = new Map(peakPageArgument().flatMap((m) => m.kernels.map((k) => [k.name, k.macs] as const)));
  for (const k of [...PEAK_KERNELS, ONNXRUNTIME_LOOP, REORDERED_LOOP]) {
    expect(macsPerIteration(k)).toBe(4 * expectedSum(k, ones, 1));
    expect(counted.get(k.name)).toBe(macsPerIteration(k));
  }
});

const inChromium = chromiumAvailable() ? test : test.skip;

inChromium('in Chromium the fused kernels agree with the reckoning, and the page times every kernel, onnxruntime’s loop beside the ceiling’s tiles', async () => {
  const server = await serveStatic('/nonexistent', { '/index.html': '<!doctype html><title>peak</title>' });
  const browser = await launchChromium([]);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/index.html`);
    const base64 = Buffer.from(peakModule(fused)).toString('base64');
    const sums = await page.evaluate(
      async ({ base64, names, iterations, floats }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const { instance } = await WebAssembly.instantiate(bytes);
        const memory = new Float32Array((instance.exports.memory as WebAssembly.Memory).buffer);
        for (let i = 0; i < floats; i++) memory[i] = Math.fround(Math.sin(i * 1.37) * 0.75 + (i % 5) * 0.01);
        return names.map((n) => (instance.exports[n] as (n: number) => number)(iterations));
      },
      { base64, names: fused.map((k) => k.name), iterations: ITERATIONS, floats: FLOATS },
    );
    const memory = filled(new Float32Array(FLOATS));
    fused.forEach((k: PeakKernel, i) => {
      const expected = expectedSum(k, memory, ITERATIONS);
      // Fused or not (relaxed SIMD lets the engine choose), the sums differ by rounding only.
      expect(Math.abs(sums[i]! - expected)).toBeLessThan(1e-4 * Math.abs(expected));
    });
    const measured = (await page.evaluate(`(${PEAK_PAGE_FUNCTION})(${JSON.stringify(peakPageArgument())})`)) as Record<string, number | string>;
    expect(Object.keys(measured).sort()).toEqual([...PEAK_KERNELS, ONNXRUNTIME_LOOP, REORDERED_LOOP].map((k) => k.name).sort());
    for (const k of [...PEAK_KERNELS, ONNXRUNTIME_LOOP, REORDERED_LOOP]) expect(measured[k.name]).toBeGreaterThan(0);
    const peak = simdPeak(measured);
    // The ceiling is the best of its tiles; onnxruntime's loop is reported beside it, never as it.
    expect(peak.mulAddGmacs).toBe(Math.max(...PEAK_KERNELS.filter((k) => !k.fused).map((k) => measured[k.name] as number)));
    expect(peak.onnxruntimeLoopGmacs).toBe(measured[ONNXRUNTIME_LOOP.name]);
    expect(peak.reorderedLoopGmacs).toBe(measured[REORDERED_LOOP.name]);
  } finally {
    await browser.close();
    await server.close();
  }
}, 60_000);

test('a browser without relaxed SIMD still has a ceiling; without SIMD at all, an error that says so', () => {
  const refused = 'WebAssembly.instantiate(): Compiling function #0 failed: invalid simd opcode';
  const measured: Record<string, number | string> = { mulAdd4x2: 20, mulAdd2x4: 22, fma4x2: refused, fma2x4: refused };
  expect(simdPeak(measured)).toEqual({ mulAddGmacs: 22, fmaGmacs: refused });
  // onnxruntime's loop, faster here than every tile, is still not the ceiling.
  expect(simdPeak({ ...measured, [ONNXRUNTIME_LOOP.name]: 30, [REORDERED_LOOP.name]: 31 })).toEqual({ mulAddGmacs: 22, fmaGmacs: refused, onnxruntimeLoopGmacs: 30, reorderedLoopGmacs: 31 });
  expect(() => simdPeak({ ...measured, mulAdd4x2: refused, mulAdd2x4: refused })).toThrow(/WASM SIMD peak could not be measured: .*invalid simd opcode/);
});
