/**
 * The SEG's per-frame functional groups and Pixel Data are written by explicitVrEncoding, not
 * dcmjs (for speed): the file must be byte for byte what dcmjs writes for the same dataset, and
 * what the small encoder cannot write exactly it must refuse.
 */
import { CineImage } from '../../src/dicom/cineImage.js';
import { BinarySegmentation } from '../../src/dicom/segmentation.js';
import { encodeExplicitVrLittleEndian } from '../../src/dicom/explicitVrEncoding.js';
import { parsePart10, writePart10 } from '../../src/dicom/part10.js';
import { TransferSyntax } from '../../src/dicom/uids.js';
import { cineFile, grayFrames, IDENTITY_A } from '../helpers/synthetic.js';
import { dciodvfy } from '../helpers/tools.js';

const ROWS = 6;
const COLUMNS = 10;

/** 1, 2 and 3-digit frame numbers: Referenced Frame Number (IS) is padded only when its length is odd. */
const FRAMES = 104;

function segmentation(): BinarySegmentation {
  const cine = CineImage.fromPart10(cineFile({ rows: ROWS, columns: COLUMNS, frames: grayFrames(ROWS, COLUMNS, FRAMES), identity: IDENTITY_A }), 'src');
  const masks = Array.from({ length: FRAMES }, (_, f) => Uint8Array.from({ length: ROWS * COLUMNS }, (_, i) => ((i * 7 + f) % 5 === 0 ? 1 : 0)));
  return new BinarySegmentation({
    source: cine,
    segments: [
      { label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'tiny-test-net', version: '0.0.1' }, frames: masks },
      { label: 'Lesion', algorithmType: 'MANUAL', frames: masks.map((m) => m.map((v) => 1 - v)) },
    ],
    dimensionOrganizationUID: '2.25.1234',
  });
}

describe('the SEG writer’s own encoding of the per-frame functional groups and Pixel Data', () => {
  const seg = segmentation();
  const now = new Date(Date.UTC(2026, 11, 4, 12, 0, 0));

  it('writes the same bytes as dcmjs for the whole dataset (two segments, 1- to 3-digit frame numbers)', () => {
    const fast = seg.toPart10(now);
    const reference = writePart10(seg.toDataset(now), TransferSyntax.ExplicitVRLittleEndian);
    expect(fast.length).toBe(reference.length);
    expect(Buffer.from(fast).equals(Buffer.from(reference))).toBe(true);
  });

  it('gives a file dciodvfy accepts and dcmjs reads back with every frame referenced', () => {
    const bytes = seg.toPart10(now);
    expect(dciodvfy(bytes).errors).toEqual([]);
    const { dataset } = parsePart10(bytes, 'seg');
    const groups = dataset.PerFrameFunctionalGroupsSequence as Record<string, any>[];
    expect(groups).toHaveLength(2 * FRAMES);
    expect(groups.map((g) => g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedFrameNumber)).toEqual([
      ...Array.from({ length: FRAMES }, (_, i) => i + 1),
      ...Array.from({ length: FRAMES }, (_, i) => i + 1),
    ]);
  });

  it('refuses elements it would have to write before others, another transfer syntax, and VRs it does not know', () => {
    const ds = seg.toDataset(now);
    expect(() => writePart10(ds, TransferSyntax.ExplicitVRLittleEndian, { encodeLast: ['SegmentSequence'] })).toThrow(/writePart10: \w+ comes after the elements encoded last/);
    expect(() => writePart10(ds, TransferSyntax.ImplicitVRLittleEndian, { encodeLast: ['PixelData'] })).toThrow(/need Explicit VR Little Endian/);
    expect(() => encodeExplicitVrLittleEndian({ PatientName: 'Doe^John' })).toThrow(/PatientName has VR PN, which this encoder does not write/);
    expect(() => encodeExplicitVrLittleEndian({ PixelData: [new Uint8Array(3).buffer], _vrMap: { PixelData: 'OB' } })).toThrow(/odd length/);
    expect(() => encodeExplicitVrLittleEndian({ ReferencedSegmentNumber: -1 })).toThrow(/not an unsigned integer/);
    expect(() => encodeExplicitVrLittleEndian({ SliceThickness: 1.5 })).toThrow(/SliceThickness has VR DS, which this encoder does not write/);
    expect(() => encodeExplicitVrLittleEndian({ ReferencedFrameNumber: [1, null] })).toThrow(/ReferencedFrameNumber has an empty value/);
  });
});
