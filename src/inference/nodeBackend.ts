/** onnxruntime-node behind the engine's backend interface (CPU execution provider). Node only. */
import type { ModelManifest } from './manifest.js';
import { ModelLoadError, type InferenceBackend } from './backend.js';

export interface NodeBackendOptions {
  /** Intra-op threads; default: onnxruntime's choice (all cores). */
  threads?: number;
}

export async function createNodeBackend(modelBytes: Uint8Array, manifest: ModelManifest, source: string, options: NodeBackendOptions = {}): Promise<InferenceBackend> {
  const ort = await import('onnxruntime-node');
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, {
      executionProviders: ['cpu'],
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new ModelLoadError(`${source}: onnxruntime cannot load the model: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!session.inputNames.includes(manifest.input.name)) {
    throw new ModelLoadError(`${source}: the model has no input "${manifest.input.name}" (it has ${session.inputNames.join(', ')})`);
  }
  if (!session.outputNames.includes(manifest.output.name)) {
    throw new ModelLoadError(`${source}: the model has no output "${manifest.output.name}" (it has ${session.outputNames.join(', ')})`);
  }
  const [batch, c, h, w] = manifest.input.shape;
  // onnxruntime checks `data instanceof Float32Array` against its own realm, which differs from
  // the caller's under a test runner's VM context: allocate with onnxruntime's constructor.
  const OrtFloat32Array = new ort.Tensor('float32', [0], [1]).data.constructor as Float32ArrayConstructor;
  return {
    provider: 'cpu',
    maxBatch: typeof batch === 'number' ? batch : 16,
    async run(input: Float32Array, n: number): Promise<Float32Array> {
      const data = new OrtFloat32Array(n * c * h * w);
      data.set(input.subarray(0, n * c * h * w));
      const tensor = new ort.Tensor('float32', data, [n, c, h, w]);
      const result = await session.run({ [manifest.input.name]: tensor });
      return result[manifest.output.name]!.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
