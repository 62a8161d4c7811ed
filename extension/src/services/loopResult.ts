/**
 * A model's run or a stored SEG on one loop, as the viewer holds it: what the panel draws, what
 * Export SEG writes and what is kept when the mode is left or the page closes, with what can be
 * said of one without the service (its key, colour, labels, SEG, edits).
 */
import { PackedMask } from '../../../src/dicom/bitPacking.js';
import type { CineImage } from '../../../src/dicom/cineImage.js';
import { segmentationFromRun } from '../../../src/inference/segmentationFromRun.js';
import type { ScanPlaneReading } from '../../../src/dicom/scanPlane.js';
import type { SegmentationRun } from '../../../src/inference/engine.js';
import type { FrameMetrics, LoopSummary } from '../../../src/temporal/loopMetrics.js';
import { algorithmOf } from '../../../src/dicom/segmentationReader.js';
import { editedSegmentation, type StoredSegmentOrigin } from '../../../src/dicom/editedSegmentation.js';
import type { BinarySegmentation } from '../../../src/dicom/segmentation.js';
import type { FrameLabelmap } from './labelmap.js';
import { resultColour, type Rgb } from '../utils/resultColours.js';
import type { ModelChoice } from './models.js';
import type { DisplaySet } from '../types/ohif.js';

/** One model's result on one loop: what the panel draws and what Export SEG writes. */
export interface LoopResult {
  key: string;
  displaySetInstanceUID: string;
  studyInstanceUID: string;
  sopInstanceUID: string;
  model: ModelChoice;
  labelmap: FrameLabelmap;
  /** The model's run; absent for a SEG loaded from the PACS (shown and measured; exported again only once edited). */
  run?: SegmentationRun;
  /** A SEG loaded from the PACS: what a SEG of its edited masks keeps of it, or why there can be none. */
  storedOrigin?: StoredSegmentOrigin | { cannotExport: string };
  frames: FrameMetrics[];
  summary: LoopSummary;
  /** The masks the figures were computed from (bit-packed). */
  masks: PackedMask[];
  /** The user changed the masks with the brush/eraser since the model ran. */
  edited: boolean;
  /** These masks (as they are now) are in a SEG that was stored to the PACS or downloaded. */
  saved?: 'stored' | 'downloaded';
  /** What reading the cine warned of (calibration, timing); the masks' own warnings follow from `frames`. */
  sourceWarnings: string[];
  /** The plane the cine's header says it scans (the user may name another: `planeOf`). */
  scanPlane?: ScanPlaneReading;
}

/**
 * A result not yet in a stored or downloaded SEG when the mode was left or the page closed. OHIF
 * empties its display sets and labelmaps at mode exit; the masks and figures are kept here (and
 * in the browser, see keptStore.ts) until the loop is open again and the user restores (or
 * discards) them.
 */
export interface KeptResult extends Omit<LoopResult, 'key' | 'displaySetInstanceUID' | 'labelmap' | 'saved'> {
  key: string;
  /** The loop, as the study's series list names it (the display set is gone). */
  loopLabel: string;
  /** An edit landed after the figures were last computed: they are recomputed on restore. */
  staleFigures: boolean;
  /** How it came to be kept: the mode was left, or an earlier page of the viewer was closed or reloaded. */
  keptFrom: 'mode' | 'page';
  /** When (ms since the epoch). */
  keptAt: number;
}

/** Where a kept result comes from, as the panel's messages say it. */
export function keptFromWhere(kept: Pick<KeptResult, 'keptFrom'>): string {
  return kept.keptFrom === 'mode' ? 'when the mode was left' : 'an earlier page of the viewer';
}

/** A kept result's id in the browser's store. */
export function keptRecordId(kept: Pick<KeptResult, 'key'>): string {
  return `kept:${kept.key}`;
}

/** One result per model (or stored SEG) and loop. */
export function resultKey(displaySet: DisplaySet, model: ModelChoice): string {
  return `${displaySet.displaySetInstanceUID}/${model.id}`;
}

