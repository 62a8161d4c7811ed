/** Frame -> model input: crop to the input box, resize to the model's size, normalise as the manifest says. */
import { resize } from '../image/floatImage.js';
import { resizeArea } from '../image/areaResize.js';
import type { ModelManifest } from './manifest.js';
import type { PixelBox } from './region.js';

/** What pre-processing reads of a model's manifest (a worker is sent only this). */
export type ModelInputSpec = { input: Pick<ModelManifest['input'], 'shape'> } & Pick<ModelManifest, 'normalisation'>;

/**
 * The box's pixels scaled to [0, 1] and resized to the model's input as training resized them
 * (training/trus_train/data.py: OpenCV's INTER_AREA when either axis shrinks, else bilinear).
 */
export function prepareInput(frame: Float32Array, width: number, maxValue: number, box: PixelBox, manifest: ModelInputSpec, out: Float32Array, offset: number): void {
  const [, , h, w] = manifest.input.shape;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const scale = 1 / maxValue;
  const height = frame.length / width;
  const { mean, std } = manifest.normalisation;
  const inv = 1 / std;
  const end = offset + w * h;
  if (bw > w || bh > h) {
    // Resized straight into the model's input, then normalised there: the values are the
    // resize's float32 ones either way.
    resizeArea({ width, height, data: frame }, box.x0, box.y0, bw, bh, w, h, scale, { data: out, offset });
    for (let i = offset; i < end; i++) out[i] = (out[i]! - mean) * inv;
    return;
  }
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) crop[y * bw + x] = frame[(box.y0 + y) * width + box.x0 + x]! * scale;
  }
  // Neither axis shrinks: resize then only interpolates, bilinearly (OpenCV's INTER_LINEAR).
  const resized = resize({ width: bw, height: bh, data: crop }, w, h).data;
  for (let i = 0; i < resized.length; i++) out[offset + i] = (resized[i]! - mean) * inv;
}
