/**
 * What `trus-seg segment` and `info` read: files, folders (recursively), DICOMweb study/series URLs
 * and QIDO-RS searches, each resolved to a lazily loaded cine with a name for messages.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CineImage, isUltrasoundDataset, notUltrasoundProblem } from '../dicom/cineImage.js';
import { readFolderFile, type FolderFile, type FolderFileOptions } from '../dicom/folderFile.js';
import { readSegmentation, type ReadSegmentation } from '../dicom/segmentationReader.js';
import { NOT_PART10_PROBLEM } from '../dicom/errors.js';
import { DicomwebClient } from '../dicom/dicomwebClient.js';
import type { TransferProgress } from '../util/httpTransfer.js';
import { isImageStorageSopClass } from '../dicom/uids.js';

export interface CineInput {
  /** File path or instance URL. */
  name: string;
  /** Absolute path for files (to refuse overwriting a source). */
  path?: string;
  /** Known before loading (a DICOMweb instance), so a resumed batch skips it without retrieving it. */
  sopInstanceUID?: string;
  /** Why it is passed over, where that is known before loading (another modality's image in a DICOMweb study); `load` then throws PassedOverFile. */
  passOver?: string;
  /** `signal` aborts a DICOMweb retrieval under way, `onProgress` reports it (a file is read whole, quickly). */
  load(options?: InputLoadOptions): Promise<CineImage>;
  /** From a folder scan or a DICOMweb study: `load` throws PassedOverFile for an image that is not a cine to segment. */
  optional: boolean;
}

export interface InputLoadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
}

/** A DICOMweb study or series named by its URL. */
export interface DicomwebLocation {
  kind: 'location';
  base: string;
  study: string;
  series?: string;
}

/** A QIDO-RS search URL (…/studies?… or …/series?…): every image of what it matches. */
export interface DicomwebSearch {
  kind: 'search';
  base: string;
  level: 'studies' | 'series';
  queryParams: Record<string, string>;
}

const SEARCH_EXAMPLE = '…/studies?ModalitiesInStudy=US&StudyDate=20260101-20261231 or …/series?Modality=US';

export function parseDicomwebUrl(url: string): DicomwebLocation | DicomwebSearch | undefined {
  const m = /^(https?:\/\/.+?)\/studies\/([0-9.]+)(?:\/series\/([0-9.]+))?\/?$/.exec(url);
  if (m) return { kind: 'location', base: m[1]!, study: m[2]!, ...(m[3] ? { series: m[3] } : {}) };
  const q = /^(https?:\/\/.+)\/(studies|series)\/?\?(.*)$/.exec(url);
  if (!q) return undefined;
  const queryParams: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(q[3]!)) {
    // A repeated key (includefield=A&includefield=B) becomes QIDO's comma-separated list.
    queryParams[key] = key in queryParams ? `${queryParams[key]},${value}` : value;
  }
  const matching = Object.keys(queryParams).filter((k) => !/^(limit|offset|includefield|fuzzymatching)$/i.test(k));
  // An empty search would be every study in the PACS: most likely a mistake, never done by accident.
  if (matching.length === 0) throw new Error(`${url}: a QIDO-RS search needs at least one matching attribute, e.g. ${SEARCH_EXAMPLE}`);
  return { kind: 'search', base: q[1]!, level: q[2] as 'studies' | 'series', queryParams };
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
  /** Whether only ultrasound images are wanted (decides what a folder scan or a study passes over). Default true. */
  requireUltrasound?: boolean;
  /** What a DICOMweb search found, how it was paged, and a server's warning that it returned fewer matches than it could page through. */
  onNote?: (line: string) => void;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The images of a study or series as inputs. In a study (like a folder) an image whose QIDO-RS
 * Modality is another modality's is passed over unretrieved; in a series named directly it is the
 * caller's to refuse, as a file named directly is.
 */