/** A series as the study's series list shows it: its number and description ('' when it has neither). */
export function seriesName(displaySet: DisplaySet): string {
  return `${displaySet.SeriesNumber ?? ''} ${displaySet.SeriesDescription ?? ''}`.replace(/\s+/g, ' ').trim();
}

/** The labelmap's name in OHIF's segmentation panel. */
export function labelmapLabel(model: ModelChoice, isRun: boolean): string {
  return isRun ? `Prostate — ${model.label}` : model.label;
}

/** A stored SEG's segment, when the result shows one segment of it. */
function storedSegment(origin: LoopResult['storedOrigin']): StoredSegmentOrigin['segment'] | undefined {
  return origin && 'segment' in origin ? origin.segment : undefined;
}

/** A result's colour, in the panel and on the viewport alike. */
export function colourOf(result: Pick<LoopResult, 'model' | 'storedOrigin'>): Rgb {
  return resultColour(result.model.id, storedSegment(result.storedOrigin)?.recommendedDisplayCIELabValue);
}

/** What segmented a result, as a volume names it: the model's name and version, or a stored SEG's algorithm (or MANUAL). */
export function segmentedByOf(result: Pick<LoopResult, 'run' | 'storedOrigin'>): { segmentedBy?: string } {
  if (result.run) return { segmentedBy: `${result.run.model.name} ${result.run.model.version}` };
  const segment = storedSegment(result.storedOrigin);
  const named = segment ? (algorithmOf(segment) ?? segment.algorithmType) : undefined;
  return named ? { segmentedBy: named } : {};
}

/** Whether Export SEG has something new to write: a model's run, or a stored SEG once edited (unchanged, it is in the PACS already). */
export function hasSegToWrite(result: Pick<LoopResult, 'run' | 'edited'>): boolean {
  return result.run !== undefined || result.edited;
}

/** The SEG of a result: a model's run (edited or not), or a stored SEG's segment edited by hand. */
export function segmentationOf(cine: CineImage, result: LoopResult): BinarySegmentation {
  if (result.run) return segmentationFromRun(cine, result.run, { edited: result.edited });
  const origin = result.storedOrigin;
  if (!origin) throw new Error(`${result.model.label} has neither a model run nor a stored SEG to write from`);
  if ('cannotExport' in origin) throw new Error(origin.cannotExport);
  return editedSegmentation(cine, origin, result.masks);
}

/** The masks in a result's labelmap now, when a brush/eraser edit changed them since they were measured. */
export function editedMasks(result: LoopResult): { masks: Uint8Array[]; packed: PackedMask[] } | undefined {
  const masks = result.labelmap.readMasks();
  const packed = masks.map((m) => PackedMask.pack(m));
  return packed.every((m, i) => sameBits(m, result.masks[i]!)) ? undefined : { masks, packed };
}

/** A result's labelmap masks when edited since they were measured; undefined when not, or when the labelmap is gone. */
export function labelmapEdit(result: LoopResult): PackedMask[] | undefined {
  if (!result.labelmap.exists()) return undefined;
  try {
    return editedMasks(result)?.packed;
  } catch {
    // The host dropped a labelmap image from its cache: the masks last measured are what is left.
    return undefined;
  }
}

/** The result with edited masks and the figures measured on them (the old ones until they are): unsaved, edited, its run in step. */
export function withEdits(result: LoopResult, masks: PackedMask[], figures: Pick<LoopResult, 'frames' | 'summary'> = result): LoopResult {
  const { frames, summary } = figures;
  return { ...result, saved: undefined, masks, frames, summary, edited: true, ...(result.run ? { run: { ...result.run, masks, frames, summary } } : {}) };
}

function sameBits(a: PackedMask, b: PackedMask): boolean {
  if (a.length !== b.length || a.bits.length !== b.bits.length) return false;
  for (let i = 0; i < a.bits.length; i++) if (a.bits[i] !== b.bits[i]) return false;
  return true;
}
