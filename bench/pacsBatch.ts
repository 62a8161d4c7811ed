/**
 * A batch from a PACS: `trus-seg segment` on a study of several copies of a loop stored in Debian's
 * Orthanc on loopback, reached through a proxy that lets bytes through at a given rate each way, as
 * a network link of that speed would. Each speed is run with the next image retrieved while one is
 * segmented (the CLI's default), with `--no-prefetch`, and with `--stow` back to the same PACS
 * through the same link, in turn, to show what retrieving ahead saves where the network is slow
 * and what storing the SEGs costs. Wall time of the whole CLI process (start and model load included).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DicomwebClient } from '../src/dicom/dicomwebClient.js';
import { parsePart10, writePart10 } from '../src/dicom/part10.js';
import { createUID } from '../src/dicom/uids.js';
import { orthancAvailable, startOrthanc } from '../tests/helpers/orthanc.js';
import { throttlingProxy } from '../tests/helpers/throttlingProxy.js';

export interface PacsBatchRow {
  /** Link speed in MB/s (10^6 bytes); undefined: loopback, not throttled. */
  linkMBps?: number;
  prefetch: boolean;
  /** Each SEG stored back (--stow) through the same link. */
  stow?: boolean;
  loops: number;
  framesPerLoop: number;
  bytesPerLoop: number;
  /** Each try's wall time, in the order run. */
  seconds: number[];
}

function runCli(cli: string, args: string[]): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - start) / 1000) : reject(new Error(`trus-seg segment exited ${code}:\n${stderr.slice(-2000)}`))));
  });
}

/** The batch at each link speed, with and without retrieving ahead, `tries` times each; or why it was not run. */
export async function pacsBatch(cli: string, loopFile: string, options: { loops: number; linksMBps: (number | undefined)[]; tries: number }): Promise<PacsBatchRow[] | string> {
  if (!orthancAvailable()) return 'Orthanc is not installed';
  const orthanc = await startOrthanc();
  const out = join(tmpdir(), `trus-bench-pacs-${process.pid}`);
  try {
    const source = readFileSync(loopFile);
    const study = createUID();
    const client = new DicomwebClient({ url: orthanc.dicomwebUrl });
    let framesPerLoop = 0;
    for (let i = 0; i < options.loops; i++) {
      // Copies of one loop, each its own series and instance in one study: the same work for every loop.
      const parsed = parsePart10(source, loopFile);
      framesPerLoop = Number(parsed.dataset.NumberOfFrames ?? 1);
      Object.assign(parsed.dataset, { StudyInstanceUID: study, SeriesInstanceUID: createUID(), SOPInstanceUID: createUID(), SeriesNumber: i + 1 });
      await client.storeInstances([writePart10(parsed.dataset, parsed.transferSyntaxUID)]);
    }
    const rows: PacsBatchRow[] = [];
    for (const linkMBps of options.linksMBps) {
      const rate = linkMBps === undefined ? undefined : linkMBps * 1e6;
      const proxy = await throttlingProxy(orthanc.httpUrl, rate, rate);
      try {
        const row = (prefetch: boolean, stow: boolean): PacsBatchRow => ({ linkMBps, prefetch, ...(stow ? { stow } : {}), loops: options.loops, framesPerLoop, bytesPerLoop: source.length, seconds: [] });
        const variants = [row(true, false), row(false, false), row(true, true)];
        for (let t = 0; t < options.tries; t++) {
          for (const variant of variants) {
            rmSync(out, { recursive: true, force: true });
            const args = ['segment', `${proxy.url}/dicom-web/studies/${study}`, '--out', out, ...(variant.prefetch ? [] : ['--no-prefetch']), ...(variant.stow ? ['--stow', `${proxy.url}/dicom-web`] : [])];
            variant.seconds.push(await runCli(cli, args));
          }
        }
        rows.push(...variants);
      } finally {
        await proxy.close();
      }
    }
    return rows;
  } finally {
    rmSync(out, { recursive: true, force: true });
    await orthanc.stop();
  }
}
