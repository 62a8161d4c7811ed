/**
 * Frame workers write later frames into the arrays the engine gives back (a new array a frame
 * costs its first touch; a frame worker alone in Chromium on a 2-core host took 3.0 ms a frame to
 * decode and pre-process into new arrays, 1.6 into given-back ones). The pool and the worker's side run here over a real
 * MessageChannel in this thread (the transport only; tests/inference/frameWorkers.test.ts runs them
 * in worker threads): buffers moved back and forth, the same results as the engine's thread.
 */
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { CineImage } from '../../src/dicom/cineImage.js';
import { segmentCine } from '../../src/inference/engine.js';
import { frameWorkerPool, serveFramePreparation, type FrameEndpoint, type FrameRequest } from '../../src/inference/frameWorkerPool.js';
import type { FrameSourceFactory } from '../../src/inference/frameSource.js';
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
  constructor(limit?: number) {
    super(limit);
  }
  reused = 0;
  created = 0;
  /** The lengths (values) of the arrays kept now. */
  held: number[] = [];
  override take(length: number): Float32Array {
    const before = this.size;
    const a = super.take(length);
    if (this.size < before) {
      this.reused++;
      this.held.splice(this.held.indexOf(length), 1);
    } else this.created++;
    return a;
  }
  override give(buffer: ArrayBuffer): void {
    const before = this.size;
    const bytes = buffer.byteLength;
    super.give(buffer);
    if (this.size > before) this.held.push(bytes / Float32Array.BYTES_PER_ELEMENT);
  }
  override clear(): void {
    super.clear();
    this.held = [];
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

const dir = tempDir('frame-worker-spares-');

/** Two frame workers over MessageChannels, each with its own counted spares (`limit` buffers at most). */
async function setUp(limit?: number) {
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
      const spare = new CountingSpares(limit);
      spares.push(spare);
      serveFramePreparation(portEndpoint(port2), spare);
      return portEndpoint(port1, sent);
    },
  });
  return { model, cine, spares, sent, ports, pool };
}

async function run(cine: CineImage, model: Awaited<ReturnType<typeof loadNodeModel>>, frames?: FrameSourceFactory) {
  const r = await segmentCine(cine, model, { batchSize: 2, ...(frames ? { frames } : {}) });
  return { preparedIn: r.timings.preparedIn, frames: r.frames, summary: r.summary, masks: r.masks.map((m) => Array.from(m.bits)) };
}

const count = (spares: CountingSpares[]) => ({ reused: spares.reduce((a, s) => a + s.reused, 0), created: spares.reduce((a, s) => a + s.created, 0) });

describe('frame workers and the arrays the engine gives back', () => {
  it('later frames are written into given-back arrays, with the results of the engine\'s thread', async () => {
    const { model, cine, spares, sent, ports, pool } = await setUp();
    try {
      const inline = await run(cine, model);
      const first = await run(cine, model, pool.source);
      const afterFirst = count(spares);
      const second = await run(cine, model, pool.source);
      const afterSecond = count(spares);
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

  it('a loop of other sizes: the workers drop the arrays of the loop before, which would fill their spares, and keep the new loop\'s', async () => {
    // Four spares a worker: the first loop leaves them full of its sizes.
    const { model, cine, spares, ports, pool } = await setUp(4);
    const wider = CineImage.fromPart10((await phantomLoop('frame-worker-spares-wider', FRAMES, 160, 'jpeg')).cine, 'wider.dcm');
    try {
      await run(cine, model, pool.source);
      const firstImage = cine.rows * cine.columns;
      for (const s of spares) {
        expect(s.size).toBe(4);
        expect(s.held).toContain(firstImage);
      }
      const before = count(spares);
      const other = await run(wider, model, pool.source);
      const after = count(spares);
      const inline = await run(wider, model);
      expect(other.masks).toEqual(inline.masks);
      expect(other.frames).toEqual(inline.frames);
      // The first loop's images, which this loop would never take, are gone; this loop's are kept and taken.
      expect(wider.rows * wider.columns).not.toBe(firstImage);
      for (const s of spares) {
        expect(s.held).not.toContain(firstImage);
        expect(s.held).toContain(wider.rows * wider.columns);
      }
      expect(after.reused - before.reused).toBeGreaterThan(0);
      expect(after.created - before.created).toBeLessThan(2 * FRAMES);
    } finally {
      pool.dispose();
      for (const p of ports) p.close();
      await model.backend.dispose();
    }
  });
});
