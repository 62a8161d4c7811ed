/**
 * What a file met in a folder scan is: a SEG, a cine, or something to pass over (notes, reports,
 * other modalities' images). A DICOM file that cannot be read is not passed over: a truncated
 * file may be the SEG or the cine that was wanted, and skipping it would lose labels or loops
 * without a word.
 */
import { CineImage, isUltrasoundDataset, notUltrasoundProblem } from './cineImage.js';
import { NotDicomError } from './errors.js';
import { parsePart10 } from './part10.js';
import { segmentationFromParsed, type ReadSegmentation } from './segmentationReader.js';
import { isImageStorageSopClass, SopClass } from './uids.js';

export type FolderFile =
  | { kind: 'segmentation'; seg: ReadSegmentation }
  | { kind: 'cine'; cine: CineImage }
  | { kind: 'other'; reason: string };

export interface FolderFileOptions {
  /** Read SEGs (default true); false passes them over unread. */
  segmentations?: boolean;
  /** Read cines (default true); false passes every image over unread. */
  cines?: boolean;
  /** Images of other modalities are passed over (default true), even in an encoding this reader lacks. */
  requireUltrasound?: boolean;
}

/** Throws the reader's DicomError for a DICOM file that is truncated, or a SEG or cine that is broken. */
export function readFolderFile(bytes: Uint8Array, source: string, options: FolderFileOptions = {}): FolderFile {
  let parsed;
  try {
    parsed = parsePart10(bytes, source);
  } catch (err) {
    if (err instanceof NotDicomError) return { kind: 'other', reason: err.problem };
    throw err;
  }
  const ds = parsed.dataset;
  const sopClass = String(ds.SOPClassUID ?? '');
  if (sopClass === SopClass.Segmentation) {
    return options.segmentations ?? true ? { kind: 'segmentation', seg: segmentationFromParsed(parsed) } : { kind: 'other', reason: 'a DICOM SEG, not a cine' };
  }
  if (!isImageStorageSopClass(sopClass)) return { kind: 'other', reason: `SOP Class ${sopClass || '(missing)'} is not an image storage class` };
  if (options.cines === false) return { kind: 'other', reason: 'an image, not a SEG' };
  if ((options.requireUltrasound ?? true) && !isUltrasoundDataset(ds)) return { kind: 'other', reason: notUltrasoundProblem(String(ds.Modality ?? '')) };
  return { kind: 'cine', cine: CineImage.fromParsed(parsed) };
}
