/**
 * What `trus-seg segment` and `info` read: files, folders (recursively) and DICOMweb study/series URLs,
 * each resolved to a lazily loaded cine with a name for messages.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CineImage } from '../dicom/cineImage.js';
import { readFolderFile, type FolderFile, type FolderFileOptions } from '../dicom/folderFile.js';
import { readSegmentation, type ReadSegmentation } from '../dicom/segmentationReader.js';
import { NOT_PART10_PROBLEM } from '../dicom/errors.js';
import { DicomwebClient } from '../dicom/dicomwebClient.js';
import { isImageStorageSopClass } from '../dicom/uids.js';

export interface CineInput {
  /** File path or instance URL. */
  name: string;
  /** Absolute path for files (to refuse overwriting a source). */
  path?: string;
  load(): Promise<CineImage>;
  /** From a folder scan: `load` throws PassedOverFile for a file that is not a cine to segment. */
  optional: boolean;
}

export function parseDicomwebUrl(url: string): { base: string; study: string; series?: string } | undefined {
  const m = /^(https?:\/\/.+?)\/studies\/([0-9.]+)(?:\/series\/([0-9.]+))?\/?$/.exec(url);
  if (!m) return undefined;
  return { base: m[1]!, study: m[2]!, ...(m[3] ? { series: m[3] } : {}) };
}

/** Every file below `dir` (dot-files and dot-folders skipped), sorted. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

/** A file of a folder scan that is not a cine to segment (notes, SEGs, other modalities' images): skipped, not failed. */
export class PassedOverFile extends Error {
  override readonly name = 'PassedOverFile';
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
  }
}

/** Part 10 preamble check, so a folder scan does not read large non-DICOM files (frames.npy) whole. */
async function hasPart10Preamble(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    return bytesRead === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } finally {
    await handle.close();
  }
}

/** readFolderFile on a file found in a folder, read only when it has a Part 10 preamble. */
export async function readFileInFolder(file: string, options: FolderFileOptions = {}): Promise<FolderFile> {
  if (!(await hasPart10Preamble(file))) return { kind: 'other', reason: NOT_PART10_PROBLEM };
  return readFolderFile(await readFile(file), file, options);
}

/** A cine file to load: one named directly must be a readable image; one found in a folder may be passed over (PassedOverFile). */
export function fileInput(path: string, optional: boolean, requireUltrasound: boolean): CineInput {
  const abs = resolve(path);
  const load = async () => {
    if (!optional) return CineImage.fromPart10(await readFile(abs), path);
    const file = await readFileInFolder(path, { segmentations: false, requireUltrasound });
    if (file.kind === 'cine') return file.cine;
    throw new PassedOverFile(path, file.kind === 'other' ? file.reason : 'a DICOM SEG');
  };
  return { name: path, path: abs, optional, load };
}

export interface ResolveOptions {
  /** Headers of every DICOMweb request (authorisation). */
  headers?: Record<string, string>;
  /** Whether only ultrasound images are wanted (decides what a folder scan passes over). Default true. */
  requireUltrasound?: boolean;
}

export async function resolveInputs(args: string[], options: ResolveOptions = {}): Promise<CineInput[]> {
  const { headers = {}, requireUltrasound = true } = options;
  const inputs: CineInput[] = [];
  for (const arg of args) {
    const web = parseDicomwebUrl(arg);
    if (web) {
      const client = new DicomwebClient({ url: web.base, headers });
      const instances = await client.searchForInstances(web.study, web.series);
      for (const inst of instances) {
        const sopClass = String(inst.SOPClassUID ?? '');
        if (!isImageStorageSopClass(sopClass)) continue;
        const series = String(inst.SeriesInstanceUID);
        const sop = String(inst.SOPInstanceUID);
        inputs.push({ name: `${web.base}/studies/${web.study}/series/${series}/instances/${sop}`, optional: false, load: () => client.retrieveCine(web.study, series, sop) });
      }
      continue;
    }
    if (/^https?:\/\//.test(arg)) throw new Error(`${arg}: a DICOMweb URL must name a study (…/studies/<uid>) or a series (…/studies/<uid>/series/<uid>)`);
    for (const { file, inFolder } of await listFiles([arg])) inputs.push(fileInput(file, inFolder, requireUltrasound));
  }
  return inputs;
}

/** The files named, and every file below the folders named; `inFolder` marks the latter, which a command may pass over. */
export async function listFiles(paths: readonly string[]): Promise<{ file: string; inFolder: boolean }[]> {
  const files: { file: string; inFolder: boolean }[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new Error(`${path}: no such file or folder`);
    });
    if (info.isDirectory()) files.push(...(await walk(path)).map((file) => ({ file, inFolder: true })));
    else files.push({ file: path, inFolder: false });
  }
  return files;
}

/**
 * A SEG file: one named directly must be a SEG; in a folder, files that are not SEGs are passed
 * over (undefined). A DICOM file that cannot be read throws, in a folder too: it may be the SEG.
 */
export async function readSegmentationFile(file: string, inFolder: boolean): Promise<ReadSegmentation | undefined> {
  if (!inFolder) return readSegmentation(await readFile(file), file);
  const found = await readFileInFolder(file, { cines: false });
  return found.kind === 'segmentation' ? found.seg : undefined;
}

/** An error's message without the source it names (the CLI prints the source beside it). */
export function problemOf(err: unknown): string {
  const problem = (err as { problem?: unknown } | null)?.problem;
  if (typeof problem === 'string') return problem;
  return err instanceof Error ? err.message : String(err);
}
