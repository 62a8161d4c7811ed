/**
 * A SEG read over the cine it is meant for, in the CLI and the viewer alike: a SEG of another
 * image, study or size is refused with why, never shown or measured.
 */
import type { CineImage } from './cineImage.js';
import { sourceMasks, type ReadSegmentation, type SourceMasks } from './segmentationReader.js';

/**
 * The SOP Instance UIDs a SEG references, in its Referenced Series Sequence and frame by frame:
 * the sequence is Type 1C, and a SEG without it may still name its source in each frame.
 */
export function referencedSopInstanceUIDs(seg: Pick<ReadSegmentation, 'referencedInstances' | 'frames'>): string[] {
  return [...new Set([...seg.referencedInstances.map((r) => r.sopInstanceUID), ...seg.frames.map((f) => f.referencedSOPInstanceUID)].filter((uid) => uid !== ''))];
}

/** Throws unless `seg` (named `name` in the message) references `cine`, belongs to its study and has its size. */
export function checkSegmentationOnCine(seg: ReadSegmentation, cine: CineImage, name: string): void {
  const referenced = referencedSopInstanceUIDs(seg);
  if (!referenced.includes(cine.sopInstanceUID)) {
    throw new Error(`${name} does not reference ${cine.source} (SOP Instance UID ${cine.sopInstanceUID}); it references ${referenced.join(', ') || 'nothing'}`);
  }
  if (seg.studyInstanceUID !== cine.studyInstanceUID) throw new Error(`${name} belongs to another study than ${cine.source}`);
  if (seg.rows !== cine.rows || seg.columns !== cine.columns) throw new Error(`${name} is ${seg.rows}x${seg.columns}, ${cine.source} is ${cine.rows}x${cine.columns}`);
}

/** The masks of `seg` over every frame of `cine` (one segment, or all of them as one mask), after checkSegmentationOnCine. */
export function segmentationMasksOnCine(seg: ReadSegmentation, cine: CineImage, name: string, segmentNumber?: number): SourceMasks {
  checkSegmentationOnCine(seg, cine, name);
  return sourceMasks(seg, cine.sopInstanceUID, cine.numberOfFrames, segmentNumber);
}
