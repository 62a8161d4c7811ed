/**
 * Reads a DICOM SEG (ours or a third party's) back into masks keyed by the source frame they
 * segment. Third-party SEGs often omit empty frames and sometimes ReferencedFrameNumber; how
 * each SEG frame was matched to its source frame is recorded, never guessed silently.
 */
import { parsePart10, type NaturalDataset, type ParsedDicom } from './part10.js';
import { SopClass, TransferSyntax } from './uids.js';
import { InvalidSegmentationError, UnsupportedTransferSyntaxError } from './errors.js';
import { unpackBinaryFrame } from './bitPacking.js';
import { decodeRleFrame } from './decode/rle.js';
import { extractEncodedFrames } from './encodedFrames.js';
import type { PixelFormat } from './pixelFormat.js';
import type { CodedConcept } from './codes.js';
import { isDicomCielab } from './cielab.js';

export interface SegmentInfo {
  segmentNumber: number;
  label: string;
  algorithmType: string;
  algorithmName?: string;
  algorithmVersion?: string;
  algorithmParameters?: string;
  propertyCategory?: string;
  propertyType?: string;
  /** The codes themselves, so that a segment can be written again as it was described. */
  categoryCode?: CodedConcept;
  typeCode?: CodedConcept;
  algorithmFamilyCode?: CodedConcept;
  /** Recommended Display CIELab Value (DICOM scaling, 0..65535 each), when the SEG gives a valid one. */
  recommendedDisplayCIELabValue?: [number, number, number];
}

/** How SEG frames were tied to source frames. */
export type FrameReferenceRule = 'ReferencedFrameNumber' | 'TemporalPositionIndex' | 'FrameOrder' | 'SingleFrameSource';

export interface SegmentationFrame {
  segmentNumber: number;
  referencedSOPInstanceUID: string;
  /** 1-based source frame number. */
  referencedFrameNumber: number;
  mask: Uint8Array;
}

export interface ReadSegmentation {
  source: string;
  sopInstanceUID: string;
  seriesInstanceUID: string;
  studyInstanceUID: string;
  patientID: string;
  rows: number;
  columns: number;
  segmentationType: 'BINARY' | 'FRACTIONAL';
  segments: SegmentInfo[];
  referencedInstances: { sopClassUID: string; sopInstanceUID: string; seriesInstanceUID: string }[];
  frames: SegmentationFrame[];
  frameReferenceRule: FrameReferenceRule;
  dataset: NaturalDataset;
}

function first<T = NaturalDataset>(v: unknown): T | undefined {
  if (Array.isArray(v)) return v[0] as T | undefined;
  return (v ?? undefined) as T | undefined;
}

function coded(seq: unknown): CodedConcept | undefined {
  const item = first(seq);
  if (!item?.CodeValue || !item.CodingSchemeDesignator) return undefined;
  return { CodeValue: String(item.CodeValue), CodingSchemeDesignator: String(item.CodingSchemeDesignator), CodeMeaning: String(item.CodeMeaning ?? item.CodeValue) };
}

function cielab(value: unknown): [number, number, number] | undefined {
  const v = Array.isArray(value) ? value.map(Number) : [];
  return isDicomCielab(v) ? [v[0], v[1], v[2]] : undefined;
}

function codeMeaning(seq: unknown): string | undefined {
  const item = first(seq);
  return item ? String(item.CodeMeaning ?? item.CodeValue ?? '') : undefined;
}

/** A segment's algorithm as reports name it ("name version"), or undefined when the SEG names none. */
export function algorithmOf(segment: Pick<SegmentInfo, 'algorithmName' | 'algorithmVersion'>): string | undefined {
  return segment.algorithmName ? `${segment.algorithmName} ${segment.algorithmVersion ?? ''}`.trim() : undefined;
}

export function readSegmentation(bytes: ArrayBuffer | Uint8Array, source: string): ReadSegmentation {
  return segmentationFromParsed(parsePart10(bytes, source));
}

