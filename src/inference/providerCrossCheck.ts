/**
 * The self-check a GPU session must pass before it is trusted with a loop, in the browser and in
 * Node alike: a wrong-but-silent GPU path (missing fp16 support, a driver bug) must not pass for a
 * fast one. The GPU session's output on a fixed input is compared with the CPU's.
 */

/** Largest output difference accepted between the GPU and the CPU session (logits). */
export const CROSS_CHECK_TOLERANCE = 1e-3;

/** A fixed, model-independent probe input: smooth structure plus noise, in the normalised range. */
export function probeInput(c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(c * h * w);
  let s = 12345;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = (i % w) / w;
    const y = Math.floor(i / w) % h / h;
    out[i] = Math.sin(6 * x) * Math.cos(4 * y) + (s / 2 ** 32 - 0.5);
  }
  return out;
}

/** max |a - b|; Infinity when the lengths differ or a value is not finite. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
  }
  return d;
}
