/** Messages between the page and the segmentation worker (structured-clone friendly). */
import type { PostprocessOptions } from '../inference/postprocess.js';
import type { SegmentationRun } from '../inference/engine.js';
import type { FrameMetrics } from '../temporal/loopMetrics.js';
import type { ProviderPreference } from './providerChoice.js';

export interface WorkerLoadOptions {
  /** URL of the model's model.json; the weights are found beside it. */
  manifestUrl: string;
  preference: ProviderPreference;
  /** URL prefix of onnxruntime-web's files (ort.*.min.mjs, ort-wasm-*.mjs/.wasm). */
  ortBaseUrl: string;
  numThreads?: number;
  destroyDeviceAfterBatches?: number;
  /**
   * How long the model's files, onnxruntime-web's runtime or a codec's WebAssembly may go without
   * a byte before the load (or the run needing the codec) fails; and how long the worker's script,
   * onnxruntime-web's modules and a codec's script, loaded whole by the browser with no progress
   * to watch, may take to arrive. Default 2 minutes, as every request of the engine. Also how long
   * a metrics or frame worker may take to start before the loop goes on without it (default 30 s).
   */
  idleTimeoutMs?: number;
  /**
   * Run the temporal metrics in a worker of their own (trus-metrics-worker.mjs beside the
   * segmentation worker) so that they overlap inference; default true. False, or a worker that
   * cannot start, computes them in the segmentation worker (slower, same results).
   */
  metricsWorker?: boolean;
  /**
   * Metrics workers sharing each loop (with `metricsWorker`). Default metricsWorkersFor: one
   * beside WASM, which needs the other cores; with WebGPU three cores in four, at most 12, since
   * one worker caps a loop well below what the GPU can segment.
   */
  metricsWorkers?: number;
  /**
   * Workers decoding and pre-processing frames ahead of inference (trus-frame-worker.mjs beside
   * the segmentation worker). Default frameWorkersFor: two with WebGPU on 8 or more cores, where
   * the segmentation worker's own decoding and pre-processing would set the pace; none beside
   * WASM, which needs the cores. 0 prepares frames in the segmentation worker.
   */
  frameWorkers?: number;
}

export interface BackendInfo {
  provider: 'webgpu' | 'wasm' | 'cpu';
  fallbackReason?: string;
  threads: number;
  /** Workers sharing each loop's temporal metrics; 0 when they are computed in the segmentation worker. */
  metricsWorkers: number;
  /** Workers preparing each loop's frames ahead of inference; 0 when the segmentation worker does. */
  frameWorkers: number;
  crossOriginIsolated: boolean;
  adapterName?: string;
  crossCheckMaxDiff?: number;
  model: { name: string; version: string; sha256: string; trainedOn?: string; intendedUse?: string; input: [number | string, number, number, number] };
}

export interface WorkerSegmentOptions {
  batchSize?: number;
  postprocess?: Partial<PostprocessOptions>;
  requireUltrasound?: boolean;
  /** Also write the DICOM SEG in the worker and return its bytes. */
  writeSegmentation?: boolean;
  /** Send each frame's mask as soon as it is ready (default true). */
  streamFrames?: boolean;
}

export type WorkerRequest =
  | { type: 'load'; options: WorkerLoadOptions }
  | { type: 'segment'; id: number; cine: ArrayBuffer; name: string; options: WorkerSegmentOptions }
  | { type: 'cancel'; id: number };

/** A run as it crosses threads: masks as their packed bits. */
export type TransferredRun = Omit<SegmentationRun, 'masks'> & { masks: { length: number; bits: Uint8Array }[] };

/** A file of the model load as it arrives: the model weights or onnxruntime-web's runtime. */
export interface LoadProgress {
  file: 'model weights' | 'onnxruntime-web runtime';
  url: string;
  received: number;
  /** Where the server said (Content-Length). */
  total?: number;
}

export type WorkerResponse =
  /** The worker's script has arrived and run: what is slow from now on is the load, which says. */
  | { type: 'ready' }
  | { type: 'loaded'; info: BackendInfo }
  | { type: 'load-progress'; progress: LoadProgress }
  | { type: 'frame'; id: number; frameIndex: number; total: number; mask?: Uint8Array; metrics: FrameMetrics; provider: string }
  | { type: 'done'; id: number; run: TransferredRun; segmentation?: ArrayBuffer; segmentationWriteMs?: number }
  | { type: 'error'; id?: number; name: string; message: string };
