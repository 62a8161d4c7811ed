/**
 * What `trus-seg segment` reads: files, folders (recursively) and DICOMweb study/series URLs,
 * each resolved to a lazily loaded cine with a name for messages.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CineImage } from '../dicom/cineImage.js';
import { DicomwebClient } from '../dicom/dicomwebClient.js';
import { isImageStorageSopClass } from '../dicom/uids.js';

export interface CineInput {
  /** File path or instance URL. */
  name: string;
  /** Absolute path for files (to refuse overwriting a source). */
  path?: string;
  load(): Promise<CineImage>;
  /** From a folder scan: a file that is not a readable DICOM image is skipped, not a failure. */
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

function fileInput(path: string, optional: boolean): CineInput {
  const abs = resolve(path);
  return { name: path, path: abs, optional, load: async () => CineImage.fromPart10(await readFile(abs), path) };
}

export async function resolveInputs(args: string[], headers: Record<string, string> = {}): Promise<CineInput[]> {
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
    let info;
    try {
      info = await stat(arg);
    } catch {
      throw new Error(`${arg}: no such file or folder`);
    }
    if (info.isDirectory()) inputs.push(...(await walk(arg)).map((p) => fileInput(p, true)));
    else inputs.push(fileInput(arg, false));
  }
  return inputs;
}
