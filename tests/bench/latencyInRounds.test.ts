/** Model-only rows measured in rounds (bench/modelLatency.ts): order, time shares, pooled figures, failures. */
import { join } from 'node:path';
import { chromiumTiming, latencyInRounds, nodeRoundRow, WEBGPU_BUILD_TIER_UP_SECONDS, type LatencySamples, type RoundRow, type Timing } from '../../bench/modelLatency.js';
import { percentile } from '../../bench/stats.js';

const STUDENT = join(__dirname, '..', '..', 'models', 'trus-student');

/** A row that records each call: which round's timing it got and what it measured. */
function recorded(row: RoundRow, calls: { what: string; timing: Timing; samples?: LatencySamples }[]): RoundRow {
  return {
    what: row.what,
    sample: async (timing) => {
      const s = await row.sample(timing);
      calls.push({ what: row.what, timing, ...(typeof s === 'string' ? {} : { samples: s }) });
      return s;
    },
  };
}

describe('latencyInRounds', () => {
  test('every row once a round, in turn, for its share of the time after a full warm-up; figures from all rounds pooled, with each round\'s median', async () => {
    const calls: { what: string; timing: Timing; samples?: LatencySamples }[] = [];
    const native = recorded(nodeRoundRow(STUDENT, 1), calls);
    // A second row in the same rounds: its own figures, so that the order of calls can be seen.
    const second: RoundRow = recorded({ what: 'a second row', sample: async () => ({ row: { model: 'm', backend: 'wasm', runtime: 'r', threads: 1 }, msPerFrame: { 1: [4, 6, 5], 4: [2, 2, 3] } }) }, calls);
    const lines: string[] = [];
    const out = await latencyInRounds([native, second], 3, (l) => lines.push(l));

    expect(calls.map((c) => c.what)).toEqual([native.what, 'a second row', native.what, 'a second row', native.what, 'a second row']);
    for (const c of calls) expect(c.timing).toEqual({ warmup: 5, warmupSeconds: 1, seconds: 1, minSamples: 7 });
    expect(lines[0]).toBe(`model latency (round 1 of 3): ${native.what}`);
    expect(out.failed).toEqual([]);

    const row = out.rows[0]!;
    expect(row).toMatchObject({ model: 'trus-student', backend: 'node', threads: 1 });
    const ownCalls = calls.filter((c) => c.what === native.what).map((c) => c.samples!);
    for (const batch of [1, 4] as const) {
      const all = ownCalls.flatMap((s) => s.msPerFrame[batch]);
      const stats = batch === 1 ? row.batch1 : row.batch4;
      expect(stats.samples).toBe(all.length);
      for (const s of ownCalls) expect(s.msPerFrame[batch].length).toBeGreaterThanOrEqual(7);
      expect(stats.medianMs).toBe(percentile(all, 0.5));
      expect(stats.p95Ms).toBe(percentile(all, 0.95));
      expect(batch === 1 ? row.rounds!.batch1MedianMs : row.rounds!.batch4MedianMs).toEqual(ownCalls.map((s) => percentile(s.msPerFrame[batch], 0.5)));
    }
    expect(out.rows[1]).toMatchObject({ model: 'm', batch1: { samples: 9, medianMs: 5 }, rounds: { batch1MedianMs: [5, 5, 5], batch4MedianMs: [2, 2, 2] } });
  }, 60_000);

  test('a row that fails in any round is not measured, with its reason; the other rows are', async () => {
    // A failure in a later round (Chromium gone, say) cannot be caused on demand here: this row returns its reason itself.
    let n = 0;
    const flaky: RoundRow = { what: 'flaky', sample: async () => (++n === 2 ? 'Chromium is not installed' : { row: { model: 'f', backend: 'wasm', runtime: 'r', threads: 1 }, msPerFrame: { 1: [1], 4: [1] } }) };
    const steady: RoundRow = { what: 'steady', sample: async () => ({ row: { model: 's', backend: 'node', runtime: 'r', threads: 1 }, msPerFrame: { 1: [2], 4: [1] } }) };
    const out = await latencyInRounds([flaky, steady], 3, () => {});
    expect(n).toBe(2);
    expect(out.failed).toEqual([{ what: 'flaky', why: 'Chromium is not installed' }]);
    expect(out.rows.map((r) => r.model)).toEqual(['s']);
    expect(out.rows[0]!.rounds!.batch1MedianMs).toEqual([2, 2, 2]);
  });

  test('rounds must be a whole number of at least 1', async () => {
    await expect(latencyInRounds([], 0, () => {})).rejects.toThrow(RangeError);
    await expect(latencyInRounds([], 1.5, () => {})).rejects.toThrow(/whole number of at least 1, not 1.5/);
  });

  test('the WebGPU build\'s WASM rows warm up longer before their first batch (V8 tiers its binary up slowly); other rows keep their round\'s timing', () => {
    const round: Timing = { warmup: 5, warmupSeconds: 1, seconds: 1, minSamples: 7 };
    expect(WEBGPU_BUILD_TIER_UP_SECONDS).toBeGreaterThan(0);
    expect(chromiumTiming({ provider: 'wasm', ortBuild: 'webgpu', timing: round })).toEqual({ ...round, tierUpSeconds: WEBGPU_BUILD_TIER_UP_SECONDS });
    expect(chromiumTiming({ provider: 'wasm', ortBuild: 'wasm', timing: round })).toEqual(round);
    expect(chromiumTiming({ provider: 'wasm', timing: round })).toEqual(round);
    // The WebGPU provider's rows are left as they were: their time is the GPU's (or SwiftShader's), not this binary's kernels'.
    expect(chromiumTiming({ provider: 'webgpu', timing: round })).toEqual(round);
    // Without a round's timing, the bench's own, with the same addition.
    const own = chromiumTiming({ provider: 'wasm', ortBuild: 'webgpu' });
    expect(own.tierUpSeconds).toBe(WEBGPU_BUILD_TIER_UP_SECONDS);
    expect(own.warmupSeconds).toBe(1);
  });
});
