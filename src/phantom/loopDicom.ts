/**
 * A simulated loop as DICOM: the cine (Ultrasound Multi-frame Image Storage, MONOCHROME2 or
 * RGB, native or JPEG Baseline, US region calibration in mm) and its ground truth as a SEG made
 * by the project's own writer. UIDs and dates derive from the seed, so a regenerated loop is
 * byte-identical. Marked as simulated in the headers.
 */
import type { PatientParameters, View } from './patient.js';
import type { LoopGeometry } from './render.js';
import { deterministicUID } from './random.js';
import { writeUltrasoundCine, type PatientStudyIdentity } from '../dicom/ultrasoundCineWriter.js';
import { encodeJpegBaselineFrames } from '../dicom/encode/jpegBaseline.js';
import { BinarySegmentation } from '../dicom/segmentation.js';
import { CineImage } from '../dicom/cineImage.js';
import { TransferSyntax } from '../dicom/uids.js';

export const PHANTOM_ALGORITHM = { name: 'trus-cine-seg phantom', version: '1' } as const;
/** A fixed acquisition date: simulated loops carry no real dates. */
const STUDY_DATE = '20260101';

export type PhantomEncoding = 'native' | 'rle' | 'jpeg';

export interface LoopDicomOptions {
  photometric?: 'MONOCHROME2' | 'RGB';
  encoding?: PhantomEncoding;
  jpegQuality?: number;
}

export function patientIdentity(p: PatientParameters): PatientStudyIdentity {
  return {
    PatientName: `PHANTOM^${p.patientId}`,
    PatientID: `TRUSSIM-${p.seed}-${p.patientId}`,
    PatientBirthDate: '',
    PatientSex: 'M',
    StudyInstanceUID: deterministicUID(`${p.seed}/${p.patientId}/study`),
    StudyDate: STUDY_DATE,
    StudyTime: '090000',
    StudyID: p.patientId.slice(0, 16),
    AccessionNumber: '',
    ReferringPhysicianName: '',
    StudyDescription: 'Simulated TRUS (trus-cine-seg phantom)',
  };
}

export interface LoopDicom {
  cine: Uint8Array;
  seg: Uint8Array;
  sopInstanceUID: string;
}

export async function loopToDicom(
  p: PatientParameters,
  view: View,
  geometry: LoopGeometry,
  images: Uint8Array[],
  masks: Uint8Array[],
  options: LoopDicomOptions = {},
): Promise<LoopDicom> {
  const v = p.views[view];
  const key = `${p.seed}/${p.patientId}/${view}`;
  const rgb = options.photometric === 'RGB';
  const frames = rgb ? images.map(grayToRgb) : images;
  const jpeg = options.encoding === 'jpeg';
  if (jpeg && rgb) throw new Error('the phantom writes JPEG Baseline for grayscale loops only');
  const encapsulated = jpeg ? await encodeJpegBaselineFrames(frames, { rows: geometry.height, columns: geometry.width, samplesPerPixel: 1, quality: options.jpegQuality ?? 92 }) : undefined;
  const b = geometry.fanBounds;
  const cm = geometry.pixelSpacingMm / 10;
  const cine = writeUltrasoundCine({
    identity: patientIdentity(p),
    rows: geometry.height,
    columns: geometry.width,
    frames,
    photometricInterpretation: rgb ? 'RGB' : 'MONOCHROME2',
    frameTimeMs: 1000 / v.framesPerSecond,
    regions: [{ minX0: b.minX, minY0: b.minY, maxX1: b.maxX, maxY1: b.maxY, physicalDeltaXcm: cm, physicalDeltaYcm: cm }],
    transferSyntaxUID: jpeg ? TransferSyntax.JPEGBaseline8Bit : options.encoding === 'rle' ? TransferSyntax.RLELossless : TransferSyntax.ExplicitVRLittleEndian,
    ...(encapsulated ? { encapsulatedFrames: encapsulated } : {}),
    seriesInstanceUID: deterministicUID(`${key}/series`),
    sopInstanceUID: deterministicUID(`${key}/instance`),
    seriesNumber: view === 'axial' ? 1 : 2,
    seriesDescription: `Simulated TRUS ${view} cine`,
    manufacturer: 'trus-cine-seg phantom (simulated, not patient data)',
    contentDate: STUDY_DATE,
    contentTime: '090000',
    extra: { ImageComments: `Simulated TRUS loop, ${view} view, patient ${p.patientId}, seed ${p.seed}. Not patient data.`, BurnedInAnnotation: 'NO' },
  });
  const source = CineImage.fromPart10(cine, key);
  const seg = new BinarySegmentation({
    source,
    segments: [{ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { ...PHANTOM_ALGORITHM, parameters: 'simulation ground truth' }, frames: masks }],
    seriesDescription: `Ground truth ${view} (simulated)`,
    seriesNumber: view === 'axial' ? 101 : 102,
    contentLabel: 'GROUND_TRUTH',
    contentDescription: 'Prostate ground truth of a simulated TRUS loop',
    manufacturer: 'trus-cine-seg phantom',
    manufacturerModelName: PHANTOM_ALGORITHM.name,
    seriesInstanceUID: deterministicUID(`${key}/seg-series`),
    sopInstanceUID: deterministicUID(`${key}/seg-instance`),
    dimensionOrganizationUID: deterministicUID(`${key}/seg-dimensions`),
  }).toPart10(new Date(Date.UTC(2026, 0, 1, 9, 0, 0)));
  return { cine, seg, sopInstanceUID: source.sopInstanceUID };
}

function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i]!;
    out[3 * i] = v;
    out[3 * i + 1] = v;
    out[3 * i + 2] = v;
  }
  return out;
}
