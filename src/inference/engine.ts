/**
 * Runs a model over every frame of a cine: decode, pre-process, inference in batches,
 * post-process, temporal metrics; progress per frame and cancellation through AbortSignal.
 * The same function serves the CLI (onnxruntime-node) and the browser (onnxruntime-web in a
 * worker): only the backend differs.
 */
import { notUltrasoundProblem, type CineImage } from '../dicom/cineImage.js';
import { PackedMask } from '../dicom/bitPacking.js';
import type { ScanPlaneReading } from '../dicom/scanPlane.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';
import { SpareFloat32Arrays } from '../util/spareFloat32Arrays.js';
import type { LoadedModel } from './model.js';
import { modelInputBox, type PixelBox } from './region.js';
import { inlineFrameSource, type FrameSourceFactory } from './frameSource.js';
import { DEFAULT_POSTPROCESS, type PostprocessOptions } from './postprocess.js';
import type { FrameMetrics, LoopSummary } from '../temporal/loopMetrics.js';
import { inlineLoopMetrics, type FinishedFrame, type LoopMetricsRunner, type LoopMetricsRunnerFactory } from '../temporal/metricsRunner.js';

export class NotUltrasoundError extends Error {
  override readonly name = 'NotUltrasoundError';
  /** The message without the source. */
  readonly problem: string;
  /** `hint` says how the caller asks for it anyway (an option of the API, a flag of the CLI). */
  constructor(
    readonly source: string,
    readonly modality: string,
    hint = 'pass requireUltrasound: false to segment it anyway',
  ) {
    const problem = `${notUltrasoundProblem(modality)}${hint ? `; ${hint}` : ''}`;
    super(`${source}: ${problem}`);
    this.problem = problem;
  }
}

export interface FrameResult {
  frameIndex: number;
  mask: Uint8Array;
  metrics: FrameMetrics;
}

export interface SegmentProgress {
  done: number;
  total: number;
}

export interface SegmentOptions {
  signal?: AbortSignal;
  onProgress?: (p: SegmentProgress) => void;
  /** Called as soon as each frame's mask is ready (the viewer shows it at once). */
  onFrame?: (f: FrameResult) => void;
  postprocess?: Partial<PostprocessOptions>;
  /** Frames per inference call; default min(4, the model's maximum). */
  batchSize?: number;
  /** Ground-truth masks per frame, for accuracy metrics. */
  groundTruth?: Uint8Array[];
  /** Refuse non-ultrasound images (default true). */
  requireUltrasound?: boolean;
  /** Confidence-map steepness for the metrics. */
  alpha?: number;
  /**
   * Where each frame's post-processing and temporal metrics run; default in this thread. A worker
   * pool (metricsWorkerPool) lets them overlap the next frames' inference; frames are then
   * reported when their mask and metrics arrive.
   */
  metrics?: LoopMetricsRunnerFactory;
  /**
   * Where frames are decoded and pre-processed; default in this thread. Workers that work ahead
   * (nodeFrameWorkers) leave this thread only inference and the hand-over, for a GPU.
   */
  frames?: FrameSourceFactory;
}

export interface StageTimings {
  /** Decoding and pre-processing: in workers when `preparedIn` is 'worker' (then overlapping the other stages). */
  decodeMs: number;
  preprocessMs: number;
  preparedIn: 'worker' | 'inline';
  inferenceMs: number;
  /** Post-processing and metrics: in the worker when `metricsIn` is 'worker' (then overlapping the other stages). */
  postprocessMs: number;
  metricsMs: number;
  metricsIn: 'worker' | 'inline';
}

export interface SegmentationRun {
  sourceSopInstanceUID: string;
  /** What reading the source cine warned of (calibration, timing, modality), for the run's report. */
  sourceWarnings: string[];
  /** The plane the cine scans, when its header says (a prostate volume pairs a transverse and a sagittal loop). */
  scanPlane?: ScanPlaneReading;
  /** Bit-packed, so that a long loop's masks stay small; `.unpack()` gives 0/1 bytes. */
  masks: PackedMask[];
  frames: FrameMetrics[];
  summary: LoopSummary;
  /** The provider that ran the last frame. */
  provider: string;
  fallbackReason?: string;
  /** When the provider changed during the loop (a lost WebGPU device): the first 1-based frame run by the new one. */
  providerChangedAtFrame?: number;
  model: { name: string; version: string; sha256: string; trainedOn?: string };
  inputBox: PixelBox;
  postprocess: PostprocessOptions;
  timings: StageTimings;
}

const now = () => globalThis.performance.now();

