/**
 * SEGs read over a cine (the SEGs `trus-seg report` measures, and the ground truths of `report`
 * and `segment --ground-truth`): checked against the cine they are meant for, so a SEG of another
 * image or study is refused, never used.
 */
import type { CineImage } from '../dicom/cineImage.js';
import { sourceMasks, type ReadSegmentation } from '../dicom/segmentationReader.js';
import { checkSegmentationOnCine, referencedSopInstanceUIDs } from '../dicom/segmentationOnCine.js';
import { listFiles, problemOf, readSegmentationFile } from './inputs.js';

function segmentOf(seg: ReadSegmentation, requested: number | undefined, file: string): number {
  if (requested === undefined) {
    const first = seg.segments[0];
    if (!first) throw new Error(`${file}: the SEG has no segments`);
    return first.segmentNumber;
  }
  if (!seg.segments.some((s) => s.segmentNumber === requested)) throw new Error(`${file}: no segment ${requested} (it has ${seg.segments.map((s) => s.segmentNumber).join(', ')})`);
  return requested;
}

/** A segment's masks of `seg` (default: the first segment) for every frame of `cine`, after the reference checks. */
export function masksOfCine(seg: ReadSegmentation, cine: CineImage, file: string, segmentNumber?: number): Uint8Array[] {
  checkSegmentationOnCine(seg, cine, file);
  return sourceMasks(seg, cine.sopInstanceUID, cine.numberOfFrames, segmentOf(seg, segmentNumber, file)).masks;
}

/**
 * Reference SEGs from files and folders, indexed by the SOP Instance UIDs they reference. Files
 * named directly must be SEGs; in folders, anything else (the cines beside them) is passed over.
 * Two references of the same image are refused: which one was meant cannot be known.
 */
export class GroundTruthIndex {
  private readonly bySource = new Map<string, { file: string; seg: ReadSegmentation }>();

  static async load(paths: string[]): Promise<GroundTruthIndex> {
    const index = new GroundTruthIndex();
    const files = await listFiles(paths).catch((err: unknown) => {
      throw new Error(`--ground-truth ${problemOf(err)}`);
    });
    for (const { file, inFolder } of files) {
      // Unreadable files stop the run: a truncated reference would silently drop its loop's accuracy.
      const seg = await readSegmentationFile(file, inFolder);
      if (!seg) continue;
      for (const sopInstanceUID of referencedSopInstanceUIDs(seg)) {
        const other = index.bySource.get(sopInstanceUID);
        if (other && other.file !== file) throw new Error(`${file} and ${other.file} are both references of SOP Instance ${sopInstanceUID}`);
        index.bySource.set(sopInstanceUID, { file, seg });
      }
    }
    if (index.bySource.size === 0) throw new Error(`--ground-truth ${paths.join(' ')}: no SEG found`);
    return index;
  }

  /** Masks for `cine`, or undefined when no reference names it. */
  masksFor(cine: CineImage): { file: string; masks: Uint8Array[] } | undefined {
    const hit = this.bySource.get(cine.sopInstanceUID);
    return hit ? { file: hit.file, masks: masksOfCine(hit.seg, cine, hit.file) } : undefined;
  }
}
