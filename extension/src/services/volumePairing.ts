/**
 * Which two of the viewer's results make a study's prostate volume: a loop of each scan plane of
 * one study, segmented by the same model (or both stored SEGs), and only one such pair.
 */
import { prostateVolume, VolumeError, type ProstateVolume } from '../../../src/report/prostateVolume.js';
import type { ScanPlane, ScanPlaneReading } from '../../../src/dicom/scanPlane.js';
import { segmentedByOf, type LoopResult } from './loopResult.js';

export interface PairingContext {
  /** Every result on screen, of any loop and study. */
  results: readonly LoopResult[];
  /** A result's scan plane: as the user named it, else as its header says; undefined for "not paired". */
  planeOf(result: LoopResult): ScanPlaneReading | undefined;
  /** A result's loop as the study's series list names it. */
  loopName(result: LoopResult): string;
}

/** The prostate volume a result gives with its partner of the other plane, or what is missing for one. */
export function pairedVolume(result: LoopResult, context: PairingContext): { volume: ProstateVolume } | { problem: string } {
  const plane = context.planeOf(result)?.plane;
  if (!plane) return { problem: 'name this loop’s scan plane for a volume' };
  const other: ScanPlane = plane === 'transverse' ? 'sagittal' : 'transverse';
  const sameSource = (r: LoopResult) => (result.run ? r.model.id === result.model.id : !r.run);
  const partners = context.results.filter((r) => r.studyInstanceUID === result.studyInstanceUID && r.sopInstanceUID !== result.sopInstanceUID && sameSource(r) && context.planeOf(r)?.plane === other);
  const by = result.run ? result.model.label : 'a stored SEG';
  if (partners.length === 0) return { problem: `segment a ${other} loop of this study with ${by} for a volume` };
  if (partners.length > 1) return { problem: `${partners.length} ${other} loops of this study are segmented with ${by}: set the others’ scan plane to “not paired”` };
  const loop = (r: LoopResult, p: ScanPlane) => ({ source: context.loopName(r), sopInstanceUID: r.sopInstanceUID, studyInstanceUID: r.studyInstanceUID, plane: p, summary: r.summary, ...segmentedByOf(r) });
  const [transverse, sagittal] = plane === 'transverse' ? [result, partners[0]!] : [partners[0]!, result];
  try {
    return { volume: prostateVolume(loop(transverse, 'transverse'), loop(sagittal, 'sagittal')) };
  } catch (err) {
    if (err instanceof VolumeError) return { problem: err.message };
    throw err;
  }
}
