/**
 * A cine loop read from DICOM: identifiers, pixel format, timing, US calibration and the
 * still-encoded frames, decoded to grayscale Float32 one frame at a time so that a long loop
 * never needs all decoded frames in memory at once.
 */
import { parsePart10, parseMultipartInstances, type NaturalDataset, type ParsedDicom } from './part10.js';
import { readPixelFormat, grayscaleMaximum, type PixelFormat } from './pixelFormat.js';
import { extractEncodedFrames } from './encodedFrames.js';
import { readFrameTiming, type FrameTiming } from './frameTiming.js';
import { readUltrasoundRegions, chooseSpatialCalibration, type SpatialCalibration, type UltrasoundRegion } from './ultrasoundRegions.js';
import { frameDecoderFor } from './decode/transferSyntaxes.js';
import { decodeFrameToGrayscale } from './decode/decodeFrame.js';
import { isImageStorageSopClass, isUltrasoundSopClass } from './uids.js';
import { readScanPlane, type ScanPlaneReading } from './scanPlane.js';
import { DecoderUnavailableError, FrameDecodeError, MissingPixelDataError, NotAnImageError, UnsupportedTransferSyntaxError, FrameCountMismatchError } from './errors.js';

export interface DecodeProgress {
  /** Frames finished so far. */
  done: number;
  total: number;
}

export interface DecodeOptions {
  signal?: AbortSignal;
  onProgress?: (p: DecodeProgress) => void;
}

/** An ultrasound SOP class, or Modality US (some devices store cines as generic multi-frame images). */
export function isUltrasoundDataset(ds: NaturalDataset): boolean {
  return isUltrasoundSopClass(String(ds.SOPClassUID ?? '')) || String(ds.Modality ?? '') === 'US';
}

/** What a caller that wants ultrasound says of another image. */
export function notUltrasoundProblem(modality: string): string {
  return `not an ultrasound image (Modality ${modality || 'absent'})`;
}

export class CineImage {
  readonly source: string;
  readonly transferSyntaxUID: string;
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly studyInstanceUID: string;
  readonly modality: string;
  readonly numberOfFrames: number;
  readonly pixelFormat: PixelFormat;
  readonly timing: FrameTiming;
  readonly regions: UltrasoundRegion[];
  readonly calibration: SpatialCalibration | undefined;
  /** Transverse or sagittal, when the header says which (see scanPlane.ts). */
  readonly scanPlane: ScanPlaneReading | undefined;
  readonly isUltrasound: boolean;
  /** Non-fatal findings (non-US modality, odd timing, clipped regions...). */
  readonly warnings: string[];
  /** The source dataset without its Pixel Data: what a derived SEG copies identifiers from. */
  readonly dataset: NaturalDataset;
  private readonly encodedFrames: Uint8Array[];

  private constructor(parsed: ParsedDicom) {
    const { dataset: ds, source, transferSyntaxUID } = parsed;
    this.source = source;
    this.transferSyntaxUID = transferSyntaxUID;
    this.warnings = [];
    this.sopClassUID = String(ds.SOPClassUID ?? '');
    if (!isImageStorageSopClass(this.sopClassUID)) throw new NotAnImageError(source, this.sopClassUID);
    if (ds.PixelData === undefined) throw new MissingPixelDataError(source);
    if (!frameDecoderFor(transferSyntaxUID)) throw new UnsupportedTransferSyntaxError(source, transferSyntaxUID);

    this.sopInstanceUID = String(ds.SOPInstanceUID ?? '');
    this.seriesInstanceUID = String(ds.SeriesInstanceUID ?? '');
    this.studyInstanceUID = String(ds.StudyInstanceUID ?? '');
    this.modality = String(ds.Modality ?? '');
    this.isUltrasound = isUltrasoundDataset(ds);
    if (!this.isUltrasound) {
      this.warnings.push(`not an ultrasound image (SOP Class ${this.sopClassUID}, Modality ${this.modality || 'absent'}): read as a generic multi-frame 2D image`);
    }
    const declaredFrames = Number(ds.NumberOfFrames ?? 1);
    if (!Number.isInteger(declaredFrames) || declaredFrames < 1) {
      throw new FrameCountMismatchError(source, declaredFrames, 0, 'Number of Frames must be a positive integer');
    }
    this.numberOfFrames = declaredFrames;
    this.pixelFormat = readPixelFormat(ds, source);
    this.encodedFrames = extractEncodedFrames(ds, this.pixelFormat, declaredFrames, transferSyntaxUID, source);
    this.timing = readFrameTiming(ds, declaredFrames, this.warnings);
    this.regions = readUltrasoundRegions(ds);
    this.calibration = chooseSpatialCalibration(this.regions, ds, this.pixelFormat.rows, this.pixelFormat.columns, this.warnings);
    this.scanPlane = readScanPlane(ds);
    const { PixelData: _pixels, ...rest } = ds;
    this.dataset = rest;
  }

