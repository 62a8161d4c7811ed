/**
 * DICOM SEG for a cine source: validity (dciodvfy, no "Error" lines), the cine rules of
 * design.md, bit packing across frame boundaries, round trips, and identifiers copied only
 * from the SEG's own source.
 */
import { CineImage } from '../../src/dicom/cineImage.js';
import { BinarySegmentation, SegmentationValidationError, type SegmentDescription } from '../../src/dicom/segmentation.js';
import { readSegmentation, masksForSource, sourceMasks } from '../../src/dicom/segmentationReader.js';
import { editedSegmentation, storedSegmentOrigin } from '../../src/dicom/editedSegmentation.js';
import { checkSegmentationOnCine, referencedSopInstanceUIDs, segmentationMasksOnCine } from '../../src/dicom/segmentationOnCine.js';
import { packBinaryFrames, unpackBinaryFrame, PackedMask } from '../../src/dicom/bitPacking.js';
import { parsePart10, writePart10 } from '../../src/dicom/part10.js';
import { TransferSyntax, SopClass } from '../../src/dicom/uids.js';
import { encodeRleFrame } from '../../src/dicom/decode/rle.js';
import { cineFile, grayFrames, IDENTITY_A, IDENTITY_B } from '../helpers/synthetic.js';
import { dciodvfy } from '../helpers/tools.js';

const SHA = 'c0ffee'.padEnd(64, '0');

function source(rows: number, columns: number, frames: number, identity = IDENTITY_A): CineImage {
  return CineImage.fromPart10(cineFile({ rows, columns, frames: grayFrames(rows, columns, frames), identity }), `src-${rows}x${columns}`);
}

/** An ellipse that moves one pixel per frame; frame `emptyFrame` is left empty. */
function ellipseMasks(rows: number, columns: number, frames: number, emptyFrame = -1): Uint8Array[] {
  return Array.from({ length: frames }, (_, f) => {
    const m = new Uint8Array(rows * columns);
    if (f === emptyFrame) return m;
    const cx = columns / 2 + f - frames / 2;
    const cy = rows / 2;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        if (((x - cx) / (columns / 4)) ** 2 + ((y - cy) / (rows / 3)) ** 2 <= 1) m[y * columns + x] = 1;
      }
    }
    return m;
  });
}

function prostate(frames: Uint8Array[]): SegmentDescription {
  return { label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'tiny-test-net', version: '0.0.1', weightsSha256: SHA }, frames };
}

/** dcmjs gives a Person Name as [{ Alphabetic }] after reading, a plain string before writing. */
function personName(v: unknown): string {
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : String((first as { Alphabetic?: string })?.Alphabetic ?? '');
}

/** Bit after bit, as PS3.5 8.1.1 describes it: what the byte-at-a-time packing must equal. */
function referencePack(frames: ArrayLike<number>[], pixels: number): Uint8Array {
  const bytes = Math.ceil((frames.length * pixels) / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  frames.forEach((f, n) => {
    for (let i = 0; i < pixels; i++) if (f[i]) out[(n * pixels + i) >> 3] |= 1 << ((n * pixels + i) & 7);
  });
  return out;
}

describe('bit packing', () => {
  it('packs byte at a time exactly as bit after bit: any frame size, any start bit, packed or not, any non-zero value', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const pixels of [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1001]) {
      for (const density of [0, 0.1, 0.5, 1]) {
        const frames = Array.from({ length: 5 }, () => Float32Array.from({ length: pixels }, () => (random() < density ? [1, 255, 0.5, -1, NaN][Math.floor(random() * 5)]! : 0)));
        const expected = referencePack(frames, pixels);
        expect(packBinaryFrames(frames, pixels)).toEqual(expected);
        // Already packed frames (the engine's), alone and mixed with unpacked ones.
        const packed = frames.map((f) => PackedMask.pack(f));
        expect(packBinaryFrames(packed, pixels)).toEqual(expected);
        expect(packBinaryFrames(frames.map((f, i) => (i % 2 ? packed[i]! : f)), pixels)).toEqual(expected);
        frames.forEach((f, i) => {
          const bits = Array.from(f, (v) => (v ? 1 : 0));
          expect(Array.from(unpackBinaryFrame(expected, i, pixels))).toEqual(bits);
          expect(Array.from(packed[i]!.unpack())).toEqual(bits);
        });
      }
    }
  });

  it('ignores bits past a packed mask\'s length (a mask rebuilt from another thread\'s bytes)', () => {
    const mask = PackedMask.fromBits(3, Uint8Array.of(0b11111101));
    expect(Array.from(packBinaryFrames([mask, [1, 1, 1]], 3))).toEqual([0b00111101, 0]);
  });

  it('packs frames bit after bit across byte boundaries (3x3 frames: frame 2 starts at bit 9)', () => {
    const f1 = [1, 0, 0, 0, 0, 0, 0, 0, 1];
    const f2 = [0, 1, 1, 0, 0, 0, 0, 0, 0];
    const packed = packBinaryFrames([f1, f2], 9);
    // bits 0 and 8 from frame 1; bits 10 and 11 from frame 2; padded to an even length
    expect(Array.from(packed)).toEqual([0b00000001, 0b00001101, 0, 0].slice(0, packed.length));
    expect(packed.length).toBe(4);
    expect(Array.from(unpackBinaryFrame(packed, 1, 9))).toEqual(f2);
    expect(Array.from(unpackBinaryFrame(packed, 0, 9))).toEqual(f1);
  });
});

