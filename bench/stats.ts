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

/** Per-call times (ms) of `call`, after `warmup` calls, for at least `seconds` and `minSamples` calls. */
export async function sampleCalls(call: () => Promise<unknown>, options: { warmup: number; seconds: number; minSamples: number }): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) await call();
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
