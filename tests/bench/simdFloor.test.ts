/**
 * The "Where the time goes" arithmetic: a convolution's multiply-accumulates from the profiler's
 * shapes, and what a run would cost with every convolution at 128-bit WASM SIMD's ceiling.
 */
import { convolutionMacs, type OperatorProfile } from '../../bench/operatorProfile.js';
import { renderMarkdown, simdFloor, type Results } from '../../bench/report.js';

const conv = (weights: number[], output: number[]) => ({ cat: 'Node', name: 'c_kernel_time', args: { op_name: 'FusedConv', input_type_shape: [{ float: [1, weights[1]!, output[2]!, output[3]!] }, { float: weights }, { float: [weights[0]!] }], output_type_shape: [{ float: output }] } });

test("a convolution's MACs: each output value takes one product per weight of its output channel", () => {
  expect(convolutionMacs(conv([64, 32, 3, 3], [1, 64, 16, 24]))).toBe(16 * 24 * 64 * 32 * 9);
  expect(convolutionMacs(conv([1, 8, 1, 1], [1, 1, 128, 192]))).toBe(128 * 192 * 8);
  expect(convolutionMacs(conv([8, 1, 3, 3], [2, 8, 4, 4]))).toBe(2 * 4 * 4 * 8 * 9);
  expect(convolutionMacs({ cat: 'Node', args: { op_name: 'FusedConv' } })).toBeNaN();
});

const profile = (simdPeak?: OperatorProfile['simdPeak']): OperatorProfile => ({
  model: 'trus-student',
  runs: 100,
  groups: [
    { group: 'convolutions at 128x192 (8 channels)', nativeMs: 1, wasmMs: 4, mmac: 60 },
    { group: 'convolutions at 64x96 (16 channels)', nativeMs: 1, wasmMs: 6, mmac: 60 },
    { group: 'other kernels at 128x192', nativeMs: 0.5, wasmMs: 1 },
  ],
  nativeRunMs: 3,
  wasmRunMs: 12,
  ...(simdPeak ? { simdPeak } : {}),
});

test('the floor keeps everything but the convolutions as measured and runs their MACs at the ceiling', () => {
  const floor = simdFloor(profile({ mulAddGmacs: 24, fmaGmacs: 30 }));
  expect(floor.convMmac).toBe(120);
  expect(floor.wasmConvGmacs).toBeCloseTo(12, 10);
  expect(floor.nativeConvGmacs).toBeCloseTo(60, 10);
  // 12 ms run - 10 ms of convolutions + 120 MMAC / 24 GMAC/s.
  expect(floor.mulAddMs).toBeCloseTo(2 + 5, 10);
  expect(floor.mulAddRatio).toBeCloseTo(7 / 3, 10);
  expect(floor.fmaMs).toBeCloseTo(2 + 4, 10);
  expect(simdFloor(profile({ mulAddGmacs: 24, fmaGmacs: 'invalid simd opcode' })).fmaMs).toBeUndefined();
  expect(() => simdFloor(profile())).toThrow(/no WASM SIMD ceiling/);
});