describe('BinarySegmentation over a cine', () => {
  it.each([
    [37, 45, 5], // 1665 pixels: frames start mid-byte
    [16, 16, 4],
    [7, 9, 3],
  ])('%ix%i, %i frames: dciodvfy reports no errors and the masks round-trip exactly', (rows, columns, n) => {
    const src = source(rows, columns, n);
    const masks = ellipseMasks(rows, columns, n, 1);
    const bytes = new BinarySegmentation({ source: src, segments: [prostate(masks)] }).toPart10();
    const report = dciodvfy(bytes);
    expect(report.errors).toEqual([]);
    const back = readSegmentation(bytes, 'seg');
    expect(back.frameReferenceRule).toBe('ReferencedFrameNumber');
    const restored = masksForSource(back, 1, src.sopInstanceUID, n);
    restored.forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(masks[i]!))).toBe(true));
  });

  it('writes one SEG frame per source frame, empty frames included, each referencing its source frame (1-based)', () => {
    const src = source(20, 24, 6);
    const masks = ellipseMasks(20, 24, 6, 0).map((m, i) => (i === 3 ? new Uint8Array(m.length) : m));
    const ds = new BinarySegmentation({ source: src, segments: [prostate(masks)] }).toDataset();
    expect(ds.NumberOfFrames).toBe(6);
    expect(ds.PerFrameFunctionalGroupsSequence).toHaveLength(6);
    ds.PerFrameFunctionalGroupsSequence.forEach((g: any, i: number) => {
      const ref = g.DerivationImageSequence[0].SourceImageSequence[0];
      expect(ref.ReferencedSOPInstanceUID).toBe(src.sopInstanceUID);
      expect(ref.ReferencedSOPClassUID).toBe(SopClass.UltrasoundMultiFrameImage);
      expect(ref.ReferencedFrameNumber).toBe(i + 1);
      expect(g.FrameContentSequence[0].TemporalPositionIndex).toBe(i + 1);
      expect(g.FrameContentSequence[0].DimensionIndexValues).toEqual([1, i + 1]);
      expect(g.SegmentIdentificationSequence[0].ReferencedSegmentNumber).toBe(1);
    });
    const back = readSegmentation(new BinarySegmentation({ source: src, segments: [prostate(masks)] }).toPart10(), 'seg');
    expect(back.frames.filter((f) => f.mask.every((v) => v === 0)).map((f) => f.referencedFrameNumber)).toEqual([1, 4]);
  });

  it('carries no Frame of Reference geometry, a temporal dimension, exact references and the algorithm identification', () => {
    const src = source(12, 14, 3);
    const ds = new BinarySegmentation({ source: src, segments: [prostate(ellipseMasks(12, 14, 3))] }).toDataset();
    for (const absent of ['FrameOfReferenceUID', 'PixelMeasuresSequence', 'PlanePositionSequence', 'PlaneOrientationSequence']) {
      expect(ds[absent]).toBeUndefined();
      expect(ds.SharedFunctionalGroupsSequence[0][absent]).toBeUndefined();
    }
    expect(ds.DimensionIndexSequence.map((d: any) => d.DimensionIndexPointer)).toEqual([0x0062000b, 0x00209128]);
    expect(ds.ReferencedSeriesSequence).toEqual([
      {
        SeriesInstanceUID: src.seriesInstanceUID,
        ReferencedInstanceSequence: [{ ReferencedSOPClassUID: src.sopClassUID, ReferencedSOPInstanceUID: src.sopInstanceUID }],
      },
    ]);
    const segment = ds.SegmentSequence[0];
    expect(segment.SegmentedPropertyTypeCodeSequence[0]).toMatchObject({ CodeValue: '41216001', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Prostate' });
    expect(segment.SegmentedPropertyCategoryCodeSequence[0]).toMatchObject({ CodeValue: '91723000', CodingSchemeDesignator: 'SCT' });
    expect(segment.SegmentAlgorithmType).toBe('AUTOMATIC');
    const algorithm = segment.SegmentationAlgorithmIdentificationSequence[0];
    expect(algorithm.AlgorithmName).toBe('tiny-test-net');
    expect(algorithm.AlgorithmVersion).toBe('0.0.1');
    expect(algorithm.AlgorithmParameters).toContain(`weights_sha256=${SHA}`);
    expect(ds.SOPInstanceUID).not.toBe(src.sopInstanceUID);
    expect(ds.SeriesInstanceUID).not.toBe(src.seriesInstanceUID);
    expect(ds.SOPInstanceUID).toMatch(/^2\.25\.\d+$/);
  });

  it('keeps every segment of a multi-segment SEG and orders frames segment by segment', () => {
    const rows = 11;
    const cols = 13;
    const src = source(rows, cols, 4);
    const gland = ellipseMasks(rows, cols, 4);
    const empty = gland.map((m) => new Uint8Array(m.length));
    const seg = new BinarySegmentation({
      source: src,
      segments: [prostate(gland), { label: 'Urethra', algorithmType: 'MANUAL', frames: empty }],
    });
    const bytes = seg.toPart10();
    expect(dciodvfy(bytes).errors).toEqual([]);
    const back = readSegmentation(bytes, 'multi');
    expect(back.segments.map((s) => s.label)).toEqual(['Prostate', 'Urethra']);
    expect(back.frames).toHaveLength(8);
    expect(back.frames.map((f) => f.segmentNumber)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    masksForSource(back, 1, src.sopInstanceUID, 4).forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(gland[i]!)));
    masksForSource(back, 2, src.sopInstanceUID, 4).forEach((m) => expect(m.some((v) => v)).toBe(false));
  });

  it('gives all segments over a source frame as one mask, with the SEG frames and segments they came from', () => {
    const rows = 9;
    const cols = 12;
    const src = source(rows, cols, 3);
    const gland = ellipseMasks(rows, cols, 3);
    const corner = gland.map((m, f) => {
      const c = new Uint8Array(m.length);
      if (f !== 1) c[0] = c[1] = 1;
      return c;
    });
    const back = readSegmentation(new BinarySegmentation({ source: src, segments: [prostate(gland), { label: 'Calcification', algorithmType: 'MANUAL', frames: corner }] }).toPart10(), 'two');
    const all = sourceMasks(back, src.sopInstanceUID, 3);
    expect(all.segFrames).toBe(6);
    expect(all.segmentNumbers).toEqual([1, 2]);
    all.masks.forEach((m, f) => expect(Array.from(m)).toEqual(Array.from(gland[f]!, (v, i) => v | corner[f]![i]!)));
    const second = sourceMasks(back, src.sopInstanceUID, 3, 2);
    expect(second).toMatchObject({ segFrames: 3, segmentNumbers: [2] });
    second.masks.forEach((m, f) => expect(Array.from(m)).toEqual(Array.from(corner[f]!)));
    // Another instance's frames are not this one's.
    expect(sourceMasks(back, `${src.sopInstanceUID}.9`, 3)).toMatchObject({ segFrames: 0, segmentNumbers: [] });
    // A SEG frame that points past the source's last frame is an error, not a frame dropped.
    back.frames[2] = { ...back.frames[2]!, referencedFrameNumber: 4 };
    expect(() => sourceMasks(back, src.sopInstanceUID, 3)).toThrow(/references source frame 4, outside 1..3/);
  });

  it('is refused over a cine it does not reference, of another study or of another size; a reference frame by frame is enough', () => {
    const src = source(8, 10, 2);
    const seg = readSegmentation(new BinarySegmentation({ source: src, segments: [prostate(ellipseMasks(8, 10, 2))] }).toPart10(), 'seg');
    expect(segmentationMasksOnCine(seg, src, 'the SEG').segFrames).toBe(2);
    const other = CineImage.fromPart10(cineFile({ rows: 8, columns: 10, frames: grayFrames(8, 10, 2), identity: IDENTITY_A }), 'other.dcm');
    expect(other.sopInstanceUID).not.toBe(src.sopInstanceUID);
    expect(() => checkSegmentationOnCine(seg, other, 'the SEG')).toThrow(`the SEG does not reference other.dcm (SOP Instance UID ${other.sopInstanceUID}); it references ${src.sopInstanceUID}`);
    expect(() => checkSegmentationOnCine({ ...seg, studyInstanceUID: `${seg.studyInstanceUID}.9` }, src, 'the SEG')).toThrow(`the SEG belongs to another study than ${src.source}`);
    expect(() => checkSegmentationOnCine({ ...seg, columns: 12 }, src, 'the SEG')).toThrow(`the SEG is 8x12, ${src.source} is 8x10`);
    // Referenced Series Sequence is Type 1C: a SEG that names the cine only in its frames still fits.
    expect(referencedSopInstanceUIDs(seg)).toEqual([src.sopInstanceUID]);
    expect(referencedSopInstanceUIDs({ ...seg, referencedInstances: [] })).toEqual([src.sopInstanceUID]);
    expect(segmentationMasksOnCine({ ...seg, referencedInstances: [] }, src, 'the SEG').segFrames).toBe(2);
    expect(() => checkSegmentationOnCine({ ...seg, referencedInstances: [], frames: [] }, src, 'the SEG')).toThrow(/it references nothing$/);
  });

  it('copies patient and study identifiers only from its own source', () => {
    const a = source(10, 10, 2, IDENTITY_A);
    const b = source(10, 10, 2, IDENTITY_B);
    const segA = new BinarySegmentation({ source: a, segments: [prostate(ellipseMasks(10, 10, 2))] }).toDataset();
    const segB = new BinarySegmentation({ source: b, segments: [prostate(ellipseMasks(10, 10, 2))] }).toDataset();
    for (const [seg, id] of [
      [segA, IDENTITY_A],
      [segB, IDENTITY_B],
    ] as const) {
      expect(personName(seg.PatientName)).toBe(id.PatientName);
      expect(seg.PatientID).toBe(id.PatientID);
      expect(seg.PatientBirthDate).toBe(id.PatientBirthDate);
      expect(seg.StudyInstanceUID).toBe(id.StudyInstanceUID);
      expect(seg.AccessionNumber).toBe(id.AccessionNumber);
      expect(seg.StudyID).toBe(id.StudyID);
    }
    expect(segA.PatientID).not.toBe(segB.PatientID);
  });

  it('refuses inconsistent inputs before writing anything', () => {
    const src = source(8, 8, 3);
    const masks = ellipseMasks(8, 8, 3);
    const build = (over: Partial<SegmentDescription>, opts: Record<string, unknown> = {}) => () =>
      new BinarySegmentation({ source: src, segments: [{ ...prostate(masks), ...over }], ...opts });
    expect(build({ frames: masks.slice(0, 2) })).toThrow(/2 frames, the source has 3/);
    expect(build({ frames: [masks[0]!, masks[1]!, new Uint8Array(10)] })).toThrow(/frame 3 has 10 pixels/);
    expect(build({ algorithm: undefined })).toThrow(/no algorithm name and version/);
    expect(build({ algorithm: { name: 'x', version: '1', weightsSha256: 'not-a-hash' } })).toThrow(/sha256/);
    expect(build({ label: ' ' })).toThrow(SegmentationValidationError);
    expect(build({}, { contentLabel: 'lower case' })).toThrow(/Content Label/);
    expect(() => new BinarySegmentation({ source: src, segments: [] })).toThrow(/at least one segment/);
  });
});

