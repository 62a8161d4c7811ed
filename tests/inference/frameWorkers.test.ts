/**
 * Frames decoded and pre-processed in worker threads ahead of inference (Node, the CLI's default
 * on WebGPU): the same masks, metrics and summary as in the engine's thread, workers reused across
 * loops, a frame that cannot be decoded failing with the same typed error, a worker that dies
 * mid-loop (the loop finishes in the engine's thread, with the reason), and answers to an earlier
 * loop arriving late (never taken for the next loop's frames). Runs the built engine in a child
 * process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';
import { phantomLoop } from '../helpers/phantomLoop.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(120000);

const ROOT = resolve(__dirname, '../..');
const RUNNER = resolve(ROOT, 'tests/helpers/frameWorkerRun.mjs');
const DYING = resolve(ROOT, 'tests/helpers/dyingFrameWorker.mjs');
const LATE = resolve(ROOT, 'tests/helpers/lateFrameWorker.mjs');
const dir = tempDir('frame-workers-');
const cinePath = join(dir, 'loop.dcm');
const otherCinePath = join(dir, 'other-loop.dcm');
const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64]);
const FRAMES = 9;

interface LoopRun {
  preparedIn: 'worker' | 'inline';
  frames: { frameNumber: number; area: number | null; warpedConsistency: number | null }[];
  summary: Record<string, unknown>;
  masks: number[][];
}

function runChild(mode: string, testWorker = DYING): Record<string, any> {
  // A timeout: a worker left running (or a hang) would keep the child alive and fail the test.
  const r = spawnSync(process.execPath, [RUNNER, cinePath, model.dir, mode, testWorker, otherCinePath], { encoding: 'utf8', timeout: 90000 });
  if (r.status !== 0) throw new Error(`child ${mode} exited ${r.status} (signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function expectSameLoop(run: LoopRun, inline: LoopRun): void {
  expect(run.masks).toEqual(inline.masks);
  expect(run.frames).toEqual(inline.frames);
  expect(run.summary).toEqual(inline.summary);
}

beforeAll(async () => {
  if (!existsSync(resolve(ROOT, 'dist/inference/nodeFrameWorkers.js'))) throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
  writeFileSync(cinePath, (await phantomLoop('frame-workers', FRAMES, 120, 'jpeg')).cine);
  writeFileSync(otherCinePath, (await phantomLoop('frame-workers-other', FRAMES, 120, 'jpeg', 'axial', 'TEST02')).cine);
});

describe('frames prepared in worker threads', () => {
  it('give exactly the masks, metrics and summary of the engine\'s thread, and reused workers start each loop afresh', () => {
    const out = runChild('compare');
    const inline = out.inline as LoopRun;
    expect(out.fallbacks).toEqual([]);
    expect(out.worker.preparedIn).toBe('worker');
    expect(out.again.preparedIn).toBe('worker');
    expect(inline.preparedIn).toBe('inline');
    expectSameLoop(out.worker, inline);
    expectSameLoop(out.again, inline);
    // Not vacuous: the frames differ, so a frame prepared from the wrong bytes or in the wrong order would show.
    expect(new Set(inline.masks.map((m) => m.join())).size).toBeGreaterThan(1);
    expect(new Set(inline.frames.map((f) => f.warpedConsistency)).size).toBe(FRAMES);
  });

  it('a frame that cannot be decoded fails the loop with the same typed error as in the engine\'s thread', () => {
    const out = runChild('corrupt');
    expect(out.inline).toEqual({ name: 'FrameDecodeError', message: expect.stringMatching(/frame 4 could not be decoded: the JPEG decoder \(libjpeg-turbo\) rejected the data/), frameNumber: 4 });
    expect(out.worker).toEqual(out.inline);
    // A frame the decoder refuses is not a stopped worker: no fallback reported.
    expect(out.fallbacks).toEqual([]);
  });

  it('a worker that dies mid-loop: the loop finishes in the engine\'s thread with the same results, and says why', () => {
    const out = runChild('dying');
    const inline = out.inline as LoopRun;
    expectSameLoop(out.worker, inline);
    expect(out.fallbacks).toHaveLength(1);
    expect(out.fallbacks[0]).toBe('the frame worker stopped: it exited (code 3)');
    // Later loops do not try the broken workers again.
    expect(out.after.preparedIn).toBe('inline');
    expectSameLoop(out.after, inline);
  });

  it('answers to an earlier loop that arrive late are never taken for the next loop\'s frames', () => {
    const out = runChild('late', LATE);
    expect(out.fallbacks).toEqual([]);
    expect(out.second.preparedIn).toBe('worker');
    expectSameLoop(out.first, out.inlineFirst);
    expectSameLoop(out.second, out.inlineSecond);
    // Not vacuous: the two loops differ, so a late answer taken for the second loop would show.
    expect(out.inlineSecond.masks).not.toEqual(out.inlineFirst.masks);
  });
});
