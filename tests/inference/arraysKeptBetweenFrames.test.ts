/**
 * The per-frame steps keep their intermediate arrays between frames (a new array a frame costs its
 * page faults): what a frame returns must not change when the next frame is processed, and must
 * equal what a first call gives.
 */
import { maskFromProbability, postprocessFrame, type FramePostprocess } from '../../src/inference/postprocess.js';
import { inlineFrameSource, type PreparationSpec } from '../../src/inference/frameSource.js';
import { prepareInput } from '../../src/inference/preprocess.js';
import { resize, type FloatImage } from '../../src/image/floatImage.js';
import { resizeArea } from '../../src/image/areaResize.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { cineFile } from '../helpers/synthetic.js';

function random(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  });
}

/** A blob of logits around (cx, cy), with noise: thresholding leaves specks and holes to remove. */
function logits(w: number, h: number, cx: number, cy: number, seed: number): Float32Array {
  const noise = random(w * h, seed);
  return Float32Array.from({ length: w * h }, (_, k) => 6 - Math.hypot((k % w) - cx, Math.floor(k / w) - cy) / 2 + (noise[k]! - 0.5) * 8);
}

const copy = <T extends Float32Array | Uint8Array>(a: T) => Array.from(a);

describe('arrays kept between frames', () => {
  it('post-processing: a frame\'s probability and mask stay as they were after later frames, and equal a first call\'s', () => {
    const p: FramePostprocess = { modelWidth: 24, modelHeight: 16, logits: true, box: { x0: 3, y0: 2, x1: 51, y1: 34 }, width: 57, height: 37, options: { threshold: 0.5, keepLargestComponent: true, fillHoles: true } };
    const a = logits(24, 16, 10, 8, 1);
    const b = logits(24, 16, 15, 6, 2);
    const first = postprocessFrame(a, p);
    const kept = { probability: copy(first.probability), mask: copy(first.mask) };
    expect(kept.mask.some((v) => v === 1)).toBe(true);
    const second = postprocessFrame(b, p);
    expect(copy(second.mask)).not.toEqual(kept.mask);
    // Another size in between: the kept arrays are replaced, not overrun.
    postprocessFrame(logits(30, 20, 12, 9, 3), { ...p, modelWidth: 30, modelHeight: 20 });
    expect(copy(first.probability)).toEqual(kept.probability);
    expect(copy(first.mask)).toEqual(kept.mask);
    const again = postprocessFrame(a, p);
    expect(copy(again.probability)).toEqual(kept.probability);
    expect(copy(again.mask)).toEqual(kept.mask);
    expect(again.mask).not.toBe(first.mask);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('masks (largest component %s, holes filled %s): each call returns an array of its own', (keepLargestComponent, fillHoles) => {
    const options = { threshold: 0.5, keepLargestComponent, fillHoles };
    const prob = (seed: number) => random(40 * 30, seed).map((v, k) => (Math.hypot((k % 40) - 20, Math.floor(k / 40) - 15) < 10 ? v + 0.3 : v - 0.3));
    const a = maskFromProbability(prob(7), 40, 30, options);
    const kept = copy(a);
    const b = maskFromProbability(prob(8), 40, 30, options);
    expect(b).not.toBe(a);
    expect(copy(b)).not.toEqual(kept);
    expect(copy(a)).toEqual(kept);
    expect(copy(maskFromProbability(prob(7), 40, 30, options))).toEqual(kept);
  });

  it('a shrinking resize: the same result before and after resizes of other sizes reuse its blur arrays', () => {
    const img = (w: number, h: number, seed: number): FloatImage => ({ width: w, height: h, data: random(w * h, seed) });
    const x = img(400, 207, 1);
    const first = resize(x, 128, 66);
    const kept = copy(first.data);
    resize(img(90, 500, 2), 30, 100);
    resize(img(800, 600, 3), 100, 75);
    expect(copy(first.data)).toEqual(kept);
    expect(copy(resize(x, 128, 66).data)).toEqual(kept);
    // A size that is not the image's data is refused, as before, at the size it already has too.
    expect(() => resize({ width: 10, height: 10, data: new Float32Array(99) }, 10, 10)).toThrow(/99 values for a 10x10 image/);
  });

  it('an area resize: the same result before and after resizes of other sizes reuse its pass array', () => {
    const img = (w: number, h: number, seed: number): FloatImage => ({ width: w, height: h, data: random(w * h, seed) });
    const x = img(400, 207, 4);
    const first = resizeArea(x, 10, 5, 380, 190, 192, 128, 1 / 255);
    const kept = copy(first.data);
    resizeArea(img(900, 700, 5), 0, 0, 900, 700, 192, 128);
    resizeArea(img(60, 40, 6), 3, 2, 50, 30, 192, 128);
    expect(copy(first.data)).toEqual(kept);
    expect(copy(resizeArea(x, 10, 5, 380, 190, 192, 128, 1 / 255).data)).toEqual(kept);
  });

  it('an area resize into the caller\'s array: the values of a resize into a new one, nothing outside its range written, an array too small refused', () => {
    const x: FloatImage = { width: 400, height: 207, data: random(400 * 207, 9) };
    const fresh = copy(resizeArea(x, 10, 5, 380, 190, 192, 128, 1 / 255).data);
    const target = new Float32Array(3 * 192 * 128).fill(-7);
    const view = resizeArea(x, 10, 5, 380, 190, 192, 128, 1 / 255, { data: target, offset: 192 * 128 });
    expect(view.data.buffer).toBe(target.buffer);
    expect(copy(target.subarray(192 * 128, 2 * 192 * 128))).toEqual(fresh);
    expect(target.subarray(0, 192 * 128).every((v) => v === -7)).toBe(true);
    expect(target.subarray(2 * 192 * 128).every((v) => v === -7)).toBe(true);
    expect(() => resizeArea(x, 10, 5, 380, 190, 192, 128, 1, { data: new Float32Array(192 * 128), offset: 1 })).toThrow(/do not fit an array of 24576/);
  });

  it('the model\'s input written at a batch slot: that frame\'s values, the other slots untouched', () => {
    const frame = random(400 * 207, 10).map((v) => Math.floor(v * 256));
    const model = { input: { shape: [1, 1, 128, 192] as [number, number, number, number] }, normalisation: { mean: 0.2, std: 0.5 } };
    const box = { x0: 3, y0: 2, x1: 397, y1: 205 };
    const alone = new Float32Array(128 * 192);
    prepareInput(frame, 400, 255, box, model, alone, 0);
    const batch = new Float32Array(4 * 128 * 192).fill(9);
    prepareInput(frame, 400, 255, box, model, batch, 2 * 128 * 192);
    expect(copy(batch.subarray(2 * 128 * 192, 3 * 128 * 192))).toEqual(copy(alone));
    expect(batch.subarray(0, 2 * 128 * 192).every((v) => v === 9)).toBe(true);
    expect(batch.subarray(3 * 128 * 192).every((v) => v === 9)).toBe(true);
  });

  it('the inline frame source: each frame\'s image is its decoded frame in [0, 1], its input the model\'s input of that frame', async () => {
    const rows = 30;
    const columns = 44;
    const frames = [0, 1, 2].map((f) => Uint8Array.from({ length: rows * columns }, (_, k) => (k * 7 + f * 40) % 256));
    const cine = CineImage.fromPart10(cineFile({ rows, columns, frames }), 'frames');
    const spec: PreparationSpec = { width: columns, maxValue: 255, box: { x0: 4, y0: 2, x1: 40, y1: 28 }, model: { input: { shape: [1, 1, 16, 24] }, normalisation: { mean: 0.2, std: 0.5 } } };
    const source = await inlineFrameSource(cine, spec, await cine.decodeFrame(0));
    const images: Float32Array[] = [];
    for (let i = 0; i < frames.length; i++) {
      const prepared = await source.frame(i);
      const decoded = await cine.decodeFrame(i);
      const expectedInput = new Float32Array(16 * 24);
      prepareInput(decoded, columns, 255, spec.box, spec.model, expectedInput, 0);
      // Read before the next frame is asked for: the source reuses the array.
      expect(copy(prepared.input)).toEqual(copy(expectedInput));
      images.push(prepared.image);
    }
    // Each image is an array of its own, unchanged by the frames after it.
    for (let i = 0; i < frames.length; i++) expect(copy(images[i]!)).toEqual(Array.from(frames[i]!, (v) => Math.fround(v / 255)));
    expect(new Set(images.map((m) => m.buffer)).size).toBe(frames.length);
  });
});
