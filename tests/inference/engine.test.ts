/**
 * The engine on real onnxruntime-node sessions of small models built by the tests: a threshold
 * model whose correct output is known from the drawn scene, and a tiny conv net on the demo loop.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CineImage } from '../../src/dicom/cineImage.js';
import { loadNodeModel } from '../../src/inference/nodeModel.js';
import { segmentCine, NotUltrasoundError } from '../../src/inference/engine.js';
import { segmentationFromRun } from '../../src/inference/segmentationFromRun.js';
import { ModelLoadError } from '../../src/inference/backend.js';
import { ModelManifestError } from '../../src/inference/manifest.js';
import { readSegmentation, masksForSource } from '../../src/dicom/segmentationReader.js';
import { buildThresholdModel, buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';
import { cineFile } from '../helpers/synthetic.js';
import { dciodvfy, tempDir } from '../helpers/tools.js';

jest.setTimeout(120000);

const DEMO = resolve(__dirname, '../../demo/trus-demo-axial.dcm');
const W = 48;
const H = 40;

/** A bright disk with a dark hole, a separate small bright blob, on a dark background; the disk moves 1 px per frame. */
function scene(frame: number): { pixels: Uint8Array; expected: Uint8Array; withBlob: Uint8Array; withHole: Uint8Array } {
  const pixels = new Uint8Array(W * H).fill(20);
  const expected = new Uint8Array(W * H);
  const withBlob = new Uint8Array(W * H);
  const withHole = new Uint8Array(W * H);
  const cx = 20 + frame;
  const cy = 20;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const inDisk = (x - cx) ** 2 + (y - cy) ** 2 <= 100;
      const inHole = (x - cx) ** 2 + (y - cy) ** 2 <= 4;
      const inBlob = x >= 42 && x < 45 && y >= 3 && y < 6;
      if (inDisk && !inHole) pixels[i] = 200;
      if (inBlob) pixels[i] = 220;
      expected[i] = inDisk ? 1 : 0;
      withBlob[i] = inDisk || inBlob ? 1 : 0;
      withHole[i] = inDisk && !inHole ? 1 : 0;
    }
  }
  return { pixels, expected, withBlob, withHole };
}

function thresholdModel(dir: string, extra: Record<string, unknown> = {}) {
  // logits = 40 x - 20: the model's mask is exactly "intensity above half of the maximum".
  return writeModelFolder(dir, buildThresholdModel({ height: H, width: W }), ['N', 1, H, W], { crop: 'full-frame', ...extra });
}

const scenes = [0, 1, 2, 3, 4, 5].map(scene);
const sceneCine = () => CineImage.fromPart10(cineFile({ rows: H, columns: W, frames: scenes.map((s) => s.pixels) }), 'scene.dcm');

