/**
 * A stored SEG's segment whose masks were changed by hand, written as a new SEG of the same
 * cine. The segment keeps its label, codes, algorithm and colour; an algorithm's output corrected by
 * hand is SEMIAUTOMATIC, a MANUAL segment stays MANUAL. Only what describes the segment is
 * taken from the stored SEG: patient and study come from the cine, as for every SEG we write.
 */
import type { CineImage } from './cineImage.js';
import { BinarySegmentation } from './segmentation.js';
import type { MaskFrame } from './bitPacking.js';
import type { ReadSegmentation, SegmentInfo } from './segmentationReader.js';

/** What a new SEG needs of the stored one: small, unlike the stored SEG's masks. */
export interface StoredSegmentOrigin {
  sopInstanceUID: string;
  studyInstanceUID: string;
  seriesDescription?: string;
  contentLabel?: string;
  segment: SegmentInfo;
}

export function storedSegmentOrigin(seg: ReadSegmentation, segmentNumber: number): StoredSegmentOrigin {
  const segment = seg.segments.find((s) => s.segmentNumber === segmentNumber);
  if (!segment) throw new Error(`${seg.source}: no segment ${segmentNumber} (it has ${seg.segments.map((s) => s.segmentNumber).join(', ')})`);
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  return {
    sopInstanceUID: seg.sopInstanceUID,
    studyInstanceUID: seg.studyInstanceUID,
    seriesDescription: text(seg.dataset.SeriesDescription),
    contentLabel: text(seg.dataset.ContentLabel),
    segment,
  };
}

export function editedSegmentation(cine: CineImage, origin: StoredSegmentOrigin, masks: MaskFrame[]): BinarySegmentation {
  if (origin.studyInstanceUID !== cine.studyInstanceUID) {
    throw new Error(`SEG ${origin.sopInstanceUID} belongs to study ${origin.studyInstanceUID}, the cine to ${cine.studyInstanceUID}`);
  }
  const s = origin.segment;
  const named = s.algorithmName?.trim();
  // Algorithm Version is Type 1 wherever an algorithm is named; some writers leave it out.
  const algorithm = named ? { name: named, version: s.algorithmVersion?.trim() || 'unknown', ...(s.algorithmParameters ? { parameters: s.algorithmParameters } : {}), ...(s.algorithmFamilyCode ? { family: s.algorithmFamilyCode } : {}) } : undefined;
  const manual = s.algorithmType === 'MANUAL' || !algorithm;
  const contentLabel = origin.contentLabel && /^[A-Z0-9_ ]{1,16}$/.test(origin.contentLabel) ? origin.contentLabel : 'EDITED_SEG';
  return new BinarySegmentation({
    source: cine,
    segments: [
      {
        label: s.label.trim() || `Segment ${s.segmentNumber}`,
        ...(s.categoryCode ? { category: s.categoryCode } : {}),
        ...(s.typeCode ? { type: s.typeCode } : {}),
        ...(s.recommendedDisplayCIELabValue ? { recommendedDisplayCIELabValue: s.recommendedDisplayCIELabValue } : {}),
        algorithmType: manual ? 'MANUAL' : 'SEMIAUTOMATIC',
        ...(manual ? {} : { algorithm }),
        frames: masks,
      },
    ],
    seriesDescription: editedDescription(origin.seriesDescription),
    contentLabel,
    contentDescription: 'A stored segmentation, edited by hand; research use',
  });
}

/** The stored Series Description marked as edited once (LO: at most 64 characters). */
function editedDescription(stored: string | undefined): string {
  const text = stored ?? 'Segmentation';
  if (/\bedited\b/i.test(text)) return text.slice(0, 64);
  return `${text.slice(0, 56)}, edited`;
}
