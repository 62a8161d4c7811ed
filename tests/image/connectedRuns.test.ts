/**
 * Post-processing's component steps, done by runs and union-find, against pixel flood fills
 * written for clarity: the same masks on random masks of every density, thin and tiny frames.
 */
import { fillHoles, largestComponent } from '../../src/inference/postprocess.js';
import { connectedRuns, componentOf } from '../../src/image/connectedRuns.js';

function randomMask(width: number, height: number, seed: number, density: number): Uint8Array {
  let state = seed >>> 0;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 < density ? 1 : 0;
  }
  return out;
}

/** Labels of a raster-order flood fill: components numbered by their first pixel. */
function floodLabels(mask: Uint8Array, w: number, h: number, foreground: boolean, diagonal: boolean): Int32Array {
  const labels = new Int32Array(mask.length);
  const inSet = (k: number) => (mask[k] !== 0) === foreground;
  let label = 0;
  for (let startAt = 0; startAt < mask.length; startAt++) {
    if (!inSet(startAt) || labels[startAt]) continue;
    labels[startAt] = ++label;
    const stack = [startAt];
    while (stack.length) {
      const k = stack.pop()!;
      const x = k % w;
      const y = Math.floor(k / w);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === 0 && dy === 0) || (!diagonal && dx !== 0 && dy !== 0)) continue;
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const j = yy * w + xx;
          if (inSet(j) && !labels[j]) {
            labels[j] = label;
            stack.push(j);
          }
        }
    }
  }
  return labels;
}

function referenceLargest(mask: Uint8Array, w: number, h: number): Uint8Array {
  const labels = floodLabels(mask, w, h, true, true);
  const sizes = new Map<number, number>();
  labels.forEach((l) => l && sizes.set(l, (sizes.get(l) ?? 0) + 1));
  let best = 0;
  let bestSize = 0;
  for (const [l, s] of [...sizes].sort((a, b) => a[0] - b[0])) if (s > bestSize) [best, bestSize] = [l, s];
  return Uint8Array.from(labels, (l) => (best && l === best ? 1 : 0));
}

function referenceFill(mask: Uint8Array, w: number, h: number): Uint8Array {
  const labels = floodLabels(mask, w, h, false, false);
  const outside = new Set<number>();
  for (let k = 0; k < mask.length; k++) {
    const x = k % w;
    const y = Math.floor(k / w);
    if (labels[k] && (x === 0 || y === 0 || x === w - 1 || y === h - 1)) outside.add(labels[k]!);
  }
  return Uint8Array.from(labels, (l) => (l && outside.has(l) ? 0 : 1));
}

const SIZES: [number, number][] = [[1, 1], [1, 9], [9, 1], [2, 2], [3, 7], [8, 5], [17, 13], [40, 31], [64, 64]];
const DENSITIES = [0, 0.1, 0.3, 0.45, 0.55, 0.7, 0.9, 1];

describe('components by runs', () => {
  it.each(SIZES)('%ix%i: largest 8-connected component and hole filling as flood fills give them', (w, h) => {
    for (const density of DENSITIES) {
      for (let seed = 1; seed <= 4; seed++) {
        const mask = randomMask(w, h, w * 1000 + h * 10 + seed, density);
        expect(Array.from(largestComponent(mask, w, h))).toEqual(Array.from(referenceLargest(mask, w, h)));
        expect(Array.from(fillHoles(mask, w, h))).toEqual(Array.from(referenceFill(mask, w, h)));
      }
    }
  });

  it('keeps the first of equal components in raster order, joined only diagonally where 8-connected', () => {
    // Two components of 2 pixels: the upper one is first in raster order, though the lower, a diagonal
    // pair (one component with 8-connectivity), starts further left.
    const w = 6;
    const mask = Uint8Array.from([
      0, 0, 0, 1, 1, 0,
      0, 0, 0, 0, 0, 0,
      1, 0, 0, 0, 0, 0,
      0, 1, 0, 0, 0, 0,
    ]);
    expect(Array.from(largestComponent(mask, w, 4))).toEqual(Array.from(mask.map((v, k) => (k < w ? 1 : 0) & v)));
    const ring = Uint8Array.from([
      0, 1, 0,
      1, 0, 1,
      0, 1, 0,
    ]);
    // The centre touches the outside diagonally only: with 4-connectivity it is a hole.
    expect(Array.from(fillHoles(ring, 3, 3))).toEqual([0, 1, 0, 1, 1, 1, 0, 1, 0]);
    const runs = connectedRuns(ring, 3, 3, true, true);
    expect(new Set(Array.from({ length: runs.count }, (_, i) => componentOf(runs, i))).size).toBe(1);
    expect(() => connectedRuns(ring, 4, 3, true, true)).toThrow(RangeError);
  });
});
