/**
 * The models in models/: they load (hash, shapes, names checked by the loader), say what they
 * were trained on, and segment the committed demo loop (a simulated patient of its own seed, not
 * in the training data) close to its ground truth. The CLI uses the student by default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadNodeModel } from '../../src/inference/nodeModel.js';
import { segmentCine } from '../../src/inference/engine.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { readSegmentation, masksForSource } from '../../src/dicom/segmentationReader.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(120000);

const ROOT = resolve(__dirname, '../..');
const DEMO = join(ROOT, 'demo/trus-demo-axial.dcm');
const DEMO_GT = join(ROOT, 'demo/trus-demo-axial-groundtruth-seg.dcm');

describe.each(['trus-student', 'trus-teacher'])('models/%s', (name) => {
  const dir = join(ROOT, 'models', name);

  it('loads, declares simulated training data and research use, and has a model card', async () => {
    const model = await loadNodeModel(dir);
    try {
      expect(model.manifest.name).toBe(name);
      expect(model.manifest.trainedOn).toMatch(/simulated/);
      expect(model.manifest.intendedUse).toMatch(/not for clinical use/i);
      expect(model.manifest.input.shape.slice(1)).toEqual([1, 128, 192]);
      const card = readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8');
      expect(card).toMatch(/not for clinical use/);
      expect(card).toMatch(/simulated/);
      expect(card).toContain(model.manifest.version);
    } finally {
      await model.backend.dispose();
    }
  });

  it('segments the demo loop close to its ground truth, without flicker', async () => {
    const cine = CineImage.fromPart10(readFileSync(DEMO), DEMO);
    const gt = masksForSource(readSegmentation(readFileSync(DEMO_GT), DEMO_GT), 1, cine.sopInstanceUID, cine.numberOfFrames);
    const model = await loadNodeModel(dir);
    try {
      const run = await segmentCine(cine, model, { groundTruth: gt });
      expect(run.summary.groundTruth!.dice).toBeGreaterThan(0.9);
      expect(run.summary.groundTruth!.hd95).toBeLessThan(3);
      expect(Math.min(...run.frames.map((f) => f.groundTruth!.dice))).toBeGreaterThan(0.8);
      expect(run.summary.meanDicePrevious).toBeGreaterThan(0.95);
    } finally {
      await model.backend.dispose();
    }
  });
});

it('trus-seg segment uses models/trus-student when no --model is given', () => {
  const cli = join(ROOT, 'dist/cli/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first (npm test does)`);
  const out = tempDir('default-model-');
  const r = spawnSync(process.execPath, [cli, 'segment', DEMO, '--out', out], { encoding: 'utf8' });
  expect(r.stderr).toMatch(/model trus-student /);
  expect(r.status).toBe(0);
  const cine = CineImage.fromPart10(readFileSync(DEMO), DEMO);
  expect(existsSync(join(out, `${cine.sopInstanceUID}.seg.dcm`))).toBe(true);
});
