/**
 * Model output -> source-resolution probability and mask. Steps, each switchable:
 * sigmoid (for logit outputs), resize back into the input box (zero outside it), threshold,
 * keep the largest 8-connected component, fill holes. Defaults: all on, threshold from the manifest.
 */
import { resizeInto } from '../image/floatImage.js';
import { componentOf, connectedRuns } from '../image/connectedRuns.js';
import type { PixelBox } from './region.js';

export interface PostprocessOptions {
  threshold: number;
  keepLargestComponent: boolean;
  fillHoles: boolean;
}

export const DEFAULT_POSTPROCESS: Omit<PostprocessOptions, 'threshold'> = { keepLargestComponent: true, fillHoles: true };

export function toProbability(output: Float32Array, offset: number, length: number, logits: boolean, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = output[offset + i]!;
    out[i] = logits ? 1 / (1 + Math.exp(-v)) : v;
  }
  return out;
}

/** Probability at model resolution -> probability over the whole source frame; `into`, when given, is overwritten instead of a new array. */
export function probabilityAtSource(prob: Float32Array, modelWidth: number, modelHeight: number, box: PixelBox, width: number, height: number, into?: Float32Array): Float32Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  if (into && into.length !== width * height) throw new RangeError(`a probability map of ${width}x${height} needs ${width * height} values, the array given has ${into.length}`);
  // Zero outside the box: the resize writes only inside it.
  const out = into ? into.fill(0) : new Float32Array(width * height);
  resizeInto({ width: modelWidth, height: modelHeight, data: prob }, bw, bh, out, box.y0 * width + box.x0, width);
  return out;
}

/** Keeps the largest 8-connected foreground component (of equal ones, the first in raster order); `into` is overwritten. */
export function largestComponent(mask: Uint8Array, width: number, height: number, into?: Uint8Array): Uint8Array {
  const runs = connectedRuns(mask, width, height, true, true);
  const out = into ? into.fill(0) : new Uint8Array(mask.length);
  if (runs.count === 0) return out;
  const size = new Float64Array(runs.count);
  for (let i = 0; i < runs.count; i++) size[componentOf(runs, i)]! += runs.end[i]! - runs.start[i]!;
  let best = 0;
  for (let i = 1; i < runs.count; i++) if (size[i]! > size[best]!) best = i;
  for (let i = 0; i < runs.count; i++) {
    if (componentOf(runs, i) === best) out.fill(1, runs.row[i]! * width + runs.start[i]!, runs.row[i]! * width + runs.end[i]!);
  }
  return out;
}

/** Fills background regions not 4-connected to the frame border. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const runs = connectedRuns(mask, width, height, false, false);
  const outside = new Uint8Array(runs.count);
  for (let i = 0; i < runs.count; i++) {
    if (runs.row[i] === 0 || runs.row[i] === height - 1 || runs.start[i] === 0 || runs.end[i] === width) outside[componentOf(runs, i)] = 1;
  }
  const out = new Uint8Array(mask.length).fill(1);
  for (let i = 0; i < runs.count; i++) {
    if (outside[componentOf(runs, i)]) out.fill(0, runs.row[i]! * width + runs.start[i]!, runs.row[i]! * width + runs.end[i]!);
  }
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

/**
 * The steps' intermediate arrays, kept between frames: only the probability and the mask leave a
 * frame, and a new array a frame costs its page faults, dear on some hosts (see
 * prepareDecodedFrame). Safe to share, since a frame's post-processing runs without yielding.
 */
const scratch = { probability: new Float32Array(0), thresholded: new Uint8Array(0), largest: new Uint8Array(0) };

/**
 * One frame's model output -> probability and mask over the source frame. The mask is a new
 * array; so is the probability, unless `probabilityInto` is given to be overwritten.
 */
export function postprocessFrame(output: Float32Array, p: FramePostprocess, probabilityInto?: Float32Array): { probability: Float32Array; mask: Uint8Array } {
  const n = p.modelWidth * p.modelHeight;
  if (scratch.probability.length !== n) scratch.probability = new Float32Array(n);
  const small = toProbability(output, 0, n, p.logits, scratch.probability);
  const probability = probabilityAtSource(small, p.modelWidth, p.modelHeight, p.box, p.width, p.height, probabilityInto);
  return { probability, mask: maskFromProbability(probability, p.width, p.height, p.options) };
}

/** The mask of a probability map: a new array (the intermediate steps' are kept between calls). */
export function maskFromProbability(prob: Float32Array, width: number, height: number, options: PostprocessOptions): Uint8Array {
  // With no step after it, the thresholded mask is the result, so it must be a new array.
  const stepsAfter = options.keepLargestComponent || options.fillHoles;
  if (stepsAfter && scratch.thresholded.length !== prob.length) {
    scratch.thresholded = new Uint8Array(prob.length);
    scratch.largest = new Uint8Array(prob.length);
  }
  let mask: Uint8Array = stepsAfter ? scratch.thresholded : new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) mask[i] = prob[i]! >= options.threshold ? 1 : 0;
  if (options.keepLargestComponent) mask = largestComponent(mask, width, height, options.fillHoles ? scratch.largest : undefined);
  if (options.fillHoles) mask = fillHoles(mask, width, height);
  return mask;
}