describe('reading third-party SEG variants', () => {
  // No third-party SEG writer is installable here, so the variants other writers produce are
  // made by editing one of ours; each edit reproduces a documented behaviour of other tools.
  const rows = 9;
  const cols = 11;
  const src = source(rows, cols, 5);
  const masks = ellipseMasks(rows, cols, 5, 2);
  const ours = () => parsePart10(new BinarySegmentation({ source: src, segments: [prostate(masks)] }).toPart10(), 'x').dataset;

  it('reads a SEG that omits empty frames (frames found through ReferencedFrameNumber)', () => {
    const ds = ours();
    const keep = [0, 1, 3, 4];
    const packed = packBinaryFrames(keep.map((i) => masks[i]!), rows * cols);
    ds.PerFrameFunctionalGroupsSequence = keep.map((i) => ds.PerFrameFunctionalGroupsSequence[i]);
    ds.NumberOfFrames = keep.length;
    ds.PixelData = [packed.buffer];
    const restored = masksForSource(readSegmentation(writePart10(ds), 'sparse'), 1, src.sopInstanceUID, 5);
    restored.forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(masks[i]!)));
  });

  it('falls back to Temporal Position Index when ReferencedFrameNumber is missing, and says so', () => {
    const ds = ours();
    ds.PerFrameFunctionalGroupsSequence = [...ds.PerFrameFunctionalGroupsSequence].reverse().map((g: any) => {
      delete g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedFrameNumber;
      return g;
    });
    const reversed = [...masks].reverse();
    ds.PixelData = [packBinaryFrames(reversed, rows * cols).buffer];
    const seg = readSegmentation(writePart10(ds), 'no-frame-numbers');
    expect(seg.frameReferenceRule).toBe('TemporalPositionIndex');
    masksForSource(seg, 1, src.sopInstanceUID, 5).forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(masks[i]!)));
  });

  it('reads an RLE-encoded BINARY SEG (each frame packed on its own)', () => {
    const ds = ours();
    ds.PixelData = masks.map((m) => {
      const packed = packBinaryFrames([m], rows * cols).subarray(0, Math.ceil((rows * cols) / 8));
      const e = encodeRleFrame(packed, { rows: 1, columns: packed.length, samplesPerPixel: 1, bitsAllocated: 8 });
      return e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength);
    });
    const restored = masksForSource(readSegmentation(writePart10(ds, TransferSyntax.RLELossless), 'rle-seg'), 1, src.sopInstanceUID, 5);
    restored.forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(masks[i]!)));
  });

  it('reads a FRACTIONAL SEG by thresholding at half the Maximum Fractional Value', () => {
    const ds = ours();
    ds.SegmentationType = 'FRACTIONAL';
    ds.SegmentationFractionalType = 'PROBABILITY';
    ds.MaximumFractionalValue = 200;
    ds.BitsAllocated = 8;
    ds.BitsStored = 8;
    ds.HighBit = 7;
    const values = new Uint8Array(5 * rows * cols);
    masks.forEach((m, f) => m.forEach((v, p) => (values[f * rows * cols + p] = v ? 150 : 60)));
    ds.PixelData = [values.buffer];
    const restored = masksForSource(readSegmentation(writePart10(ds), 'fractional'), 1, src.sopInstanceUID, 5);
    restored.forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(masks[i]!)));
  });

  it('rejects a file that is not a SEG with a clear error', () => {
    expect(() => readSegmentation(cineFile({ rows: 4, columns: 4, frames: grayFrames(4, 4, 1) }), 'image.dcm')).toThrow(/image\.dcm: SOP Class .* is not Segmentation Storage/);
  });
});

