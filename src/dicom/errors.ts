/**
 * Typed errors of the DICOM layer. Each names the source (file path or URL) and the problem,
 * so a batch run can report exactly which input failed and why without crashing the process.
 */

import { noAnswerCause } from '../util/httpTransfer.js';

export type DicomErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED_FILE'
  | 'MISSING_PIXEL_DATA'
  | 'NOT_AN_IMAGE'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'UNSUPPORTED_PIXEL_FORMAT'
  | 'FRAME_COUNT_MISMATCH'
  | 'DECODE_FAILED'
  | 'DECODER_UNAVAILABLE'
  | 'INVALID_SEGMENTATION'
  | 'DICOMWEB_REQUEST_FAILED'
  | 'STOW_FAILED';

export class DicomError extends Error {
  override readonly name: string = 'DicomError';
  readonly code: DicomErrorCode;
  readonly source: string;
  /** The message without the source, for a display that shows the source apart (a URL can be long). */
  readonly problem: string;

  constructor(code: DicomErrorCode, source: string, problem: string, options?: { cause?: unknown }) {
    super(`${source}: ${problem}`, options);
    this.code = code;
    this.source = source;
    this.problem = problem;
  }
}

export const NOT_PART10_PROBLEM = 'not a DICOM Part 10 file (no "DICM" prefix after the 128-byte preamble)';

export class NotDicomError extends DicomError {
  override readonly name: string = 'NotDicomError';
  constructor(source: string, problem = NOT_PART10_PROBLEM) {
    super('NOT_DICOM', source, problem);
  }
}

export class TruncatedFileError extends DicomError {
  override readonly name: string = 'TruncatedFileError';
  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super('TRUNCATED_FILE', source, `file is truncated: ${detail}`, options);
  }
}

export class MissingPixelDataError extends DicomError {
  override readonly name: string = 'MissingPixelDataError';
  constructor(source: string) {
    super('MISSING_PIXEL_DATA', source, 'the dataset has no Pixel Data (7FE0,0010)');
  }
}

export class NotAnImageError extends DicomError {
  override readonly name: string = 'NotAnImageError';
  readonly sopClassUID: string;
  constructor(source: string, sopClassUID: string) {
    super('NOT_AN_IMAGE', source, `SOP Class ${sopClassUID || '(missing)'} is not an image storage class`);
    this.sopClassUID = sopClassUID;
  }
}

export class UnsupportedTransferSyntaxError extends DicomError {
  override readonly name: string = 'UnsupportedTransferSyntaxError';
  readonly transferSyntaxUID: string;
  constructor(source: string, transferSyntaxUID: string) {
    super('UNSUPPORTED_TRANSFER_SYNTAX', source, `transfer syntax ${transferSyntaxUID} is not supported`);
    this.transferSyntaxUID = transferSyntaxUID;
  }
}

export class UnsupportedPixelFormatError extends DicomError {
  override readonly name: string = 'UnsupportedPixelFormatError';
  constructor(source: string, detail: string) {
    super('UNSUPPORTED_PIXEL_FORMAT', source, `unsupported pixel format: ${detail}`);
  }
}

export class FrameCountMismatchError extends DicomError {
  override readonly name: string = 'FrameCountMismatchError';
  readonly declared: number;
  readonly found: number;
  constructor(source: string, declared: number, found: number, detail = '') {
    super(
      'FRAME_COUNT_MISMATCH',
      source,
      `Number of Frames is ${declared} but the Pixel Data holds ${found}${detail ? ` (${detail})` : ''}`,
    );
    this.declared = declared;
    this.found = found;
  }
}

export class FrameDecodeError extends DicomError {
  override readonly name: string = 'FrameDecodeError';
  readonly frameNumber: number;
  constructor(source: string, frameNumber: number, detail: string, options?: { cause?: unknown }) {
    super('DECODE_FAILED', source, `frame ${frameNumber} could not be decoded: ${detail}`, options);
    this.frameNumber = frameNumber;
  }
}

/**
 * A decoder that could not be loaded (its script or its WebAssembly missing or not arriving): no
 * frame is at fault, and a later try may succeed once the server serves it.
 */
export class DecoderUnavailableError extends DicomError {
  override readonly name: string = 'DecoderUnavailableError';
  constructor(source: string, problem: string, options?: { cause?: unknown }) {
    super('DECODER_UNAVAILABLE', source, problem, options);
  }
}

export class InvalidSegmentationError extends DicomError {
  override readonly name: string = 'InvalidSegmentationError';
  constructor(source: string, detail: string) {
    super('INVALID_SEGMENTATION', source, detail);
  }
}

export class DicomwebRequestError extends DicomError {
  override readonly name: string = 'DicomwebRequestError';
  readonly status: number;
  readonly body: string;
  /** `reason` says what happened where the status cannot (a server that went silent). */
  constructor(url: string, status: number, body: string, what: string, reason = status === 0 ? `no response (${noAnswerCause()})` : status < 0 ? 'client error' : `HTTP ${status}`) {
    super('DICOMWEB_REQUEST_FAILED', url, `${what} failed: ${reason}${body ? ` — ${body.slice(0, 500)}` : ''}`);
    this.status = status;
    this.body = body;
  }
}

/** A STOW-RS that did not store everything. The encoded instances stay on the error so nothing is lost. */
export class StowError extends DicomError {
  override readonly name: string = 'StowError';
  readonly status: number;
  readonly body: string;
  readonly instances: Uint8Array[];
  constructor(url: string, status: number, body: string, instances: Uint8Array[], detail: string) {
    super('STOW_FAILED', url, `STOW-RS failed: ${detail}`);
    this.status = status;
    this.body = body;
    this.instances = instances;
  }
}
