/**
 * `trus-seg report`: re-computes the temporal metrics (and, with ground-truth SEGs, the accuracy
 * metrics) of existing SEGs over their source cines, with the same functions as a segment run.
 * One SEG and one cine: one report (standard output or a file). SEG folders and cine folders: the
 * SEGs are paired with the cines they reference (by SOP Instance UID), one report each and a batch
 * summary, so that another tool's SEGs, or an earlier model's, can be compared loop by loop.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CineImage } from '../../dicom/cineImage.js';
import { algorithmOf, readSegmentation, type ReadSegmentation } from '../../dicom/segmentationReader.js';
import { referencedSopInstanceUIDs } from '../../dicom/segmentationOnCine.js';
import { GroundTruthIndex, masksOfCine } from '../groundTruth.js';
import { metricsForMasks } from '../../report/maskMetrics.js';
import { reportToCsv, reportToJson, reportWarnings, RESEARCH_NOTE, type RunReport } from '../../report/runReport.js';
import { batchSummaryToCsv, type BatchRow } from '../../report/batchSummary.js';
import { batchLabel, progressBar, summaryText } from '../progress.js';
import { oneOf, positiveInteger, UsageError } from '../usage.js';
import { fileInput, listFiles, PassedOverFile, problemOf, readSegmentationFile, type CineInput } from '../inputs.js';
import { exists, writeAtomically } from '../outputFiles.js';
import { writeStudyVolumes } from '../studyVolumes.js';

export const REPORT_USAGE = `trus-seg report <seg-file> --source <cine-file> [options]
trus-seg report <SEG files or folders>... --source <cine files or folders>... [--out DIR] [options]
  --source P           the cine(s) the SEGs reference (required; repeatable): with several SEGs or
                       folders, each SEG is paired with the cine it references (SOP Instance UID)
  --ground-truth P     reference SEG file or folder (repeatable) of the same cines: adds Dice, IoU,
                       sensitivity, HD95, S-alpha, E-phi, weighted F-beta
  --segment N          segment number (default: the first segment)
  --format json|csv    (default: json)
  --out P              one SEG: the report file (default: standard output); a batch: the folder for
                       <SEG SOPInstanceUID>.report.json|csv and batch-summary.csv (default: trus-seg-reports)
  --summary FILE       a batch's CSV, one row per SEG (default: DIR/batch-summary.csv)
  --overwrite          replace reports a batch finds in --out`;

interface Options {
  segmentNumber: number | undefined;
  references: GroundTruthIndex | undefined;
}

/** The report of one SEG over one cine it references; accuracy figures when a reference names the cine. */
async function reportOf(seg: ReadSegmentation, segFile: string, cine: CineImage, label: string, options: Options): Promise<RunReport> {
  const masks = masksOfCine(seg, cine, segFile, options.segmentNumber);
  const reference = options.references?.masksFor(cine);
  const { frames, summary } = await metricsForMasks(cine, masks, { ...(reference ? { groundTruth: reference.masks } : {}), onProgress: progressBar(label) });
  const named = seg.segments.find((s) => s.algorithmName);
  const algorithm = named && algorithmOf(named);
  return {
    source: cine.source,
    sopInstanceUID: cine.sopInstanceUID,
    studyInstanceUID: cine.studyInstanceUID,
    ...(cine.scanPlane ? { scanPlane: cine.scanPlane } : {}),
    segmentation: segFile,
    ...(algorithm ? { algorithm } : {}),
    ...(reference ? { groundTruth: reference.file } : {}),
    probabilityMaps: 'masks',
    note: RESEARCH_NOTE,
    warnings: reportWarnings(cine.warnings, frames),
    summary,
    frames,
  };
}

export async function runReport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      source: { type: 'string', multiple: true },
      'ground-truth': { type: 'string', multiple: true },
      segment: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      summary: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0 || !values.source?.length) {
    console.error(REPORT_USAGE);
    return 2;
  }
  const format = oneOf('format', values.format, ['json', 'csv'] as const, 'json');
  const options: Options = {
    segmentNumber: positiveInteger('segment', values.segment),
    references: values['ground-truth']?.length ? await GroundTruthIndex.load(values['ground-truth']) : undefined,
  };
  const segFiles = await listFiles(positionals);
  const sourceFiles = await listFiles(values.source);
  const batch = segFiles.length > 1 || sourceFiles.length > 1 || [...segFiles, ...sourceFiles].some((f) => f.inFolder);
  if (!batch) {
    if (values.summary || values.overwrite) throw new UsageError('--summary and --overwrite are for batches (several SEGs or folders)');
    return reportOne(segFiles[0]!.file, sourceFiles[0]!.file, format, values.out, options);
  }
  return reportBatch(segFiles, sourceFiles, format, { ...options, out: resolve(values.out ?? 'trus-seg-reports'), summary: values.summary, overwrite: values.overwrite! });
}

