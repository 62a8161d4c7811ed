/**
 * The CLI over slow links (a real Orthanc behind a proxy that paces what passes, as a slow network
 * does): a cine that takes a while to retrieve shows how much has come, a SEG that takes a while
 * to store shows how much has been sent and is not cut by a STOW wait shorter than it, and a
 * batch's STOW goes on beside the next loop's segmentation. Piped stderr is a log, so the lines
 * are those a log gets: one at each quarter.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../src/dicom/cineImage.js';
import { DicomwebClient } from '../src/dicom/dicomwebClient.js';
import { encodeJpegBaselineFrames } from '../src/dicom/encode/jpegBaseline.js';
import { BinarySegmentation } from '../src/dicom/segmentation.js';
import { createUID, TransferSyntax } from '../src/dicom/uids.js';
import { parsePart10, writePart10 } from '../src/dicom/part10.js';
import { CLI, cliAsync } from './helpers/cliProcess.js';
import { writeModelFolder } from './helpers/modelDir.js';
import { buildTinySegmentationModel } from './helpers/onnxModel.js';
import { startOrthanc, type RunningOrthanc } from './helpers/orthanc.js';
import { cineFile, IDENTITY_A } from './helpers/synthetic.js';
import { throttlingProxy } from './helpers/throttlingProxy.js';
import { tempDir } from './helpers/tools.js';

jest.setTimeout(180000);

const DEMO = resolve(__dirname, '../demo/trus-demo-axial.dcm');
const dir = tempDir('cli-transfers-');
const SEG_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64]);

/** Quarter lines of one transfer in a log: `<label>: <received> of <total> MB<after>`, the sizes as numbers. */
function quarterLines(stderr: string, label: RegExp): { received: number; total: number; after: string }[] {
  const line = new RegExp(`^${label.source}: (\\d+\\.\\d) of (\\d+\\.\\d) MB(.*)$`, 'gm');
  return [...stderr.matchAll(line)].map((m) => ({ received: Number(m[1]), total: Number(m[2]), after: m[3]! }));
}

let orthanc: RunningOrthanc;

/** The demo cine, stored to Orthanc (again: storing an instance twice is harmless). */
async function storeDemo(): Promise<{ demo: CineImage; demoBytes: Buffer }> {
  const demoBytes = readFileSync(DEMO);
  await new DicomwebClient({ url: orthanc.dicomwebUrl }).storeInstances([new Uint8Array(demoBytes)]);
  return { demo: CineImage.fromPart10(demoBytes, DEMO), demoBytes };
}

/** The label of `segment`'s line for the demo cine's retrieval through `pacsUrl`: its URL's end. */
function retrievalLabel(pacsUrl: string, demo: CineImage): string {
  return `retrieving …${`${pacsUrl}/dicom-web/studies/${demo.studyInstanceUID}/series/${demo.seriesInstanceUID}/instances/${demo.sopInstanceUID}`.slice(-47)}`;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  orthanc = await startOrthanc();
});
afterAll(() => orthanc?.stop());

