/** The benchmarks' timing loop (bench/stats.ts): warm-up by count and by time, then samples. */
import { sampleCalls } from '../../bench/stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sampleCalls', () => {
  it('warms up for at least warmupSeconds, however few calls that takes, before it times any', async () => {
    const starts: number[] = [];
    const samples = await sampleCalls(
      async () => {
        starts.push(performance.now());
        await sleep(20);
      },
      { warmup: 1, warmupSeconds: 0.3, seconds: 0, minSamples: 4 },
    );
    expect(samples).toHaveLength(4);
    const warmCalls = starts.length - samples.length;
    expect(warmCalls).toBeGreaterThan(1);
    // The first timed call starts no sooner than 0.3 s after the first warm-up call.
    expect(starts[warmCalls]! - starts[0]!).toBeGreaterThanOrEqual(300);
    for (const s of samples) expect(s).toBeGreaterThanOrEqual(19);
  });

  it('without warmupSeconds, exactly `warmup` calls before timing', async () => {
    let calls = 0;
    const samples = await sampleCalls(async () => void calls++, { warmup: 3, seconds: 0, minSamples: 5 });
    expect(samples).toHaveLength(5);
    expect(calls).toBe(8);
  });
});
