/** The check both metrics-worker suites (Node and Chromium) make: a loop with its metrics computed in a worker against the same loop with them in line. */

export interface LoopWithMetrics {
  metricsIn: string;
  masks: unknown;
  frames: { frameNumber?: unknown; warpedConsistency?: unknown }[];
  summary: unknown;
}

/** Same masks, so every figure must agree exactly; frames numbered 1..n, the flow figures present from frame 2. */
export function expectWorkerMetricsEqualInline(worker: LoopWithMetrics, inline: LoopWithMetrics, frameCount: number): void {
  expect(worker.metricsIn).toBe('worker');
  expect(inline.metricsIn).toBe('inline');
  expect(worker.masks).toEqual(inline.masks);
  expect(worker.frames).toEqual(inline.frames);
  expect(worker.summary).toEqual(inline.summary);
  expect(worker.frames.map((f) => f.frameNumber)).toEqual(Array.from({ length: frameCount }, (_, i) => i + 1));
  // Not vacuous: no flow for the first frame, flow-warped consistency from the second.
  expect(worker.frames[0]!.warpedConsistency).toBeNull();
  expect(worker.frames[1]!.warpedConsistency).toEqual(expect.any(Number));
}