async function reportOne(segFile: string, sourceFile: string, format: 'json' | 'csv', out: string | undefined, options: Options): Promise<number> {
  const cine = CineImage.fromPart10(await readFile(sourceFile), sourceFile);
  const seg = readSegmentation(await readFile(segFile), segFile);
  const report = await reportOf(seg, segFile, cine, segFile, options);
  // Asked for by name: a reference that does not name this cine is an error, not a silent omission.
  if (options.references && !report.groundTruth) throw new Error(`no --ground-truth SEG references ${sourceFile} (SOP Instance UID ${cine.sopInstanceUID})`);
  const text = format === 'csv' ? reportToCsv(report) : reportToJson(report);
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
  return 0;
}

/**
 * Cines by SOP Instance UID (loaded again when their SEG comes, so that hundreds are not held at
 * once); files in folders that are not images are passed over, unreadable DICOM files are failures.
 */
async function indexSources(files: { file: string; inFolder: boolean }[]): Promise<{ bySop: Map<string, CineInput>; failures: number }> {
  const bySop = new Map<string, CineInput>();
  let failures = 0;
  for (const { file, inFolder } of files) {
    const input = fileInput(file, inFolder, false);
    try {
      const sop = (await input.load()).sopInstanceUID;
      const earlier = bySop.get(sop);
      if (earlier) console.error(`note: ${file} holds the same instance as ${earlier.name} (SOP Instance UID ${sop}); using ${earlier.name}`);
      else bySop.set(sop, input);
    } catch (err) {
      if (err instanceof PassedOverFile) continue;
      failures++;
      console.error(`error: ${file}: ${problemOf(err)}`);
    }
  }
  return { bySop, failures };
}

async function reportBatch(
  segFiles: { file: string; inFolder: boolean }[],
  sourceFiles: { file: string; inFolder: boolean }[],
  format: 'json' | 'csv',
  options: Options & { out: string; summary: string | undefined; overwrite: boolean },
): Promise<number> {
  const { bySop, failures: sourceFailures } = await indexSources(sourceFiles);
  let failures = sourceFailures;
  let written = 0;
  const rows: BatchRow[] = [];
  const inputs = new Set([...segFiles, ...sourceFiles].map((f) => resolve(f.file)));
  await mkdir(options.out, { recursive: true });
  const failed = (segFile: string, err: unknown) => {
    failures++;
    const problem = problemOf(err);
    console.error(`error: ${segFile}: ${problem}`);
    rows.push({ source: '', status: 'failed', problem, seg: segFile });
  };
  // Which files are SEGs first, so that progress counts SEGs, not every file; each is read again
  // when its turn comes rather than kept (a SEG's masks are held unpacked).
  const segs: string[] = [];
  for (const { file, inFolder } of segFiles) {
    if (!inFolder) segs.push(file);
    else await readSegmentationFile(file, true).then((seg) => seg && segs.push(file), (err: unknown) => failed(file, err));
  }
  for (const [index, segFile] of segs.entries()) {
    let seg: ReadSegmentation;
    try {
      seg = readSegmentation(await readFile(segFile), segFile);
    } catch (err) {
      failed(segFile, err);
      continue;
    }
    const referenced = referencedSopInstanceUIDs(seg);
    const paired = referenced.filter((sop) => bySop.has(sop));
    if (paired.length === 0) {
      failed(segFile, new Error(`references no cine under --source (SOP Instance UID ${referenced.join(', ') || 'none'})`));
      continue;
    }
    for (const sop of paired) {
      const source = bySop.get(sop)!;
      const row: BatchRow = { source: source.name, sopInstanceUID: sop, status: 'failed', seg: segFile };
      rows.push(row);
      const reportPath = join(options.out, `${seg.sopInstanceUID}${paired.length > 1 ? `.${sop}` : ''}.report.${format}`);
      try {
        if (inputs.has(reportPath)) throw new Error(`${reportPath} is one of the inputs: refusing to overwrite it`);
        if (!options.overwrite && (await exists(reportPath))) throw new Error(`${reportPath} exists (pass --overwrite to replace it)`);
        const report = await reportOf(seg, segFile, await source.load(), batchLabel(index, segs.length, segFile), options);
        if (options.references && !report.groundTruth) console.error(`  no ground truth references ${source.name}: accuracy metrics left out`);
        await writeAtomically(reportPath, format === 'csv' ? reportToCsv(report) : reportToJson(report));
        written++;
        Object.assign(row, { status: 'written', report });
        console.error(`  ${segFile} over ${source.name} -> ${reportPath}\n${summaryText(report)}`);
      } catch (err) {
        failures++;
        row.problem = problemOf(err);
        console.error(`error: ${segFile}: ${row.problem}`);
      }
    }
  }
  await writeStudyVolumes(rows, options.out);
  const summaryPath = options.summary ? resolve(options.summary) : join(options.out, 'batch-summary.csv');
  await mkdir(dirname(summaryPath), { recursive: true });
  await writeAtomically(summaryPath, batchSummaryToCsv(rows));
  console.error(`${written} report(s) written to ${options.out}${failures ? `, ${failures} failure(s)` : ''}; batch summary (${rows.length} row(s)): ${summaryPath}`);
  return failures > 0 || written === 0 ? 1 : 0;
}
