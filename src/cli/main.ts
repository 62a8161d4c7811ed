#!/usr/bin/env node
/** `trus-seg`: the command-line entry. Each command is a thin shell over src/ functions. */
import { parseArgs } from 'node:util';
import { runInfo } from './commands/info.js';
import { runSegInfo } from './commands/segInfo.js';
import { runPhantom, PHANTOM_USAGE } from './commands/phantom.js';
import { runSegment, SEGMENT_USAGE } from './commands/segment.js';
import { runReport, REPORT_USAGE } from './commands/report.js';
import { runExport, EXPORT_USAGE } from './commands/exportLoops.js';
import { runStore, STORE_USAGE } from './commands/store.js';
import { runVolume, VOLUME_USAGE } from './commands/volume.js';
import { isUsageError } from './usage.js';

const USAGE = `trus-seg — prostate segmentation of TRUS cine loops (research use only, not for clinical use)

Usage:
  trus-seg info <inputs...> [--json] [--header 'N: V']   describe DICOM cines (files, folders, DICOMweb studies, series, searches): frames, timing, calibration, warnings
  trus-seg seg-info <seg-file> [--json]  describe a DICOM SEG: segments, algorithm, referenced frames
  trus-seg segment <inputs...>           segment every frame of cine files, folders or DICOMweb studies, series, searches -> SEG + report
  trus-seg report <segs...> --source <cines...>  re-compute the temporal (and ground-truth) metrics of existing SEGs
                                         (folders: each SEG paired with the cine it references; a batch summary)
  trus-seg store <segs...> --stow URL    store SEGs on disk with STOW-RS (after a refused segment --stow)
  trus-seg volume <reports...>           prostate volume (mL) of a study's transverse and sagittal loops, from their JSON reports
  trus-seg export <inputs...> --out DIR  DICOM cine + SEG pairs -> NumPy loop folders for training
  trus-seg phantom loop|dataset|sheet    simulated TRUS loops with ground truth (see "trus-seg phantom")
  trus-seg help                          this text

Exit status: 0 on success, 1 when any input failed (each failure is reported with its file and reason), 2 on bad usage.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'phantom') return runPhantom(rest);
  if (command === 'segment') return runSegment(rest);
  if (command === 'report') return runReport(rest);
  if (command === 'export') return runExport(rest);
  if (command === 'store') return runStore(rest);
  if (command === 'volume') return runVolume(rest);
  if (command === 'info') return runInfo(rest, USAGE);
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  switch (command) {
    case 'seg-info':
      if (positionals.length !== 1) break;
      return runSegInfo(positionals[0]!, { json: values.json ?? false });
    case 'help':
    case '--help':
    case '-h':
      console.log(`${USAGE}\n\n${SEGMENT_USAGE}\n\n${REPORT_USAGE}\n\n${STORE_USAGE}\n\n${VOLUME_USAGE}\n\n${EXPORT_USAGE}\n\n${PHANTOM_USAGE}`);
      return 0;
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isUsageError(err)) {
      console.error(`error: ${(err as Error).message}\n("trus-seg help" lists the commands and their options)`);
      process.exitCode = 2;
      return;
    }
    console.error(err instanceof Error ? `error: ${err.message}` : err);
    process.exitCode = 1;
  },
);
