/**
 * `trus-seg report`: re-computes the temporal metrics (and, with a ground-truth SEG, the accuracy
 * metrics) of an existing SEG over its source cine, with the same functions as a segment run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CineImage } from '../../dicom/cineImage.js';
import { masksForSource, readSegmentation } from '../../dicom/segmentationReader.js';
import { checkReferences, groundTruthMasks, segmentOf } from '../groundTruth.js';
import { metricsForMasks } from '../../report/maskMetrics.js';
import { reportToCsv, reportToJson, reportWarnings, RESEARCH_NOTE, type RunReport } from '../../report/runReport.js';
import { progressBar } from '../progress.js';
import { oneOf, positiveInteger } from '../usage.js';

export const REPORT_USAGE = `trus-seg report <seg-file> --source <cine-file> [options]
  --source FILE        the cine the SEG references (required)
  --ground-truth FILE  a reference SEG of the same cine: adds Dice, IoU, sensitivity, HD95, S-alpha, E-phi, weighted F-beta
  --segment N          segment number (default: the first segment)
  --format json|csv    (default: json)
  --out FILE           write the report here (default: standard output)`;

export async function runReport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      'ground-truth': { type: 'string' },
      segment: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.source) {
    console.error(REPORT_USAGE);
    return 2;
  }
  const format = oneOf('format', values.format, ['json', 'csv'] as const, 'json');
  const segmentNumber = positiveInteger('segment', values.segment);
  const segFile = positionals[0]!;
  const cine = CineImage.fromPart10(await readFile(values.source), values.source);
  const seg = readSegmentation(await readFile(segFile), segFile);
  checkReferences(seg, cine, segFile);
  const masks = masksForSource(seg, segmentOf(seg, segmentNumber, segFile), cine.sopInstanceUID, cine.numberOfFrames);
  let groundTruth: Uint8Array[] | undefined;
  if (values['ground-truth']) {
    const gtFile = values['ground-truth'];
    groundTruth = groundTruthMasks(readSegmentation(await readFile(gtFile), gtFile), cine, gtFile);
  }
  const { frames, summary } = await metricsForMasks(cine, masks, { groundTruth, onProgress: progressBar(segFile) });
  const algorithm = seg.segments.find((s) => s.algorithmName);
  const report: RunReport = {
    source: values.source,
    sopInstanceUID: cine.sopInstanceUID,
    segmentation: segFile,
    ...(algorithm ? { algorithm: `${algorithm.algorithmName} ${algorithm.algorithmVersion ?? ''}`.trim() } : {}),
    note: RESEARCH_NOTE,
    warnings: reportWarnings(cine.warnings, frames),
    summary,
    frames,
  };
  const text = format === 'csv' ? reportToCsv(report) : reportToJson(report);
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
  return 0;
}
