import { readFile } from 'node:fs/promises';
import { readSegmentation, type ReadSegmentation } from '../../dicom/segmentationReader.js';
import { referencedSopInstanceUIDs } from '../../dicom/segmentationOnCine.js';

/** Whole numbers as runs: 1-72, or 1-10, 12, 14-20. */
function asRanges(numbers: number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** Each image the SEG references, with the source frames its frames cover, and whether its Referenced Series Sequence lists it. */
function referencedImages(seg: ReadSegmentation): { sopInstanceUID: string; sourceFrames: string; inReferencedSeriesSequence: boolean }[] {
  return referencedSopInstanceUIDs(seg).map((sopInstanceUID) => ({
    sopInstanceUID,
    sourceFrames: asRanges(seg.frames.filter((f) => f.referencedSOPInstanceUID === sopInstanceUID).map((f) => f.referencedFrameNumber)),
    inReferencedSeriesSequence: seg.referencedInstances.some((r) => r.sopInstanceUID === sopInstanceUID),
  }));
}

export async function runSegInfo(file: string, opts: { json: boolean }): Promise<number> {
  const seg = readSegmentation(await readFile(file), file);
  const perSegment = seg.segments.map((s) => {
    const frames = seg.frames.filter((f) => f.segmentNumber === s.segmentNumber);
    const nonEmpty = frames.filter((f) => f.mask.some((v) => v !== 0)).length;
    return { ...s, frames: frames.length, nonEmptyFrames: nonEmpty };
  });
  const summary = {
    file,
    sopInstanceUID: seg.sopInstanceUID,
    studyInstanceUID: seg.studyInstanceUID,
    rows: seg.rows,
    columns: seg.columns,
    segmentationType: seg.segmentationType,
    frameReferenceRule: seg.frameReferenceRule,
    referencedInstances: seg.referencedInstances,
    referencedImages: referencedImages(seg),
    segments: perSegment,
  };
  if (opts.json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    console.log(`${file}\n  ${seg.segmentationType} SEG ${seg.rows}x${seg.columns}, ${seg.frames.length} frame(s), frames matched by ${seg.frameReferenceRule}`);
    console.log(`  study ${seg.studyInstanceUID}`);
    for (const r of summary.referencedImages) {
      console.log(`  references SOP Instance ${r.sopInstanceUID}: source frame(s) ${r.sourceFrames || 'none'}${r.inReferencedSeriesSequence ? '' : ' (named only frame by frame: not in the Referenced Series Sequence)'}`);
    }
    for (const s of perSegment) {
      console.log(`  segment ${s.segmentNumber} "${s.label}" (${s.propertyType ?? '?'}), ${s.algorithmType}${s.algorithmName ? ` ${s.algorithmName} ${s.algorithmVersion ?? ''}` : ''}: ${s.nonEmptyFrames}/${s.frames} non-empty frames`);
    }
  }
  return 0;
}
