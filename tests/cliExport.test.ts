/** `trus-seg export`: DICOM cine + SEG pairs into the NumPy loop folders the training framework reads. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../src/dicom/cineImage.js';
import { masksForSource, readSegmentation } from '../src/dicom/segmentationReader.js';
import { modelInputBox } from '../src/inference/region.js';
import { tempDir } from './helpers/tools.js';

const ROOT = resolve(__dirname, '..');
const CLI = resolve(ROOT, 'dist/cli/main.js');
const DEMO = resolve(ROOT, 'demo/trus-demo-axial.dcm');
const DEMO_GT = resolve(ROOT, 'demo/trus-demo-axial-groundtruth-seg.dcm');

function npy(bytes: Buffer): { shape: number[]; data: Uint8Array } {
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').filter((s) => s.trim()).map(Number);
  return { shape, data: new Uint8Array(bytes.subarray(10 + headerLength)) };
}

it('pairs a cine with its SEG and writes frames, masks and the engine input box', async () => {
  const dir = tempDir('export-');
  const input = join(dir, 'in');
  mkdirSync(join(input, 'a'), { recursive: true });
  copyFileSync(DEMO, join(input, 'a', 'cine.dcm'));
  copyFileSync(DEMO_GT, join(input, 'seg.dcm'));
  writeFileSync(join(input, 'readme.txt'), 'not dicom');
  const out = join(dir, 'out');
  const r = spawnSync(process.execPath, [CLI, 'export', input, '--out', out], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/skipped .*readme\.txt/);
  const cine = CineImage.fromPart10(readFileSync(DEMO), DEMO);
  const [folder] = readdirSync(out);
  expect(folder).toBe(`TRUSSIM-trus-demo-v1-DEMO01_${cine.sopInstanceUID}`);
  const loop = JSON.parse(readFileSync(join(out, folder!, 'loop.json'), 'utf8'));
  expect(loop.inputBox).toEqual(modelInputBox(cine.columns, cine.rows, cine.calibration, [await cine.decodeFrame(0)], cine.maximumValue));
  expect(loop).toMatchObject({ patientId: 'TRUSSIM-trus-demo-v1-DEMO01', frames: 72, rows: cine.rows, columns: cine.columns });
  const frames = npy(readFileSync(join(out, folder!, 'frames.npy')));
  const masks = npy(readFileSync(join(out, folder!, 'masks.npy')));
  expect(frames.shape).toEqual([72, cine.rows, cine.columns]);
  const frame5 = await cine.decodeFrame(5);
  const n = cine.rows * cine.columns;
  expect(Array.from(frames.data.subarray(5 * n, 6 * n))).toEqual(Array.from(frame5, (v) => Math.round((v * 255) / cine.maximumValue)));
  const gt = masksForSource(readSegmentation(readFileSync(DEMO_GT), DEMO_GT), 1, cine.sopInstanceUID, 72);
  expect(Array.from(masks.data.subarray(40 * n, 41 * n))).toEqual(Array.from(gt[40]!));
});

it('fails, instead of exporting the loop unlabelled, when a SEG beside it cannot be read', () => {
  const dir = tempDir('export-bad-');
  const input = join(dir, 'in');
  mkdirSync(input, { recursive: true });
  copyFileSync(DEMO, join(input, 'cine.dcm'));
  writeFileSync(join(input, 'seg.dcm'), readFileSync(DEMO_GT).subarray(0, 2000));
  const out = join(dir, 'out');
  const r = spawnSync(process.execPath, [CLI, 'export', input, '--out', out], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/error: .*seg\.dcm: file is truncated/);
  const missing = spawnSync(process.execPath, [CLI, 'export', join(dir, 'nowhere'), '--out', out], { encoding: 'utf8' });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain(`error: ${join(dir, 'nowhere')}: no such file or folder`);
});