/** The same, from a file already parsed (a folder scan parses once to tell SEGs from cines). */
export function segmentationFromParsed(parsed: ParsedDicom): ReadSegmentation {
  const { dataset: ds, transferSyntaxUID, source } = parsed;
  if (ds.SOPClassUID !== SopClass.Segmentation) {
    throw new InvalidSegmentationError(source, `SOP Class ${ds.SOPClassUID} is not Segmentation Storage`);
  }
  const type = String(ds.SegmentationType ?? '');
  if (type !== 'BINARY' && type !== 'FRACTIONAL') {
    throw new InvalidSegmentationError(source, `Segmentation Type ${type || '(missing)'} is not supported`);
  }
  const rows = Number(ds.Rows);
  const columns = Number(ds.Columns);
  const numberOfFrames = Number(ds.NumberOfFrames ?? 1);
  const segments: SegmentInfo[] = ((ds.SegmentSequence ?? []) as NaturalDataset[]).map((s) => {
    const algorithm = first(s.SegmentationAlgorithmIdentificationSequence);
    return {
      segmentNumber: Number(s.SegmentNumber),
      label: String(s.SegmentLabel ?? ''),
      algorithmType: String(s.SegmentAlgorithmType ?? ''),
      algorithmName: s.SegmentAlgorithmName ?? algorithm?.AlgorithmName,
      algorithmVersion: algorithm?.AlgorithmVersion,
      algorithmParameters: algorithm?.AlgorithmParameters,
      propertyCategory: codeMeaning(s.SegmentedPropertyCategoryCodeSequence),
      propertyType: codeMeaning(s.SegmentedPropertyTypeCodeSequence),
      categoryCode: coded(s.SegmentedPropertyCategoryCodeSequence),
      typeCode: coded(s.SegmentedPropertyTypeCodeSequence),
      algorithmFamilyCode: coded(algorithm?.AlgorithmFamilyCodeSequence),
      recommendedDisplayCIELabValue: cielab(s.RecommendedDisplayCIELabValue),
    };
  });
  if (segments.length === 0) throw new InvalidSegmentationError(source, 'Segment Sequence is empty');

  const referencedInstances = ((ds.ReferencedSeriesSequence ?? []) as NaturalDataset[]).flatMap((series) =>
    ((series.ReferencedInstanceSequence ?? []) as NaturalDataset[]).map((inst) => ({
      sopClassUID: String(inst.ReferencedSOPClassUID ?? ''),
      sopInstanceUID: String(inst.ReferencedSOPInstanceUID ?? ''),
      seriesInstanceUID: String(series.SeriesInstanceUID ?? ''),
    })),
  );

  const masks = decodeMasks(ds, transferSyntaxUID, type, numberOfFrames, rows, columns, source);
  const shared = first(ds.SharedFunctionalGroupsSequence) ?? {};
  const perFrame = (ds.PerFrameFunctionalGroupsSequence ?? []) as NaturalDataset[];
  if (perFrame.length !== numberOfFrames) {
    throw new InvalidSegmentationError(source, `${perFrame.length} per-frame functional groups for ${numberOfFrames} frames`);
  }
  let rule: FrameReferenceRule = 'ReferencedFrameNumber';
  const framesSeenPerSegment = new Map<number, number>();
  const frames: SegmentationFrame[] = perFrame.map((group, index) => {
    const segmentNumber = Number(
      first(group.SegmentIdentificationSequence)?.ReferencedSegmentNumber ?? first(shared.SegmentIdentificationSequence)?.ReferencedSegmentNumber,
    );
    if (!segments.some((s) => s.segmentNumber === segmentNumber)) {
      throw new InvalidSegmentationError(source, `frame ${index + 1} references segment ${segmentNumber}, which Segment Sequence does not define`);
    }
    const derivation = first(group.DerivationImageSequence) ?? first(shared.DerivationImageSequence);
    const sourceImage = first(derivation?.SourceImageSequence);
    const referencedSOPInstanceUID = String(sourceImage?.ReferencedSOPInstanceUID ?? (referencedInstances.length === 1 ? referencedInstances[0]!.sopInstanceUID : ''));
    const seen = (framesSeenPerSegment.get(segmentNumber) ?? 0) + 1;
    framesSeenPerSegment.set(segmentNumber, seen);
    let referencedFrameNumber = Number(first<unknown>(sourceImage?.ReferencedFrameNumber) ?? NaN);
    if (!Number.isFinite(referencedFrameNumber)) {
      const temporal = Number(first(group.FrameContentSequence)?.TemporalPositionIndex ?? NaN);
      if (Number.isFinite(temporal)) {
        referencedFrameNumber = temporal;
        rule = 'TemporalPositionIndex';
      } else if (numberOfFrames === segments.length) {
        referencedFrameNumber = 1;
        rule = 'SingleFrameSource';
      } else {
        referencedFrameNumber = seen;
        rule = 'FrameOrder';
      }
    }
    return { segmentNumber, referencedSOPInstanceUID, referencedFrameNumber, mask: masks(index) };
  });
  return {
    source,
    sopInstanceUID: String(ds.SOPInstanceUID ?? ''),
    seriesInstanceUID: String(ds.SeriesInstanceUID ?? ''),
    studyInstanceUID: String(ds.StudyInstanceUID ?? ''),
    patientID: String(ds.PatientID ?? ''),
    rows,
    columns,
    segmentationType: type,
    segments,
    referencedInstances,
    frames,
    frameReferenceRule: rule,
    dataset: (({ PixelData: _p, ...rest }) => rest)(ds),
  };
}

