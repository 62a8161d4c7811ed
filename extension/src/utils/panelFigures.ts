/**
 * What the temporal-consistency panel shows, computed from the engine's figures without React:
 * the curves, their scales, the summary lines (with physical units) and the downloadable report.
 */
import type { FrameMetrics, LoopSummary } from '../../../src/temporal/loopMetrics.js';
import { RESEARCH_NOTE, reportToCsv, reportToJson, reportWarnings, type ProbabilityMaps, type RunReport } from '../../../src/report/runReport.js';
import type { BrowserKeeping } from '../services/TrusSegmentationService.js';
import type { KeptResult, LoopResult } from '../services/loopResult.js';
import type { ScanPlaneReading } from '../../../src/dicom/scanPlane.js';

export type CurveMetric = 'area' | 'dicePrevious' | 'warpedConsistency';

export interface CurvePoint {
  /** 1-based, as DICOM numbers frames. */
  frameNumber: number;
  value: number;
  unstable: boolean;
}

/** The values a metric can take: the chart's padding never labels its axis beyond them (a Dice of 1.001). */
export interface ValueBounds {
  lo: number;
  hi: number;
}

export const CURVES: { metric: CurveMetric; title: (s: Pick<LoopSummary, 'areaUnit'>) => string; bounds: ValueBounds }[] = [
  { metric: 'area', title: (s) => `Area (${s.areaUnit === 'mm2' ? 'mm²' : 'pixels'})`, bounds: { lo: 0, hi: Infinity } },
  { metric: 'dicePrevious', title: () => 'Frame-to-frame Dice', bounds: { lo: 0, hi: 1 } },
  { metric: 'warpedConsistency', title: () => 'Flow-warped consistency', bounds: { lo: 0, hi: 1 } },
];

/** One point per frame that has the metric (the first frame has no predecessor to compare with). */
export function curve(frames: FrameMetrics[], metric: CurveMetric): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const f of frames) {
    const value = f[metric];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    points.push({ frameNumber: f.frameNumber, value, unstable: f.unstable });
  }
  return points;
}

/** A y range covering every curve, padded so a flat curve still shows as a line, within `bounds`. */
export function valueRange(curves: CurvePoint[][], bounds: ValueBounds = { lo: -Infinity, hi: Infinity }): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const c of curves) for (const p of c) {
    min = Math.min(min, p.value);
    max = Math.max(max, p.value);
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  // Variation below a thousandth of the values is rounding noise (a consistency of 0.99999998
  // against 1): such a curve is drawn flat in a band of that width, not stretched over the plot.
  const floor = Math.max(Math.abs(max) * 1e-3, 1e-3);
  if (max - min < floor) {
    const centre = (max + min) / 2;
    min = centre - floor / 2;
    max = centre + floor / 2;
  }
  const pad = (max - min) * 0.08;
  let lo = min - pad;
  let hi = max + pad;
  const width = hi - lo;
  // At a bound (Dice 1 on every frame) the band keeps its width on the open side; a curve that
  // runs from one bound to the other (a lost mask: Dice 0 to 1) gets exactly the bounds.
  if (hi > bounds.hi) {
    hi = bounds.hi;
    lo = Math.min(lo, hi - width);
  }
  if (lo < bounds.lo) {
    lo = bounds.lo;
    hi = Math.min(Math.max(hi, lo + width), bounds.hi);
  }
  return { min: lo, max: hi };
}

