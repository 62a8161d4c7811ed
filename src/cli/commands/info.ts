/** `trus-seg info`: what the reader makes of each cine (frames, timing, calibration, warnings), before segmenting. */
import { parseArgs } from 'node:util';
import type { CineImage } from '../../dicom/cineImage.js';
import { pixelAreaMm2 } from '../../dicom/ultrasoundRegions.js';
import type { ScanPlaneReading } from '../../dicom/scanPlane.js';
import { PassedOverFile, problemOf, resolveInputs } from '../inputs.js';
import { dicomwebHeaders } from '../dicomwebHeaders.js';

export interface CineSummary {
  file: string;
  sopClassUID: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  modality: string;
  transferSyntaxUID: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  photometricInterpretation: string;
  framesPerSecond: number | null;
  timingSource: string;
  pixelSpacingMm: { x: number; y: number } | null;
  pixelAreaMm2: number | null;
  calibrationSource: string | null;
  /** Transverse or sagittal, and where the header says so; null when it does not. */
  scanPlane: ScanPlaneReading | null;
  firstFrameMean: number;
  warnings: string[];
}

export async function summariseCine(cine: CineImage, file: string): Promise<CineSummary> {
  const first = await cine.decodeFrame(0);
  let sum = 0;
  for (const v of first) sum += v;
  return {
    file,
    sopClassUID: cine.sopClassUID,
    sopInstanceUID: cine.sopInstanceUID,
    studyInstanceUID: cine.studyInstanceUID,
    modality: cine.modality,
    transferSyntaxUID: cine.transferSyntaxUID,
    rows: cine.rows,
    columns: cine.columns,
    numberOfFrames: cine.numberOfFrames,
    photometricInterpretation: cine.pixelFormat.photometricInterpretation,
    framesPerSecond: cine.timing.framesPerSecond ?? null,
    timingSource: cine.timing.source,
    pixelSpacingMm: cine.calibration?.pixelSpacingMm ?? null,
    pixelAreaMm2: pixelAreaMm2(cine.calibration) ?? null,
    calibrationSource: cine.calibration?.source ?? null,
    scanPlane: cine.scanPlane ?? null,
    firstFrameMean: sum / first.length,
    warnings: cine.warnings,
  };
}

/** Describes files, folders (recursively: non-DICOM files and SEGs passed over) and DICOMweb studies or series. */
export async function runInfo(args: string[], usage: string): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, header: { type: 'string', multiple: true } } });
  if (positionals.length === 0) {
    console.error(usage);
    return 2;
  }
  let failures = 0;
  const summaries: CineSummary[] = [];
  for (const input of await resolveInputs(positionals, { requireUltrasound: false, headers: dicomwebHeaders(values.header), onNote: (line) => console.error(line) })) {
    try {
      const s = await summariseCine(await input.load(), input.name);
      summaries.push(s);
      if (!values.json) {
        console.log(
          `${input.name}\n  ${s.modality} ${s.rows}x${s.columns}, ${s.numberOfFrames} frame(s), ${s.photometricInterpretation}, transfer syntax ${s.transferSyntaxUID}\n` +
            `  timing: ${s.framesPerSecond ? `${s.framesPerSecond.toFixed(2)} frames/s` : 'unknown'} (${s.timingSource})\n` +
            `  calibration: ${s.pixelSpacingMm ? `${s.pixelSpacingMm.x.toFixed(4)} x ${s.pixelSpacingMm.y.toFixed(4)} mm/pixel (${s.calibrationSource})` : 'none (areas in pixels)'}\n` +
            `  scan plane: ${s.scanPlane ? `${s.scanPlane.plane} (${s.scanPlane.from})` : 'not given (name it for a prostate volume: trus-seg volume)'}\n` +
            s.warnings.map((w) => `  warning: ${w}\n`).join(''),
        );
      }
    } catch (err) {
      if (err instanceof PassedOverFile) {
        console.error(`skipped ${input.name}: ${problemOf(err)}`);
        continue;
      }
      failures++;
      console.error(`error: ${input.name}: ${problemOf(err)}`);
    }
  }
  if (values.json) console.log(JSON.stringify(summaries, null, 2));
  return failures > 0 ? 1 : 0;
}
