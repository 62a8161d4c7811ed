import { readFile } from 'node:fs/promises';
import { readSegmentation } from '../../dicom/segmentationReader.js';

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
    segments: perSegment,
  };
  if (opts.json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    console.log(`${file}\n  ${seg.segmentationType} SEG ${seg.rows}x${seg.columns}, ${seg.frames.length} frame(s), frames matched by ${seg.frameReferenceRule}`);
    for (const s of perSegment) {
      console.log(`  segment ${s.segmentNumber} "${s.label}" (${s.propertyType ?? '?'}), ${s.algorithmType}${s.algorithmName ? ` ${s.algorithmName} ${s.algorithmVersion ?? ''}` : ''}: ${s.nonEmptyFrames}/${s.frames} non-empty frames`);
    }
  }
  return 0;
}
