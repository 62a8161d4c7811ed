/**
 * Model output -> source-resolution probability and mask. Steps, each switchable:
 * sigmoid (for logit outputs), resize back into the input box (zero outside it), threshold,
 * keep the largest 8-connected component, fill holes. Defaults: all on, threshold from the manifest.
 */
import { resize } from '../image/floatImage.js';
import type { PixelBox } from './region.js';

export interface PostprocessOptions {
  threshold: number;
  keepLargestComponent: boolean;
  fillHoles: boolean;
}

export const DEFAULT_POSTPROCESS: Omit<PostprocessOptions, 'threshold'> = { keepLargestComponent: true, fillHoles: true };

export function toProbability(output: Float32Array, offset: number, length: number, logits: boolean): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = output[offset + i]!;
    out[i] = logits ? 1 / (1 + Math.exp(-v)) : v;
  }
  return out;
}

/** Probability at model resolution -> probability over the whole source frame. */
export function probabilityAtSource(prob: Float32Array, modelWidth: number, modelHeight: number, box: PixelBox, width: number, height: number): Float32Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const inBox = resize({ width: modelWidth, height: modelHeight, data: prob }, bw, bh).data;
  const out = new Float32Array(width * height);
  for (let y = 0; y < bh; y++) out.set(inBox.subarray(y * bw, (y + 1) * bw), (box.y0 + y) * width + box.x0);
  return out;
}

/** Keeps the largest 8-connected foreground component. */
export function largestComponent(mask: Uint8Array, width: number, height: number): Uint8Array {
  const labels = new Int32Array(mask.length);
  const stack = new Int32Array(mask.length);
  let best = 0;
  let bestSize = 0;
  let label = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    label++;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const k = stack[--top]!;
      size++;
      const x = k % width;
      const y = (k - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (mask[j] && !labels[j]) {
            labels[j] = label;
            stack[top++] = j;
          }
        }
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = label;
    }
  }
  const out = new Uint8Array(mask.length);
  if (best === 0) return out;
  for (let i = 0; i < mask.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}

/** Fills background regions not 4-connected to the frame border. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let top = 0;
  const seed = (k: number) => {
    if (!mask[k] && !outside[k]) {
      outside[k] = 1;
      stack[top++] = k;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (top > 0) {
    const k = stack[--top]!;
    const x = k % width;
    if (x > 0) seed(k - 1);
    if (x < width - 1) seed(k + 1);
    if (k >= width) seed(k - width);
    if (k < mask.length - width) seed(k + width);
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = outside[i] ? 0 : 1;
  return out;
}

/** What turns one frame's model output into its source-resolution probability and mask. */
export interface FramePostprocess {
  modelWidth: number;
  modelHeight: number;
  /** The model outputs logits (a sigmoid gives the probability). */
  logits: boolean;
  /** Where the model's input was cropped from (the output goes back there). */
  box: PixelBox;
  width: number;
  height: number;
  options: PostprocessOptions;
}

/** One frame's model output -> probability and mask over the source frame. */
export function postprocessFrame(output: Float32Array, p: FramePostprocess): { probability: Float32Array; mask: Uint8Array } {
  const small = toProbability(output, 0, p.modelWidth * p.modelHeight, p.logits);
  const probability = probabilityAtSource(small, p.modelWidth, p.modelHeight, p.box, p.width, p.height);
  return { probability, mask: maskFromProbability(probability, p.width, p.height, p.options) };
}

export function maskFromProbability(prob: Float32Array, width: number, height: number, options: PostprocessOptions): Uint8Array {
  let mask: Uint8Array = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) mask[i] = prob[i]! >= options.threshold ? 1 : 0;
  if (options.keepLargestComponent) mask = largestComponent(mask, width, height);
  if (options.fillHoles) mask = fillHoles(mask, width, height);
  return mask;
}
