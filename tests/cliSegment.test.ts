/**
 * `trus-seg segment` and `trus-seg report`, run as a user runs them (the built CLI in a child
 * process) on the committed demo loop, folders, a DICOMweb study in a real Orthanc, and bad inputs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../src/dicom/cineImage.js';
import { readSegmentation } from '../src/dicom/segmentationReader.js';
import { parsePart10, writePart10 } from '../src/dicom/part10.js';
import { DicomwebClient } from '../src/dicom/dicomwebClient.js';
import { createUID } from '../src/dicom/uids.js';
import { buildTinySegmentationModel } from './helpers/onnxModel.js';
import { writeModelFolder } from './helpers/modelDir.js';
import { cineFile, grayFrames, IDENTITY_B } from './helpers/synthetic.js';
import { convertWith, dciodvfy, tempDir } from './helpers/tools.js';
import { startOrthanc } from './helpers/orthanc.js';
import { cliAsync } from './helpers/cliProcess.js';
import { forward, startLoopbackServer, type LoopbackServer } from './helpers/loopbackServer.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '..');
const CLI = resolve(ROOT, 'dist/cli/main.js');
const DEMO = resolve(ROOT, 'demo/trus-demo-axial.dcm');
const DEMO_GT = resolve(ROOT, 'demo/trus-demo-axial-groundtruth-seg.dcm');
const demo = CineImage.fromPart10(readFileSync(DEMO), DEMO);

/** RFC 4180 rows: quoted fields may hold commas and doubled quotes. */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      // Field by field from the start, so that empty leading fields keep their place.
      const fields: string[] = [];
      const field = /"((?:[^"]|"")*)"|([^,]*)/y;
      for (let at = 0; ; ) {
        field.lastIndex = at;
        const m = field.exec(line)!;
        fields.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
        at = field.lastIndex;
        if (line[at] !== ',') break;
        at++;
      }
      return fields;
    });
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = tempDir('cli-segment-');
const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64], { name: 'tiny-net', version: '1.2.3' });

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
});

