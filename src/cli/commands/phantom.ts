/** `trus-seg phantom ...`: simulated TRUS loops, datasets, the demo loop and contact sheets. */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { drawPatient, VIEWS, type View } from '../../phantom/patient.js';
import { writeLoopFiles, type LoopRecord } from '../../phantom/files/loopFiles.js';
import { generateDataset, type LoopJob } from '../../phantom/files/dataset.js';
import { loopGeometry, simulateLoop } from '../../phantom/render.js';
import { contactSheet, type SheetTile } from '../../phantom/contactSheet.js';
import { encodePng } from '../../phantom/export/png.js';
import { loopToDicom } from '../../phantom/loopDicom.js';
import { progressBar } from '../progress.js';
import { oneOf, positiveInteger, UsageError } from '../usage.js';

export const PHANTOM_USAGE = `trus-seg phantom — simulated TRUS cine loops with ground truth (not patient data)

  trus-seg phantom loop --out DIR [--seed S] [--patient P001] [--view axial|sagittal]
                        [--frames N] [--width PX] [--png] [--rgb] [--jpeg] [--json]
      one loop: DIR/<patient>_<view>/{cine.dcm, seg.dcm, frames.npy, masks.npy[, frames/, masks/]}
  trus-seg phantom dataset --out DIR [--seed S] [--train 20] [--val 5] [--test 10]
                        [--workers 2] [--frames N] [--width PX] [--png]
      patient-level splits DIR/{train,val,test}/..., both views, and DIR/manifest.json
  trus-seg phantom sheet --out FILE.png [--seed S] [--patients 4] [--no-masks]
      a contact sheet of frames from several patients and both views
  trus-seg phantom demo [--out demo]
      regenerates the committed demo loop (JPEG Baseline cine + ground-truth SEG)`;

const COMMON = {
  out: { type: 'string' },
  seed: { type: 'string', default: 'trus-phantom-v1' },
  frames: { type: 'string' },
  width: { type: 'string' },
  png: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;


export async function runPhantom(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'loop':
      return phantomLoop(rest);
    case 'dataset':
      return phantomDataset(rest);
    case 'sheet':
      return phantomSheet(rest);
    case 'demo':
      return phantomDemo(rest);
    default:
      console.error(PHANTOM_USAGE);
      return 2;
  }
}

async function phantomLoop(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...COMMON, patient: { type: 'string', default: 'P001' }, view: { type: 'string' }, rgb: { type: 'boolean', default: false }, jpeg: { type: 'boolean', default: false }, 'folder-prefix': { type: 'string', default: '' } },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  const patient = drawPatient(values.seed!, values.patient!);
  const v = oneOf('view', values.view, VIEWS, 'axial');
  const record = await writeLoopFiles(patient, v, values.out, values['folder-prefix'], {
    frameCount: positiveInteger('frames', values.frames),
    frameWidthPx: positiveInteger('width', values.width),
    png: values.png,
    photometric: values.rgb ? 'RGB' : 'MONOCHROME2',
    encoding: values.jpeg ? 'jpeg' : 'native',
    onFrame: values.json ? undefined : progressBar(`${patient.patientId} ${v}`),
  });
  if (values.json) console.log(JSON.stringify(record));
  else console.error(`\nwrote ${values.out}/${record.folder}: ${record.frames} frames ${record.columns}x${record.rows}, ${record.pixelSpacingMm.toFixed(3)} mm/pixel`);
  return 0;
}

async function phantomDataset(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...COMMON, train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' }, workers: { type: 'string' } },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  const workers = positiveInteger('workers', values.workers, 2);
  const loop = { frameCount: positiveInteger('frames', values.frames), frameWidthPx: positiveInteger('width', values.width), png: values.png };
  const started = Date.now();
  const manifest = await generateDataset({
    outDir: values.out,
    seed: values.seed!,
    patients: { train: positiveInteger('train', values.train, 20), val: positiveInteger('val', values.val, 5), test: positiveInteger('test', values.test, 10) },
    loop,
    concurrency: workers,
    runLoop: workers > 1 ? runLoopInChild : undefined,
    onLoopDone: (r, done, total) => console.error(`[${done}/${total}] ${r.folder}: ${r.frames} frames ${r.columns}x${r.rows} (${((Date.now() - started) / 1000).toFixed(0)} s)`),
  });
  const frames = manifest.loops.reduce((n, l) => n + l.frames, 0);
  console.error(`dataset ${values.out}: ${manifest.loops.length} loops, ${frames} frames in ${((Date.now() - started) / 1000).toFixed(1)} s; manifest.json written`);
  return 0;
}

