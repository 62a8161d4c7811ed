/**
 * The one interface the engine needs from a runtime: run a batch of preprocessed frames.
 * onnxruntime-node implements it in Node, onnxruntime-web (WebGPU or WASM) in the browser.
 */

export type ExecutionProvider = 'cpu' | 'wasm' | 'webgpu';

export interface InferenceBackend {
  /** The provider actually in use (after any fallback). */
  readonly provider: ExecutionProvider;
  /** Why the preferred provider was not used, if it was not. */
  readonly fallbackReason?: string;
  /** Largest batch the model accepts (1 when its batch dimension is fixed to 1). */
  readonly maxBatch: number;
  /** `input` holds `batch` frames of C*H*W values; returns batch*H*W outputs. */
  run(input: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}
