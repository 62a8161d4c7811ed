/**
 * onnxruntime-web behind the engine's backend interface, for a Web Worker. WebGPU when a usable
 * adapter exists (see providerChoice), otherwise WASM; a WebGPU session is cross-checked once
 * against WASM on a fixed input (a wrong-but-silent GPU path, e.g. missing fp16 support, falls
 * back), and a WebGPU device lost in the middle of a loop switches to WASM and re-runs the batch.
 */
import type * as Ort from 'onnxruntime-web';
import type { ModelManifest } from '../inference/manifest.js';
import { ModelLoadError, type InferenceBackend } from '../inference/backend.js';
import { chooseProvider, type ProviderPreference } from './providerChoice.js';
import { CROSS_CHECK_TOLERANCE, maxAbsDifference, probeInput } from '../inference/providerCrossCheck.js';
import { navigatorGpu, type GpuDeviceLike, type GpuDeviceLostInfoLike } from './webgpuTypes.js';

export type OrtModule = typeof Ort;
export type OrtBuild = 'webgpu' | 'wasm';

/** The WebAssembly runtime each build of onnxruntime-web 1.30 instantiates, beside its module. */
export const ORT_RUNTIME_BINARY: Record<OrtBuild, string> = {
  wasm: 'ort-wasm-simd-threaded.wasm',
  webgpu: 'ort-wasm-simd-threaded.asyncify.wasm',
};

/** The JavaScript module each build imports to start that runtime (Emscripten's glue). */
export const ORT_RUNTIME_GLUE: Record<OrtBuild, string> = {
  wasm: 'ort-wasm-simd-threaded.mjs',
  webgpu: 'ort-wasm-simd-threaded.asyncify.mjs',
};

export interface WebBackendOptions {
  preference: ProviderPreference;
  /** Loads onnxruntime-web: its WebGPU build (which also runs WASM) or its smaller WASM-only build. */
  loadOrt: (build: OrtBuild) => Promise<OrtModule>;
  /** URL prefix of onnxruntime-web's .mjs/.wasm files. */
  wasmPaths: string;
  /**
   * The build's WebAssembly runtime (ORT_RUNTIME_BINARY), fetched by the caller. Without it
   * onnxruntime-web fetches the file itself, with no timeout, and a missing one surfaces as a
   * compile error blamed on the model.
   */
  loadRuntimeBinary?: (build: OrtBuild) => Promise<Uint8Array>;
  /**
   * Imports the build's glue (ORT_RUNTIME_GLUE) from `wasmPaths` before onnxruntime-web does:
   * its own import of the same URL then finds the module loaded. onnxruntime-web's import has no
   * timeout; the caller's can have one.
   */
  loadRuntimeGlue?: (build: OrtBuild) => Promise<unknown>;
  /** WASM threads; default: up to 4 when cross-origin isolated (less `spareCores`), else 1 (threads need COOP/COEP). */
  numThreads?: number;
  /** Cores the default thread count leaves to other work (the metrics worker): default 0. */
  spareCores?: number;
  /** Largest WebGPU-vs-WASM output difference accepted by the self-check (default 1e-3). */
  crossCheckTolerance?: number;
  /**
   * Testing aid: destroys the WebGPU device once this many batches have run (the load-time shape
   * check is the first), which is a real
   * device loss as the browser reports it (the fault otherwise needs a GPU reset or driver crash).
   */
  destroyDeviceAfterBatches?: number;
}