/** Runs one loop in a child process of this CLI, so loops render in parallel on several cores. */
function runLoopInChild(job: LoopJob): Promise<LoopRecord> {
  const args = [process.argv[1]!, 'phantom', 'loop', '--json', '--seed', job.seed, '--patient', job.patientId, '--view', job.view, '--out', job.outDir, '--folder-prefix', job.split];
  if (job.loop.frameCount) args.push('--frames', String(job.loop.frameCount));
  if (job.loop.frameWidthPx) args.push('--width', String(job.loop.frameWidthPx));
  if (job.loop.png) args.push('--png');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as LoopRecord);
      else reject(new Error(`${job.patientId} ${job.view} failed (exit ${code}): ${err.trim()}`));
    });
  });
}

async function phantomSheet(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...COMMON, patients: { type: 'string' }, 'no-masks': { type: 'boolean', default: false } } });
  if (!values.out) throw new UsageError('--out FILE.png is required');
  const count = positiveInteger('patients', values.patients, 4);
  const tiles: SheetTile[] = [];
  for (let i = 1; i <= count; i++) {
    const patient = drawPatient(values.seed!, `P${String(i).padStart(3, '0')}`);
    for (const v of VIEWS) {
      const g = loopGeometry(patient, v, positiveInteger('width', values.width, 320));
      // A frame a little into the loop, so speckle has evolved and motion has started.
      const frameCount = 8;
      for (const frame of simulateLoop(patient, v, { frameCount, frameWidthPx: g.width })) {
        if (frame.index === frameCount - 1) tiles.push({ image: frame.image, mask: values['no-masks'] ? undefined : frame.mask, width: g.width, height: g.height });
      }
    }
  }
  const sheet = contactSheet(tiles, 4);
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, encodePng(sheet.pixels, sheet.width, sheet.height, 3));
  console.error(`wrote ${values.out} (${sheet.width}x${sheet.height}, ${tiles.length} frames)`);
  return 0;
}

/**
 * The loops committed under demo/: one virtual patient's transverse and sagittal views (one
 * study, so the viewer's demo gives a prostate volume), fixed seed and settings, so that `phantom
 * demo` reproduces them byte for byte.
 */
export const DEMO_LOOP = { seed: 'trus-demo-v1', patientId: 'DEMO01', frameWidthPx: 400, jpegQuality: 90 };
export const DEMO_VIEWS: { view: View; frameCount: number; cine: string; groundTruth: string }[] = [
  { view: 'axial', frameCount: 72, cine: 'trus-demo-axial.dcm', groundTruth: 'trus-demo-axial-groundtruth-seg.dcm' },
  { view: 'sagittal', frameCount: 48, cine: 'trus-demo-sagittal.dcm', groundTruth: 'trus-demo-sagittal-groundtruth-seg.dcm' },
];

async function phantomDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'demo' } } });
  const d = DEMO_LOOP;
  const patient = drawPatient(d.seed, d.patientId);
  await mkdir(values.out!, { recursive: true });
  for (const { view, frameCount, cine, groundTruth } of DEMO_VIEWS) {
    const geometry = loopGeometry(patient, view, d.frameWidthPx);
    const images: Uint8Array[] = [];
    const masks: Uint8Array[] = [];
    for (const frame of simulateLoop(patient, view, { frameCount, frameWidthPx: d.frameWidthPx })) {
      images.push(frame.image);
      masks.push(frame.mask);
    }
    const dicom = await loopToDicom(patient, view, geometry, images, masks, { encoding: 'jpeg', jpegQuality: d.jpegQuality });
    await writeFile(join(values.out!, cine), dicom.cine);
    await writeFile(join(values.out!, groundTruth), dicom.seg);
    console.error(`wrote ${values.out}/${cine} (${(dicom.cine.length / 1e6).toFixed(2)} MB, ${frameCount} frames ${geometry.width}x${geometry.height}) and ${groundTruth}`);
  }
  return 0;
}
