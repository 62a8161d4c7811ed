/**
 * Encapsulated Pixel Data is read from the stream walk, not through dcmjs (which copies the whole
 * file once per frame when a Basic Offset Table is present: minutes for long loops). The frames
 * must be exactly what dcmjs's own reading gives: one fragment per frame, several fragments per
 * frame with and without an offset table (dcmtk's dcmcjpeg), and a file whose Icon Image Sequence
 * holds a Pixel Data of its own (where stopping dcmjs at the first Pixel Data would be wrong).
 */
import dcmjs from 'dcmjs';
import { CineImage } from '../../src/dicom/cineImage.js';
import { extractEncodedFrames } from '../../src/dicom/encodedFrames.js';
import { parsePart10, writePart10 } from '../../src/dicom/part10.js';
import { scanPart10 } from '../../src/dicom/streamCompleteness.js';
import { TransferSyntax } from '../../src/dicom/uids.js';
import { cineFile, grayFrames } from '../helpers/synthetic.js';
import { convertWith } from '../helpers/tools.js';

const ROWS = 96;
const COLS = 128;
const FRAMES = 12;

/** The encoded frames as dcmjs's full read gives them (the reference). */
function framesThroughDcmjs(bytes: Uint8Array): Uint8Array[] {
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const ts = String(dict.meta['00020010']!.Value![0]).replace(/\0/g, '').trim();
  const cine = CineImage.fromPart10(bytes, 'reference');
  return extractEncodedFrames(ds, cine.pixelFormat, Number(ds.NumberOfFrames), ts, 'reference');
}

function expectSameFrames(bytes: Uint8Array): void {
  const ours = CineImage.fromPart10(bytes, 'ours');
  const reference = framesThroughDcmjs(bytes);
  expect(ours.numberOfFrames).toBe(FRAMES);
  expect(reference).toHaveLength(FRAMES);
  for (let i = 0; i < FRAMES; i++) expect(Buffer.from(ours.encodedFrame(i)).equals(Buffer.from(reference[i]!))).toBe(true);
}

describe('encapsulated Pixel Data taken from the stream walk', () => {
  const source = cineFile({ rows: ROWS, columns: COLS, frames: grayFrames(ROWS, COLS, FRAMES) });

  test('one fragment per frame with an offset table (dcmcjpeg default): the walk finds every fragment', async () => {
    const jpeg = convertWith('dcmcjpeg', ['+eb'], source);
    const layout = scanPart10(jpeg);
    expect(layout.pixelData?.basicOffsetTable).toHaveLength(FRAMES);
    expect(layout.pixelData?.fragments).toHaveLength(FRAMES);
    expectSameFrames(jpeg);
    await expect(CineImage.fromPart10(jpeg, 'x').decodeFrame(FRAMES - 1)).resolves.toHaveLength(ROWS * COLS);
  });

  test('several fragments per frame, with an offset table: fragments are joined per frame', async () => {
    const jpeg = convertWith('dcmcjpeg', ['+eb', '+fs', '1'], source);
    const layout = scanPart10(jpeg);
    expect(layout.pixelData!.fragments.length).toBeGreaterThan(FRAMES);
    expect(layout.pixelData!.basicOffsetTable).toHaveLength(FRAMES);
    expectSameFrames(jpeg);
    await expect(CineImage.fromPart10(jpeg, 'x').decodeFrame(FRAMES - 1)).resolves.toHaveLength(ROWS * COLS);
  });

  test('several fragments per frame, empty offset table: grouped into frames as before', async () => {
    const jpeg = convertWith('dcmcjpeg', ['+eb', '+fs', '1', '-ot'], source);
    expect(scanPart10(jpeg).pixelData!.basicOffsetTable).toEqual([]);
    expectSameFrames(jpeg);
  });

  test('a Pixel Data inside an Icon Image Sequence: dcmjs reads the whole file and the cine is intact', () => {
    const jpeg = convertWith('dcmcjpeg', ['+eb'], source);
    const { dataset, transferSyntaxUID } = parsePart10(jpeg, 'jpeg');
    expect(transferSyntaxUID).toBe(TransferSyntax.JPEGBaseline8Bit);
    const icon = { Rows: 4, Columns: 4, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: new Uint8Array(16).fill(7).buffer };
    const withIcon = writePart10({ ...dataset, IconImageSequence: [icon], _vrMap: { PixelData: 'OB' } }, TransferSyntax.JPEGBaseline8Bit);
    const layout = scanPart10(withIcon);
    expect(layout.nestedPixelData).toBe(true);
    const parsed = parsePart10(withIcon, 'with icon');
    expect(parsed.dataset.IconImageSequence).toHaveLength(1);
    expectSameFrames(withIcon);
  });
});
