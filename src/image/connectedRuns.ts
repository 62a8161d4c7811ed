/**
 * Connected components of a binary mask by runs: each row's runs of foreground (or background)
 * pixels, joined to the overlapping runs of the row above by union-find. The work grows with the
 * number of runs, not of pixels: flood fills that visited every pixel with its neighbours were
 * most of a frame's post-processing.
 */

export interface ConnectedRuns {
  count: number;
  /** Row, first column and one past the last column of each run, runs in raster order. */
  row: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** Union-find links; `componentOf` gives a run's component. */
  parent: Int32Array;
}

/**
 * A run's component, named by its first run in raster order (so components are ordered by their
 * first pixel, as a raster-scan flood fill labels them).
 */
export function componentOf(runs: ConnectedRuns, i: number): number {
  const parent = runs.parent;
  let root = i;
  while (parent[root] !== root) root = parent[root]!;
  while (parent[i] !== root) {
    const next = parent[i]!;
    parent[i] = root;
    i = next;
  }
  return root;
}

function join(runs: ConnectedRuns, a: number, b: number): void {
  const ra = componentOf(runs, a);
  const rb = componentOf(runs, b);
  if (ra < rb) runs.parent[rb] = ra;
  else if (rb < ra) runs.parent[ra] = rb;
}

/**
 * The runs of pixels that are foreground (non-zero; `foreground` true) or background (zero), with
 * 8-connectivity (`diagonal`) or 4-connectivity between rows.
 */
export function connectedRuns(mask: ArrayLike<number>, width: number, height: number, foreground: boolean, diagonal: boolean): ConnectedRuns {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, expected ${width}x${height}`);
  const capacity = height * ((width + 1) >> 1);
  const runs: ConnectedRuns = { count: 0, row: new Int32Array(capacity), start: new Int32Array(capacity), end: new Int32Array(capacity), parent: new Int32Array(capacity) };
  const { row, start, end, parent } = runs;
  // Runs of the row above overlap [s, e) when they reach into [s - reach, e + reach).
  const reach = diagonal ? 1 : 0;
  let previousFirst = 0;
  let previousEnd = 0;
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const first = runs.count;
    let x = 0;
    while (x < width) {
      while (x < width && (mask[base + x] !== 0) !== foreground) x++;
      if (x === width) break;
      const s = x;
      while (x < width && (mask[base + x] !== 0) === foreground) x++;
      const i = runs.count++;
      row[i] = y;
      start[i] = s;
      end[i] = x;
      parent[i] = i;
    }
    // Both rows' runs are in column order: one sweep finds every overlapping pair.
    let j = previousFirst;
    for (let i = first; i < runs.count; i++) {
      const lo = start[i]! - reach;
      const hi = end[i]! + reach;
      while (j < previousEnd && end[j]! <= lo) j++;
      for (let k = j; k < previousEnd && start[k]! < hi; k++) join(runs, i, k);
    }
    previousFirst = first;
    previousEnd = runs.count;
  }
  return runs;
}
