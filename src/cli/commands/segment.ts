/**
 * `trus-seg segment`: one SEG per source instance plus a report, with a progress bar; the same
 * engine calls as the browser. Outputs are written under temporary names and renamed when
 * complete, never over a source file; a refused STOW keeps the SEG on disk. A study with a
 * transverse and a sagittal loop in the batch gets its prostate volume.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadNodeModel } from '../../inference/nodeModel.js';
import { segmentCine, NotUltrasoundError } from '../../inference/engine.js';
import { segmentationFromRun } from '../../inference/segmentationFromRun.js';
import { reportToCsv, reportToJson, reportWarnings, RESEARCH_NOTE, type RunReport } from '../../report/runReport.js';
import { batchSummaryToCsv, reportFiguresFromJson, type BatchRow } from '../../report/batchSummary.js';
import { DicomwebClient } from '../../dicom/dicomwebClient.js';
import { PassedOverFile, problemOf, resolveInputs, type CineInput } from '../inputs.js';
import { InputQueue } from '../inputQueue.js';
import { batchLabel, progressBar, summaryText, transferLine } from '../progress.js';
import { BackgroundStow } from '../backgroundStow.js';
import { AWAITING_PACS } from '../../util/httpTransfer.js';
import { defaultModelPath } from '../paths.js';
import { GroundTruthIndex } from '../groundTruth.js';
import { defaultMetricsWorkers, inferenceThreadsBesideMetricsWorker, nodeMetricsWorkerPool } from '../../temporal/nodeMetricsWorker.js';
import { defaultFrameWorkers, nodeFrameWorkerPool } from '../../inference/nodeFrameWorkers.js';
import { nonNegativeInteger, oneOf, openUnitInterval, positiveInteger, UsageError } from '../usage.js';
import { dicomwebHeaders } from '../dicomwebHeaders.js';
import { exists, writeAtomically } from '../outputFiles.js';
import { writeStudyVolumes } from '../studyVolumes.js';

export const SEGMENT_USAGE = `trus-seg segment <file | folder | DICOMweb study, series or search URL>... [options]
  A DICOMweb input is …/studies/<uid>, …/studies/<uid>/series/<uid>, or a QIDO-RS search such as
  '…/studies?ModalitiesInStudy=US&StudyDate=20260101-20261231' or '…/series?Modality=US' (every
  image of what it matches). In a study, images of other modalities are passed over, as in a folder.
  --model DIR        model folder with model.json (default: ${'models/trus-student'})
  --out DIR          output folder (default: trus-seg-out)
  --report json|csv  report format (default: json)
  --stow URL         store each SEG to this DICOMweb service (STOW-RS), one at a time, while
                     the next loop is segmented; a batch ends once the PACS has answered the last
  --header 'N: V'    an HTTP header for every DICOMweb request (repeatable), e.g. an
                     Authorization; TRUS_PACS_AUTHORIZATION in the environment sets that one
                     without showing it in the process list
  --ground-truth P   reference SEG file or folder (repeatable): cines it references get Dice, IoU,
                     sensitivity, HD95, S-alpha, E-phi, weighted F-beta in their report
  --threshold T      probability threshold (default: the model's)
  --batch N          frames per inference call (default 4)
  --threads N        onnxruntime threads (default: all cores, less one for the metrics worker)
  --provider cpu|webgpu  onnxruntime's execution provider (default cpu). webgpu: the GPU through
                     onnxruntime-node's WebGPU provider (Dawn over Vulkan), checked against the CPU
                     first; refused with the reason where no adapter is usable; a run that fails
                     mid-loop (a lost device) continues on the CPU and the report says from which frame
  --metrics-workers N  worker threads sharing each loop's post-processing and temporal metrics
                     (default 1; with --provider webgpu three cores in four, at most 12); same results
  --no-metrics-worker  compute the temporal metrics between inference calls instead of in a
                     worker thread beside them (slower; same results)
  --frame-workers N  worker threads decoding and pre-processing frames ahead of inference; 0 does
                     it between inference calls (default 2 with --provider webgpu on 8 or more
                     cores, else 0); same results
  --no-largest-component, --no-fill-holes   switch post-processing steps off
  --allow-non-us     segment non-ultrasound images too
  --overwrite        replace existing outputs (never a source file)
  --skip-existing    skip inputs whose SEG and report are already in --out (resumes a batch)
  --no-prefetch      retrieve each DICOMweb image when its turn comes (by default the next one is
                     retrieved while one is segmented; this keeps one cine in memory, not two)
  --summary FILE     one CSV row per loop: status and summary figures (default: DIR/batch-summary.csv
                     when the run has more than one loop)`;

export async function runSegment(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      out: { type: 'string', default: 'trus-seg-out' },
      report: { type: 'string' },
      stow: { type: 'string' },
      header: { type: 'string', multiple: true },
      'ground-truth': { type: 'string', multiple: true },
      threshold: { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      provider: { type: 'string' },
      'metrics-workers': { type: 'string' },
      'frame-workers': { type: 'string' },
      'no-largest-component': { type: 'boolean', default: false },
      'no-fill-holes': { type: 'boolean', default: false },
      'allow-non-us': { type: 'boolean', default: false },
      'no-metrics-worker': { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
      'skip-existing': { type: 'boolean', default: false },
      'no-prefetch': { type: 'boolean', default: false },
      summary: { type: 'string' },
    },
  });
  if (positionals.length === 0) {
    console.error(SEGMENT_USAGE);
    return 2;
  }
  const reportFormat = oneOf('report', values.report, ['json', 'csv'] as const, 'json');
  const threshold = openUnitInterval('threshold', values.threshold);
  const batchSize = positiveInteger('batch', values.batch);
  const headers = dicomwebHeaders(values.header);
  const skipExisting = values['skip-existing']!;
  if (skipExisting && values.overwrite) throw new UsageError('--overwrite and --skip-existing exclude each other (replace existing outputs, or keep them and skip their inputs)');
  const metricsWorker = !values['no-metrics-worker'];
  const provider = oneOf('provider', values.provider, ['cpu', 'webgpu'] as const, 'cpu');
  const requestedWorkers = positiveInteger('metrics-workers', values['metrics-workers']);
  if (requestedWorkers !== undefined && !metricsWorker) throw new UsageError('--metrics-workers and --no-metrics-worker exclude each other');
  const metricsWorkerCount = requestedWorkers ?? defaultMetricsWorkers(provider);
  const frameWorkerCount = nonNegativeInteger('frame-workers', values['frame-workers']) ?? defaultFrameWorkers(provider);
  const threads = positiveInteger('threads', values.threads) ?? (metricsWorker ? inferenceThreadsBesideMetricsWorker(metricsWorkerCount) : undefined);
  const model = await loadNodeModel(values.model ?? defaultModelPath(), { ...(threads ? { threads } : {}), provider });
  const references = values['ground-truth']?.length ? await GroundTruthIndex.load(values['ground-truth']) : undefined;
  const requireUltrasound = !values['allow-non-us'];
  const inputs = await resolveInputs(positionals, { requireUltrasound, headers, onNote: (line) => console.error(line) });
  if (inputs.length === 0) throw new Error('no images found in the inputs');
  const out = resolve(values.out!);
  await mkdir(out, { recursive: true });
  const sources = new Set(inputs.map((i) => i.path).filter((p): p is string => !!p));
  const metricsWorkers = !metricsWorker
    ? undefined
    : nodeMetricsWorkerPool({ workersPerLoop: metricsWorkerCount, onFallback: (reason) => console.error(`  temporal metrics computed in the main thread (${reason})`) });
  const frameWorkers = frameWorkerCount > 0 ? nodeFrameWorkerPool({ workers: frameWorkerCount, onFallback: (reason) => console.error(`  frames decoded in the main thread (${reason})`) }) : undefined;
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('cancelled by the user'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  console.error(`model ${model.manifest.name} ${model.manifest.version} (${model.backend.provider})${model.manifest.trainedOn ? `, trained on ${model.manifest.trainedOn}` : ''} — ${RESEARCH_NOTE}`);
  let failures = 0;
  let written = 0;
  let skipped = 0;
  const rows: BatchRow[] = [];
  // What the loops segmented so far took, start to written, for the batch's time left (an average over loops: their frames are not known before each is read).
  let segmentedMs = 0;
  let segmented = 0;
  const outputsExist = async (sopInstanceUID: string): Promise<boolean> =>
    skipExisting && (await exists(join(out, `${sopInstanceUID}.seg.dcm`))) && (await exists(join(out, `${sopInstanceUID}.report.${reportFormat}`)));
  /** With --skip-existing: whether this SOP Instance's SEG and report are in --out already, the row then saying so. */
  const skippedAsDone = async (input: CineInput, sopInstanceUID: string, row: BatchRow): Promise<boolean> => {
    const segPath = join(out, `${sopInstanceUID}.seg.dcm`);
    const reportPath = join(out, `${sopInstanceUID}.report.${reportFormat}`);
    if (!(await outputsExist(sopInstanceUID))) return false;
    skipped++;
    console.error(`skipped ${input.name}: its SEG and report are in ${out} already`);
    // The figures of an earlier run's JSON report, so that a resumed batch's summary covers every loop.
    const earlier = reportFormat === 'json' ? reportFiguresFromJson(await readFile(reportPath, 'utf8')) : undefined;
    Object.assign(row, { status: 'skipped', problem: 'outputs exist', seg: segPath }, earlier ? { report: earlier } : {});
    return true;
  };
  const stowRows = new Map<string, BatchRow>();
  const stower = values.stow
    ? new BackgroundStow(new DicomwebClient({ url: values.stow, headers }), ({ segPath, error }) => {
        if (error === undefined) {
          console.error(`  stored ${segPath} to ${values.stow}`);
          return;
        }
        failures++;
        const message = error instanceof Error ? error.message : String(error);
        console.error(`error: ${message} (the SEG is kept at ${segPath}: \`trus-seg store ${segPath} --stow ${values.stow}\` stores it later)`);
        const row = stowRows.get(segPath);
        if (row) row.problem = `not stored: ${message}`;
      })
    : undefined;
  const queue = new InputQueue(inputs, {
    prefetch: !values['no-prefetch'],
    isDone: async (input) => !!input.sopInstanceUID && (await outputsExist(input.sopInstanceUID)),
    signal: controller.signal,
  });
  try {
    for (const [index, input] of inputs.entries()) {
      stower?.report();
      if (controller.signal.aborted) break;
      // A DICOMweb instance's UID is known from the search: a resumed batch does not retrieve what it has done.
      if (input.sopInstanceUID) {
        const row: BatchRow = { source: input.name, sopInstanceUID: input.sopInstanceUID, status: 'failed' };
        if (await skippedAsDone(input, input.sopInstanceUID, row)) {
          rows.push(row);
          continue;
        }
      }
      const loopStart = performance.now();
      let cine;
      try {
        // A PACS may take a while to begin its answer (a study fetched from its archive first).
        const retrieving = transferLine(`retrieving ${batchLabel(index, inputs.length, input.name)}`, input.path ? {} : { beforeFirst: AWAITING_PACS });
        cine = await queue.load(index, retrieving.update).finally(retrieving.end);
        await queue.prefetchAfter(index);
        if (requireUltrasound && !cine.isUltrasound) throw new NotUltrasoundError(input.name, cine.modality, 'pass --allow-non-us to segment it anyway');
      } catch (err) {
        const problem = problemOf(err);
        if (err instanceof PassedOverFile) {
          console.error(`skipped ${input.name}: ${problem}`);
          continue;
        }
        failures++;
        if (controller.signal.aborted) {
          console.error(`\ncancelled while retrieving ${input.name}: nothing written for it`);
          rows.push({ source: input.name, status: 'cancelled', problem: 'cancelled by the user' });
          break;
        }
        console.error(`error: ${input.name}: ${problem}`);
        rows.push({ source: input.name, status: 'failed', problem });
        continue;
      }
      const segPath = join(out, `${cine.sopInstanceUID}.seg.dcm`);
      const reportPath = join(out, `${cine.sopInstanceUID}.report.${reportFormat}`);
      const row: BatchRow = { source: input.name, sopInstanceUID: cine.sopInstanceUID, status: 'failed' };
      rows.push(row);
      try {
        for (const p of [segPath, reportPath]) {
          if (sources.has(p)) throw new Error(`${p} is one of the inputs: refusing to overwrite a source file`);
        }
        if (await skippedAsDone(input, cine.sopInstanceUID, row)) continue;
        for (const p of [segPath, reportPath]) {
          if (!values.overwrite && (await exists(p))) throw new Error(`${p} exists (pass --overwrite to replace it${skipExisting ? ', or remove it' : ', or --skip-existing to keep it'})`);
        }
        const reference = references?.masksFor(cine);
        if (references && !reference) console.error(`  no ground truth references ${input.name}: accuracy metrics left out`);
        const remainingMs = segmented > 0 ? (segmentedMs / segmented) * (inputs.length - index) : undefined;
        const bar = progressBar(batchLabel(index, inputs.length, input.name, remainingMs));
        const run = await segmentCine(cine, model, {
          signal: controller.signal,
          ...(metricsWorkers ? { metrics: metricsWorkers.runner } : {}),
          ...(frameWorkers ? { frames: frameWorkers.source } : {}),
          onProgress: (p) => bar(p.done, p.total),
          postprocess: {
            ...(threshold !== undefined ? { threshold } : {}),
            keepLargestComponent: !values['no-largest-component'],
            fillHoles: !values['no-fill-holes'],
          },
          ...(batchSize ? { batchSize } : {}),
          requireUltrasound,
          ...(reference ? { groundTruth: reference.masks } : {}),
        });
        const seg = segmentationFromRun(cine, run).toPart10();
        const report: RunReport = {
          source: input.name,
          sopInstanceUID: cine.sopInstanceUID,
          studyInstanceUID: cine.studyInstanceUID,
          ...(cine.scanPlane ? { scanPlane: cine.scanPlane } : {}),
          model: run.model,
          provider: run.provider,
          ...(reference ? { groundTruth: reference.file } : {}),
          probabilityMaps: 'model',
          note: RESEARCH_NOTE,
          warnings: [
            ...reportWarnings(run.sourceWarnings, run.frames),
            ...(run.providerChangedAtFrame !== undefined ? [`frames ${run.providerChangedAtFrame}-${cine.numberOfFrames} ran on the ${run.provider} provider: ${run.fallbackReason ?? 'the provider changed'}`] : []),
          ],
          summary: run.summary,
          frames: run.frames,
        };
        await writeAtomically(segPath, seg);
        await writeAtomically(reportPath, reportFormat === 'csv' ? reportToCsv(report) : reportToJson(report));
        written++;
        Object.assign(row, { status: 'written', seg: segPath, report });
        console.error(`  ${cine.numberOfFrames} frames -> ${segPath}\n${summaryText(report)}${report.warnings.map((w) => `\n  warning: ${w}`).join('')}`);
        if (stower) {
          // Stored beside the next loop's work; its outcome is told before the next loop's lines.
          stowRows.set(segPath, row);
          await stower.store(seg, cine.studyInstanceUID, segPath, controller.signal);
        }
        segmentedMs += performance.now() - loopStart;
        segmented++;
      } catch (err) {
        if (controller.signal.aborted) {
          console.error(`\ncancelled during ${input.name}: nothing written for it`);
          failures++;
          Object.assign(row, { status: 'cancelled', problem: 'cancelled by the user' });
          break;
        }
        failures++;
        row.problem = problemOf(err);
        console.error(`error: ${input.name}: ${row.problem}`);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    metricsWorkers?.dispose();
    frameWorkers?.dispose();
    await model.backend.dispose();
  }
  if (stower) {
    const underWay = stower.underWay;
    if (underWay && controller.signal.aborted) console.error(`waiting for the PACS to answer the STOW of ${underWay} (Ctrl-C again stops now; the SEG is kept)`);
    await stower.waitForCurrent();
    stower.report();
  }
  await writeStudyVolumes(rows, out);
  const summaryPath = values.summary ? resolve(values.summary) : rows.length > 1 ? join(out, 'batch-summary.csv') : undefined;
  if (summaryPath) {
    await mkdir(dirname(summaryPath), { recursive: true });
    await writeAtomically(summaryPath, batchSummaryToCsv(rows));
    console.error(`batch summary (${rows.length} loop(s)): ${summaryPath}`);
  }
  console.error(`${written} SEG(s) written to ${out}${skipped ? `, ${skipped} skipped (outputs exist)` : ''}${failures ? `, ${failures} failure(s)` : ''}`);
  return failures > 0 || written + skipped === 0 ? 1 : 0;
}