function fixed(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** The summary line whose frames the panel offers as links to them. */
export const UNSTABLE_FRAMES = 'Unstable frames';

/** A loop's median calliper diameters, lateral × antero-posterior, in its distance unit. */
export function diametersText(summary: Pick<LoopSummary, 'medianDiameters' | 'distanceUnit'>): string {
  const d = summary.medianDiameters;
  if (!d) return '—';
  const digits = summary.distanceUnit === 'mm' ? 1 : 0;
  return `${d.lateral.toFixed(digits)} × ${d.anteroposterior.toFixed(digits)} ${summary.distanceUnit === 'mm' ? 'mm' : 'px'} (lateral × AP)`;
}

/**
 * A model's run is measured on its probabilities; a stored SEG, or a run once edited, on its
 * masks (the viewer keeps no probabilities), which gives its consistency other values.
 */
export function probabilityMapsOf(result: Pick<LoopResult, 'run' | 'edited'>): ProbabilityMaps {
  return result.run && !result.edited ? 'model' : 'masks';
}

/** The summary lines under the chart; areas in mm² when the cine is calibrated. */
export function summaryLines(summary: LoopSummary, maps: ProbabilityMaps = 'model'): [string, string][] {
  const areaUnit = summary.areaUnit === 'mm2' ? 'mm²' : 'px';
  return [
    ['Frames', String(summary.frames)],
    ['Mean area', `${fixed(summary.meanArea, summary.areaUnit === 'mm2' ? 1 : 0)} ${areaUnit}`],
    ['Diameters (median)', diametersText(summary)],
    ['Area CV', fixed(summary.areaCoefficientOfVariation, 4)],
    ['Mean frame-to-frame Dice', fixed(summary.meanDicePrevious, 4)],
    [maps === 'model' ? 'Mean flow-warped consistency' : 'Mean flow-warped consistency (of the masks)', fixed(summary.meanWarpedConsistency, 4)],
    ['Flicker count', String(summary.flickerCount)],
    [UNSTABLE_FRAMES, summary.unstableFrames.length ? summary.unstableFrames.join(', ') : 'none'],
  ];
}

/** The cine's warnings, then the masks' (recomputed from the figures, so they follow an edit). */
export function resultWarnings(result: Pick<LoopResult, 'frames' | 'sourceWarnings'>): string[] {
  return reportWarnings(result.sourceWarnings, result.frames);
}

/** The panel's figures as the CLI's report (same columns, same JSON), for the download; the plane as the panel shows it (`planeOf`). */
export function panelReport(result: Pick<LoopResult, 'sopInstanceUID' | 'studyInstanceUID' | 'model' | 'run' | 'frames' | 'summary' | 'edited' | 'sourceWarnings'>, scanPlane: ScanPlaneReading | undefined): RunReport {
  const { run } = result;
  const algorithm = run ? `${run.model.name} ${run.model.version}` : result.model.label;
  return {
    source: result.sopInstanceUID,
    sopInstanceUID: result.sopInstanceUID,
    studyInstanceUID: result.studyInstanceUID,
    ...(scanPlane ? { scanPlane } : {}),
    ...(run ? { model: run.model, provider: run.provider } : { segmentation: result.model.label }),
    ...(result.edited || !run ? { algorithm: result.edited ? `${algorithm}, edited in the viewer` : algorithm } : {}),
    probabilityMaps: probabilityMapsOf(result),
    note: RESEARCH_NOTE,
    warnings: resultWarnings(result),
    summary: result.summary,
    frames: result.frames,
  };
}

export function reportFile(report: RunReport, format: 'csv' | 'json'): { name: string; type: string; text: string } {
  const base = `${report.sopInstanceUID}.${report.model?.name ?? 'segmentation'}.report`;
  return format === 'csv'
    ? { name: `${base}.csv`, type: 'text/csv', text: reportToCsv(report) }
    : { name: `${base}.json`, type: 'application/json', text: reportToJson(report) };
}

/** When and how a kept result was kept, in the user's local time. */
export function keptWhen(k: Pick<KeptResult, 'keptFrom' | 'keptAt'>, now = new Date()): string {
  const at = new Date(k.keptAt);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const sameDay = at.toDateString() === now.toDateString();
  const when = sameDay ? time : `${at.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`;
  return k.keptFrom === 'mode' ? `mode left ${when}` : `earlier page, ${when}`;
}

/** What closing or reloading the page does to the unsaved results. */
export function afterClosing(keeping: BrowserKeeping): string {
  if (keeping.status === 'on') return 'If the page is closed or reloaded, this browser keeps them until they are exported or discarded.';
  if (keeping.status === 'starting') return 'Closing or reloading the viewer may lose them.';
  return `Closing or reloading the viewer loses them (this browser does not keep them: ${keeping.reason}).`;
}

/** A result as the legend and the lists name it. */
export function resultName(r: Pick<LoopResult, 'model' | 'edited'>): string {
  return `${r.model.label}${r.edited ? ' (edited)' : ''}`;
}