export async function segmentCine(cine: CineImage, model: LoadedModel, options: SegmentOptions = {}): Promise<SegmentationRun> {
  if ((options.requireUltrasound ?? true) && !cine.isUltrasound) {
    throw new NotUltrasoundError(cine.source, cine.modality);
  }
  const { manifest, backend } = model;
  const [, c, mh, mw] = manifest.input.shape;
  const { rows: height, columns: width, numberOfFrames: total } = cine;
  const post: PostprocessOptions = { threshold: manifest.threshold, ...DEFAULT_POSTPROCESS, ...options.postprocess };
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 4, backend.maxBatch));
  const timings: StageTimings = { decodeMs: 0, preprocessMs: 0, preparedIn: 'inline', inferenceMs: 0, postprocessMs: 0, metricsMs: 0, metricsIn: 'inline' };
  const maxValue = cine.maximumValue;

  let t = now();
  const first = await cine.decodeFrame(0);
  timings.decodeMs += now() - t;
  const box = manifest.crop === 'full-frame' ? { x0: 0, y0: 0, x1: width, y1: height } : modelInputBox(width, height, cine.calibration, [first], maxValue);
  const region = new Uint8Array(width * height);
  for (let y = box.y0; y < box.y1; y++) region.fill(1, y * width + box.x0, y * width + box.x1);
  options.signal?.throwIfAborted();
  // Frames' images and outputs that the metrics are done with, written again by later frames.
  const spare = new SpareFloat32Arrays();
  const source = await (options.frames ?? inlineFrameSource)(cine, { width, maxValue, box, model: { input: { shape: manifest.input.shape }, normalisation: manifest.normalisation } }, first, spare);
  timings.preparedIn = source.where;
  let metrics: LoopMetricsRunner;
  try {
    metrics = await (options.metrics ?? inlineLoopMetrics)({
      metrics: { width, height, pixelSpacingMm: cine.calibration?.pixelSpacingMm, region, alpha: options.alpha },
      post: { modelWidth: mw, modelHeight: mh, logits: manifest.output.kind === 'logits', box, width, height, options: post },
      frameCount: total,
    });
  } catch (err) {
    source.close();
    throw err;
  }
  timings.metricsIn = metrics.where;
  const stopMetrics = () => metrics.close(options.signal?.reason);
  options.signal?.addEventListener('abort', stopMetrics, { once: true });
  const masks: PackedMask[] = [];
  let providerChangedAtFrame: number | undefined;
  const input = new Float32Array(batchSize * c * mh * mw);
  const imageBytes = width * height * Float32Array.BYTES_PER_ELEMENT;
  /** Frames whose mask and metrics are on their way, oldest first: each is reported when they arrive. */
  const inFlight: { index: number; result: Promise<FinishedFrame>; settled: boolean }[] = [];
  const report = async () => {
    const { index, result } = inFlight.shift()!;
    const { mask, metrics: frameMetrics, postprocessMs, metricsMs, spent } = await result;
    // Outputs (model-sized) are the engine's own to take again; images, where frame workers
    // prepared them, go back to those workers.
    for (const buffer of spent ?? []) {
      if (source.recycle && buffer.byteLength === imageBytes) source.recycle(buffer, 'image');
      else spare.give(buffer);
    }
    timings.postprocessMs += postprocessMs;
    timings.metricsMs += metricsMs;
    masks.push(PackedMask.pack(mask));
    options.onFrame?.({ frameIndex: index, mask, metrics: frameMetrics });
    options.onProgress?.({ done: index + 1, total });
  };
  let loop: { frames: FrameMetrics[]; summary: LoopSummary };

  try {
    for (let start = 0; start < total; start += batchSize) {
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
      // Results that came from a metrics worker during the last batch were only taken in by the
      // yield above: reported now, not after this batch's inference.
      while (inFlight.length > 0 && inFlight[0]!.settled) await report();
      const n = Math.min(batchSize, total - start);
      const images: Float32Array[] = [];
      for (let k = 0; k < n; k++) {
        const prepared = await source.frame(start + k);
        timings.decodeMs += prepared.decodeMs;
        timings.preprocessMs += prepared.preprocessMs;
        input.set(prepared.input, k * c * mh * mw);
        source.recycle?.(prepared.input.buffer as ArrayBuffer, 'input');
        images.push(prepared.image);
      }
      t = now();
      const providerBefore = backend.provider;
      const output = await backend.run(input, n);
      timings.inferenceMs += now() - t;
      if (backend.provider !== providerBefore && providerChangedAtFrame === undefined) providerChangedAtFrame = start + 1;
      if (output.length !== n * mh * mw) throw new Error(`model returned ${output.length} values for ${n} frame(s) of ${mh}x${mw}`);
      for (let k = 0; k < n; k++) {
        options.signal?.throwIfAborted();
        const index = start + k;
        // Handed over: neither array is used here again (a worker's runner moves them) until the
        // runner gives them back as spent.
        const frameOutput = spare.take(mh * mw);
        frameOutput.set(output.subarray(k * mh * mw, (k + 1) * mh * mw));
        const result = metrics.push({ image: images[k]!, output: frameOutput, groundTruth: options.groundTruth?.[index], handOver: true });
        const entry = { index, result, settled: false };
        // Awaited in order by report(); a failure before then must not count as unhandled.
        result.then(
          () => (entry.settled = true),
          () => (entry.settled = true),
        );
        inFlight.push(entry);
        while (inFlight.length > metrics.framesAhead) await report();
      }
      // The loop's first mask is waited for (a frame without a frame before it takes a worker a
      // few milliseconds): otherwise it showed only after the next batch or two had been inferred
      // (measured in Chromium, 1 thread, batch 4: the first frame reported 0.5 s into a loop, two
      // batches after its own). Frames whose metrics have come back are reported now; the others
      // wait for the next batch.
      if (start === 0 && inFlight.length > 0) await report();
      while (inFlight.length > 0 && inFlight[0]!.settled) await report();
    }
    while (inFlight.length > 0) await report();
    loop = await metrics.finish();
  } finally {
    options.signal?.removeEventListener('abort', stopMetrics);
    metrics.close(options.signal?.reason);
    source.close();
  }
  return {
    sourceSopInstanceUID: cine.sopInstanceUID,
    sourceWarnings: [...cine.warnings],
    ...(cine.scanPlane ? { scanPlane: cine.scanPlane } : {}),
    masks,
    frames: loop.frames,
    summary: loop.summary,
    provider: backend.provider,
    fallbackReason: backend.fallbackReason,
    ...(providerChangedAtFrame !== undefined ? { providerChangedAtFrame } : {}),
    model: { name: manifest.name, version: manifest.version, sha256: manifest.sha256, trainedOn: manifest.trainedOn },
    inputBox: box,
    postprocess: post,
    timings,
  };
}
