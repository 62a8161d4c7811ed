/** Bad inputs each give their own typed error naming the file; none crashes the process. */
import { CineImage } from '../../src/dicom/cineImage.js';
import {
  DicomError,
  FrameCountMismatchError,
  MissingPixelDataError,
  NotAnImageError,
  NotDicomError,
  TruncatedFileError,
  UnsupportedTransferSyntaxError,
  UnsupportedPixelFormatError,
} from '../../src/dicom/errors.js';
import { parsePart10, writePart10 } from '../../src/dicom/part10.js';
import { TransferSyntax, createUID } from '../../src/dicom/uids.js';
import { cineFile, grayFrames, IDENTITY_A } from '../helpers/synthetic.js';

const frames = grayFrames(16, 20, 4);
const good = cineFile({ rows: 16, columns: 20, frames });

function errorOf(fn: () => unknown): DicomError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DicomError);
    return err as DicomError;
  }
  throw new Error('expected an error');
}

describe('bad inputs', () => {
  it('a file truncated inside the pixel data is a TruncatedFileError naming the file', () => {
    const err = errorOf(() => CineImage.fromPart10(good.subarray(0, good.length - 100), 'cut-pixels.dcm'));
    expect(err).toBeInstanceOf(TruncatedFileError);
    expect(err.code).toBe('TRUNCATED_FILE');
    expect(err.message).toMatch(/^cut-pixels\.dcm: file is truncated/);
  });

  it('a file truncated inside the header is a TruncatedFileError', () => {
    const err = errorOf(() => CineImage.fromPart10(good.subarray(0, 400), 'cut-header.dcm'));
    expect(err).toBeInstanceOf(TruncatedFileError);
  });

  it('bytes that are not DICOM are a NotDicomError', () => {
    expect(errorOf(() => CineImage.fromPart10(new TextEncoder().encode('hello, not a dicom file'.repeat(20)), 'x.txt'))).toBeInstanceOf(NotDicomError);
    expect(errorOf(() => CineImage.fromPart10(new Uint8Array(0), 'empty.dcm')).message).toMatch(/empty/);
  });

  it('a dataset without Pixel Data is a MissingPixelDataError', () => {
    const ds = parsePart10(good, 'x').dataset;
    delete ds.PixelData;
    const err = errorOf(() => CineImage.fromPart10(writePart10(ds), 'no-pixels.dcm'));
    expect(err).toBeInstanceOf(MissingPixelDataError);
    expect(err.message).toContain('no-pixels.dcm');
  });

  it('a structured report is a NotAnImageError', () => {
    const sr = writePart10({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.11',
      SOPInstanceUID: createUID(),
      StudyInstanceUID: IDENTITY_A.StudyInstanceUID,
      SeriesInstanceUID: createUID(),
      Modality: 'SR',
      PatientID: 'PAT-A',
    });
    const err = errorOf(() => CineImage.fromPart10(sr, 'report.dcm'));
    expect(err).toBeInstanceOf(NotAnImageError);
    expect(err.message).toContain('1.2.840.10008.5.1.4.1.1.88.11');
  });

  it('an MPEG-4 encoded cine is an UnsupportedTransferSyntaxError', () => {
    const ds = parsePart10(good, 'x').dataset;
    ds.PixelData = [new Uint8Array([0, 0, 1, 0xb3, 1, 2, 3, 4]).buffer];
    ds._vrMap = { PixelData: 'OB' };
    const err = errorOf(() => CineImage.fromPart10(writePart10(ds, TransferSyntax.MPEG4AVCH264HighProfile), 'video.dcm'));
    expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect((err as UnsupportedTransferSyntaxError).transferSyntaxUID).toBe(TransferSyntax.MPEG4AVCH264HighProfile);
  });

  it('Number of Frames larger than the Pixel Data holds is a FrameCountMismatchError', () => {
    const ds = parsePart10(good, 'x').dataset;
    ds.NumberOfFrames = 5;
    const err = errorOf(() => CineImage.fromPart10(writePart10(ds), 'frames.dcm'));
    expect(err).toBeInstanceOf(FrameCountMismatchError);
    expect((err as FrameCountMismatchError).declared).toBe(5);
    expect((err as FrameCountMismatchError).found).toBe(4);
  });

  it('Number of Frames smaller than the encapsulated frames is a FrameCountMismatchError', () => {
    const rle = parsePart10(cineFile({ rows: 16, columns: 20, frames, transferSyntaxUID: TransferSyntax.RLELossless }), 'x').dataset;
    rle.NumberOfFrames = 3;
    const err = errorOf(() => CineImage.fromPart10(writePart10(rle, TransferSyntax.RLELossless), 'rle.dcm'));
    expect(err).toBeInstanceOf(FrameCountMismatchError);
  });

  it('an unsupported pixel layout (12-bit packed) is an UnsupportedPixelFormatError', () => {
    const ds = parsePart10(good, 'x').dataset;
    ds.BitsAllocated = 12;
    expect(errorOf(() => CineImage.fromPart10(writePart10(ds), 'packed.dcm'))).toBeInstanceOf(UnsupportedPixelFormatError);
  });

  it('a non-ultrasound multi-frame image is read with a warning', async () => {
    const ds = parsePart10(good, 'x').dataset;
    ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.12.1'; // X-Ray Angiographic Image
    ds.Modality = 'XA';
    const cine = CineImage.fromPart10(writePart10(ds), 'xa.dcm');
    expect(cine.isUltrasound).toBe(false);
    expect(cine.warnings[0]).toMatch(/not an ultrasound image/);
    expect(await cine.decodeFrame(3)).toHaveLength(16 * 20);
  });

  it('decoding stops at a cancelled AbortSignal', async () => {
    const cine = CineImage.fromPart10(good, 'x');
    const controller = new AbortController();
    const seen: number[] = [];
    const run = cine.decodeAllFrames({
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 2) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(seen).toEqual([1, 2]);
  });
});
