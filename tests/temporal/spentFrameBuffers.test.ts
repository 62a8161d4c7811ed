/**
 * A loop reuses the arrays of frames its metrics are done with (a new frame-sized array a frame
 * costs its page faults): the runner gives back a handed-over frame's output once post-processed and
 * its image once the next frame is measured, and nothing else; the engine decodes later frames and
 * copies later outputs into them. Writing a spent buffer at once must change no result.
 */
import { readFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import { inlineLoopMetrics, serveLoopMetrics, type FinishedFrame, type LoopMetricsRunnerFactory, type LoopRunnerOptions, type ModelFrame } from '../../src/temporal/metricsRunner.js';
import { RemoteLoopMetrics } from '../../src/temporal/remoteLoopMetrics.js';
import { messagePortEndpoint } from '../../src/temporal/messagePortEndpoint.js';
import { LoopMetricsAccumulator } from '../../src/temporal/loopMetrics.js';
import { postprocessFrame } from '../../src/inference/postprocess.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { loadNodeModel } from '../../src/inference/nodeModel.js';
import { segmentCine } from '../../src/inference/engine.js';
import { inlineFrameSource, type FrameSourceFactory } from '../../src/inference/frameSource.js';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(120000);

const [W, H, MW, MH] = [26, 18, 9, 7];
const OPTIONS: LoopRunnerOptions = {
  metrics: { width: W, height: H, pixelSpacingMm: { x: 0.2, y: 0.25 } },
  post: { modelWidth: MW, modelHeight: MH, logits: true, box: { x0: 2, y0: 1, x1: 24, y1: 17 }, width: W, height: H, options: { threshold: 0.5, keepLargestComponent: true, fillHoles: true } },
  frameCount: 6,
};

/** Frame f: a textured image and a blob of logits that moves and grows, so every metric changes. */
function frame(f: number): { image: Float32Array; output: Float32Array } {
  const image = Float32Array.from({ length: W * H }, (_, k) => ((k * 37 + f * 11) % 101) / 100);
  const output = Float32Array.from({ length: MW * MH }, (_, k) => 3 - Math.hypot((k % MW) - 3 - f * 0.4, Math.floor(k / MW) - 3) * (1.2 - f * 0.1));
  return { image, output };
}

const results = (finished: FinishedFrame[]) => finished.map((f) => ({ mask: Array.from(f.mask), metrics: f.metrics }));

describe('buffers a loop\'s metrics give back', () => {
  it('a handed-over frame\'s output comes back once post-processed, its image after the next frame; overwriting them at once changes nothing', async () => {
    // The reference, outside the runner: every array new, none written again.
    const accumulator = new LoopMetricsAccumulator(OPTIONS.metrics);
    const expected = Array.from({ length: 6 }, (_, f) => {
      const { image, output } = frame(f);
      const { probability, mask } = postprocessFrame(output, OPTIONS.post);
      return { mask: Array.from(mask), metrics: accumulator.push({ image, probability, mask }) };
    });
    const expectedLoop = { frames: accumulator.frames, summary: accumulator.summary() };
    expect(new Set(expected.map((r) => r.metrics.area)).size).toBeGreaterThan(3);
    expect(expected.filter((r) => r.metrics.consistencyNoFlow !== null && r.metrics.consistencyNoFlow < 1)).toHaveLength(5);

    const runner = await inlineLoopMetrics(OPTIONS);
    const pushed: ModelFrame[] = [];
    const got: FinishedFrame[] = [];
    // Frames 0-2 and 4-5 handed over, frame 3 not: its arrays stay the caller's.
    for (let f = 0; f < 6; f++) {
      const m: ModelFrame = { ...frame(f), handOver: f !== 3 };
      pushed.push(m);
      const r = await runner.push(m);
      got.push(r);
      const expectSpent: ArrayBuffer[] = [];
      if (m.handOver) expectSpent.push(m.output.buffer as ArrayBuffer);
      if (f > 0 && pushed[f - 1]!.handOver) expectSpent.push(pushed[f - 1]!.image.buffer as ArrayBuffer);
      expect(new Set(r.spent ?? [])).toEqual(new Set(expectSpent));
      // As the engine does: the next frames are written into them.
      for (const b of r.spent ?? []) new Float32Array(b).fill(NaN);
    }
    expect(results(got)).toEqual(expected);
    expect(await runner.finish()).toEqual(expectedLoop);
    // The frame not handed over is untouched.
    expect(Array.from(pushed[3]!.image)).toEqual(Array.from(frame(3).image));
    expect(Array.from(pushed[3]!.output)).toEqual(Array.from(frame(3).output));
  });

  it.each([true, false])('over a message channel (as to a worker), giving back %s: moved back with their contents, or kept there, never copied', async (giveBack) => {
    const channel = new MessageChannel();
    serveLoopMetrics(messagePortEndpoint(channel.port1), { giveBack });
    const runner = await RemoteLoopMetrics.start(messagePortEndpoint(channel.port2), OPTIONS, () => undefined);
    const frames: ModelFrame[] = [0, 1, 2].map((f) => ({ ...frame(f), handOver: f !== 2 }));
    const finished = await Promise.all(frames.map((m) => runner.push(m)));
    // Moved to the other side: detached here, except the frame not handed over.
    expect(frames.map((m) => [m.image.length, m.output.length])).toEqual([[0, 0], [0, 0], [W * H, MW * MH]]);
    const back = finished.map((r) => (r.spent ?? []).map((b) => Array.from(new Float32Array(b))));
    if (giveBack) expect(back).toEqual([[Array.from(frame(0).output)], [Array.from(frame(0).image), Array.from(frame(1).output)], [Array.from(frame(1).image)]]);
    else expect(back).toEqual([[], [], []]);
    expect(finished.map((r) => r.metrics.frameNumber)).toEqual([1, 2, 3]);
    await runner.finish();
    runner.close();
    channel.port1.close();
  });

  it('the engine reusing them gives the masks and metrics of a loop that makes every array anew, and does reuse them', async () => {
    const f = writeModelFolder(join(tempDir('spent-'), 'tiny'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64]);
    const model = await loadNodeModel(f.dir, { threads: 1 });
    const demo = resolve(__dirname, '../../demo/trus-demo-axial.dcm');
    const cine = CineImage.fromPart10(readFileSync(demo), demo);
    // The reference: nothing given back, and every frame decoded into a new array.
    const keepAll: LoopMetricsRunnerFactory = async (o) => {
      const inner = await inlineLoopMetrics(o);
      return { ...inner, push: async (m) => ({ ...(await inner.push(m)), spent: undefined }) };
    };
    const decodeAnew: FrameSourceFactory = (c, spec, first) => inlineFrameSource(c, spec, first);
    const reference = await segmentCine(cine, model, { metrics: keepAll, frames: decodeAnew, batchSize: 3 });
    let given = 0;
    let decodedIntoSpare = 0;
    const counting: LoopMetricsRunnerFactory = async (o) => {
      const inner = await inlineLoopMetrics(o);
      return {
        ...inner,
        push: async (m) => {
          const r = await inner.push(m);
          given += r.spent?.length ?? 0;
          return r;
        },
      };
    };
    const watchingSpare: FrameSourceFactory = async (c, spec, first, spare) => {
      const source = await inlineFrameSource(c, spec, first, spare);
      return {
        ...source,
        frame: async (index) => {
          const before = spare!.size;
          const prepared = await source.frame(index);
          if (spare!.size < before) decodedIntoSpare++;
          return prepared;
        },
      };
    };
    const run = await segmentCine(cine, model, { metrics: counting, frames: watchingSpare, batchSize: 3 });
    expect(run.frames).toEqual(reference.frames);
    expect(run.summary).toEqual(reference.summary);
    expect(run.masks.map((m) => Array.from(m.bits))).toEqual(reference.masks.map((m) => Array.from(m.bits)));
    // Each frame's output, and each image but the last frame's.
    expect(given).toBe(2 * cine.numberOfFrames - 1);
    expect(decodedIntoSpare).toBeGreaterThan(cine.numberOfFrames / 2);
    await model.backend.dispose();
  });
});
