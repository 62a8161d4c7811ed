/**
 * onnxruntime-node behind the engine's backend interface: its CPU execution provider, or, when
 * asked for, its WebGPU provider (Dawn over Vulkan on Linux, bundled with onnxruntime-node). A
 * WebGPU session is cross-checked against the CPU on a fixed input before it is used, and a WebGPU
 * run that fails in the middle of a loop (a lost device) is re-run on the CPU, which carries on.
 * Node only.
 */
import type { ModelManifest } from './manifest.js';
import { ModelLoadError, type InferenceBackend } from './backend.js';
import { CROSS_CHECK_TOLERANCE, maxAbsDifference, probeInput } from './providerCrossCheck.js';

export type NodeProvider = 'cpu' | 'webgpu';

export interface NodeBackendOptions {
  /** Intra-op threads of the CPU provider; default: onnxruntime's choice (all cores). */
  threads?: number;
  /** Default 'cpu'. 'webgpu' fails to load, with the reason, where no WebGPU adapter is usable. */
  provider?: NodeProvider;
  /**
   * Testing aid: WebGPU runs after this many batches (the load-time checks count) fail as a lost
   * device's would. onnxruntime-node offers no way to lose the device for real.
   */
  failWebgpuAfterBatches?: number;
}

export class WebgpuUnavailableError extends ModelLoadError {}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** onnxruntime's native errors carry a source location and check expression before the reason. */
function reasonOf(err: unknown): string {
  const lines = message(err).split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines.pop() ?? 'unknown error';
  const reason = /(Failed to .*)$/.exec(last)?.[1];
  return reason ?? last;
}

export async function createNodeBackend(modelBytes: Uint8Array, manifest: ModelManifest, source: string, options: NodeBackendOptions = {}): Promise<InferenceBackend> {
  const ort = await import('onnxruntime-node');
  type Session = import('onnxruntime-node').InferenceSession;
  let cpu: Session;
  try {
    cpu = await ort.InferenceSession.create(modelBytes, {
      executionProviders: ['cpu'],
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new ModelLoadError(`${source}: onnxruntime cannot load the model: ${message(err)}`);
  }
  if (!cpu.inputNames.includes(manifest.input.name)) {
    throw new ModelLoadError(`${source}: the model has no input "${manifest.input.name}" (it has ${cpu.inputNames.join(', ')})`);
  }
  if (!cpu.outputNames.includes(manifest.output.name)) {
    throw new ModelLoadError(`${source}: the model has no output "${manifest.output.name}" (it has ${cpu.outputNames.join(', ')})`);
  }
  const [batch, c, h, w] = manifest.input.shape;
  // onnxruntime checks `data instanceof Float32Array` against its own realm, which differs from
  // the caller's under a test runner's VM context: allocate with onnxruntime's constructor.
  const OrtFloat32Array = new ort.Tensor('float32', [0], [1]).data.constructor as Float32ArrayConstructor;
  const runSession = async (session: Session, input: Float32Array, n: number): Promise<Float32Array> => {
    const data = new OrtFloat32Array(n * c * h * w);
    data.set(input.subarray(0, n * c * h * w));
    const tensor = new ort.Tensor('float32', data, [n, c, h, w]);
    const result = await session.run({ [manifest.input.name]: tensor });
    return result[manifest.output.name]!.data as Float32Array;
  };

  let gpu: Session | undefined;
  let provider: NodeProvider = 'cpu';
  let fallbackReason: string | undefined;
  if (options.provider === 'webgpu') {
    try {
      // One intra-op thread: the GPU runs the graph, and a pool of all cores (onnxruntime's default)
      // would compete with the metrics workers, which set a GPU loop's pace.
      gpu = await ort.InferenceSession.create(modelBytes, { executionProviders: ['webgpu'], intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (err) {
      await cpu.release();
      throw new WebgpuUnavailableError(`${source}: onnxruntime's WebGPU provider cannot run here (${reasonOf(err)}); use the CPU provider instead`);
    }
    const probe = probeInput(c, h, w);
    let diff = NaN;
    let checkFailure: string | undefined;
    try {
      diff = maxAbsDifference(await runSession(gpu, probe, 1), await runSession(cpu, probe, 1));
    } catch (err) {
      checkFailure = reasonOf(err);
    }
    if (!(diff <= CROSS_CHECK_TOLERANCE)) {
      await gpu.release();
      await cpu.release();
      const why = checkFailure !== undefined ? `the WebGPU self-check run failed (${checkFailure})` : `the WebGPU output differs from the CPU provider's by ${diff.toExponential(2)} on the self-check input (tolerance ${CROSS_CHECK_TOLERANCE})`;
      throw new WebgpuUnavailableError(`${source}: ${why}; use the CPU provider instead`);
    }
    provider = 'webgpu';
  }

  let batches = 0;
  return {
    get provider() {
      return provider;
    },
    get fallbackReason() {
      return fallbackReason;
    },
    maxBatch: typeof batch === 'number' ? batch : 16,
    async run(input: Float32Array, n: number): Promise<Float32Array> {
      batches++;
      if (gpu) {
        try {
          if (options.failWebgpuAfterBatches !== undefined && batches > options.failWebgpuAfterBatches) throw new Error('the WebGPU device was lost (simulated by failWebgpuAfterBatches)');
          return await runSession(gpu, input, n);
        } catch (err) {
          fallbackReason = `WebGPU run failed (${reasonOf(err)}); continued on the CPU provider`;
          provider = 'cpu';
          const old = gpu;
          gpu = undefined;
          await old.release().catch(() => undefined);
        }
      }
      return runSession(cpu, input, n);
    },
    async dispose() {
      await gpu?.release().catch(() => undefined);
      await cpu.release();
    },
  };
}
