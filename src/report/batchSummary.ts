/**
 * One row per loop of a batch run, so that a reader of hundreds of loops can sort them by
 * flicker or unstable frames and open only the reports that need it. Each row's figures come
 * from that loop's own report; a loop that failed keeps its row, with the problem.
 */
import { csvCell, type RunReport } from './runReport.js';

export type BatchStatus = 'written' | 'skipped' | 'failed' | 'cancelled';

export interface BatchRow {
  source: string;
  sopInstanceUID?: string;
  status: BatchStatus;
  /** Why it failed or was skipped; a refused STOW of a written SEG too. */
  problem?: string;
  /** Its report, when one was written now or found from an earlier run. */
  report?: ReportFigures;
  seg?: string;
  /** The prostate volume of its study, when the batch paired it with a loop of the other plane. */
  volumeMl?: number;
}

/** What a batch needs of a loop's report: its figures, and what pairs it for a volume. */
export type ReportFigures = Pick<RunReport, 'source' | 'sopInstanceUID' | 'studyInstanceUID' | 'scanPlane' | 'summary' | 'warnings' | 'model' | 'algorithm'> & Partial<Pick<RunReport, 'probabilityMaps'>>;

const COLUMNS: [string, (r: BatchRow) => unknown][] = [
  ['source', (r) => r.source],
  ['sop_instance_uid', (r) => r.sopInstanceUID],
  ['status', (r) => r.status],
  ['problem', (r) => r.problem],
  ['frames', (r) => r.report?.summary.frames],
  ['area_unit', (r) => r.report?.summary.areaUnit],
  ['mean_area', (r) => r.report?.summary.meanArea],
  ['area_cv', (r) => r.report?.summary.areaCoefficientOfVariation],
  ['mean_dice_previous', (r) => r.report?.summary.meanDicePrevious],
  ['mean_warped_consistency', (r) => r.report?.summary.meanWarpedConsistency],
  ['probability_maps', (r) => r.report?.probabilityMaps],
  ['flicker_count', (r) => r.report?.summary.flickerCount],
  ['unstable_frames', (r) => r.report?.summary.unstableFrames.length],
  ['scan_plane', (r) => r.report?.scanPlane?.plane],
  ['lateral_diameter', (r) => r.report?.summary.medianDiameters?.lateral],
  ['ap_diameter', (r) => r.report?.summary.medianDiameters?.anteroposterior],
  ['prostate_volume_ml', (r) => r.volumeMl],
  ['gt_dice', (r) => r.report?.summary.groundTruth?.dice],
  ['gt_hd95', (r) => r.report?.summary.groundTruth?.hd95],
  ['warnings', (r) => r.report?.warnings.join('; ')],
  ['seg', (r) => r.seg],
];

export function batchSummaryToCsv(rows: readonly BatchRow[]): string {
  const lines = rows.map((r) => COLUMNS.map(([, get]) => csvCell(get(r))).join(','));
  return `${COLUMNS.map(([name]) => name).join(',')}\n${lines.map((l) => `${l}\n`).join('')}`;
}

/**
 * The figures of a JSON report file's text, or undefined if it is not one of ours. A report of an
 * earlier version has no study or plane: it is then never paired for a volume.
 */
export function reportFiguresFromJson(text: string): ReportFigures | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<RunReport>;
    if (!parsed.summary || typeof parsed.summary.frames !== 'number' || !Array.isArray(parsed.summary.unstableFrames)) return undefined;
    if (typeof parsed.sopInstanceUID !== 'string') return undefined;
    const plane = parsed.scanPlane?.plane;
    return {
      source: String(parsed.source ?? ''),
      sopInstanceUID: parsed.sopInstanceUID,
      studyInstanceUID: typeof parsed.studyInstanceUID === 'string' ? parsed.studyInstanceUID : '',
      ...(plane === 'transverse' || plane === 'sagittal' ? { scanPlane: { plane, from: String(parsed.scanPlane?.from ?? '') } } : {}),
      summary: { ...parsed.summary, medianDiameters: parsed.summary.medianDiameters ?? null },
      warnings: Array.isArray(parsed.warnings) ? parsed.warnings : [],
      ...(parsed.model && typeof parsed.model.name === 'string' ? { model: parsed.model } : {}),
      ...(typeof parsed.algorithm === 'string' ? { algorithm: parsed.algorithm } : {}),
      ...(parsed.probabilityMaps === 'model' || parsed.probabilityMaps === 'masks' ? { probabilityMaps: parsed.probabilityMaps } : {}),
    };
  } catch {
    return undefined;
  }
}
