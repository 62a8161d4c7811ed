/**
 * `trus-seg store`: sends SEGs already on disk to a DICOMweb service (STOW-RS), the retry after a
 * refused `segment --stow` (whose SEGs are kept). Only DICOM SEGs are sent: the folder a batch
 * wrote also holds its reports.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DicomwebClient } from '../../dicom/dicomwebClient.js';
import { dicomwebHeaders } from '../dicomwebHeaders.js';
import { listFiles, problemOf, readSegmentationFile } from '../inputs.js';
import { UsageError } from '../usage.js';
import { transferLine } from '../progress.js';
import { sentText } from '../../util/httpTransfer.js';

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
  for (const { file, inFolder } of await listFiles(positionals)) {
    try {
      const seg = await readSegmentationFile(file, inFolder);
      if (!seg) continue;
      const storing = transferLine(`storing ${file}`, { describe: sentText });
      await client.storeInstances([new Uint8Array(await readFile(file))], seg.studyInstanceUID, { onProgress: storing.update }).finally(storing.end);
      stored++;
      console.error(`${file} -> ${values.stow} (study ${seg.studyInstanceUID})`);
    } catch (err) {
      failures++;
      console.error(`error: ${file}: ${problemOf(err)}`);
    }
  }
  console.error(`${stored} SEG(s) stored to ${values.stow}${failures ? `, ${failures} failure(s)` : ''}`);
  return failures > 0 || stored === 0 ? 1 : 0;
}
