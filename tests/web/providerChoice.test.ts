/**
 * The provider choice's second request. Headless Chromium on the lent H200 answered a page's first
 * adapter request with null while its GPU process was still setting WebGPU up, and the GPU a moment
 * later; no machine here answers so, so these tests give chooseProvider a stand-in navigator.gpu
 * whose answers are scripted (a mock of a fault this machine cannot cause). The real adapters are
 * covered in Chromium by tests/browser/engineInBrowser.test.ts.
 */
import { ADAPTER_RETRY_MS, chooseProvider } from '../../src/web/providerChoice.js';
import type { GpuAdapterLike, GpuLike } from '../../src/web/webgpuTypes.js';

function scriptedGpu(answers: (GpuAdapterLike | null)[]): GpuLike & { requests: { options: unknown; at: number }[] } {
  const requests: { options: unknown; at: number }[] = [];
  return {
    requests,
    requestAdapter: async (options) => {
      requests.push({ options, at: performance.now() });
      return answers.shift() ?? null;
    },
  } as GpuLike & { requests: { options: unknown; at: number }[] };
}

const h200: GpuAdapterLike = { info: { vendor: 'nvidia', architecture: 'hopper', description: '' } } as GpuAdapterLike;

test('a first request answered with null is made again after a pause, and the second answer is used', async () => {
  const gpu = scriptedGpu([null, h200]);
  const choice = await chooseProvider('auto', gpu);
  expect(choice.provider).toBe('webgpu');
  expect(choice.adapter).toBe(h200);
  expect(choice.fallbackReason).toBeUndefined();
  expect(gpu.requests.map((r) => r.options)).toEqual([{ powerPreference: 'high-performance' }, { powerPreference: 'high-performance' }]);
  expect(gpu.requests[1]!.at - gpu.requests[0]!.at).toBeGreaterThanOrEqual(ADAPTER_RETRY_MS - 5);
});

test('two nulls: WASM, saying no adapter is available, after exactly two requests', async () => {
  const gpu = scriptedGpu([null, null, h200]);
  const choice = await chooseProvider('auto', gpu);
  expect(choice).toEqual({ provider: 'wasm', fallbackReason: 'no WebGPU adapter is available' });
  expect(gpu.requests).toHaveLength(2);
});

test('an adapter at the first request is used without a second', async () => {
  const gpu = scriptedGpu([h200]);
  expect((await chooseProvider('webgpu', gpu)).adapter).toBe(h200);
  expect(gpu.requests).toHaveLength(1);
});