/** Returns a function giving the 0/1 mask of SEG frame `index` (0-based). */
function decodeMasks(
  ds: NaturalDataset,
  transferSyntaxUID: string,
  type: string,
  numberOfFrames: number,
  rows: number,
  columns: number,
  source: string,
): (index: number) => Uint8Array {
  const pixels = rows * columns;
  const native = transferSyntaxUID === TransferSyntax.ExplicitVRLittleEndian || transferSyntaxUID === TransferSyntax.ImplicitVRLittleEndian;
  if (ds.PixelData === undefined) throw new InvalidSegmentationError(source, 'no Pixel Data');
  if (type === 'BINARY') {
    if (native) {
      const buffers = (Array.isArray(ds.PixelData) ? ds.PixelData : [ds.PixelData]) as ArrayBuffer[];
      const packed = new Uint8Array(buffers[0]!);
      if (packed.length < Math.ceil((numberOfFrames * pixels) / 8)) {
        throw new InvalidSegmentationError(source, `Pixel Data has ${packed.length} bytes, ${numberOfFrames} frames of ${rows}x${columns} bits need ${Math.ceil((numberOfFrames * pixels) / 8)}`);
      }
      return (index) => unpackBinaryFrame(packed, index, pixels);
    }
    if (transferSyntaxUID === TransferSyntax.RLELossless) {
      // RLE codes each frame on its own: a frame's bits are packed from its first byte.
      const format = { rows, columns, samplesPerPixel: 1, bitsAllocated: 8 };
      const encoded = extractEncodedFrames(ds, { ...format, bitsStored: 8, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0 }, numberOfFrames, transferSyntaxUID, source);
      const bytesPerFrame = Math.ceil(pixels / 8);
      return (index) => {
        const decoded = decodeRleFrame(encoded[index]!, { rows: 1, columns: bytesPerFrame, samplesPerPixel: 1, bitsAllocated: 8 });
        return unpackBinaryFrame(decoded, 0, pixels);
      };
    }
    throw new UnsupportedTransferSyntaxError(source, transferSyntaxUID);
  }
  // FRACTIONAL: 8-bit values; a pixel belongs to the segment above half of Maximum Fractional Value.
  const max = Number(ds.MaximumFractionalValue ?? 255);
  const format: PixelFormat = { rows, columns, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0 };
  if (!native && transferSyntaxUID !== TransferSyntax.RLELossless) throw new UnsupportedTransferSyntaxError(source, transferSyntaxUID);
  const encoded = extractEncodedFrames(ds, format, numberOfFrames, transferSyntaxUID, source);
  return (index) => {
    const values = native ? encoded[index]! : decodeRleFrame(encoded[index]!, format);
    return Uint8Array.from(values, (v) => (v > max / 2 ? 1 : 0));
  };
}

/** What a SEG holds over one source instance: a mask per source frame, and how many SEG frames and which segments made them. */
export interface SourceMasks {
  /** 1-based source frame n at index n-1; frames the SEG does not list are empty. */
  masks: Uint8Array[];
  /** SEG frames that reference the source (one per segment and source frame). */
  segFrames: number;
  /** The segments among them, ascending. */
  segmentNumbers: number[];
}

/**
 * The masks of a SEG over every frame of a source instance: of one segment, or of all of them in
 * one mask (a pixel any segment covers).
 */
export function sourceMasks(seg: ReadSegmentation, sopInstanceUID: string, numberOfFrames: number, segmentNumber?: number): SourceMasks {
  const masks = Array.from({ length: numberOfFrames }, () => new Uint8Array(seg.rows * seg.columns));
  let segFrames = 0;
  const segments = new Set<number>();
  for (const f of seg.frames) {
    if ((segmentNumber !== undefined && f.segmentNumber !== segmentNumber) || f.referencedSOPInstanceUID !== sopInstanceUID) continue;
    if (f.referencedFrameNumber < 1 || f.referencedFrameNumber > numberOfFrames) {
      throw new InvalidSegmentationError(seg.source, `a frame references source frame ${f.referencedFrameNumber}, outside 1..${numberOfFrames}`);
    }
    const target = masks[f.referencedFrameNumber - 1]!;
    for (let i = 0; i < target.length; i++) target[i] = target[i]! | f.mask[i]!;
    segFrames++;
    segments.add(f.segmentNumber);
  }
  return { masks, segFrames, segmentNumbers: [...segments].sort((a, b) => a - b) };
}

/** Masks of one segment for every frame of a source instance (see sourceMasks). */
export function masksForSource(seg: ReadSegmentation, segmentNumber: number, sopInstanceUID: string, numberOfFrames: number): Uint8Array[] {
  return sourceMasks(seg, sopInstanceUID, numberOfFrames, segmentNumber).masks;
}
