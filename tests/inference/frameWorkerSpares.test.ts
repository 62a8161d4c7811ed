/**
 * Frame workers write later frames into the arrays the engine gives back (a new array a frame
 * costs its first touch; measured in Chromium's frame worker on a 2-core host: decoding 5.0 ms a
 * frame against 1.35 in the engine's thread). The pool and the worker's side run here over a real
 * MessageChannel in this thread (the transport only; tests/inference/frameWorkers.test.ts runs them
 * in worker threads): buffers moved back and forth, the same results as the engine's thread.
 */
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { CineImage } from '../../src/dicom/cineImage.js';
import { segmentCine } from '../../src/inference/engine.js';
import { frameWorkerPool, serveFramePreparation, type FrameEndpoint, type FrameRequest } from '../../src/inference/frameWorkerPool.js';
import { loadNodeModel } from '../../src/inference/nodeModel.js';
import { SpareFloat32Arrays } from '../../src/util/spareFloat32Arrays.js';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';
import { phantomLoop } from '../helpers/phantomLoop.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(60_000);

const FRAMES = 12;

/** Counts what the worker's side takes: a given-back array, or a new one. */
class CountingSpares extends SpareFloat32Arrays {
  reused = 0;
  created = 0;
  override take(length: number): Float32Array {
    const before = this.size;
    const a = super.take(length);
    if (this.size < before) this.reused++;
    else this.created++;
    return a;
  }
}

function portEndpoint(port: MessagePort, sent?: FrameRequest[]): FrameEndpoint {
  return {
    post: (message, transfer) => {
      sent?.push(message as FrameRequest);
      port.postMessage(message, transfer);
    },
    onMessage: (handler) => port.on('message', handler),
    onFailure: () => undefined,
    setIdle: (idle) => (idle ? port.unref() : port.ref()),
    terminate: () => port.close(),
  };
}

describe('frame workers and the arrays the engine gives back', () => {
  it('later frames are written into given-back arrays, with the results of the engine\'s thread', async () => {
    const dir = tempDir('frame-worker-spares-');
    const model = await loadNodeModel(writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64]).dir);
    const cine = CineImage.fromPart10((await phantomLoop('frame-worker-spares', FRAMES, 120, 'jpeg')).cine, 'loop.dcm');
    const spares: CountingSpares[] = [];
    const sent: FrameRequest[] = [];
    const ports: MessagePort[] = [];
    const pool = frameWorkerPool({
      workers: 2,
      framesAhead: 2,
      create: () => {
        const { port1, port2 } = new MessageChannel();
        ports.push(port1, port2);
        const spare = new CountingSpares();
        spares.push(spare);
        serveFramePreparation(portEndpoint(port2), spare);
        return portEndpoint(port1, sent);
      },
    });
    try {
      const run = async (frames?: typeof pool.source) => {
        const r = await segmentCine(cine, model, { batchSize: 2, ...(frames ? { frames } : {}) });
        return { preparedIn: r.timings.preparedIn, frames: r.frames, summary: r.summary, masks: r.masks.map((m) => Array.from(m.bits)) };
      };
      const inline = await run();
      const count = () => ({ reused: spares.reduce((a, s) => a + s.reused, 0), created: spares.reduce((a, s) => a + s.created, 0) });
      const first = await run(pool.source);
      const afterFirst = count();
      const second = await run(pool.source);
      const afterSecond = count();
      expect(first.preparedIn).toBe('worker');
      for (const r of [first, second]) {
        expect(r.masks).toEqual(inline.masks);
        expect(r.frames).toEqual(inline.frames);
        expect(r.summary).toEqual(inline.summary);
      }
      // Not vacuous: the frames differ.
      expect(new Set(inline.masks.map((m) => m.join())).size).toBeGreaterThan(1);

      // Each frame's input and image went back (the image once the metrics were done with it), to both workers.
      const given = sent.filter((m): m is Extract<FrameRequest, { type: 'spare' }> => m.type === 'spare').flatMap((m) => m.buffers);
      expect(given.length).toBeGreaterThanOrEqual(2 * (2 * FRAMES - 4));
      // Moved, not copied: nothing of them is left on the engine's side.
      for (const b of given) expect(b.byteLength).toBe(0);
      // Two arrays a frame (image, input), every frame asked of a worker.
      expect(afterFirst.reused + afterFirst.created).toBe(2 * FRAMES);
      expect(afterSecond.reused + afterSecond.created).toBe(2 * 2 * FRAMES);
      // The first loop makes new arrays only for the frames asked before enough came back; the
      // second, on the same workers, next to none: the arrays in circulation are enough, but for
      // the first loop's last image, which the metrics never give back (each image goes back once
      // the next frame is measured).
      expect(afterFirst.created).toBeLessThan(2 * FRAMES);
      expect(afterSecond.created - afterFirst.created).toBeLessThanOrEqual(2);
      for (const s of spares) expect(s.reused).toBeGreaterThan(0);
    } finally {
      pool.dispose();
      for (const p of ports) p.close();
      await model.backend.dispose();
    }
  });
});