describe('segmentCine with a threshold model (known answer)', () => {
  const dir = tempDir('engine-');
  const folder = thresholdModel(join(dir, 'threshold'));

  it('thresholds, keeps the largest component and fills holes, frame by frame', async () => {
    const model = await loadNodeModel(folder.dir);
    const progress: number[] = [];
    const streamed: Uint8Array[] = [];
    const run = await segmentCine(sceneCine(), model, { onProgress: (p) => progress.push(p.done), onFrame: (f) => streamed.push(f.mask.slice()) });
    expect(run.masks).toHaveLength(6);
    run.masks.forEach((m, k) => {
      expect(Array.from(m.unpack())).toEqual(Array.from(scenes[k]!.expected));
      expect(Array.from(streamed[k]!)).toEqual(Array.from(scenes[k]!.expected));
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.provider).toBe('cpu');
    // The disk moves 1 px per frame: calibrated area stays, centroid drift is 1 px = 0.1 mm.
    const area = scenes[0]!.expected.reduce((a, b) => a + b, 0) * 0.1 * 0.2;
    expect(run.frames[0]!.area).toBeCloseTo(area, 6);
    expect(run.frames[3]!.centroidDrift).toBeCloseTo(0.1, 6);
    // The engine passes no alpha here: the confidence weights take the default, not NaN (which a
    // JSON report writes as null).
    for (const f of run.frames.slice(1)) {
      expect(f.confidenceWeightedConsistency).toBeGreaterThan(0.9);
      expect(f.confidenceWeightedConsistency).toBeLessThanOrEqual(1);
    }
    expect(run.summary.meanConfidenceWeightedConsistency).toBeGreaterThan(0.9);
    expect(run.summary.frames).toBe(6);
    await model.backend.dispose();
  });

  it('switches each post-processing step off', async () => {
    const model = await loadNodeModel(folder.dir);
    const noComponent = await segmentCine(sceneCine(), model, { postprocess: { keepLargestComponent: false } });
    expect(Array.from(noComponent.masks[2]!.unpack())).toEqual(Array.from(scenes[2]!.withBlob));
    const noFill = await segmentCine(sceneCine(), model, { postprocess: { fillHoles: false } });
    expect(Array.from(noFill.masks[2]!.unpack())).toEqual(Array.from(scenes[2]!.withHole));
    // Between the disk's probability (200 -> sigmoid(11.4)) and the blob's (220 -> sigmoid(14.5)): only the blob.
    const blobOnly = await segmentCine(sceneCine(), model, { postprocess: { threshold: 0.99999 } });
    const blob = scenes[2]!.withBlob.map((v, i) => v & (1 - scenes[2]!.expected[i]!));
    expect(Array.from(blobOnly.masks[2]!.unpack())).toEqual(Array.from(blob));
    await model.backend.dispose();
  });

  it('gives the same masks whatever the batch size', async () => {
    const model = await loadNodeModel(folder.dir);
    const one = await segmentCine(sceneCine(), model, { batchSize: 1 });
    const five = await segmentCine(sceneCine(), model, { batchSize: 5 });
    expect(five.masks.map((m) => Array.from(m.bits))).toEqual(one.masks.map((m) => Array.from(m.bits)));
    await model.backend.dispose();
  });

  it('works with a model whose batch dimension is fixed to 1', async () => {
    const fixed = writeModelFolder(join(dir, 'fixed'), buildThresholdModel({ height: H, width: W, batch: 1 }), [1, 1, H, W], { crop: 'full-frame' });
    const model = await loadNodeModel(fixed.dir);
    expect(model.backend.maxBatch).toBe(1);
    const run = await segmentCine(sceneCine(), model, { batchSize: 8 });
    expect(Array.from(run.masks[5]!.unpack())).toEqual(Array.from(scenes[5]!.expected));
    await model.backend.dispose();
  });

  it('stops cleanly when cancelled, leaving the model usable', async () => {
    const model = await loadNodeModel(folder.dir);
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      segmentCine(sceneCine(), model, {
        batchSize: 1,
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.done);
          if (p.done === 2) controller.abort(new Error('stop here'));
        },
      }),
    ).rejects.toThrow('stop here');
    expect(seen).toEqual([1, 2]);
    const again = await segmentCine(sceneCine(), model);
    expect(again.masks).toHaveLength(6);
    await model.backend.dispose();
  });

  it('refuses a non-ultrasound image unless asked', async () => {
    const model = await loadNodeModel(folder.dir);
    const ct = CineImage.fromPart10(
      cineFile({ rows: H, columns: W, frames: scenes.map((s) => s.pixels), extra: { Modality: 'OT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.2' } }),
      'not-us.dcm',
    );
    await expect(segmentCine(ct, model)).rejects.toThrow(NotUltrasoundError);
    await expect(segmentCine(ct, model)).rejects.toThrow(/not-us\.dcm: not an ultrasound image/);
    const run = await segmentCine(ct, model, { requireUltrasound: false });
    expect(Array.from(run.masks[0]!.unpack())).toEqual(Array.from(scenes[0]!.expected));
    await model.backend.dispose();
  });
});

