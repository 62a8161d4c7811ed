/**
 * Builds Ultrasound Multi-frame Image Storage instances from raw frames: used by the phantom
 * to write simulated loops and by the tests to make inputs in every supported pixel layout.
 */
import { writePart10, type NaturalDataset } from './part10.js';
import { SopClass, TransferSyntax, createUID } from './uids.js';
import { encodeRleFrame } from './decode/rle.js';
import { RegionSpatialFormat, PhysicalUnits } from './ultrasoundRegions.js';

export interface PatientStudyIdentity {
  PatientName: string;
  PatientID: string;
  PatientBirthDate?: string;
  PatientSex?: string;
  StudyInstanceUID: string;
  StudyDate?: string;
  StudyTime?: string;
  StudyID?: string;
  AccessionNumber?: string;
  ReferringPhysicianName?: string;
  StudyDescription?: string;
}

export interface CalibratedRegion {
  minX0: number;
  minY0: number;
  maxX1: number;
  maxY1: number;
  /** cm per pixel, as DICOM stores it. */
  physicalDeltaXcm: number;
  physicalDeltaYcm: number;
}

export type WritablePhotometric = 'MONOCHROME1' | 'MONOCHROME2' | 'RGB' | 'YBR_FULL' | 'YBR_FULL_422';

export interface UltrasoundCineSpec {
  identity: PatientStudyIdentity;
  rows: number;
  columns: number;
  /** One buffer per frame in the stored layout of `photometricInterpretation` (interleaved colour, 2 bytes LE per 16-bit sample). */
  frames: Uint8Array[];
  photometricInterpretation: WritablePhotometric;
  bitsAllocated?: 8 | 16;
  /** Colour-by-plane; only for native RGB/YBR_FULL. */
  planarConfiguration?: 0 | 1;
  frameTimeMs?: number;
  /** Per-frame increments in ms (first entry 0); written instead of Frame Time when given. */
  frameTimeVectorMs?: number[];
  regions?: CalibratedRegion[];
  transferSyntaxUID?: string;
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  seriesDescription?: string;
  manufacturer?: string;
  /** Content Date/Time (DICOM DA/TM); now when absent. Fixed values make regenerated files byte-identical. */
  contentDate?: string;
  contentTime?: string;
  /** Already-compressed frames for an encapsulated transfer syntax (e.g. from encodeJpegBaselineFrames). */
  encapsulatedFrames?: Uint8Array[];
  /** Extra attributes merged last (tests use it to build deliberately odd files). */
  extra?: NaturalDataset;
}

