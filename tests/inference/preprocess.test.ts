/**
 * The engine must feed a model what training fed it: its pre-processing is held against
 * training/trus_train/data.py's own `preprocess` (OpenCV's resize), run by the system Python
 * that trains the models, on boxes that shrink, grow, or both, along each axis.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareInput } from '../../src/inference/preprocess.js';
import { growingAxisWeights, shrinkingAxisWeights } from '../../src/image/areaResize.js';

const ROOT = resolve(__dirname, '../..');
const MODEL = { input: { shape: ['N', 1, 128, 192] as [string, number, number, number] }, normalisation: { mean: 0.2, std: 0.2 } };

/** Frame size and box (x0, y0, x1, y1): each pair of axes shrinking, growing or kept. */
const CASES: { name: string; width: number; height: number; box: { x0: number; y0: number; x1: number; y1: number } }[] = [
  { name: 'a phantom loop (both axes shrink)', width: 460, height: 256, box: { x0: 2, y0: 2, x1: 458, y1: 254 } },
  { name: 'the bench loop (both shrink, by 2.06 and 1.72)', width: 400, height: 224, box: { x0: 2, y0: 2, x1: 398, y1: 222 } },
  { name: 'an off-centre box shrinking by a hair', width: 300, height: 200, box: { x0: 50, y0: 31, x1: 243, y1: 160 } },
  { name: 'wide and short (width shrinks, height grows)', width: 320, height: 110, box: { x0: 10, y0: 5, x1: 310, y1: 105 } },
  { name: 'narrow and tall (width grows, height shrinks)', width: 160, height: 240, box: { x0: 5, y0: 20, x1: 155, y1: 220 } },
  { name: 'small (both grow: bilinear)', width: 120, height: 90, box: { x0: 10, y0: 10, x1: 110, y1: 80 } },
  { name: 'the model size exactly', width: 200, height: 140, box: { x0: 4, y0: 6, x1: 196, y1: 134 } },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trus-preprocess-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the engine pre-processes a frame as training did, to float32 rounding, whichever way each axis goes', () => {
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const [, , h, w] = MODEL.input.shape;
  CASES.forEach((c, i) => {
    // Speckle-like 8-bit frames: the resize's weights show most where neighbours differ.
    const frame = Float32Array.from({ length: c.width * c.height }, () => Math.floor(random() * 256));
    const input = new Float32Array(h * w);
    prepareInput(frame, c.width, 255, c.box, MODEL, input, 0);
    writeFileSync(join(dir, `frame-${i}.u8`), Uint8Array.from(frame));
    writeFileSync(join(dir, `engine-${i}.f32`), new Uint8Array(input.buffer));
  });
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(CASES));
  const script = `
import json, sys
import numpy as np
from trus_train.data import preprocess
d = sys.argv[1]
for i, c in enumerate(json.load(open(d + "/cases.json"))):
    frame = np.fromfile(f"{d}/frame-{i}.u8", dtype=np.uint8).reshape(c["height"], c["width"])
    b = c["box"]
    out = preprocess(frame, (b["x0"], b["y0"], b["x1"], b["y1"]), (${h}, ${w}), ${MODEL.normalisation.mean}, ${MODEL.normalisation.std})
    out.astype(np.float32).tofile(f"{d}/training-{i}.f32")
`;
  execFileSync('/usr/bin/python3', ['-c', script, dir], { cwd: join(ROOT, 'training'), env: { ...process.env, PYTHONPATH: join(ROOT, 'training') }, stdio: ['ignore', 'pipe', 'pipe'] });
  const worst = CASES.map((c, i) => {
    const engine = new Float32Array(readFileSync(join(dir, `engine-${i}.f32`)).buffer.slice(0));
    const training = new Float32Array(readFileSync(join(dir, `training-${i}.f32`)).buffer.slice(0));
    expect(training).toHaveLength(h * w);
    let max = 0;
    for (let k = 0; k < engine.length; k++) max = Math.max(max, Math.abs(engine[k]! - training[k]!));
    return { case: c.name, max };
  });
  // Normalised units (intensity / 0.2). The area cases agree to about 1e-6, the bilinear one to
  // about 1.2e-5 (OpenCV's float32 coefficients); the blurred bilinear resize the engine used
  // before differed by up to 1.0. 1e-4 is 2e-5 of the [0, 1] range.
  expect(worst.filter((r) => !(r.max < 1e-4))).toEqual([]);
});

test('area weights: each output pixel is an average (weights sum to 1), and growing axes use two taps', () => {
  for (const [out, inn] of [[192, 456], [128, 220], [192, 193], [128, 128], [7, 50]] as const) {
    const { weights, taps } = shrinkingAxisWeights(out, inn);
    for (let d = 0; d < out; d++) {
      let sum = 0;
      for (let t = 0; t < taps; t++) sum += weights[d * taps + t]!;
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
    }
  }
  const grow = growingAxisWeights(192, 150);
  expect(grow.taps).toBe(2);
  for (let d = 0; d < 192; d++) expect(grow.weights[2 * d]! + grow.weights[2 * d + 1]!).toBeCloseTo(1, 12);
});
