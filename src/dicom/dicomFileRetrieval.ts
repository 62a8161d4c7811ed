/**
 * A DICOM file fetched from a plain URL (the instance URLs of a DICOM JSON study, WADO-URI): the
 * bytes as the server holds them, with the same idle timeout and errors as a DICOMweb retrieval,
 * so a file server that goes silent or answers 404 says so instead of hanging or handing an error
 * page to the DICOM reader.
 */
import { DicomwebRequestError } from './errors.js';
import { bodyText, DEFAULT_IDLE_TIMEOUT_MS, ensureXmlHttpRequest, idleWatch, silenceReason } from './httpTransfer.js';
import { unlessAborted } from '../util/unlessAborted.js';

export interface DicomFileRetrievalOptions {
  headers?: Record<string, string>;
  /** How long the answer may go without a byte before the request fails (default 2 minutes). */
  idleTimeoutMs?: number;
  /** Aborts the transfer; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

const WHAT = 'DICOM file retrieval';

export async function retrieveDicomFile(url: string, options: DicomFileRetrievalOptions = {}): Promise<Uint8Array> {
  const { headers = {}, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, signal } = options;
  signal?.throwIfAborted();
  await ensureXmlHttpRequest();
  const xhr = new XMLHttpRequest();
  const answer = new Promise<Uint8Array>((resolve, reject) => {
    xhr.open('GET', url);
    xhr.responseType = 'arraybuffer';
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(new Uint8Array(xhr.response as ArrayBuffer));
      else reject(new DicomwebRequestError(url, xhr.status, bodyText(xhr.response), WHAT));
    };
    xhr.onerror = () => reject(new DicomwebRequestError(url, 0, '', WHAT));
    // Aborted by the idle watch or the caller's signal, which answer for it below.
    xhr.onabort = () => reject(new DicomwebRequestError(url, 0, '', WHAT, 'aborted'));
  });
  const watch = idleWatch(xhr, idleTimeoutMs);
  const stopTransfer = () => xhr.abort();
  signal?.addEventListener('abort', stopTransfer, { once: true });
  try {
    xhr.send();
    return await unlessAborted(unlessAborted(answer, watch.stalled), signal);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (watch.stalled.aborted) throw new DicomwebRequestError(url, 0, '', WHAT, silenceReason(idleTimeoutMs));
    throw err;
  } finally {
    watch.stop();
    signal?.removeEventListener('abort', stopTransfer);
  }
}