function today(): { date: string; time: string } {
  const iso = new Date().toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

export function samplesPerPixelOf(p: WritablePhotometric): number {
  return p === 'MONOCHROME1' || p === 'MONOCHROME2' ? 1 : 3;
}

export function buildUltrasoundCine(spec: UltrasoundCineSpec): NaturalDataset {
  const bits = spec.bitsAllocated ?? 8;
  const spp = samplesPerPixelOf(spec.photometricInterpretation);
  const ts = spec.transferSyntaxUID ?? TransferSyntax.ExplicitVRLittleEndian;
  const now = { ...today(), ...(spec.contentDate ? { date: spec.contentDate } : {}), ...(spec.contentTime ? { time: spec.contentTime } : {}) };
  const id = spec.identity;
  const nFrames = spec.frames.length;
  const ds: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY', 'ABDOMINAL', '0001'],
    SOPClassUID: SopClass.UltrasoundMultiFrameImage,
    SOPInstanceUID: spec.sopInstanceUID ?? createUID(),
    StudyDate: id.StudyDate ?? now.date,
    ContentDate: now.date,
    StudyTime: id.StudyTime ?? now.time,
    ContentTime: now.time,
    AccessionNumber: id.AccessionNumber ?? '',
    Modality: 'US',
    Manufacturer: spec.manufacturer ?? 'trus-cine-seg',
    ReferringPhysicianName: id.ReferringPhysicianName ?? '',
    StudyDescription: id.StudyDescription ?? 'TRUS cine',
    SeriesDescription: spec.seriesDescription ?? 'TRUS cine loop',
    PatientName: id.PatientName,
    PatientID: id.PatientID,
    PatientBirthDate: id.PatientBirthDate ?? '',
    PatientSex: id.PatientSex ?? '',
    StudyInstanceUID: id.StudyInstanceUID,
    SeriesInstanceUID: spec.seriesInstanceUID ?? createUID(),
    StudyID: id.StudyID ?? '1',
    SeriesNumber: spec.seriesNumber ?? 1,
    InstanceNumber: spec.instanceNumber ?? 1,
    PatientOrientation: '',
    Laterality: '',
    SamplesPerPixel: spp,
    PhotometricInterpretation: spec.photometricInterpretation,
    NumberOfFrames: nFrames,
    Rows: spec.rows,
    Columns: spec.columns,
    BitsAllocated: bits,
    BitsStored: bits,
    HighBit: bits - 1,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
  };
  if (spp === 3) ds.PlanarConfiguration = spec.planarConfiguration ?? 0;
  if (spec.frameTimeVectorMs) {
    ds.FrameIncrementPointer = 0x00181065; // Frame Time Vector
    ds.FrameTimeVector = spec.frameTimeVectorMs;
  } else {
    const frameTime = spec.frameTimeMs ?? 40;
    ds.FrameIncrementPointer = 0x00181063; // Frame Time
    ds.FrameTime = frameTime;
    ds.CineRate = Math.round(1000 / frameTime);
  }
  if (spec.regions && spec.regions.length > 0) {
    ds.SequenceOfUltrasoundRegions = spec.regions.map((r) => ({
      RegionSpatialFormat: RegionSpatialFormat.TwoD,
      RegionDataType: 1, // tissue
      RegionFlags: 0,
      RegionLocationMinX0: r.minX0,
      RegionLocationMinY0: r.minY0,
      RegionLocationMaxX1: r.maxX1,
      RegionLocationMaxY1: r.maxY1,
      PhysicalUnitsXDirection: PhysicalUnits.Centimetre,
      PhysicalUnitsYDirection: PhysicalUnits.Centimetre,
      PhysicalDeltaX: r.physicalDeltaXcm,
      PhysicalDeltaY: r.physicalDeltaYcm,
    }));
  }
  ds.PixelData = encodePixelData(spec, ts, spp, bits);
  if (ts === TransferSyntax.JPEGBaseline8Bit) {
    const raw = spec.frames.reduce((n, f) => n + f.length, 0);
    const compressed = (ds.PixelData as ArrayBuffer[]).reduce((n, f) => n + f.byteLength, 0);
    ds.LossyImageCompression = '01';
    ds.LossyImageCompressionRatio = Number((raw / compressed).toFixed(2));
    ds.LossyImageCompressionMethod = 'ISO_10918_1';
  }
  ds._vrMap = { PixelData: bits === 16 && ts !== TransferSyntax.RLELossless ? 'OW' : 'OB' };
  return { ...ds, ...(spec.extra ?? {}) };
}

function encodePixelData(spec: UltrasoundCineSpec, ts: string, spp: number, bits: number): ArrayBuffer[] {
  if (spec.encapsulatedFrames) {
    // The chroma subsampling the encoder chose would have to be declared; only grayscale is written.
    if (ts === TransferSyntax.JPEGBaseline8Bit && spp !== 1) throw new Error('JPEG Baseline frames are written for grayscale cines only');
    if (spec.encapsulatedFrames.length !== spec.frames.length) {
      throw new Error(`${spec.encapsulatedFrames.length} encoded frames for ${spec.frames.length} frames`);
    }
    return spec.encapsulatedFrames.map((e) => {
      // Fragments have even lengths (PS3.5 A.4); JPEG decoders ignore a trailing pad byte.
      const padded = e.length % 2 ? Uint8Array.from([...e, 0]) : e;
      return padded.buffer.slice(padded.byteOffset, padded.byteOffset + padded.byteLength) as ArrayBuffer;
    });
  }
  if (ts === TransferSyntax.RLELossless) {
    return spec.frames.map((f) => {
      const e = encodeRleFrame(f, { rows: spec.rows, columns: spec.columns, samplesPerPixel: spp, bitsAllocated: bits });
      return e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength) as ArrayBuffer;
    });
  }
  if (ts !== TransferSyntax.ExplicitVRLittleEndian && ts !== TransferSyntax.ImplicitVRLittleEndian) {
    throw new Error(`the cine writer encodes native or RLE only, not ${ts}`);
  }
  const total = spec.frames.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(total + (total % 2));
  let offset = 0;
  for (const f of spec.frames) {
    out.set(f, offset);
    offset += f.length;
  }
  return [out.buffer];
}

export function writeUltrasoundCine(spec: UltrasoundCineSpec): Uint8Array {
  return writePart10(buildUltrasoundCine(spec), spec.transferSyntaxUID ?? TransferSyntax.ExplicitVRLittleEndian);
}
