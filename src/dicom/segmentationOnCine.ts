/**
 * A SEG read over the cine it is meant for, in the CLI and the viewer alike: a SEG of another
 * image, study or size is refused with why, never shown or measured.
 */
import type { CineImage } from './cineImage.js';
import { sourceMasks, type ReadSegmentation, type SourceMasks } from './segmentationReader.js';

/** Throws unless `seg` (named `name` in the message) references `cine`, belongs to its study and has its size. */
export function checkSegmentationOnCine(seg: ReadSegmentation, cine: CineImage, name: string): void {
  // A SEG without a Referenced Series Sequence (it is Type 1C) may still name the cine frame by frame.
  const references = seg.referencedInstances.some((r) => r.sopInstanceUID === cine.sopInstanceUID) || seg.frames.some((f) => f.referencedSOPInstanceUID === cine.sopInstanceUID);
  if (!references) {
    throw new Error(`${name} does not reference ${cine.source} (SOP Instance UID ${cine.sopInstanceUID}); it references ${seg.referencedInstances.map((r) => r.sopInstanceUID).join(', ') || 'nothing'}`);
  }
  if (seg.studyInstanceUID !== cine.studyInstanceUID) throw new Error(`${name} belongs to another study than ${cine.source}`);
  if (seg.rows !== cine.rows || seg.columns !== cine.columns) throw new Error(`${name} is ${seg.rows}x${seg.columns}, ${cine.source} is ${cine.rows}x${cine.columns}`);
}

/** The masks of `seg` over every frame of `cine` (one segment, or all of them as one mask), after checkSegmentationOnCine. */
export function segmentationMasksOnCine(seg: ReadSegmentation, cine: CineImage, name: string, segmentNumber?: number): SourceMasks {
  checkSegmentationOnCine(seg, cine, name);
  return sourceMasks(seg, cine.sopInstanceUID, cine.numberOfFrames, segmentNumber);
}