async function dicomwebImages(client: DicomwebClient, study: string, series: string | undefined, optional: boolean, options: ResolveOptions): Promise<CineInput[]> {
  const { requireUltrasound = true, onNote } = options;
  const where = `${client.url}/studies/${study}${series ? `/series/${series}` : ''}`;
  const instances = await client.searchForInstances(study, series, {}, {
    onWarning: (warning) => onNote?.(`warning: ${where}: the server may have listed only some of its images: ${warning}`),
    onPaged: (requests, pageSize) => onNote?.(`${where}: the server listed its images ${pageSize} at a time (${requests} requests)`),
  });
  const inputs: CineInput[] = [];
  for (const inst of instances) {
    const sopClass = String(inst.SOPClassUID ?? '');
    if (!isImageStorageSopClass(sopClass)) continue;
    const seriesUid = String(inst.SeriesInstanceUID ?? series);
    const sop = String(inst.SOPInstanceUID);
    const name = `${client.url}/studies/${study}/series/${seriesUid}/instances/${sop}`;
    // QIDO-RS returns Modality with instances on most servers; where it does not, the image is retrieved to tell.
    const modality = inst.Modality === undefined ? undefined : String(inst.Modality);
    const passOver = optional && requireUltrasound && modality !== undefined && !isUltrasoundDataset(inst) ? notUltrasoundProblem(modality) : undefined;
    const load = async (options: InputLoadOptions = {}): Promise<CineImage> => {
      if (passOver) throw new PassedOverFile(name, passOver);
      const cine = await client.retrieveCine(study, seriesUid, sop, options);
      if (optional && requireUltrasound && !cine.isUltrasound) throw new PassedOverFile(name, notUltrasoundProblem(cine.modality));
      return cine;
    };
    inputs.push({ name, sopInstanceUID: sop, optional, load, ...(passOver ? { passOver } : {}) });
  }
  return inputs;
}

/** Every image of the studies or series a QIDO-RS search matches, each study read as a study URL is. */
async function searchedImages(client: DicomwebClient, search: DicomwebSearch, url: string, options: ResolveOptions): Promise<CineInput[]> {
  const { onNote } = options;
  const notes = {
    onWarning: (warning: string) => onNote?.(`warning: ${url}: the server may have returned only some of the matches (narrow the search, e.g. by StudyDate, and run each part; --skip-existing resumes): ${warning}`),
    onPaged: (requests: number, pageSize: number) => onNote?.(`${url}: the server answered ${pageSize} matches at a time (${requests} requests)`),
  };
  const found = search.level === 'studies' ? await client.searchForStudies(search.queryParams, notes) : await client.searchForSeries(undefined, search.queryParams, notes);
  const matched = plural(found.length, search.level === 'studies' ? 'study' : 'series', search.level === 'studies' ? 'studies' : 'series');
  // Listing the images takes a request per match: a large search says what it is doing first.
  if (found.length > 1) onNote?.(`${url}: ${matched} matched; listing their images`);
  const inputs: CineInput[] = [];
  for (const match of found) {
    const study = String(match.StudyInstanceUID ?? '');
    if (!study) continue;
    const series = search.level === 'series' ? String(match.SeriesInstanceUID ?? '') || undefined : undefined;
    if (search.level === 'series' && !series) continue;
    try {
      inputs.push(...(await dicomwebImages(client, study, series, true, options)));
    } catch (err) {
      // One match the server will not list is that match's failure, not the whole batch's: it is reported when its turn comes.
      const name = `${client.url}/studies/${study}${series ? `/series/${series}` : ''}`;
      inputs.push({ name, optional: false, load: () => Promise.reject(err) });
    }
  }
  onNote?.(`${url}: ${matched} matched, ${plural(inputs.length, 'image')}`);
  return inputs;
}

export async function resolveInputs(args: string[], options: ResolveOptions = {}): Promise<CineInput[]> {
  const { headers = {}, requireUltrasound = true } = options;
  const inputs: CineInput[] = [];
  for (const arg of args) {
    const web = parseDicomwebUrl(arg);
    if (web) {
      const client = new DicomwebClient({ url: web.base, headers });
      if (web.kind === 'search') inputs.push(...(await searchedImages(client, web, arg, options)));
      else inputs.push(...(await dicomwebImages(client, web.study, web.series, !web.series, options)));
      continue;
    }
    if (/^https?:\/\//.test(arg)) throw new Error(`${arg}: a DICOMweb URL must name a study (…/studies/<uid>), a series (…/studies/<uid>/series/<uid>) or a QIDO-RS search (${SEARCH_EXAMPLE})`);
    for (const { file, inFolder } of await listFiles([arg])) inputs.push(fileInput(file, inFolder, requireUltrasound));
  }
  // An image named twice (a study and a search that matches it, a folder and a file in it) is read once, as first named.
  const seen = new Set<string>();
  return inputs.filter((input) => {
    const key = input.path ?? input.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