describe('model loading refuses what it cannot trust', () => {
  const dir = tempDir('models-');
  const onnx = buildTinySegmentationModel({ height: 32, width: 32 });

  it('names a missing folder, manifest or weights file', async () => {
    await expect(loadNodeModel(join(dir, 'nowhere'))).rejects.toThrow(/nowhere: no such model/);
    const noWeights = writeModelFolder(join(dir, 'no-weights'), onnx, ['N', 1, 32, 32], { file: 'other.onnx' });
    await expect(loadNodeModel(noWeights.dir)).rejects.toThrow(/other\.onnx: the weights file named by the manifest is missing/);
  });

  it('refuses weights whose hash differs from the manifest', async () => {
    const f = writeModelFolder(join(dir, 'tampered'), onnx, ['N', 1, 32, 32]);
    const bytes = readFileSync(f.weightsPath);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(f.weightsPath, bytes);
    const err = await loadNodeModel(f.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(String(err)).toMatch(/does not match the manifest's .* \(corrupt or mismatched model file\)/);
  });

  it('refuses a file that is not an ONNX model even when the hash matches', async () => {
    const f = writeModelFolder(join(dir, 'garbage'), new TextEncoder().encode('this is not a protobuf model'), ['N', 1, 32, 32]);
    await expect(loadNodeModel(f.dir)).rejects.toThrow(/onnxruntime cannot load the model/);
  });

  it('refuses a manifest whose shapes or names do not match the model', async () => {
    const fixed = buildTinySegmentationModel({ height: 32, width: 32, batch: 1 });
    const wrongSize = writeModelFolder(join(dir, 'wrong-size'), fixed, [1, 1, 64, 64]);
    await expect(loadNodeModel(wrongSize.dir)).rejects.toThrow(/does not accept the declared input \[1, 1, 64, 64\]/);
    const wrongInput = writeModelFolder(join(dir, 'wrong-input'), onnx, ['N', 1, 32, 32], { input: { name: 'image', shape: ['N', 1, 32, 32] } });
    await expect(loadNodeModel(wrongInput.dir)).rejects.toThrow(/has no input "image" \(it has input\)/);
  });

  it('refuses an invalid manifest field by name', async () => {
    const bad = writeModelFolder(join(dir, 'bad-threshold'), onnx, ['N', 1, 32, 32], { threshold: 1.5 });
    const err = await loadNodeModel(bad.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelManifestError);
    expect(String(err)).toMatch(/model\.json: "threshold" must be in \(0, 1\)/);
    const longName = writeModelFolder(join(dir, 'long-name'), onnx, ['N', 1, 32, 32], { name: 'n'.repeat(65) });
    await expect(loadNodeModel(longName.dir)).rejects.toThrow(/"name" and "version" must be at most 64 characters/);
    const channels = writeModelFolder(join(dir, 'rgb'), onnx, ['N', 3, 32, 32]);
    await expect(loadNodeModel(channels.dir)).rejects.toThrow(/input channels 3/);
  });
});

describe('segmentCine on the demo loop with a tiny conv net', () => {
  it('segments every frame inside the ultrasound region and writes a valid SEG', async () => {
    const f = writeModelFolder(join(tempDir('tiny-'), 'tiny'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64]);
    const model = await loadNodeModel(f.dir);
    const cine = CineImage.fromPart10(readFileSync(DEMO), DEMO);
    const run = await segmentCine(cine, model);
    expect(run.masks).toHaveLength(cine.numberOfFrames);
    const counts = run.masks.map((m) => m.count());
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThan(cine.rows * cine.columns);
    // Nothing outside the model's input box (the calibrated region).
    const b = run.inputBox;
    for (const m of run.masks) {
      const u = m.unpack();
      for (let i = 0; i < u.length; i++) {
        const x = i % cine.columns;
        const y = Math.floor(i / cine.columns);
        if (u[i] && (x < b.x0 || x >= b.x1 || y < b.y0 || y >= b.y1)) throw new Error(`mask pixel outside the input box at ${x},${y}`);
      }
    }
    const seg = segmentationFromRun(cine, run).toPart10();
    expect(dciodvfy(seg).errors).toEqual([]);
    const back = readSegmentation(seg, 'seg');
    const masks = masksForSource(back, 1, cine.sopInstanceUID, cine.numberOfFrames);
    masks.forEach((m, k) => expect(Array.from(m)).toEqual(Array.from(run.masks[k]!.unpack())));
    expect(back.segments[0]!.algorithmName).toBe('test-model');
    expect(back.segments[0]!.algorithmType).toBe('AUTOMATIC');
    expect(back.dataset.ContentDescription).toBe('Automatic prostate segmentation; research use only');
    // Masks changed by hand after the run: the same algorithm named, but SEMIAUTOMATIC, and said so.
    const edited = segmentationFromRun(cine, run, { edited: true }).toPart10();
    expect(dciodvfy(edited).errors).toEqual([]);
    const editedBack = readSegmentation(edited, 'edited seg');
    expect(editedBack.segments[0]!.algorithmType).toBe('SEMIAUTOMATIC');
    expect(editedBack.segments[0]!.algorithmName).toBe('test-model');
    expect(editedBack.dataset.SeriesDescription).toMatch(/, edited \(research use\)$/);
    expect(editedBack.dataset.ContentDescription).toMatch(/edited by hand/);
    await model.backend.dispose();
  });
});

describe('memory over a long loop', () => {
  it('keeps 1,000 frames of masks bit-packed: the heap grows by far less than one byte per pixel', async () => {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const gc = async () => {
      for (let i = 0; i < 3; i++) {
        collect();
        await new Promise((r) => setImmediate(r));
      }
    };
    const rows = 120;
    const columns = 160;
    const frames: Uint8Array[] = [];
    for (let k = 0; k < 1000; k++) {
      const f = new Uint8Array(rows * columns).fill(10);
      for (let y = 30; y < 90; y++) for (let x = 40 + (k % 20); x < 110 + (k % 20); x++) f[y * columns + x] = 200;
      frames.push(f);
    }
    const bytes = cineFile({ rows, columns, frames });
    frames.length = 0;
    const cine = CineImage.fromPart10(bytes, 'long.dcm');
    const f = writeModelFolder(join(tempDir('long-'), 'm'), buildThresholdModel({ height: 60, width: 80 }), ['N', 1, 60, 80]);
    const model = await loadNodeModel(f.dir);
    await gc();
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const run = await segmentCine(cine, model, { batchSize: 8 });
    await gc();
    const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const unpacked = 1000 * rows * columns;
    expect(run.masks).toHaveLength(1000);
    expect(run.masks.every((m) => m.count() > 0)).toBe(true);
    // Unpacked masks alone would be 19.2 MB, probabilities 77 MB; packed masks are 2.4 MB.
    expect(after - before).toBeLessThan(unpacked / 3);
    await model.backend.dispose();
  });
});
