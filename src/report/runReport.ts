/** Reports of a segmentation run (or of a SEG's masks) as JSON or CSV, for the CLI and the panel's download. */
import type { FrameMetrics, LoopSummary } from '../temporal/loopMetrics.js';
import { loopWarnings } from '../temporal/loopWarnings.js';
import type { ScanPlaneReading } from '../dicom/scanPlane.js';

export interface RunReport {
  source: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  /** The plane the loop scans, when its header says (or the user named it): what pairs loops for a volume. */
  scanPlane?: ScanPlaneReading;
  model?: { name: string; version: string; sha256: string; trainedOn?: string };
  /** For a report of an existing SEG: its file and the algorithm it names. */
  segmentation?: string;
  algorithm?: string;
  /** The reference SEG the accuracy metrics were computed against. */
  groundTruth?: string;
  provider?: string;
  /**
   * What the figures defined on probability maps (the three consistencies, the probability
   * margin, and against ground truth Dice and sensitivity over thresholds, S-alpha, E-phi and
   * weighted F) were computed from: the model's probabilities, or binary masks standing in for
   * them (a SEG's masks, or masks edited in the viewer). The same masks give other values of
   * these figures on either basis; area, Dice, flicker and diameters do not depend on it.
   */
  probabilityMaps: ProbabilityMaps;
  note: string;
  /** The source cine's warnings (calibration, timing) and the masks' (empty frames); JSON only, the CSV is one row per frame. */
  warnings: string[];
  summary: LoopSummary;
  frames: FrameMetrics[];
}

export type ProbabilityMaps = 'model' | 'masks';

export const RESEARCH_NOTE = 'Research use only, not for clinical use. The shipped model is trained on simulated TRUS data.';

/** A report's warnings: the source cine's, then its masks'. */
export function reportWarnings(sourceWarnings: readonly string[], frames: readonly FrameMetrics[]): string[] {
  return [...sourceWarnings, ...loopWarnings(frames)];
}

const COLUMNS: [string, (f: FrameMetrics) => unknown][] = [
  ['frame', (f) => f.frameNumber],
  ['area', (f) => f.area],
  ['dice_previous', (f) => f.dicePrevious],
  ['warped_consistency', (f) => f.warpedConsistency],
  ['consistency_no_flow', (f) => f.consistencyNoFlow],
  ['confidence_weighted_consistency', (f) => f.confidenceWeightedConsistency],
  ['centroid_drift', (f) => f.centroidDrift],
  ['mean_probability_margin', (f) => f.meanProbabilityMargin],
  ['lateral_diameter', (f) => f.diameters?.lateral],
  ['ap_diameter', (f) => f.diameters?.anteroposterior],
  ['unstable', (f) => (f.unstable ? 1 : 0)],
  ['reasons', (f) => f.reasons.join('; ')],
  ['gt_dice', (f) => f.groundTruth?.dice],
  ['gt_iou', (f) => f.groundTruth?.iou],
  ['gt_sensitivity', (f) => f.groundTruth?.sensitivity],
  ['gt_hd95', (f) => f.groundTruth?.hd95],
  ['gt_dice_over_thresholds', (f) => f.groundTruth?.diceOverThresholds],
  ['gt_sensitivity_over_thresholds', (f) => f.groundTruth?.sensitivityOverThresholds],
  ['gt_s_alpha', (f) => f.groundTruth?.sAlpha],
  ['gt_e_phi', (f) => f.groundTruth?.ePhi],
  ['gt_weighted_f', (f) => f.groundTruth?.weightedF],
];

/** A CSV cell: numbers to six significant digits, text quoted when it holds a comma, quote or newline. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per frame; the area unit is in the header (mm2 with calibration, else pixels). */
export function reportToCsv(report: RunReport): string {
  const distances = new Set(['centroid_drift', 'lateral_diameter', 'ap_diameter', 'gt_hd95']);
  const header = COLUMNS.map(([name]) => (name === 'area' ? `area_${report.summary.areaUnit}` : distances.has(name) ? `${name}_${report.summary.distanceUnit}` : name));
  const rows = report.frames.map((f) => COLUMNS.map(([, get]) => csvCell(get(f))).join(','));
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}

export function reportToJson(report: RunReport): string {
  return JSON.stringify(report, null, 2);
}