export interface WebBackend extends InferenceBackend {
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  readonly adapterName?: string;
  /** Largest |WebGPU - WASM| on the self-check input, when WebGPU was tried. */
  readonly crossCheckMaxDiff?: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function createWebBackend(modelBytes: Uint8Array, manifest: ModelManifest, source: string, options: WebBackendOptions): Promise<WebBackend> {
  const [batchDim, c, h, w] = manifest.input.shape;
  const frameSize = c * h * w;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const threads = options.numThreads ?? (isolated ? Math.max(1, Math.min(4, cores - (options.spareCores ?? 0))) : 1);
  const choice = await chooseProvider(options.preference, navigatorGpu());
  const build: OrtBuild = choice.provider === 'webgpu' ? 'webgpu' : 'wasm';
  // Fetched side by side; a missing module is reported before a missing glue or runtime,
  // whichever fails first.
  const runtimeBinaryLoad = options.loadRuntimeBinary?.(build);
  runtimeBinaryLoad?.catch(() => undefined);
  const runtimeGlueLoad = options.loadRuntimeGlue?.(build);
  runtimeGlueLoad?.catch(() => undefined);
  const ort = await options.loadOrt(build);
  await runtimeGlueLoad;
  const runtimeBinary = await runtimeBinaryLoad;
  ort.env.wasm.wasmPaths = options.wasmPaths;
  if (runtimeBinary) ort.env.wasm.wasmBinary = runtimeBinary;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';

  const create = async (ep: 'webgpu' | 'wasm') =>
    ort.InferenceSession.create(modelBytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
  let wasm: Ort.InferenceSession;
  try {
    wasm = await create('wasm');
  } catch (err) {
    // The first session also starts the runtime: a failure there is not the model's.
    if (/no available backend found/.test(message(err))) throw new ModelLoadError(`${options.wasmPaths}: onnxruntime-web cannot start its WebAssembly runtime: ${message(err)}`);
    throw new ModelLoadError(`${source}: onnxruntime-web cannot load the model: ${message(err)}`);
  }
  if (!wasm.inputNames.includes(manifest.input.name)) throw new ModelLoadError(`${source}: the model has no input "${manifest.input.name}" (it has ${wasm.inputNames.join(', ')})`);
  if (!wasm.outputNames.includes(manifest.output.name)) throw new ModelLoadError(`${source}: the model has no output "${manifest.output.name}" (it has ${wasm.outputNames.join(', ')})`);

  const runSession = async (session: Ort.InferenceSession, input: Float32Array, n: number): Promise<Float32Array> => {
    // A fresh copy per run: the engine reuses its input buffer and a run may hold on to the tensor.
    const tensor = new ort.Tensor('float32', input.slice(0, n * frameSize), [n, c, h, w]);
    const result = await session.run({ [manifest.input.name]: tensor });
    const out = result[manifest.output.name]!;
    const data = (await out.getData()) as Float32Array;
    for (const t of Object.values(result)) t.dispose();
    return data;
  };

  let provider: 'webgpu' | 'wasm' = 'wasm';
  let fallbackReason = choice.fallbackReason;
  let gpu: Ort.InferenceSession | undefined;
  let device: GpuDeviceLike | undefined;
  let lost: GpuDeviceLostInfoLike | undefined;
  let lostPromise: Promise<GpuDeviceLostInfoLike> | undefined;
  let crossCheckMaxDiff: number | undefined;
  if (choice.provider === 'webgpu') {
    // The adapter the choice requested (high performance), checked and named, not one
    // onnxruntime-web would request itself without a power preference: a laptop on battery could
    // be given its other GPU, and on the lent H200 (headless Chromium, 2026-12-04) that request
    // could get null and the loop fall back to WASM.
    if (choice.adapter) ort.env.webgpu.adapter = choice.adapter as unknown as typeof ort.env.webgpu.adapter;
    try {
      gpu = await create('webgpu');
      device = (await ort.env.webgpu.device) as unknown as GpuDeviceLike;
      lostPromise = device.lost.then((info) => (lost = info));
      const probe = probeInput(c, h, w);
      const [a, b] = [await runSession(gpu, probe, 1), await runSession(wasm, probe, 1)];
      crossCheckMaxDiff = maxAbsDifference(a, b);
      const tolerance = options.crossCheckTolerance ?? CROSS_CHECK_TOLERANCE;
      if (!(crossCheckMaxDiff <= tolerance)) {
        fallbackReason = `WebGPU output differs from WASM by ${crossCheckMaxDiff.toExponential(2)} on the self-check input (tolerance ${tolerance})`;
        await gpu.release();
        gpu = undefined;
      } else {
        provider = 'webgpu';
      }
    } catch (err) {
      fallbackReason = `WebGPU session failed (${message(err)})`;
      await gpu?.release().catch(() => undefined);
      gpu = undefined;
    }
  }

  let batches = 0;
  const switchToWasm = async (why: string) => {
    provider = 'wasm';
    fallbackReason = `${why}; continued on WASM`;
    const old = gpu;
    gpu = undefined;
    await old?.release().catch(() => undefined);
  };

  return {
    get provider() {
      return provider;
    },
    get fallbackReason() {
      return fallbackReason;
    },
    threads,
    crossOriginIsolated: isolated,
    adapterName: choice.adapterName,
    crossCheckMaxDiff,
    maxBatch: typeof batchDim === 'number' ? batchDim : 16,
    async run(input: Float32Array, n: number): Promise<Float32Array> {
      if (gpu && device && options.destroyDeviceAfterBatches !== undefined && batches >= options.destroyDeviceAfterBatches) {
        device.destroy();
        await lostPromise;
      }
      batches++;
      if (gpu && lost) await switchToWasm(`WebGPU device lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''})`);
      if (gpu) {
        try {
          // A device lost while the run is pending may never settle the run: race it.
          const out = await Promise.race([runSession(gpu, input, n), lostPromise!.then(() => undefined)]);
          if (out && !lost) return out;
          await switchToWasm(`WebGPU device lost (${lost?.reason ?? 'unknown'}${lost?.message ? `: ${lost.message}` : ''})`);
        } catch (err) {
          await switchToWasm(`WebGPU run failed (${message(err)})`);
        }
      }
      return runSession(wasm, input, n);
    },
    async dispose() {
      await gpu?.release().catch(() => undefined);
      await wasm.release();
    },
  };
}
