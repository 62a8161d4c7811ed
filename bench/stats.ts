/** Latency statistics and timing loops shared by the benchmarks. */

export interface LatencyStats {
  samples: number;
  medianMs: number;
  p95Ms: number;
  /** Frames per second at the median per-frame latency. */
  fps: number;
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!;
}

export function latencyStats(msPerFrame: number[]): LatencyStats {
  const medianMs = percentile(msPerFrame, 0.5);
  return { samples: msPerFrame.length, medianMs, p95Ms: percentile(msPerFrame, 0.95), fps: 1000 / medianMs };
}

/**
 * Per-call times (ms) of `call`, after a warm-up of at least `warmup` calls and `warmupSeconds`
 * (default none), for at least `seconds` and `minSamples` calls.
 */
export async function sampleCalls(call: () => Promise<unknown>, options: { warmup: number; warmupSeconds?: number; seconds: number; minSamples: number }): Promise<number[]> {
  const warmStart = performance.now();
  for (let i = 0; i < options.warmup || performance.now() - warmStart < (options.warmupSeconds ?? 0) * 1000; i++) await call();
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < options.seconds * 1000 || samples.length < options.minSamples) {
    const t = performance.now();
    await call();
    samples.push(performance.now() - t);
  }
  return samples;
}

export const ms = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
export const fps = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(1));

/** A whole-loop run repeated: the try of median speed (its stage times kept), with every try's FPS. */
export interface MedianTry<T> {
  chosen: T;
  /** Frames per second of each try, in the order they ran. */
  triesFps: number[];
}

/**
 * The try whose frames per second are the median of all tries; of an even number, the slower of
 * the middle two, so that a figure is never the better half's. One loop's FPS moved by 5-10%
 * between runs on the 2-core hosts: a single try could meet or miss a target by chance.
 */
export function medianTry<T extends { frames: number; totalMs: number }>(tries: readonly T[]): MedianTry<T> {
  if (tries.length === 0) throw new RangeError('medianTry: no tries');
  const triesFps = tries.map((t) => (1000 * t.frames) / t.totalMs);
  const order = triesFps.map((_, i) => i).sort((a, b) => triesFps[a]! - triesFps[b]!);
  return { chosen: tries[order[(tries.length - 1) >> 1]!]!, triesFps };
}
