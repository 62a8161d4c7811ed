/**
 * The loop metrics in a worker thread (Node, as the CLI runs them): the same values as computed
 * in line, reported in frame order (the first frame before the next batch's inference), a worker
 * reused across loops, and the faults: a worker script that does not exist (metrics in line
 * instead), a worker that dies mid-loop (a clear error, no hang), and cancellation (the pool still
 * works afterwards). Runs the built engine in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';
import { phantomLoop } from '../helpers/phantomLoop.js';
import { tempDir } from '../helpers/tools.js';
import { expectWorkerMetricsEqualInline } from '../helpers/metricsAgreement.js';

jest.setTimeout(120000);

const ROOT = resolve(__dirname, '../..');
const RUNNER = resolve(ROOT, 'tests/helpers/metricsWorkerRun.mjs');
const DYING = resolve(ROOT, 'tests/helpers/dyingMetricsWorker.mjs');
const dir = tempDir('metrics-worker-');
const cinePath = join(dir, 'loop.dcm');
const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64]);
const FRAMES = 6;

interface LoopRun {
  metricsIn: 'worker' | 'inline';
  frames: { frameNumber: number; warpedConsistency: number | null }[];
  summary: Record<string, unknown>;
  streamed: { frameIndex: number; metrics: unknown }[];
  masks: number[][];
}

function runChild(mode: string): Record<string, any> {
  // A timeout: a worker left running (or a hang) would keep the child alive and fail the test.
  const r = spawnSync(process.execPath, [RUNNER, cinePath, model.dir, mode, DYING], { encoding: 'utf8', timeout: 90000 });
  if (r.status !== 0) throw new Error(`child ${mode} exited ${r.status} (signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

beforeAll(async () => {
  if (!existsSync(resolve(ROOT, 'dist/temporal/nodeMetricsWorker.js'))) throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
  writeFileSync(cinePath, (await phantomLoop('metrics-worker', FRAMES, 120, 'jpeg')).cine);
});

describe('loop metrics in a worker thread', () => {
  it('gives exactly the in-line metrics, frame by frame in order, and a reused worker starts each loop afresh', () => {
    const out = runChild('compare');
    const worker = out.worker as LoopRun;
    const again = out.again as LoopRun;
    const inline = out.inline as LoopRun;
    expect(out.fallbacks).toEqual([]);
    expectWorkerMetricsEqualInline(worker, inline, FRAMES);
    expectWorkerMetricsEqualInline(again, inline, FRAMES);
    expect(worker.streamed.map((s) => s.frameIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(worker.streamed.map((s) => s.metrics)).toEqual(worker.frames);
  });

  it('two workers sharing a loop in runs of frames, shorter at its end (each run sent with the frame before it), give exactly the in-line metrics and summary', () => {
    const out = runChild('parallel');
    const worker = out.worker as LoopRun;
    const inline = out.inline as LoopRun;
    expect(out.fallbacks).toEqual([]);
    expectWorkerMetricsEqualInline(worker, inline, FRAMES);
    expectWorkerMetricsEqualInline(out.again as LoopRun, inline, FRAMES);
    expect(worker.streamed.map((s) => s.frameIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(worker.streamed.map((s) => s.metrics)).toEqual(worker.frames);
    // Not vacuous: frames differ from each other, so a frame paired with the wrong "previous" would show.
    expect(new Set(inline.frames.map((f) => f.warpedConsistency)).size).toBe(FRAMES);
  });

  it("the loop's first frame is reported before the second batch is inferred, though its metrics come from the worker", () => {
    const out = runChild('first-mask');
    expect(out.fallbacks).toEqual([]);
    const events = out.events as string[];
    expect(events.filter((e) => e === 'inference')).toHaveLength(FRAMES / 2);
    expect(events.filter((e) => e.startsWith('frame'))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `frame ${i}`));
    // Its result comes back as a message, taken in only when the engine's thread next waits: without
    // waiting for it, the first mask showed after a later batch's inference.
    expect(events.slice(0, 2)).toEqual(['inference', 'frame 0']);
  });

  it('a frame handed over is moved to the worker (its arrays detached here), one not handed over is copied; all are measured; a Node worker keeps spent buffers', () => {
    const out = runChild('handover');
    expect(out.fallbacks).toEqual([]);
    expect(out.lengthsAfterPush).toEqual({ moved: [0, 0], copied: [48, 12] });
    // Logits of 3 and 1.5 everywhere: every pixel is prostate in all frames.
    expect(out.areas).toEqual([48, 48, 48]);
    // Nothing comes back from Node's workers (slower there; the protocol's give-back is tested in
    // tests/temporal/spentFrameBuffers.test.ts).
    expect(out.spent).toEqual([[], [], []]);
  });

  it('a worker of several that dies mid-loop fails the loop with a clear error instead of hanging', () => {
    const out = runChild('parallel-dying');
    expect(out.error).toEqual({ name: 'MetricsWorkerError', message: 'the metrics worker stopped: it exited (code 3)' });
  });

  it('a worker script that cannot be loaded: the metrics are computed in line, with the reason', () => {
    const out = runChild('missing');
    expect(out.run.metricsIn).toBe('inline');
    expect(out.run.frames).toHaveLength(FRAMES);
    expect(out.run.frames[1].warpedConsistency).toEqual(expect.any(Number));
    expect(out.fallbacks).toHaveLength(1);
    expect(out.fallbacks[0]).toMatch(/metrics worker did not start: .*nonexistent/);
  });

  it('a worker that dies mid-loop fails the loop with a clear error instead of hanging', () => {
    const out = runChild('dying');
    expect(out.error).toEqual({ name: 'MetricsWorkerError', message: 'the metrics worker stopped: it exited (code 3)' });
  });

  it('cancelling ends the loop with the AbortError; the next loop runs with a fresh worker', () => {
    const out = runChild('abort');
    expect(out.error).toEqual({ name: 'AbortError', message: 'cancelled by the test' });
    expect(out.after.metricsIn).toBe('worker');
    expect(out.after.frames).toHaveLength(FRAMES);
  });
});
