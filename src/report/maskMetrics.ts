/** Temporal (and, with ground truth, accuracy) metrics of existing masks over their source cine. */
import type { CineImage } from '../dicom/cineImage.js';
import { unitIntensitiesInPlace } from '../image/floatImage.js';
import { LoopMetricsAccumulator, type FrameMetrics, type LoopSummary } from '../temporal/loopMetrics.js';

export async function metricsForMasks(
  cine: CineImage,
  masks: Uint8Array[],
  options: { groundTruth?: Uint8Array[]; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ frames: FrameMetrics[]; summary: LoopSummary }> {
  if (masks.length !== cine.numberOfFrames) throw new RangeError(`${masks.length} masks for ${cine.numberOfFrames} frames`);
  const acc = new LoopMetricsAccumulator({ width: cine.columns, height: cine.rows, pixelSpacingMm: cine.calibration?.pixelSpacingMm });
  for (let i = 0; i < masks.length; i++) {
    options.signal?.throwIfAborted();
    const image = unitIntensitiesInPlace(await cine.decodeFrame(i), cine.maximumValue);
    acc.push({ image, probability: Float32Array.from(masks[i]!), mask: masks[i]!, groundTruth: options.groundTruth?.[i] });
    options.onProgress?.(i + 1, masks.length);
  }
  return { frames: acc.frames, summary: acc.summary() };
}
