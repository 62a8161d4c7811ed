/** The built CLI (dist/, made by `npm run build` before jest in `npm test`). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BinarySegmentation } from '../src/dicom/segmentation.js';
import { CineImage } from '../src/dicom/cineImage.js';
import { TransferSyntax } from '../src/dicom/uids.js';
import { cineFile, grayFrames } from './helpers/synthetic.js';
import { tempDir } from './helpers/tools.js';

const CLI = resolve(__dirname, '../dist/cli/main.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
});

describe('trus-seg CLI', () => {
  const dir = tempDir('cli-');
  const good = join(dir, 'good.dcm');
  const bytes = cineFile({ rows: 12, columns: 16, frames: grayFrames(12, 16, 3) });
  writeFileSync(good, bytes);

  it('describes a cine: frames, rate and calibration', () => {
    const r = run('info', good, '--json');
    expect(r.code).toBe(0);
    const [summary] = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ numberOfFrames: 3, rows: 12, columns: 16, framesPerSecond: 25, pixelSpacingMm: { x: 0.1, y: 0.2 } });
    expect(summary.pixelAreaMm2).toBeCloseTo(0.02, 10);
  });

  it('reads an Implicit VR Little Endian cine without dcmjs notices on stderr (its pseudo-VRs such as "OB or OW" are no fault of the file)', () => {
    const implicit = join(dir, 'implicit.dcm');
    writeFileSync(implicit, cineFile({ rows: 12, columns: 16, frames: grayFrames(12, 16, 3), transferSyntaxUID: TransferSyntax.ImplicitVRLittleEndian }));
    const r = run('info', implicit);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 frame(s)');
    expect(r.stderr).toBe('');
  });

  it('reports each bad file with its name and reason, keeps going, and exits 1', () => {
    const truncated = join(dir, 'truncated.dcm');
    const text = join(dir, 'notes.txt');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 50));
    writeFileSync(text, 'not dicom at all '.repeat(20));
    const r = run('info', truncated, good, text);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${truncated}: file is truncated`);
    expect(r.stderr).toContain(`${text}: not a DICOM Part 10 file`);
    expect(r.stdout).toContain(good);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack traces
  });

  it('describes every cine of a folder, passing over what is not one', () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'sub', 'loop.dcm'), bytes);
    writeFileSync(join(folder, 'notes.txt'), 'not dicom at all '.repeat(20));
    const source = CineImage.fromPart10(bytes, good);
    writeFileSync(join(folder, 'seg.dcm'), new BinarySegmentation({ source, segments: [{ label: 'Prostate', algorithmType: 'MANUAL', frames: grayFrames(12, 16, 3) }] }).toPart10());
    const r = run('info', folder, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ file: join(folder, 'sub', 'loop.dcm'), numberOfFrames: 3 })]);
    expect(r.stderr).toMatch(/skipped .*notes\.txt: not a DICOM Part 10 file/);
    expect(r.stderr).toMatch(/skipped .*seg\.dcm: a DICOM SEG, not a cine/);
  });

  it('describes a SEG', () => {
    const source = CineImage.fromPart10(bytes, good);
    const masks = grayFrames(12, 16, 3).map((f, i) => Uint8Array.from(f, (v) => (i === 1 ? 0 : v > 100 ? 1 : 0)));
    const segFile = join(dir, 'seg.dcm');
    writeFileSync(segFile, new BinarySegmentation({ source, segments: [{ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'm', version: '1' }, frames: masks }] }).toPart10());
    const r = run('seg-info', segFile, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.segments[0]).toMatchObject({ label: 'Prostate', frames: 3, nonEmptyFrames: 2 });
    expect(s.referencedInstances[0].sopInstanceUID).toBe(source.sopInstanceUID);
    expect(s.referencedImages).toEqual([{ sopInstanceUID: source.sopInstanceUID, sourceFrames: '1-3', inReferencedSeriesSequence: true }]);
    const text = run('seg-info', segFile);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`study ${source.studyInstanceUID}`);
    expect(text.stdout).toContain(`references SOP Instance ${source.sopInstanceUID}: source frame(s) 1-3\n`);
  });

  it('prints usage and exits 2 on a bad command', () => {
    const r = run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage:/);
  });
});
