/**
 * A simulated dataset split by virtual patient (train/val/test), both views per patient, with a
 * manifest of every patient's parameters and every file's sha256. Node only.
 */
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { drawPatient, VIEWS, type PatientParameters, type View } from '../patient.js';
import { writeLoopFiles, type LoopFilesOptions, type LoopRecord } from './loopFiles.js';

export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

export interface DatasetOptions {
  outDir: string;
  seed: string;
  patients: Record<SplitName, number>;
  loop?: Omit<LoopFilesOptions, 'onFrame'>;
  /** Runs one loop; the CLI passes a runner that uses child processes, for parallelism. */
  runLoop?: (job: LoopJob) => Promise<LoopRecord>;
  concurrency?: number;
  onLoopDone?: (record: LoopRecord, done: number, total: number) => void;
}

export interface LoopJob {
  seed: string;
  patientId: string;
  view: View;
  split: SplitName;
  outDir: string;
  loop: Omit<LoopFilesOptions, 'onFrame'>;
}

export interface DatasetManifest {
  generator: string;
  version: number;
  note: string;
  seed: string;
  splits: Record<SplitName, string[]>;
  patients: PatientParameters[];
  loops: (LoopRecord & { split: SplitName })[];
}

export const MANIFEST_VERSION = 1;

/** Patient IDs in split order: the split a patient falls in depends only on its index. */
export function assignPatients(patients: Record<SplitName, number>): Record<SplitName, string[]> {
  let n = 0;
  const out = {} as Record<SplitName, string[]>;
  for (const split of SPLITS) {
    out[split] = Array.from({ length: patients[split] }, () => `P${String(++n).padStart(3, '0')}`);
  }
  return out;
}

export function runLoopInProcess(job: LoopJob): Promise<LoopRecord> {
  return writeLoopFiles(drawPatient(job.seed, job.patientId), job.view, job.outDir, job.split, job.loop);
}

export async function generateDataset(options: DatasetOptions): Promise<DatasetManifest> {
  const splits = assignPatients(options.patients);
  const jobs: LoopJob[] = [];
  for (const split of SPLITS) {
    for (const patientId of splits[split]) {
      for (const view of VIEWS) jobs.push({ seed: options.seed, patientId, view, split, outDir: options.outDir, loop: options.loop ?? {} });
    }
  }
  await mkdir(options.outDir, { recursive: true });
  const run = options.runLoop ?? runLoopInProcess;
  const records: (LoopRecord & { split: SplitName })[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      const record = await run(job);
      records[index] = { ...record, split: job.split };
      options.onLoopDone?.(record, ++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  const manifest: DatasetManifest = {
    generator: 'trus-cine-seg phantom',
    version: MANIFEST_VERSION,
    note: 'Simulated TRUS cine loops with ground truth. Not patient data; not for clinical use.',
    seed: options.seed,
    splits,
    patients: SPLITS.flatMap((s) => splits[s].map((id) => drawPatient(options.seed, id))),
    loops: records,
  };
  const path = join(options.outDir, 'manifest.json');
  await writeFile(`${path}.partial`, JSON.stringify(manifest, null, 1));
  await rename(`${path}.partial`, path);
  return manifest;
}
