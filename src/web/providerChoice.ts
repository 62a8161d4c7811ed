/**
 * Which execution provider to use in the browser, decided before any session exists, because
 * onnxruntime-web's own ['webgpu', 'wasm'] list falls back silently and takes a software
 * (fallback) adapter such as SwiftShader, hundreds of times slower than WASM.
 */
import { describeAdapter, isFallbackAdapter, type GpuAdapterLike, type GpuLike } from './webgpuTypes.js';

/** 'auto': WebGPU on a hardware adapter, else WASM. 'webgpu': any adapter, software included (tests). */
export type ProviderPreference = 'auto' | 'webgpu' | 'wasm';

export interface ProviderChoice {
  provider: 'webgpu' | 'wasm';
  adapter?: GpuAdapterLike;
  adapterName?: string;
  /** Why WebGPU is not used (absent when it is, or when WASM was asked for). */
  fallbackReason?: string;
}

/**
 * Headless Chromium 156 on the lent H200 answered a page's first request with null while its GPU
 * process was still setting WebGPU up (it logged "kTransientFailure: Failed to send
 * GpuControl.CreateCommandBuffer"), and the GPU a moment later: so one more request, after this
 * pause, before WASM.
 */
export const ADAPTER_RETRY_MS = 250;

export async function chooseProvider(preference: ProviderPreference, gpu: GpuLike | undefined): Promise<ProviderChoice> {
  if (preference === 'wasm') return { provider: 'wasm' };
  if (!gpu) return { provider: 'wasm', fallbackReason: 'this browser has no WebGPU (navigator.gpu is absent)' };
  let adapter: GpuAdapterLike | null = null;
  for (let attempt = 0; attempt < 2 && !adapter; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, ADAPTER_RETRY_MS));
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (err) {
      return { provider: 'wasm', fallbackReason: `requesting a WebGPU adapter failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (!adapter) return { provider: 'wasm', fallbackReason: 'no WebGPU adapter is available' };
  const adapterName = describeAdapter(adapter);
  if (preference === 'auto' && isFallbackAdapter(adapter)) {
    return { provider: 'wasm', adapterName, fallbackReason: `the only WebGPU adapter (${adapterName}) is a software fallback, slower than WASM` };
  }
  return { provider: 'webgpu', adapter, adapterName };
}
