/**
 * Prostate volume from the CLI as a user gets it: `segment` over a folder holding a simulated
 * patient's transverse and sagittal loops (the shipped student), `report` over their ground-truth
 * SEGs, and `trus-seg volume` over the reports, by their planes or paired by hand.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../src/dicom/cineImage.js';
import { loopOfReport, prostateVolume } from '../src/report/prostateVolume.js';
import { phantomLoop } from './helpers/phantomLoop.js';
import { tempDir } from './helpers/tools.js';

jest.setTimeout(180000);

const CLI = resolve(__dirname, '../dist/cli/main.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n').map((l) => l.split(','));
  return lines.map((fields) => Object.fromEntries(header!.map((name, i) => [name, fields[i] ?? ''])));
}

const dir = tempDir('cli-volume-');
const loops = join(dir, 'loops');
const truth = join(dir, 'truth');
const out = join(dir, 'out');
const sop: Record<string, string> = {};
let study = '';
let otherStudy = '';

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  mkdirSync(loops);
  mkdirSync(truth);
  // Patient P001's two views (one study), and P002's transverse view alone (another study).
  for (const [view, patient] of [
    ['axial', 'P001'],
    ['sagittal', 'P001'],
    ['axial', 'P002'],
  ] as const) {
    const l = await phantomLoop('cli-volume', 6, 256, 'jpeg', view, patient);
    const name = `${patient}-${view}`;
    writeFileSync(join(loops, `${name}.dcm`), l.cine);
    writeFileSync(join(truth, `${name}-gt.dcm`), l.seg);
    const cine = CineImage.fromPart10(l.cine, name);
    sop[name] = cine.sopInstanceUID;
    if (patient === 'P001') study = cine.studyInstanceUID;
    else otherStudy = cine.studyInstanceUID;
  }
});

const report = (name: string, folder = out) => JSON.parse(readFileSync(join(folder, `${sop[name]}.report.json`), 'utf8'));

describe('prostate volume from the CLI', () => {
  it('info names each loop’s scan plane and where its header gives it', () => {
    const r = cli('info', join(loops, 'P001-sagittal.dcm'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scan plane: sagittal (Series Description "Simulated TRUS sagittal cine")');
  });

  it('segment over a folder writes the volume of the study with both planes, and puts it in the batch summary', () => {
    const r = cli('segment', loops, '--out', out);
    expect(r.code).toBe(0);
    const path = join(out, `${study}.volume.json`);
    expect(r.stderr).toMatch(new RegExp(`study ${study.replace(/\./g, '\\.')}: prostate volume \\d+\\.\\d mL \\(ellipsoid: π/6 × transverse × antero-posterior × length: `));
    expect(r.stderr).toContain(`-> ${path}`);
    expect(existsSync(join(out, `${otherStudy}.volume.json`))).toBe(false);
    const volume = JSON.parse(readFileSync(path, 'utf8'));
    expect(volume.note).toMatch(/not for clinical use/);
    const transverse = report('P001-axial');
    const sagittal = report('P001-sagittal');
    expect(transverse.studyInstanceUID).toBe(study);
    expect(transverse.scanPlane).toEqual({ plane: 'transverse', from: 'Series Description "Simulated TRUS axial cine"' });
    expect(sagittal.scanPlane.plane).toBe('sagittal');
    // The file holds the volume of the two reports' own diameters.
    const expected = prostateVolume(loopOfReport(transverse), loopOfReport(sagittal));
    expect(volume.volumeMl).toBeCloseTo(expected.volumeMl, 9);
    expect(volume.transverse).toEqual({ source: join(loops, 'P001-axial.dcm'), sopInstanceUID: sop['P001-axial'], segmentedBy: 'trus-student 1.0.0' });
    expect(volume.warnings).toEqual([]);
    expect(volume.lengthMm).toBeCloseTo(sagittal.summary.medianDiameters.lateral, 9);
    const rows = csvRows(readFileSync(join(out, 'batch-summary.csv'), 'utf8'));
    const bySop = Object.fromEntries(rows.map((row) => [row.sop_instance_uid, row]));
    expect(bySop[sop['P001-axial']!]).toMatchObject({ scan_plane: 'transverse', prostate_volume_ml: volume.volumeMl.toPrecision(6) });
    expect(bySop[sop['P001-sagittal']!]).toMatchObject({ scan_plane: 'sagittal', prostate_volume_ml: volume.volumeMl.toPrecision(6) });
    expect(bySop[sop['P002-axial']!]).toMatchObject({ scan_plane: 'transverse', prostate_volume_ml: '' });
    expect(Number(bySop[sop['P001-axial']!]!.lateral_diameter)).toBeCloseTo(transverse.summary.medianDiameters.lateral, 3);
    // Per frame, in the CSV report.
    const csv = cli('segment', join(loops, 'P001-axial.dcm'), '--out', join(dir, 'csv'), '--report', 'csv');
    expect(csv.code).toBe(0);
    const frames = csvRows(readFileSync(join(dir, 'csv', `${sop['P001-axial']}.report.csv`), 'utf8'));
    expect(frames).toHaveLength(6);
    expect(Number(frames[0]!.lateral_diameter_mm)).toBeCloseTo(transverse.frames[0].diameters.lateral, 3);
  });

  it('the student’s volume is within 15% of the ground truth’s, which report computes from the reference SEGs alike', () => {
    const gtOut = join(dir, 'gt-reports');
    const r = cli('report', truth, '--source', loops, '--out', gtOut);
    expect(r.code).toBe(0);
    const gt = JSON.parse(readFileSync(join(gtOut, `${study}.volume.json`), 'utf8'));
    expect(gt.sagittal.segmentedBy).toBe('trus-cine-seg phantom 1');
    const student = JSON.parse(readFileSync(join(out, `${study}.volume.json`), 'utf8'));
    expect(Math.abs(student.volumeMl - gt.volumeMl) / gt.volumeMl).toBeLessThan(0.15);
  });

  it('volume over the reports’ folder gives the same figure; by hand it pairs loops whose header gives no plane', () => {
    const r = cli('volume', out);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout);
    const written = JSON.parse(readFileSync(join(out, `${study}.volume.json`), 'utf8'));
    expect(listed.volumes).toHaveLength(1);
    expect(listed.volumes[0].volumeMl).toBeCloseTo(written.volumeMl, 12);
    expect(listed.note).toMatch(/not for clinical use/);
    // The same reports without their planes (a scanner that writes none).
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    for (const name of ['P001-axial', 'P001-sagittal']) {
      const { scanPlane: _plane, ...rest } = report(name);
      writeFileSync(join(bare, `${name}.report.json`), JSON.stringify(rest));
    }
    const unpaired = cli('volume', bare);
    expect(unpaired.code).toBe(1);
    expect(unpaired.stderr).toContain(`error: study ${study}: no prostate volume: the plane of ${join(loops, 'P001-axial.dcm')}, ${join(loops, 'P001-sagittal.dcm')} is not given in their headers: name a transverse and a sagittal loop to pair them (--transverse and --sagittal pair two reports)`);
    // A folder of reports of one plane only has nothing to pair, and says so.
    const single = join(dir, 'single');
    mkdirSync(single);
    writeFileSync(join(single, 'P002-axial.report.json'), JSON.stringify(report('P002-axial')));
    const alone = cli('volume', single);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('no study among 1 report(s) has a transverse and a sagittal loop');
    const byHand = cli('volume', '--transverse', join(bare, 'P001-axial.report.json'), '--sagittal', join(bare, 'P001-sagittal.report.json'), '--out', join(dir, 'by-hand.json'));
    expect(byHand.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'by-hand.json'), 'utf8')).volumes[0].volumeMl).toBeCloseTo(written.volumeMl, 12);
    // Named the wrong way round, the transverse diameter is the sagittal loop's length.
    const swapped = cli('volume', '--transverse', join(bare, 'P001-sagittal.report.json'), '--sagittal', join(bare, 'P001-axial.report.json'));
    expect(JSON.parse(swapped.stdout).volumes[0].transverseDiameterMm).toBeCloseTo(written.lengthMm, 12);
  });

  it('never pairs two studies, and says what is wrong with its arguments', () => {
    const mixed = cli('volume', '--transverse', join(out, `${sop['P002-axial']}.report.json`), '--sagittal', join(out, `${sop['P001-sagittal']}.report.json`));
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain(`of study ${otherStudy}, the sagittal loop`);
    expect(mixed.stderr).toContain('a volume pairs two loops of one study');
    expect(mixed.stdout).toBe('');
    expect(cli('volume', '--transverse', join(out, `${sop['P002-axial']}.report.json`)).code).toBe(2);
    expect(cli('volume', out, '--transverse', 'a', '--sagittal', 'b').code).toBe(2);
    const notReport = cli('volume', '--transverse', join(out, 'batch-summary.csv'), '--sagittal', join(out, `${sop['P001-sagittal']}.report.json`));
    expect(notReport.code).toBe(1);
    expect(notReport.stderr).toContain('batch-summary.csv: not a JSON report of trus-seg segment or report');
  });
});