describe('a stored SEG edited by hand, written again', () => {
  const src = source(12, 14, 4);
  const masks = ellipseMasks(12, 14, 4);
  const lesion = { CodeValue: '52988006', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Lesion' };
  const morphology = { CodeValue: '49755003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Morphologically abnormal structure' };
  const stored = (segment: Partial<SegmentDescription>, options: Record<string, unknown> = {}) =>
    readSegmentation(new BinarySegmentation({ source: src, segments: [{ ...prostate(masks), ...segment }], ...options }).toPart10(), 'stored.seg.dcm');
  const corrected = masks.map((m, i) => (i === 1 ? new Uint8Array(m.length) : m));

  it('keeps label, codes, algorithm and colour; an algorithm\'s output becomes SEMIAUTOMATIC; valid, with the corrected masks', () => {
    const blue: [number, number, number] = [21169, 51953, 11519];
    const seg = stored({ label: 'Lesion 1', category: morphology, type: lesion, recommendedDisplayCIELabValue: blue }, { seriesDescription: 'Reader study', contentLabel: 'LESIONS' });
    expect(seg.segments[0]!.recommendedDisplayCIELabValue).toEqual(blue);
    const bytes = editedSegmentation(src, storedSegmentOrigin(seg, 1), corrected).toPart10();
    expect(dciodvfy(bytes).errors).toEqual([]);
    const back = readSegmentation(bytes, 'edited');
    const s = back.segments[0]!;
    expect(s).toMatchObject({ label: 'Lesion 1', algorithmType: 'SEMIAUTOMATIC', algorithmName: 'tiny-test-net', algorithmVersion: '0.0.1', categoryCode: morphology, typeCode: lesion, recommendedDisplayCIELabValue: blue });
    expect(s.algorithmParameters).toBe(`weights_sha256=${SHA}`);
    expect(back.dataset.SeriesDescription).toBe('Reader study, edited');
    expect(back.dataset.ContentLabel).toBe('LESIONS');
    expect(back.sopInstanceUID).not.toBe(seg.sopInstanceUID);
    masksForSource(back, 1, src.sopInstanceUID, 4).forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(corrected[i]!)));
  });

  it('a MANUAL segment stays MANUAL; an algorithm named without a version gets "unknown" (Type 1)', () => {
    const manual = readSegmentation(editedSegmentation(src, storedSegmentOrigin(stored({ algorithmType: 'MANUAL', algorithm: undefined }), 1), corrected).toPart10(), 'manual');
    expect(manual.segments[0]!.algorithmType).toBe('MANUAL');
    // A segment without a recommended colour is written without one.
    expect(manual.segments[0]!.recommendedDisplayCIELabValue).toBeUndefined();
    expect(manual.dataset.SegmentSequence[0].RecommendedDisplayCIELabValue).toBeUndefined();
    expect(manual.segments[0]!.algorithmName).toBeUndefined();
    const origin = storedSegmentOrigin(stored({}), 1);
    const unversioned = { ...origin, segment: { ...origin.segment, algorithmVersion: undefined } };
    const bytes = editedSegmentation(src, unversioned, corrected).toPart10();
    expect(dciodvfy(bytes).errors).toEqual([]);
    expect(readSegmentation(bytes, 'unversioned').segments[0]).toMatchObject({ algorithmType: 'SEMIAUTOMATIC', algorithmVersion: 'unknown' });
    // Edited twice: marked once.
    const again = readSegmentation(editedSegmentation(src, storedSegmentOrigin(readSegmentation(bytes, 'edited once'), 1), corrected).toPart10(), 'edited twice');
    expect(again.dataset.SeriesDescription).toBe('Prostate segmentation (trus-cine-seg), edited');
  });

  it('takes patient and study from the cine, and refuses a SEG of another study', () => {
    const other = source(12, 14, 4, IDENTITY_B);
    const seg = readSegmentation(new BinarySegmentation({ source: other, segments: [prostate(masks)] }).toPart10(), 'other-study.seg.dcm');
    expect(() => editedSegmentation(src, storedSegmentOrigin(seg, 1), corrected)).toThrow(/belongs to study .*, the cine to /);
    const own = editedSegmentation(src, storedSegmentOrigin(stored({}), 1), corrected).toDataset();
    expect(own.PatientID).toBe(IDENTITY_A.PatientID);
    expect(() => storedSegmentOrigin(seg, 3)).toThrow(/other-study\.seg\.dcm: no segment 3 \(it has 1\)/);
  });
});
