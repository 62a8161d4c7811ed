/**
 * The profile's GEMM row times buildMatMulModel (tests/helpers/onnxModel.ts): the model must be
 * one M x K by K x N product, checked through onnxruntime-node against a product reckoned here.
 */
import * as ort from 'onnxruntime-node';
import { buildMatMulModel } from '../helpers/onnxModel.js';

const [M, K, N] = [3, 5, 4];

test('the model is the product of a constant M x K matrix by its K x N input', async () => {
  const session = await ort.InferenceSession.create(buildMatMulModel({ m: M, k: K, n: N }));
  const run = async (x: Float32Array) => (await session.run({ x: new ort.Tensor('float32', x, [K, N]) })).y!;
  // x = the K x N matrix with ones at (k, k): y's column k is A's column k, for k < N.
  const identity = Float32Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) === i % N ? 1 : 0));
  const shown = await run(identity);
  expect(shown.dims).toEqual([M, N]);
  const columns = shown.data as Float32Array;
  expect(new Set(columns).size).toBe(M * N);
  const a = (r: number, k: number) => columns[r * N + k]!;
  // A product whose x uses only the first N rows must equal the reckoning with those columns.
  const x = Float32Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) < N ? Math.sin(i + 1) : 0));
  const y = (await run(x)).data as Float32Array;
  for (let r = 0; r < M; r++) {
    for (let c = 0; c < N; c++) {
      let sum = 0;
      for (let k = 0; k < N; k++) sum += a(r, k) * x[k * N + c]!;
      expect(y[r * N + c]).toBeCloseTo(sum, 5);
    }
  }
  // The last row of x reaches y through A's last column: the product uses all K.
  const last = Float32Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) === K - 1 ? 1 : 0));
  const fromLast = (await run(last)).data as Float32Array;
  expect(Array.from(fromLast).some((v) => v !== 0)).toBe(true);
  await session.release();
});
