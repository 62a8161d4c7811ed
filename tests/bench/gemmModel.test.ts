/**
 * bench/gemm_model.py, the profile's GEMM row: the model it writes is one M x K by K x N product
 * (checked through onnxruntime-node against a product reckoned here), and it counts M x K x N MACs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const ROOT = join(__dirname, '..', '..');
const [M, K, N] = [3, 5, 4];

test('the model is the product of a constant M x K matrix by its K x N input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trus-gemm-test-'));
  try {
    const path = join(dir, 'gemm.onnx');
    const out = execFileSync('/usr/bin/python3', [join(ROOT, 'bench/gemm_model.py'), path, String(M), String(K), String(N)], { encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ path, input: [K, N], macs: M * K * N });
    const session = await ort.InferenceSession.create(path);
    const run = async (x: Float32Array) => (await session.run({ x: new ort.Tensor('float32', x, [K, N]) })).y!;
    // With x's first N columns of the identity, y shows A's columns.
    const identity = Float32Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) === i % N ? 1 : 0));
    const shown = await run(identity);
    expect(shown.dims).toEqual([M, N]);
    const a = (r: number, k: number) => (shown.data as Float32Array)[r * N + k]!; // valid for k < N
    expect(new Set(Array.from({ length: M * N }, (_, i) => (shown.data as Float32Array)[i])).size).toBe(M * N);
    // A product of x that uses only A's first N columns (rows k >= N of x zero) must match the reckoning.
    const x = Float32Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) < N ? Math.sin(i + 1) : 0));
    const y = (await run(x)).data as Float32Array;
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < N; c++) {
        let sum = 0;
        for (let k = 0; k < N; k++) sum += a(r, k) * x[k * N + c]!;
        expect(y[r * N + c]).toBeCloseTo(sum, 5);
      }
    }
    await session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
