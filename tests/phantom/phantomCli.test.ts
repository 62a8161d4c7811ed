/** The phantom's CLI: dataset splits and manifest, the committed demo loop, the contact sheet. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir, dciodvfy } from '../helpers/tools.js';
import { CineImage } from '../../src/dicom/cineImage.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '../..');
const CLI = resolve(ROOT, 'dist/cli/main.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('trus-seg phantom', () => {
  it('dataset: patient-level splits, both views, a manifest whose checksums match the files', () => {
    const out = tempDir('dataset-');
    const r = run('phantom', 'dataset', '--out', out, '--seed', 'cli-test', '--train', '2', '--val', '1', '--test', '1', '--frames', '4', '--width', '256', '--workers', '2');
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.splits).toEqual({ train: ['P001', 'P002'], val: ['P003'], test: ['P004'] });
    expect(manifest.loops).toHaveLength(8);
    expect(manifest.patients.map((p: { patientId: string }) => p.patientId)).toEqual(['P001', 'P002', 'P003', 'P004']);
    for (const loop of manifest.loops) {
      expect(loop.folder.startsWith(`${loop.split}/`)).toBe(true);
      for (const [name, digest] of Object.entries(loop.sha256)) expect(sha256(join(out, loop.folder, name))).toBe(digest);
    }
    // A patient's loops all live in one split.
    const splitOf = new Map<string, Set<string>>();
    for (const l of manifest.loops) splitOf.set(l.patientId, (splitOf.get(l.patientId) ?? new Set()).add(l.split));
    for (const s of splitOf.values()) expect(s.size).toBe(1);
    expect(readdirSync(join(out, 'train')).sort()).toEqual(['P001_axial', 'P001_sagittal', 'P002_axial', 'P002_sagittal']);
    // NumPy header and shape
    const npy = readFileSync(join(out, 'val/P003_axial/frames.npy'));
    expect(npy.subarray(1, 6).toString()).toBe('NUMPY');
    expect(npy.toString('latin1', 10, 128)).toMatch(/'shape': \(4, \d+, 256\)/);
  });

  it('the committed demo loops are what `phantom demo` generates, byte for byte, and valid JPEG Baseline US cines of one study', () => {
    const out = tempDir('demo-');
    expect(run('phantom', 'demo', '--out', out).code).toBe(0);
    for (const name of ['trus-demo-axial.dcm', 'trus-demo-axial-groundtruth-seg.dcm', 'trus-demo-sagittal.dcm', 'trus-demo-sagittal-groundtruth-seg.dcm']) {
      const committed = resolve(ROOT, 'demo', name);
      expect(existsSync(committed)).toBe(true);
      expect(sha256(join(out, name))).toBe(sha256(committed));
      expect(dciodvfy(readFileSync(committed)).errors).toEqual([]);
    }
    const cine = CineImage.fromPart10(readFileSync(resolve(ROOT, 'demo/trus-demo-axial.dcm')), 'demo');
    expect(cine.numberOfFrames).toBe(72);
    expect(cine.transferSyntaxUID).toBe('1.2.840.10008.1.2.4.50');
    expect(readFileSync(resolve(ROOT, 'demo/trus-demo-axial.dcm')).length).toBeLessThan(4e6);
    // The second view of the same patient: the viewer's demo and `npm run demo:cli` give its prostate volume.
    const sagittal = CineImage.fromPart10(readFileSync(resolve(ROOT, 'demo/trus-demo-sagittal.dcm')), 'demo sagittal');
    expect(sagittal.studyInstanceUID).toBe(cine.studyInstanceUID);
    expect(sagittal.numberOfFrames).toBe(48);
    expect([cine.scanPlane?.plane, sagittal.scanPlane?.plane]).toEqual(['transverse', 'sagittal']);
    expect(readFileSync(resolve(ROOT, 'demo/trus-demo-sagittal.dcm')).length).toBeLessThan(2e6);
  });

  it('sheet: writes a PNG contact sheet', () => {
    const out = join(tempDir('sheet-'), 'sheet.png');
    const r = run('phantom', 'sheet', '--out', out, '--patients', '1', '--width', '256');
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses bad arguments with a clear message', () => {
    const r = run('phantom', 'loop', '--out', tempDir('x-'), '--view', 'coronal');
    // Bad usage: status 2, as `trus-seg help` documents (a failed input is 1).
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--view must be axial or sagittal/);
    const noOut = run('phantom', 'loop', '--frames', '3');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out DIR is required/);
    const frames = run('phantom', 'loop', '--out', tempDir('x-'), '--frames', '2.5');
    expect(frames.code).toBe(2);
    expect(frames.stderr).toMatch(/--frames must be a positive integer, got "2.5"/);
  });
});
