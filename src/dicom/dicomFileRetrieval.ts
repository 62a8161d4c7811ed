/**
 * A DICOM file fetched from a plain URL (the instance URLs of a DICOM JSON study, WADO-URI): the
 * bytes as the server holds them, with the same idle timeout and errors as a DICOMweb retrieval,
 * so a file server that goes silent or answers 404 says so instead of hanging or handing an error
 * page to the DICOM reader.
 */
import { DicomwebRequestError } from './errors.js';
import { getBytes, type GetBytesOptions } from '../util/httpTransfer.js';

/** Headers, idle timeout, progress and abort signal, as for any GET of the engine. */
export type DicomFileRetrievalOptions = Omit<GetBytesOptions, 'fail'>;

export function retrieveDicomFile(url: string, options: DicomFileRetrievalOptions = {}): Promise<Uint8Array> {
  return getBytes(url, { ...options, fail: (status, body, reason) => new DicomwebRequestError(url, status, body, 'DICOM file retrieval', reason) });
}
