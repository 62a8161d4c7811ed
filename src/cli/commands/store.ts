/**
 * `trus-seg store`: sends SEGs already on disk to a DICOMweb service (STOW-RS), the retry after a
 * refused `segment --stow` (whose SEGs are kept). Only DICOM SEGs are sent: the folder a batch
 * wrote also holds its reports.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DicomwebClient } from '../../dicom/dicomwebClient.js';
import { DicomError } from '../../dicom/errors.js';
import { readFolderFile } from '../../dicom/folderFile.js';
import { readSegmentation } from '../../dicom/segmentationReader.js';
import { dicomwebHeaders } from '../dicomwebHeaders.js';
import { hasPart10Preamble, walk } from '../inputs.js';
import { UsageError } from '../usage.js';

export const STORE_USAGE = `trus-seg store <seg-file | folder>... --stow URL [--header 'N: V']...
  Stores DICOM SEGs (a folder: every SEG in it, recursively) with STOW-RS, each under its own
  study; other files are passed over. For SEGs kept after a refused \`segment --stow\`.`;

export async function runStore(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { stow: { type: 'string' }, header: { type: 'string', multiple: true } } });
  if (positionals.length === 0) {
    console.error(STORE_USAGE);
    return 2;
  }
  if (!values.stow) throw new UsageError('--stow URL is required');
  const client = new DicomwebClient({ url: values.stow, headers: dicomwebHeaders(values.header) });
  let stored = 0;
  let failures = 0;
  for (const path of positionals) {
    const info = await stat(path).catch(() => {
      throw new Error(`${path}: no such file or folder`);
    });
    const folder = info.isDirectory();
    for (const file of folder ? await walk(path) : [path]) {
      try {
        if (folder && !(await hasPart10Preamble(file))) continue;
        const bytes = new Uint8Array(await readFile(file));
        const found = folder ? readFolderFile(bytes, file, { cines: false }) : { kind: 'segmentation' as const, seg: readSegmentation(bytes, file) };
        if (found.kind !== 'segmentation') continue;
        await client.storeInstances([bytes], found.seg.studyInstanceUID);
        stored++;
        console.error(`${file} -> ${values.stow} (study ${found.seg.studyInstanceUID})`);
      } catch (err) {
        failures++;
        console.error(`error: ${file}: ${err instanceof DicomError ? err.problem : err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  console.error(`${stored} SEG(s) stored to ${values.stow}${failures ? `, ${failures} failure(s)` : ''}`);
  return failures > 0 || stored === 0 ? 1 : 0;
}