describe('trus-seg segment', () => {
  const out = join(dir, 'out');
  const segPath = join(out, `${demo.sopInstanceUID}.seg.dcm`);

  it('segments the demo loop: a valid SEG of every frame, a JSON report, a progress bar', () => {
    const r = cli('segment', DEMO, '--model', model.dir, '--out', out);
    expect(r.stderr).toContain('72/72 frames');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/model tiny-net 1\.2\.3 \(cpu\), trained on nothing \(a test model\) — Research use only/);
    expect(r.stderr).toContain(`1 SEG(s) written to ${out}`);
    const seg = readFileSync(segPath);
    expect(dciodvfy(seg).errors).toEqual([]);
    const back = readSegmentation(seg, segPath);
    expect(back.frames).toHaveLength(72);
    expect(back.frames.map((f) => f.referencedFrameNumber)).toEqual(Array.from({ length: 72 }, (_, i) => i + 1));
    expect(back.studyInstanceUID).toBe(demo.studyInstanceUID);
    expect(back.segments[0]).toMatchObject({ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithmName: 'tiny-net', algorithmVersion: '1.2.3' });
    const report = JSON.parse(readFileSync(join(out, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    expect(report.frames).toHaveLength(72);
    expect(report.model).toMatchObject({ name: 'tiny-net', sha256: model.manifest.sha256 });
    expect(report.summary.areaUnit).toBe('mm2');
    expect(report.note).toMatch(/not for clinical use/);
    expect(readdirSync(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('--metrics-workers 2 shares the loop between two workers and writes the same SEG and report', () => {
    const shared = join(dir, 'out-two-workers');
    const r = cli('segment', DEMO, '--model', model.dir, '--out', shared, '--metrics-workers', '2');
    expect(r.code).toBe(0);
    expect(readFileSync(join(shared, `${demo.sopInstanceUID}.report.json`), 'utf8')).toBe(readFileSync(join(out, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    const frames = (path: string) => readSegmentation(readFileSync(path), path).frames.map((f) => `${f.referencedFrameNumber}:${Buffer.from(f.mask).toString('base64')}`);
    expect(frames(join(shared, `${demo.sopInstanceUID}.seg.dcm`))).toEqual(frames(segPath));
    const both = cli('segment', DEMO, '--model', model.dir, '--out', join(dir, 'unused'), '--metrics-workers', '2', '--no-metrics-worker');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--metrics-workers and --no-metrics-worker exclude each other');
  });

  it('--frame-workers 2 decodes and pre-processes in two worker threads and writes the same SEG and report', () => {
    const prepared = join(dir, 'out-frame-workers');
    const r = cli('segment', DEMO, '--model', model.dir, '--out', prepared, '--frame-workers', '2');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('frames decoded in the main thread');
    expect(readFileSync(join(prepared, `${demo.sopInstanceUID}.report.json`), 'utf8')).toBe(readFileSync(join(out, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    const frames = (path: string) => readSegmentation(readFileSync(path), path).frames.map((f) => `${f.referencedFrameNumber}:${Buffer.from(f.mask).toString('base64')}`);
    expect(frames(join(prepared, `${demo.sopInstanceUID}.seg.dcm`))).toEqual(frames(segPath));
    const notCount = cli('segment', DEMO, '--model', model.dir, '--out', join(dir, 'unused'), '--frame-workers', 'two');
    expect(notCount.code).toBe(2);
    expect(notCount.stderr).toContain('--frame-workers must be 0 or a positive integer, got "two"');
  });

  it('refuses to overwrite an output without --overwrite, and never overwrites a source file', () => {
    const before = readFileSync(segPath);
    const again = cli('segment', DEMO, '--model', model.dir, '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${segPath} exists (pass --overwrite to replace it, or --skip-existing to keep it)`);
    expect(readFileSync(segPath).equals(before)).toBe(true);
    // A source whose name is the output name, in the output folder.
    const trap = join(dir, 'trap');
    mkdirSync(trap);
    const source = join(trap, `${demo.sopInstanceUID}.seg.dcm`);
    copyFileSync(DEMO, source);
    const r = cli('segment', source, '--model', model.dir, '--out', trap, '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is one of the inputs: refusing to overwrite a source file');
    expect(readFileSync(source).equals(readFileSync(DEMO))).toBe(true);
  });

  it('warns, on the terminal and in the report, of what the cine lacks and of a loop without any mask', () => {
    // A bright, featureless loop without US region calibration: the dark-region test model finds nothing.
    const blank = join(dir, 'blank.dcm');
    writeFileSync(blank, cineFile({ rows: 32, columns: 32, frames: Array.from({ length: 3 }, () => new Uint8Array(32 * 32).fill(255)), regions: [] }));
    const blankOut = join(dir, 'blank-out');
    const r = cli('segment', blank, '--model', model.dir, '--out', blankOut);
    expect(r.code).toBe(0);
    const sop = CineImage.fromPart10(readFileSync(blank), blank).sopInstanceUID;
    const report = JSON.parse(readFileSync(join(blankOut, `${sop}.report.json`), 'utf8'));
    expect(report.summary.meanArea).toBe(0);
    expect(report.warnings).toEqual([
      'no Sequence of Ultrasound Regions and no Pixel Spacing: areas are in pixels',
      expect.stringMatching(/^no prostate on any of the 3 frames: the consistency figures describe empty masks/),
    ]);
    for (const w of report.warnings) expect(r.stderr).toContain(`  warning: ${w}`);
    // The demo loop has timing, calibration and a mask on every frame: nothing to warn of.
    const demoReport = JSON.parse(readFileSync(join(out, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    expect(demoReport.warnings).toEqual([]);
  });

  it('writes a CSV report with calibrated units in the header', () => {
    const csvOut = join(dir, 'csv');
    const r = cli('segment', DEMO, '--model', model.dir, '--out', csvOut, '--report', 'csv');
    expect(r.code).toBe(0);
    const lines = readFileSync(join(csvOut, `${demo.sopInstanceUID}.report.csv`), 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^frame,area_mm2,dice_previous,warped_consistency,/);
    expect(lines).toHaveLength(73);
    expect(lines[1]!.split(',')[0]).toBe('1');
  });

  it('scans a folder: segments the US cine, skips non-DICOM and non-ultrasound files', () => {
    const folder = join(dir, 'mixed');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    copyFileSync(DEMO, join(folder, 'sub', 'loop.dcm'));
    writeFileSync(join(folder, 'notes.txt'), 'not dicom '.repeat(30));
    writeFileSync(join(folder, 'ct.dcm'), cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), extra: { Modality: 'OT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.2' } }));
    const folderOut = join(dir, 'mixed-out');
    const r = cli('segment', folder, '--model', model.dir, '--out', folderOut);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped .*notes\.txt: .*not a DICOM Part 10 file/);
    expect(r.stderr).toMatch(/skipped .*ct\.dcm: not an ultrasound image/);
    expect(readdirSync(folderOut).sort()).toEqual([`${demo.sopInstanceUID}.report.json`, `${demo.sopInstanceUID}.seg.dcm`]);
  });

  it('a batch: position in the progress, other files passed over, an unreadable cine fails, one summary row per loop; a resumed batch skips what is done', () => {
    const folder = join(dir, 'batch');
    mkdirSync(join(folder, 'b'), { recursive: true });
    copyFileSync(DEMO, join(folder, 'a-demo.dcm'));
    const second = cineFile({ rows: 48, columns: 64, frames: grayFrames(48, 64, 4), identity: IDENTITY_B });
    writeFileSync(join(folder, 'b', 'second.dcm'), second);
    // A truncated ultrasound cine is a failure, not a file to pass over.
    writeFileSync(join(folder, 'b', 'truncated.dcm'), readFileSync(DEMO).subarray(0, 5000));
    // Another modality's image in an encoding this reader lacks (Explicit VR Big Endian) is passed over.
    const ct = cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), extra: { Modality: 'OT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.2' } });
    writeFileSync(join(folder, 'b', 'other-big-endian.dcm'), convertWith('dcmconv', ['+tb'], ct));
    copyFileSync(DEMO_GT, join(folder, 'b', 'reference-seg.dcm'));
    writeFileSync(join(folder, 'notes.txt'), 'not dicom');
    const batchOut = join(dir, 'batch-out');
    const r = cli('segment', folder, '--model', model.dir, '--out', batchOut);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[1\/6\] .*a-demo\.dcm \[#+\] 72\/72 frames/);
    // Once the demo loop is timed, the label adds the batch's time left.
    expect(r.stderr).toMatch(/\[4\/6, (under a minute|about \d+ min) left\] .*second\.dcm \[#+\] 4\/4 frames/);
    expect(r.stderr).toMatch(/skipped .*other-big-endian\.dcm: not an ultrasound image \(Modality OT\)/);
    expect(r.stderr).toMatch(/skipped .*reference-seg\.dcm: a DICOM SEG, not a cine/);
    expect(r.stderr).toMatch(/skipped .*notes\.txt: not a DICOM Part 10 file/);
    expect(r.stderr).toMatch(/error: .*truncated\.dcm: file is truncated/);
    expect(r.stderr).toContain(`2 SEG(s) written to ${batchOut}, 1 failure(s)`);
    expect(r.stderr).toMatch(/warped consistency \d\.\d{4}, flicker /);
    expect(r.stderr).not.toContain('(of the masks)');
    const secondUid = CineImage.fromPart10(second, 'second').sopInstanceUID;
    const csv = () => parseCsv(readFileSync(join(batchOut, 'batch-summary.csv'), 'utf8'));
    const [header, ...rows] = csv();
    expect(header!.slice(0, 5)).toEqual(['source', 'sop_instance_uid', 'status', 'problem', 'frames']);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((row) => [row[col('source')]!.replace(folder, ''), row[col('status')], row[col('frames')]])).toEqual([
      ['/a-demo.dcm', 'written', '72'],
      ['/b/second.dcm', 'written', '4'],
      ['/b/truncated.dcm', 'failed', ''],
    ]);
    expect(rows[0]![col('sop_instance_uid')]).toBe(demo.sopInstanceUID);
    expect(rows[1]![col('sop_instance_uid')]).toBe(secondUid);
    const demoReport = JSON.parse(readFileSync(join(batchOut, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    expect(Number(rows[0]![col('mean_area')])).toBeCloseTo(demoReport.summary.meanArea, 2);
    expect(Number(rows[0]![col('unstable_frames')])).toBe(demoReport.summary.unstableFrames.length);
    expect(rows[0]![col('probability_maps')]).toBe('model');
    expect(rows[0]![col('seg')]).toBe(join(batchOut, `${demo.sopInstanceUID}.seg.dcm`));
    expect(readFileSync(join(batchOut, 'batch-summary.csv'), 'utf8')).toMatch(/truncated\.dcm,,failed,"file is truncated: /);

    // Resumed: the two done loops are skipped with their earlier figures; the truncated file still fails.
    const before = readFileSync(join(batchOut, `${demo.sopInstanceUID}.seg.dcm`));
    const resumed = cli('segment', folder, '--model', model.dir, '--out', batchOut, '--skip-existing');
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).not.toMatch(/frames -> /);
    expect(resumed.stderr).toContain(`0 SEG(s) written to ${batchOut}, 2 skipped (outputs exist), 1 failure(s)`);
    expect(readFileSync(join(batchOut, `${demo.sopInstanceUID}.seg.dcm`)).equals(before)).toBe(true);
    const [, ...again] = csv();
    expect(again.map((row) => [row[col('status')], row[col('frames')], row[col('mean_area')], row[col('probability_maps')]])).toEqual([
      ['skipped', '72', rows[0]![col('mean_area')], 'model'],
      ['skipped', '4', rows[1]![col('mean_area')], 'model'],
      ['failed', '', '', ''],
    ]);
    // Only done loops: exit 0.
    const clean = join(dir, 'batch-clean');
    mkdirSync(clean);
    copyFileSync(DEMO, join(clean, 'a.dcm'));
    writeFileSync(join(clean, 'b.dcm'), second);
    expect(cli('segment', clean, '--model', model.dir, '--out', batchOut, '--skip-existing').code).toBe(0);
    // A SEG without its report (a run stopped between the two) is not taken as done.
    rmSync(join(batchOut, `${secondUid}.report.json`));
    const half = cli('segment', clean, '--model', model.dir, '--out', batchOut, '--skip-existing');
    expect(half.code).toBe(1);
    expect(half.stderr).toContain(`${secondUid}.seg.dcm exists (pass --overwrite to replace it, or remove it)`);
  });

  it('bad usage exits with status 2 and names the option, before any work', () => {
    const usageOut = join(dir, 'usage-out');
    const cases: [string[], RegExp][] = [
      [['segment', DEMO, '--threads', 'abc'], /--threads must be a positive integer, got "abc"/],
      [['segment', DEMO, '--batch', '0'], /--batch must be a positive integer, got "0"/],
      [['segment', DEMO, '--threshold', '1'], /--threshold must be between 0 and 1, got "1"/],
      [['segment', DEMO, '--report', 'xml'], /--report must be json or csv, got "xml"/],
      [['segment', DEMO, '--overwrite', '--skip-existing'], /--overwrite and --skip-existing exclude each other/],
      [['segment', DEMO, '--no-such-option'], /Unknown option '--no-such-option'/],
      [['report', DEMO_GT, '--source', DEMO, '--format', 'xml'], /--format must be json or csv, got "xml"/],
      [['report', DEMO_GT, '--source', DEMO, '--segment', 'one'], /--segment must be a positive integer, got "one"/],
      [['phantom', 'dataset'], /--out DIR is required/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args, ...(args[0] === 'segment' ? ['--model', model.dir, '--out', usageOut] : []));
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('"trus-seg help" lists the commands and their options');
    }
    expect(existsSync(usageOut)).toBe(false);
  });

  it('fails clearly, writing nothing, for a missing model, a zero-frame file and a non-ultrasound file', () => {
    const badOut = join(dir, 'bad-out');
    const missing = cli('segment', DEMO, '--model', join(dir, 'no-model'), '--out', badOut);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-model: no such model/);
    const zero = join(dir, 'zero.dcm');
    writeFileSync(zero, cineFile({ rows: 16, columns: 16, frames: [], extra: { NumberOfFrames: 0 } }));
    const z = cli('segment', zero, '--model', model.dir, '--out', badOut);
    expect(z.code).toBe(1);
    expect(z.stderr).toMatch(/zero\.dcm: .*Number of Frames must be a positive integer/);
    const ct = join(dir, 'ct.dcm');
    writeFileSync(ct, cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), extra: { Modality: 'OT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.2' } }));
    const c = cli('segment', ct, '--model', model.dir, '--out', badOut);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/ct\.dcm: not an ultrasound image \(Modality OT\); pass --allow-non-us to segment it anyway/);
    expect(c.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(badOut) ? readdirSync(badOut) : []).toEqual([]);
  });

  it('stops on SIGINT mid-loop and leaves no partial output', async () => {
    const cancelOut = join(dir, 'cancel-out');
    const child = spawn(process.execPath, [CLI, 'segment', DEMO, '--model', model.dir, '--out', cancelOut, '--batch', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /\[#+\.+\] \d+\/72 frames/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(sent).toBe(true);
    expect(code).toBe(1);
    expect(stderr).toContain('cancelled during');
    expect(stderr).not.toContain('72/72 frames');
    expect(readdirSync(cancelOut)).toEqual([]);
  });
});

describe('trus-seg report', () => {
  const out = join(dir, 'report-src');
  let segPath: string;

  beforeAll(() => {
    const r = cli('segment', DEMO, '--model', model.dir, '--out', out);
    expect(r.code).toBe(0);
    segPath = join(out, `${demo.sopInstanceUID}.seg.dcm`);
  });

  it('re-computes the metrics of a SEG: the same per-frame figures as the segment run', () => {
    const r = cli('report', segPath, '--source', DEMO);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const original = JSON.parse(readFileSync(join(out, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    expect(report.frames).toHaveLength(72);
    expect(report.algorithm).toBe('tiny-net 1.2.3');
    for (const k of [0, 10, 71]) {
      expect(report.frames[k].area).toBeCloseTo(original.frames[k].area, 9);
      if (k > 0) expect(report.frames[k].dicePrevious).toBeCloseTo(original.frames[k].dicePrevious, 9);
    }
    expect(report.summary.flickerCount).toBe(original.summary.flickerCount);
    // The consistencies are of the SEG's masks here, of the model's probabilities in the run: each report says which.
    expect([original.probabilityMaps, report.probabilityMaps]).toEqual(['model', 'masks']);
    const margins = (r: { frames: { meanProbabilityMargin: number }[] }) => r.frames.map((f) => f.meanProbabilityMargin);
    expect(margins(report).every((m) => m === 1)).toBe(true);
    expect(margins(original).some((m) => m < 1)).toBe(true);
  });

  it('adds accuracy against a ground-truth SEG: the ground truth against itself is perfect', () => {
    const self = cli('report', DEMO_GT, '--source', DEMO, '--ground-truth', DEMO_GT, '--format', 'csv');
    expect(self.code).toBe(0);
    const lines = self.stdout.trim().split('\n');
    const header = lines[0]!.split(',');
    const dice = header.indexOf('gt_dice');
    const hd95 = header.indexOf('gt_hd95_mm');
    expect(dice).toBeGreaterThan(0);
    for (const line of lines.slice(1)) {
      expect(Number(line.split(',')[dice])).toBe(1);
      expect(Number(line.split(',')[hd95])).toBe(0);
    }
    const model = cli('report', segPath, '--source', DEMO, '--ground-truth', DEMO_GT, '--out', join(dir, 'acc.json'));
    expect(model.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'acc.json'), 'utf8'));
    const perFrame = report.frames.map((f: { groundTruth: { dice: number } }) => f.groundTruth.dice);
    expect(report.summary.groundTruth.dice).toBeCloseTo(perFrame.reduce((a: number, b: number) => a + b, 0) / perFrame.length, 9);
    expect(report.summary.groundTruth.dice).toBeLessThan(1);
    expect(report.summary.groundTruth.hd95).toBeGreaterThan(0);
  });

  it('segment --ground-truth pairs reference SEGs from a folder by the image they reference', () => {
    const refs = join(dir, 'refs');
    mkdirSync(refs, { recursive: true });
    copyFileSync(DEMO_GT, join(refs, 'gt.dcm'));
    copyFileSync(DEMO, join(refs, 'the-cine-itself.dcm'));
    writeFileSync(join(refs, 'frames.npy'), Buffer.alloc(4096));
    const gtOut = join(dir, 'gt-out');
    const r = cli('segment', DEMO, '--model', model.dir, '--out', gtOut, '--ground-truth', refs);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/vs .*gt\.dcm: Dice 0\.\d{4}/);
    const run = JSON.parse(readFileSync(join(gtOut, `${demo.sopInstanceUID}.report.json`), 'utf8'));
    expect(run.groundTruth).toBe(join(refs, 'gt.dcm'));
    // The binary-mask figures must equal those `report` computes from the written SEG.
    const again = cli('report', join(gtOut, `${demo.sopInstanceUID}.seg.dcm`), '--source', DEMO, '--ground-truth', DEMO_GT);
    const recomputed = JSON.parse(again.stdout);
    for (let k = 0; k < 72; k++) {
      expect(run.frames[k].groundTruth.dice).toBeCloseTo(recomputed.frames[k].groundTruth.dice, 12);
      expect(run.frames[k].groundTruth.hd95).toBeCloseTo(recomputed.frames[k].groundTruth.hd95, 9);
      const g = run.frames[k].groundTruth;
      for (const key of ['diceOverThresholds', 'sensitivityOverThresholds', 'sAlpha', 'ePhi', 'weightedF']) {
        expect(g[key]).toBeGreaterThanOrEqual(0);
        expect(g[key]).toBeLessThanOrEqual(1);
      }
    }
    expect(run.summary.groundTruth.dice).toBeCloseTo(recomputed.summary.groundTruth.dice, 12);
    // A truncated file among the references stops the run before any loop: it may be the reference
    // of a loop whose accuracy would otherwise be left out with no more than a note.
    writeFileSync(join(refs, 'gt-truncated.dcm'), readFileSync(DEMO_GT).subarray(0, 2000));
    const broken = cli('segment', DEMO, '--model', model.dir, '--out', join(dir, 'gt-broken-out'), '--ground-truth', refs);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/error: .*gt-truncated\.dcm: file is truncated/);
    expect(existsSync(join(dir, 'gt-broken-out'))).toBe(false);
  });

  it('segment --ground-truth: a cine no reference names gets no accuracy figures; two references of one image are refused', () => {
    const other = join(dir, 'unreferenced.dcm');
    writeFileSync(other, cineFile({ rows: 40, columns: 48, frames: grayFrames(40, 48, 3), identity: IDENTITY_B }));
    const noRef = join(dir, 'noref-out');
    const r = cli('segment', other, '--model', model.dir, '--out', noRef, '--ground-truth', DEMO_GT);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no ground truth references .*unreferenced\.dcm/);
    const report = JSON.parse(readFileSync(join(noRef, `${CineImage.fromPart10(readFileSync(other), other).sopInstanceUID}.report.json`), 'utf8'));
    expect(report.summary.groundTruth).toBeUndefined();
    const twin = join(dir, 'twin-gt.dcm');
    const seg = readSegmentation(readFileSync(DEMO_GT), DEMO_GT);
    expect(seg.referencedInstances[0]!.sopInstanceUID).toBe(demo.sopInstanceUID);
    copyFileSync(DEMO_GT, twin);
    const dup = cli('segment', DEMO, '--model', model.dir, '--out', join(dir, 'dup-out'), '--ground-truth', DEMO_GT, '--ground-truth', twin);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/are both references of SOP Instance/);
    expect(existsSync(join(dir, 'dup-out'))).toBe(false);
  });

  it('a batch: SEGs from folders paired with the cines they reference, one report each, figures equal to the segment run\'s, failures named', () => {
    // Two simulated loops with their ground truth, segmented by the test model into a folder of SEGs.
    const data = join(dir, 'report-batch-data');
    for (const [patient, seed] of [['P001', '1'], ['P002', '2']]) {
      expect(cli('phantom', 'loop', '--out', data, '--patient', patient, '--seed', seed, '--frames', '6', '--width', '160').code).toBe(0);
    }
    const segs = join(dir, 'report-batch-segs');
    expect(cli('segment', data, '--model', model.dir, '--out', segs, '--ground-truth', data).code).toBe(0);
    const cines = ['P001', 'P002'].map((p) => CineImage.fromPart10(readFileSync(join(data, `${p}_axial`, 'cine.dcm')), p));
    // A SEG whose cine is not under --source, and a truncated SEG, beside the good ones.
    copyFileSync(DEMO_GT, join(segs, 'demo-gt.seg.dcm'));
    writeFileSync(join(segs, 'broken.seg.dcm'), readFileSync(join(segs, `${cines[0]!.sopInstanceUID}.seg.dcm`)).subarray(0, 3000));
    const reps = join(dir, 'report-batch-out');
    const r = cli('report', segs, '--source', data, '--ground-truth', data, '--out', reps);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*broken\.seg\.dcm: file is truncated/);
    expect(r.stderr).toMatch(new RegExp(`error: .*demo-gt\\.seg\\.dcm: references no cine under --source \\(SOP Instance UID ${demo.sopInstanceUID.replace(/\./g, '\\.')}\\)`));
    expect(r.stderr).toMatch(/\[1\/3\] /);
    expect(r.stderr).toMatch(/2 report\(s\) written to .*, 2 failure\(s\)/);
    expect(r.stderr).toMatch(/warped consistency \d\.\d{4} \(of the masks\), flicker /);
    const rows = parseCsv(readFileSync(join(reps, 'batch-summary.csv'), 'utf8'));
    const col = (name: string) => rows[0]!.indexOf(name);
    expect(rows).toHaveLength(1 + 4);
    for (const cine of cines) {
      const segFile = join(segs, `${cine.sopInstanceUID}.seg.dcm`);
      const row = rows.find((x) => x[col('sop_instance_uid')] === cine.sopInstanceUID)!;
      expect(row[col('status')]).toBe('written');
      expect(row[col('seg')]).toBe(segFile);
      expect(row[col('source')]).toBe(join(data, cine.sopInstanceUID === cines[0]!.sopInstanceUID ? 'P001_axial' : 'P002_axial', 'cine.dcm'));
      const seg = readSegmentation(readFileSync(segFile), segFile);
      const report = JSON.parse(readFileSync(join(reps, `${seg.sopInstanceUID}.report.json`), 'utf8'));
      const original = JSON.parse(readFileSync(join(segs, `${cine.sopInstanceUID}.report.json`), 'utf8'));
      expect(report.segmentation).toBe(segFile);
      expect(report.algorithm).toBe('tiny-net 1.2.3');
      expect(report.groundTruth).toBe(original.groundTruth);
      expect(report.summary.frames).toBe(6);
      expect(report.summary.meanArea).toBeCloseTo(original.summary.meanArea, 9);
      expect(report.summary.flickerCount).toBe(original.summary.flickerCount);
      expect(report.summary.groundTruth.dice).toBeCloseTo(original.summary.groundTruth.dice, 12);
      expect(Number(row[col('gt_dice')])).toBeCloseTo(original.summary.groundTruth.dice, 5);
      expect(row[col('probability_maps')]).toBe('masks');
    }
    expect(rows.filter((x) => x[col('status')] === 'failed').map((x) => x[col('seg')]).sort()).toEqual([join(segs, 'broken.seg.dcm'), join(segs, 'demo-gt.seg.dcm')]);
    // Run again: reports are kept unless --overwrite.
    const again = cli('report', segs, '--source', data, '--out', reps);
    expect(again.stderr).toMatch(/\.report\.json exists \(pass --overwrite to replace it\)/);
    expect(again.code).toBe(1);
    // One SEG and one cine named directly stay a single report on standard output; batch-only options are bad usage there.
    const single = cli('report', join(segs, `${cines[1]!.sopInstanceUID}.seg.dcm`), '--source', join(data, 'P002_axial', 'cine.dcm'), '--overwrite');
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/--summary and --overwrite are for batches/);
  });

  it('a SEG without a Referenced Series Sequence (Type 1C) is paired by the cine its frames name, in a batch and as a ground truth', () => {
    const parsed = parsePart10(readFileSync(DEMO_GT), DEMO_GT);
    const { ReferencedSeriesSequence: _dropped, ...rest } = parsed.dataset;
    expect(_dropped).toBeDefined();
    const folder = join(dir, 'frame-referenced');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'gt.seg.dcm'), writePart10(rest, parsed.transferSyntaxUID));
    expect(readSegmentation(readFileSync(join(folder, 'gt.seg.dcm')), 'gt').referencedInstances).toEqual([]);
    const reps = join(dir, 'frame-referenced-reports');
    const r = cli('report', folder, '--source', DEMO, '--ground-truth', folder, '--out', reps);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(reps, `${readSegmentation(readFileSync(join(folder, 'gt.seg.dcm')), 'gt').sopInstanceUID}.report.json`), 'utf8'));
    expect(report.sopInstanceUID).toBe(demo.sopInstanceUID);
    expect(report.summary.groundTruth.dice).toBe(1);
  });

  it('refuses a SEG of another cine', () => {
    const other = join(dir, 'other.dcm');
    writeFileSync(other, cineFile({ rows: demo.rows, columns: demo.columns, frames: grayFrames(demo.rows, demo.columns, 2), identity: IDENTITY_B }));
    const r = cli('report', segPath, '--source', other);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not reference .*other\.dcm/);
  });
});


/**
 * A loopback HTTP proxy in front of the real Orthanc that keeps the path of every request, to tell
 * what the CLI retrieved. `onRequest` sees each request as it arrives, and `refuse` answers a
 * request with an error status in Orthanc's place (a server fault). A PACS that caps its QIDO-RS
 * answers is tests/helpers/cappingQidoProxy.ts.
 */
interface ProxyOptions {
  onRequest?: (path: string) => void;
  /** Requests never answered (a transfer that does not end), until the proxy is closed. */
  hold?: (path: string) => boolean;
  refuse?: (path: string) => number | undefined;
}

async function recordingProxy(target: string, options: ProxyOptions = {}): Promise<LoopbackServer & { paths: string[] }> {
  const { onRequest = () => undefined, hold = () => false, refuse = () => undefined } = options;
  const paths: string[] = [];
  const server = await startLoopbackServer((req, res) => {
    onRequest(req.url ?? '');
    if (hold(req.url ?? '')) return;
    paths.push(req.url ?? '');
    const refusal = refuse(req.url ?? '');
    if (refusal !== undefined) {
      res.writeHead(refusal, { 'content-type': 'text/plain' });
      res.end('refused by the test proxy');
      return;
    }
    forward(req, res, target);
  });
  return { ...server, paths };
}

describe('trus-seg segment with a PACS (Orthanc)', () => {
  it('segments every US loop a QIDO-RS search matches, passes over other modalities, and resumes without retrieving done loops', async () => {
    const orthanc = await startOrthanc();
    const out = join(dir, 'qido-out');
    // How many SEGs the batch had written when each image was asked for: the second is retrieved while the first is segmented.
    const segsWrittenAtRetrieval: number[] = [];
    let watched = out;
    const proxy = await recordingProxy(orthanc.httpUrl, {
      onRequest: (path) => {
        if (/\/instances\/[0-9.]+$/.test(path)) segsWrittenAtRetrieval.push(existsSync(watched) ? readdirSync(watched).filter((f) => f.endsWith('.seg.dcm')).length : 0);
      },
    });
    try {
      const client = new DicomwebClient({ url: orthanc.dicomwebUrl });
      const usA = cineFile({ rows: 64, columns: 64, frames: grayFrames(64, 64, 3), seriesNumber: 1 });
      // In the US study, a series of another modality: passed over, not retrieved and not a failure.
      const otInStudy = cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), seriesNumber: 2, extra: { Modality: 'OT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.2' } });
      const usB = cineFile({ rows: 64, columns: 64, frames: grayFrames(64, 64, 4), identity: IDENTITY_B });
      const otherStudy = { ...IDENTITY_B, StudyInstanceUID: createUID(), PatientID: 'PAT-C', AccessionNumber: 'ACC-C' };
      const ctOnly = cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), identity: otherStudy, extra: { Modality: 'CT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.2' } });
      await client.storeInstances([usA, otInStudy, usB, ctOnly]);
      const sop = (bytes: Uint8Array) => String(parsePart10(bytes, 'test cine').dataset.SOPInstanceUID);
      const base = `${proxy.url}/dicom-web`;
      const search = `${base}/studies?ModalitiesInStudy=US`;

      const first = await cliAsync('segment', search, '--model', model.dir, '--out', out);
      expect(first.stderr).toContain(`${search}: 2 studies matched, 3 images`);
      expect(first.stderr).toMatch(new RegExp(`skipped \\S+/instances/${sop(otInStudy)}: not an ultrasound image \\(Modality OT\\)`));
      expect(first.stderr).toContain(`2 SEG(s) written to ${out}`);
      expect(first.code).toBe(0);
      for (const bytes of [usA, usB]) expect(dciodvfy(readFileSync(join(out, `${sop(bytes)}.seg.dcm`))).errors).toEqual([]);
      expect(existsSync(join(out, `${sop(otInStudy)}.seg.dcm`))).toBe(false);
      const retrieved = (bytes: Uint8Array) => proxy.paths.filter((p) => p.endsWith(`/instances/${sop(bytes)}`)).length;
      expect([retrieved(usA), retrieved(usB), retrieved(otInStudy), retrieved(ctOnly)]).toEqual([1, 1, 0, 0]);
      expect(segsWrittenAtRetrieval).toEqual([0, 0]);
      // --no-prefetch: each image is retrieved when its turn comes, after the one before is written.
      segsWrittenAtRetrieval.length = 0;
      watched = join(dir, 'qido-out-no-prefetch');
      const sequential = await cliAsync('segment', search, '--model', model.dir, '--out', watched, '--no-prefetch');
      expect(sequential.code).toBe(0);
      expect(segsWrittenAtRetrieval).toEqual([0, 1]);
      const figures = (folder: string, bytes: Uint8Array) => JSON.parse(readFileSync(join(folder, `${sop(bytes)}.report.json`), 'utf8')).frames;
      for (const bytes of [usA, usB]) expect(figures(watched, bytes)).toEqual(figures(out, bytes));

      // Resumed: both loops skipped from the search's UIDs alone, their figures still in the summary.
      proxy.paths.length = 0;
      const again = await cliAsync('segment', search, '--model', model.dir, '--out', out, '--skip-existing');
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`0 SEG(s) written to ${out}, 2 skipped (outputs exist)`);
      expect([retrieved(usA), retrieved(usB)]).toEqual([0, 0]);
      const rows = parseCsv(readFileSync(join(out, 'batch-summary.csv'), 'utf8'));
      const col = (name: string) => rows[0]!.indexOf(name);
      expect(rows.slice(1).map((r) => r[col('status')]).sort()).toEqual(['skipped', 'skipped']);
      expect(rows.slice(1).every((r) => r[col('frames')] !== '')).toBe(true);

      // A series-level search, through `info`: only the US series.
      const info = await cliAsync('info', `${base}/series?Modality=US`, '--json');
      expect(info.code).toBe(0);
      expect(JSON.parse(info.stdout).map((s: { modality: string; numberOfFrames: number }) => [s.modality, s.numberOfFrames]).sort()).toEqual([['US', 3], ['US', 4]]);
      expect(info.stderr).toContain('2 series matched, 2 images');

      // A study the server will not list (a fault Orthanc cannot be made to have, so the proxy answers 503 for it): that study fails, the others are segmented.
      const studyB = String(parsePart10(usB, 'test cine').dataset.StudyInstanceUID);
      const faultyProxy = await recordingProxy(orthanc.httpUrl, { refuse: (path) => (path.startsWith(`/dicom-web/studies/${studyB}/instances`) ? 503 : undefined) });
      try {
        const faultyOut = join(dir, 'qido-fault-out');
        const faulty = await cliAsync('segment', `${faultyProxy.url}/dicom-web/studies?ModalitiesInStudy=US`, '--model', model.dir, '--out', faultyOut);
        expect(faulty.code).toBe(1);
        expect(faulty.stderr).toMatch(new RegExp(`error: ${faultyProxy.url}/dicom-web/studies/${studyB}: .*503`));
        expect(faulty.stderr).toContain(`1 SEG(s) written to ${faultyOut}, 1 failure(s)`);
        expect(existsSync(join(faultyOut, `${sop(usA)}.seg.dcm`))).toBe(true);
        const faultRows = parseCsv(readFileSync(join(faultyOut, 'batch-summary.csv'), 'utf8'));
        const byStatus = new Map(faultRows.slice(1).map((r) => [r[faultRows[0]!.indexOf('status')], r[faultRows[0]!.indexOf('source')]]));
        expect(faultRows).toHaveLength(3);
        expect(byStatus.get('failed')).toBe(`${faultyProxy.url}/dicom-web/studies/${studyB}`);
        expect(byStatus.get('written')).toMatch(new RegExp(`/instances/${sop(usA)}$`));
      } finally {
        await faultyProxy.close();
      }

      const none = await cliAsync('segment', `${base}/studies?PatientID=NOBODY`, '--model', model.dir, '--out', out);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('0 studies matched, 0 images');
      expect(none.stderr).toContain('error: no images found in the inputs');
      const everything = await cliAsync('segment', `${base}/studies?limit=10`, '--model', model.dir, '--out', out);
      expect(everything.code).toBe(1);
      expect(everything.stderr).toMatch(/a QIDO-RS search needs at least one matching attribute, e\.g\. …\/studies\?ModalitiesInStudy=US/);
    } finally {
      await proxy.close();
      await orthanc.stop();
    }
  });

  it('Ctrl-C while a cine is being retrieved stops at once, writing nothing', async () => {
    const orthanc = await startOrthanc();
    let child: ReturnType<typeof spawn> | undefined;
    // The retrieval is held by the proxy, as a large cine on a slow link would be: only an aborted transfer lets the CLI stop.
    const proxy = await recordingProxy(orthanc.httpUrl, {
      hold: (path) => /\/instances\/[0-9.]+$/.test(path),
      onRequest: (path) => {
        if (/\/instances\/[0-9.]+$/.test(path)) setTimeout(() => child?.kill('SIGINT'), 200);
      },
    });
    try {
      const bytes = cineFile({ rows: 64, columns: 64, frames: grayFrames(64, 64, 3) });
      await new DicomwebClient({ url: orthanc.dicomwebUrl }).storeInstances([bytes]);
      const study = String(parsePart10(bytes, 'test cine').dataset.StudyInstanceUID);
      const out = join(dir, 'held-out');
      child = spawn(process.execPath, [CLI, 'segment', `${proxy.url}/dicom-web/studies/${study}`, '--model', model.dir, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child!.on('close', r));
      // Not a timing check: without the abort the CLI would wait for the held transfer for ever.
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 30 s after Ctrl-C'), 30000))]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/cancelled while retrieving \S+\/instances\/[0-9.]+: nothing written for it/);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      child?.kill('SIGKILL');
      await proxy.close();
      await orthanc.stop();
    }
  });

  it('segments a DICOMweb study and stores the SEG under the same study; a refused STOW keeps the SEG', async () => {
    const orthanc = await startOrthanc();
    try {
      const client = new DicomwebClient({ url: orthanc.dicomwebUrl });
      await client.storeInstances([new Uint8Array(readFileSync(DEMO))]);
      const out = join(dir, 'pacs-out');
      const url = `${orthanc.dicomwebUrl}/studies/${demo.studyInstanceUID}`;
      const r = cli('segment', url, '--model', model.dir, '--out', out, '--stow', orthanc.dicomwebUrl);
      expect(r.stderr).toContain(`  stored ${join(out, `${demo.sopInstanceUID}.seg.dcm`)} to ${orthanc.dicomwebUrl}\n`);
      expect(r.code).toBe(0);
      const instances = await client.searchForInstances(demo.studyInstanceUID);
      const segs = instances.filter((i) => i.SOPClassUID === '1.2.840.10008.5.1.4.1.1.66.4');
      expect(segs).toHaveLength(1);
      const local = readSegmentation(readFileSync(join(out, `${demo.sopInstanceUID}.seg.dcm`)), 'local');
      expect(segs[0]!.SOPInstanceUID).toBe(local.sopInstanceUID);
    } finally {
      await orthanc.stop();
    }
    const refusedOut = join(dir, 'refused-out');
    const r = cli('segment', DEMO, '--model', model.dir, '--out', refusedOut, '--stow', 'http://127.0.0.1:9/dicom-web');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*STOW.*\(the SEG is kept at .*\.seg\.dcm: `trus-seg store .*\.seg\.dcm --stow http:\/\/127\.0\.0\.1:9\/dicom-web` stores it later\)/);
    const kept = readFileSync(join(refusedOut, `${demo.sopInstanceUID}.seg.dcm`));
    expect(dciodvfy(kept).errors).toEqual([]);
  });
});