test('with runs timed without the profiler, the floor takes the rest of the run and the native run from them', () => {
  // The profiler's runs (12 and 3 ms) carry time a run does not spend; the convolutions keep their profiled 10 ms.
  const floor = simdFloor({ ...profile({ mulAddGmacs: 24, fmaGmacs: 30 }), unprofiledRunMs: { native: 2.5, wasm: 11 } });
  expect(floor.mulAddMs).toBeCloseTo(1 + 5, 10);
  expect(floor.mulAddRatio).toBeCloseTo(6 / 2.5, 10);
  expect(floor.fmaMs).toBeCloseTo(1 + 4, 10);
  expect(floor.fmaRatio).toBeCloseTo(5 / 2.5, 10);
  // A run without the profiler shorter than the profiled convolutions leaves nothing else, not less than nothing.
  expect(simdFloor({ ...profile({ mulAddGmacs: 24, fmaGmacs: 30 }), unprofiledRunMs: { native: 2.5, wasm: 9 } }).mulAddMs).toBeCloseTo(5, 10);
  const md = renderMarkdown(results({ ...profile({ mulAddGmacs: 24, fmaGmacs: 30 }), unprofiledRunMs: { native: 2.5, wasm: 11 } }));
  expect(md).toContain("Without onnxruntime's profiler (the same session options, input and process, median of 100 runs): 11.00 ms in WASM and 2.50 natively, 4.40x. The profiled runs above took 1.00 ms more in WASM and 0.50 ms more natively;");
  expect(md).toMatch(/the rest of the run as measured without the profiler, a WASM run would take 6\.00 ms, 2\.40x native \(a run without the profiler\); with fused multiply-add, 5\.00 ms, 2\.00x\./);
  expect(md).toContain('  - what 128-bit WASM SIMD allows: 2.40x at 1 thread');
});

const results = (p: OperatorProfile): Results => ({ date: '2026-12-05', machine: 'test', models: [], profile: p, notMeasured: [], pipeline: [], memory: [], throughput: [], viewer: [] });

test('the markdown gives the ceiling, the share of it reached and the floor; older results render as before', () => {
  const md = renderMarkdown(results(profile({ mulAddGmacs: 24, fmaGmacs: 30 })));
  expect(md).toContain('| convolutions at 64x96 (16 channels) | 60.0 | 1.00 | 6.00 | 6.00x | 60.0 | 10.0 | 2.50 |');
  expect(md).toContain('| other kernels at 128x192 | — | 0.50 | 1.00 | 2.00x | — | — | — |');
  expect(md).toMatch(/24\.0 GMAC\/s multiplying then adding.*30\.0 GMAC\/s with relaxed SIMD/);
  expect(md).toMatch(/ran at 12\.0 GMAC\/s, 50% of that ceiling .*would take 7\.00 ms, 2\.33x native; with fused multiply-add, 6\.00 ms, 2\.00x\./);
  expect(md).toContain('  - what 128-bit WASM SIMD allows: 2.33x at 1 thread');
  expect(md).not.toContain('GEMM alone');
  expect(md).not.toContain("onnxruntime-web's WASM SGEMM kernel as its package ships it");
  const withLoop = renderMarkdown(results(profile({ mulAddGmacs: 24, fmaGmacs: 30, onnxruntimeLoopGmacs: 15 })));
  expect(withLoop).toMatch(/onnxruntime-web's WASM SGEMM kernel as its package ships it, assembled .* ran at 15\.0 GMAC\/s, 63% of the ceiling; the build serves that loop reordered \(scripts\/patch-ort-sgemm\.mjs\)\./);
  const withBoth = renderMarkdown(results(profile({ mulAddGmacs: 24, fmaGmacs: 30, onnxruntimeLoopGmacs: 15, reorderedLoopGmacs: 24 })));
  expect(withBoth).toContain('the build serves that loop reordered (scripts/patch-ort-sgemm.mjs), which ran at 24.0 GMAC/s, 100%.');
  const withGemm = renderMarkdown(results({ ...profile({ mulAddGmacs: 24, fmaGmacs: 30 }), gemm: { shape: [256, 256, 256], nativeGmacs: 70, wasmGmacs: 12 } }));
  expect(withGemm).toMatch(/GEMM alone \(one 256x256x256 MatMul, 1 thread, median of its runs\): 12\.0 GMAC\/s in WASM, 50% of the ceiling; 70\.0 natively\./);
  const old = renderMarkdown(results(profile()));
  expect(old).toContain('| kernels | onnxruntime-node ms | onnxruntime-web WASM ms | WASM/native |');
  expect(old).toContain('| whole run | 3.00 | 12.00 | 4.00x |');
  expect(old).not.toMatch(/ceiling|SIMD allows/);
});