it('segment: a cine retrieved over a slow link shows how much of it has come', async () => {
  const { demo, demoBytes } = await storeDemo();
  // About 4 s for the 1.6 MB cine.
  const link = await throttlingProxy(orthanc.httpUrl, 400_000);
  try {
    const r = await cliAsync('segment', `${link.url}/dicom-web/studies/${demo.studyInstanceUID}`, '--model', model.dir, '--out', join(dir, 'segment-out'));
    expect(r.code).toBe(0);
    const name = retrievalLabel(link.url, demo);
    const label = new RegExp(name.replace(/[.]/g, '\\.'));
    const lines = quarterLines(r.stderr, label);
    expect(lines.every((l) => l.after === '')).toBe(true);
    // A quarter reached within the first second is not written (a quick transfer gets no lines); the last is the whole.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const total = lines[0]!.total;
    expect(total).toBeGreaterThanOrEqual(Number((demoBytes.length / 1e6).toFixed(1)));
    expect(lines.every((l) => l.total === total)).toBe(true);
    expect(lines.map((l) => l.received)).toEqual([...lines.map((l) => l.received)].sort((a, b) => a - b));
    expect(lines.at(-1)!.received).toBe(total);
    // Before the loop's progress bar, not in it.
    expect(r.stderr.indexOf(`${total.toFixed(1)} of ${total.toFixed(1)} MB\n`)).toBeLessThan(r.stderr.search(/\[#+\] \d+\/\d+ frames/));
  } finally {
    await link.close();
  }
});

it("segment: a PACS slow to begin sending a cine: the log says its answer is awaited", async () => {
  const { demo } = await storeDemo();
  // The cine's retrieval answered 11 s late, as by a PACS that first fetches the study from its archive.
  const link = await throttlingProxy(orthanc.httpUrl, undefined, undefined, { ms: 11_000, answersTo: (method, url) => method === 'GET' && url.endsWith(`/instances/${demo.sopInstanceUID}`) });
  try {
    const r = await cliAsync('segment', `${link.url}/dicom-web/studies/${demo.studyInstanceUID}`, '--model', model.dir, '--out', join(dir, 'segment-late'));
    expect(r.code).toBe(0);
    const name = retrievalLabel(link.url, demo);
    const waiting = `${name}: waiting for the PACS's answer (10 s)\n`;
    // One line in the log, at 10 s, before the loop's progress bar.
    expect(r.stderr.split(waiting)).toHaveLength(2);
    expect(r.stderr.indexOf(waiting)).toBeLessThan(r.stderr.search(/\[#+\] \d+\/\d+ frames/));
  } finally {
    await link.close();
  }
}, 60_000);

it('segment: a cine whose retrieval stalls mid-way: the log says how much had come, and for how long it stalled', async () => {
  const { demo } = await storeDemo();
  // The cine's answer stops for 11 s once 300 kB have come (a link gone quiet), then comes whole.
  const link = await throttlingProxy(orthanc.httpUrl, undefined, undefined, { ms: 11_000, afterBytes: 300_000, answersTo: (method, url) => method === 'GET' && url.endsWith(`/instances/${demo.sopInstanceUID}`) });
  try {
    const r = await cliAsync('segment', `${link.url}/dicom-web/studies/${demo.studyInstanceUID}`, '--model', model.dir, '--out', join(dir, 'segment-stalled'));
    expect(r.code).toBe(0);
    const name = retrievalLabel(link.url, demo);
    const label = new RegExp(name.replace(/[.]/g, '\\.'));
    const lines = quarterLines(r.stderr, label);
    // One line for the stall, at 10 s, giving what had come: part of the whole, short of it.
    const stalled = lines.filter((l) => l.after === ', stalled for 10 s');
    expect(stalled).toHaveLength(1);
    expect(lines.filter((l) => l.after !== '' && l.after !== ', stalled for 10 s')).toEqual([]);
    expect(stalled[0]!.received).toBeGreaterThanOrEqual(0.3);
    expect(stalled[0]!.received).toBeLessThan(stalled[0]!.total);
    // Then the rest came (the last line the whole), before the loop's progress bar.
    expect(lines.at(-1)).toEqual({ received: stalled[0]!.total, total: stalled[0]!.total, after: '' });
    expect(r.stderr.search(/, stalled for 10 s\n/)).toBeLessThan(r.stderr.search(/\[#+\] \d+\/\d+ frames/));
  } finally {
    await link.close();
  }
}, 60_000);

it('store: a large SEG stored over a slow link shows how much has been sent, and is stored', async () => {
  // A 16 MB SEG (500 frames of 512 x 512, one bit a pixel), four times what loopback's buffers take
  // at once, so that the link's pace is what the upload's progress follows. Its source cine is
  // one JPEG frame repeated, small to build.
  const rows = 512;
  const columns = 512;
  const frameCount = 500;
  const gray = new Uint8Array(rows * columns).fill(90);
  const [jpeg] = await encodeJpegBaselineFrames([gray], { rows, columns, samplesPerPixel: 1 });
  const cineBytes = cineFile({ rows, columns, frames: new Array(frameCount).fill(gray), encapsulatedFrames: new Array(frameCount).fill(jpeg), transferSyntaxUID: TransferSyntax.JPEGBaseline8Bit });
  const source = CineImage.fromPart10(cineBytes, 'large.dcm');
  const mask = Uint8Array.from({ length: rows * columns }, (_, i) => (i % columns > 100 && i % columns < 400 ? 1 : 0));
  const seg = new BinarySegmentation({ source, segments: [{ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'm', version: '1' }, frames: new Array(frameCount).fill(mask) }] }).toPart10();
  expect(seg.length).toBeGreaterThan(16e6);
  mkdirSync(join(dir, 'large'), { recursive: true });
  const segFile = join(dir, 'large', 'large.seg.dcm');
  writeFileSync(segFile, seg);
  // About 4 s to send at 4 MB/s.
  const link = await throttlingProxy(orthanc.httpUrl, undefined, 4e6);
  try {
    const r = await cliAsync('store', segFile, '--stow', `${link.url}/dicom-web`);
    expect(r.stderr).toContain(`${segFile} -> ${link.url}/dicom-web (study ${source.studyInstanceUID})`);
    expect(r.code).toBe(0);
    const lines = quarterLines(r.stderr, new RegExp(`storing ${segFile.replace(/[.]/g, '\\.')}`));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const total = lines[0]!.total;
    // The multipart body: the SEG and its boundaries.
    expect(total).toBe(Number((seg.length / 1e6).toFixed(1)));
    expect(lines.at(-1)!.received).toBe(total);
    expect(lines.slice(0, -1).every((l) => l.received < total)).toBe(true);
    // All of it gone, the wait is for the PACS's answer, and the line says so.
    expect(lines.map((l) => l.after)).toEqual([...lines.slice(0, -1).map(() => ' sent'), " sent, waiting for the PACS's answer"]);
  } finally {
    await link.close();
  }
  const stored = await new DicomwebClient({ url: orthanc.dicomwebUrl }).searchForInstances(source.studyInstanceUID);
  expect(stored.filter((i) => i.SOPClassUID === SEG_CLASS)).toHaveLength(1);
});

it("store: a SEG sent at once to a PACS slow to answer shows that the answer is awaited", async () => {
  const rows = 64;
  const columns = 64;
  const gray = new Uint8Array(rows * columns).fill(90);
  // A study of its own: the large SEG's test stored one under the synthetic cines' usual study.
  const source = CineImage.fromPart10(cineFile({ rows, columns, frames: [gray, gray, gray], identity: { ...IDENTITY_A, StudyInstanceUID: createUID() } }), 'small.dcm');
  const mask = Uint8Array.from({ length: rows * columns }, (_, i) => (i % columns > 10 && i % columns < 40 ? 1 : 0));
  const seg = new BinarySegmentation({ source, segments: [{ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'm', version: '1' }, frames: [mask, mask, mask] }] }).toPart10();
  mkdirSync(join(dir, 'small'), { recursive: true });
  const segFile = join(dir, 'small', 'small.seg.dcm');
  writeFileSync(segFile, seg);
  // All of it leaves at once (a few kB on loopback); Orthanc's answer is held for 2.5 s.
  const link = await throttlingProxy(orthanc.httpUrl, undefined, undefined, { ms: 2500, answersTo: (method) => method === 'POST' });
  try {
    const r = await cliAsync('store', segFile, '--stow', `${link.url}/dicom-web`);
    expect(r.code).toBe(0);
    const waiting = new RegExp(`^storing ${segFile.replace(/[.]/g, '\\.')}: (\\d+) of (\\d+) kB sent, waiting for the PACS's answer$`, 'gm');
    const lines = [...r.stderr.matchAll(waiting)];
    expect(lines).toHaveLength(1);
    expect(lines[0]![1]).toBe(lines[0]![2]);
    expect(r.stderr.indexOf(lines[0]![0])).toBeLessThan(r.stderr.indexOf(`${segFile} -> ${link.url}/dicom-web`));
  } finally {
    await link.close();
  }
  const stored = await new DicomwebClient({ url: orthanc.dicomwebUrl }).searchForInstances(source.studyInstanceUID);
  expect(stored.filter((i) => i.SOPClassUID === SEG_CLASS)).toHaveLength(1);
});

describe('segment --stow over a slow link', () => {
  /** A study of two copies of the demo loop (each its own series and instance) in Orthanc; its UID. */
  async function twoLoopStudy(): Promise<string> {
    const study = createUID();
    for (let i = 0; i < 2; i++) {
      const parsed = parsePart10(readFileSync(DEMO), DEMO);
      Object.assign(parsed.dataset, { StudyInstanceUID: study, SeriesInstanceUID: createUID(), SOPInstanceUID: createUID(), SeriesNumber: i + 1 });
      await new DicomwebClient({ url: orthanc.dicomwebUrl }).storeInstances([writePart10(parsed.dataset, parsed.transferSyntaxUID)]);
    }
    return study;
  }
  const storedSegs = async (study: string) => (await new DicomwebClient({ url: orthanc.dicomwebUrl }).searchForInstances(study)).filter((i) => i.SOPClassUID === SEG_CLASS).length;
  /** The SEGs a run wrote, in the order it wrote them. */
  const writtenSegs = (stderr: string) => [...stderr.matchAll(/^  72 frames -> (\S+\.seg\.dcm)$/gm)].map((m) => m[1]!);
  /** The second loop's progress bar, not its retrieval. */
  const SECOND_LOOP_BAR = /^\[2\/2[^\]]*\] \S+ \[#+\.*\] \d+\/72 frames$/m;
  // Each SEG (about 0.8 MB) takes some 5 s to reach Orthanc; a loop takes a second or two to segment.
  const UPLOAD_BYTES_PER_SECOND = 150_000;

  it("stores each SEG beside the next loop's segmentation, and tells how each went", async () => {
    const study = await twoLoopStudy();
    const link = await throttlingProxy(orthanc.httpUrl, undefined, UPLOAD_BYTES_PER_SECOND);
    const out = join(dir, 'stow-batch');
    try {
      const r = await cliAsync('segment', `${link.url}/dicom-web/studies/${study}`, '--model', model.dir, '--out', out, '--stow', `${link.url}/dicom-web`);
      expect(r.code).toBe(0);
      const [first, second] = writtenSegs(r.stderr);
      expect(second).toBeDefined();
      const storedFirst = r.stderr.indexOf(`  stored ${first} to ${link.url}/dicom-web\n`);
      const storedSecond = r.stderr.indexOf(`  stored ${second} to ${link.url}/dicom-web\n`);
      expect(storedFirst).toBeGreaterThan(0);
      // The second loop was segmented while the first SEG was still on its way.
      const secondLoop = r.stderr.search(SECOND_LOOP_BAR);
      expect(secondLoop).toBeGreaterThan(0);
      expect(secondLoop).toBeLessThan(storedFirst);
      expect(storedSecond).toBeGreaterThan(storedFirst);
      // The summary is written once both are answered, and says nothing failed.
      expect(r.stderr.indexOf('batch summary')).toBeGreaterThan(storedSecond);
      expect(readFileSync(join(out, 'batch-summary.csv'), 'utf8')).not.toContain('not stored');
    } finally {
      await link.close();
    }
    expect(await storedSegs(study)).toBe(2);
  });

  it('Ctrl-C while a SEG is on its way: the batch stops, waits for the PACS to answer that STOW, and says so', async () => {
    const study = await twoLoopStudy();
    const link = await throttlingProxy(orthanc.httpUrl, undefined, UPLOAD_BYTES_PER_SECOND);
    const out = join(dir, 'stow-cancel');
    try {
      const child = spawn(process.execPath, [CLI, 'segment', `${link.url}/dicom-web/studies/${study}`, '--model', model.dir, '--out', out, '--stow', `${link.url}/dicom-web`, '--batch', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && SECOND_LOOP_BAR.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(sent).toBe(true);
      expect(code).toBe(1);
      const [first, second] = writtenSegs(stderr);
      expect(second).toBeUndefined();
      expect(stderr).toContain('cancelled during');
      const waiting = stderr.indexOf(`waiting for the PACS to answer the STOW of ${first} (Ctrl-C again stops now; the SEG is kept)`);
      expect(waiting).toBeGreaterThan(stderr.indexOf('cancelled during'));
      expect(stderr.indexOf(`  stored ${first} to ${link.url}/dicom-web\n`)).toBeGreaterThan(waiting);
      expect(readdirSync(out).filter((f) => f.endsWith('.seg.dcm'))).toHaveLength(1);
    } finally {
      await link.close();
    }
    expect(await storedSegs(study)).toBe(1);
  });
});