  /** Reads a Part 10 file. Every failure is a typed DicomError naming `source`. */
  static fromPart10(bytes: ArrayBuffer | Uint8Array, source: string): CineImage {
    return new CineImage(parsePart10(bytes, source));
  }

  /** The same, from a file already parsed (a folder scan parses once to tell SEGs from cines). */
  static fromParsed(parsed: ParsedDicom): CineImage {
    return new CineImage(parsed);
  }

  /** Reads every instance of a multipart/related WADO-RS response. */
  static fromMultipart(body: ArrayBuffer | Uint8Array, source: string): CineImage[] {
    return parseMultipartInstances(body, source).map((p) => new CineImage(p));
  }

  get rows(): number {
    return this.pixelFormat.rows;
  }

  get columns(): number {
    return this.pixelFormat.columns;
  }

  /** Largest grayscale value, for normalising decoded frames to [0, 1]. */
  get maximumValue(): number {
    return grayscaleMaximum(this.pixelFormat);
  }

  /** The still-encoded bytes of a frame (0-based index). */
  encodedFrame(frameIndex: number): Uint8Array {
    this.checkIndex(frameIndex);
    return this.encodedFrames[frameIndex]!;
  }

  /**
   * Decodes one frame (0-based index) to grayscale: rows*columns values, row-major. `into`, when
   * given, receives them instead of a new array (a loop reuses its spent frames' arrays).
   */
  async decodeFrame(frameIndex: number, into?: Float32Array): Promise<Float32Array> {
    this.checkIndex(frameIndex);
    // Checked before decoding: a wrong array is the caller's fault, not the frame's (FrameDecodeError).
    if (into && into.length !== this.rows * this.columns) throw new RangeError(`${this.source}: frame ${frameIndex + 1} has ${this.columns}x${this.rows} values, the array given holds ${into.length}`);
    try {
      return await decodeFrameToGrayscale(this.encodedFrames[frameIndex]!, this.pixelFormat, this.transferSyntaxUID, into);
    } catch (err) {
      // No frame is at fault when the decoder itself could not be loaded.
      if (err instanceof DecoderUnavailableError) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new FrameDecodeError(this.source, frameIndex + 1, detail, { cause: err });
    }
  }

  /** Decodes every frame in order, reporting progress and honouring cancellation between frames. */
  async decodeAllFrames(options: DecodeOptions = {}): Promise<Float32Array[]> {
    const frames: Float32Array[] = [];
    for (let i = 0; i < this.numberOfFrames; i++) {
      options.signal?.throwIfAborted();
      frames.push(await this.decodeFrame(i));
      options.onProgress?.({ done: i + 1, total: this.numberOfFrames });
    }
    return frames;
  }

  private checkIndex(frameIndex: number): void {
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= this.numberOfFrames) {
      throw new RangeError(`${this.source}: frame index ${frameIndex} is outside 0..${this.numberOfFrames - 1}`);
    }
  }
}
