/** Builds small test cines with known pixel values in every layout the reader supports. */
import { writeUltrasoundCine, type UltrasoundCineSpec, type WritablePhotometric } from '../../src/dicom/ultrasoundCineWriter.js';
import { createUID } from '../../src/dicom/uids.js';

export const IDENTITY_A = {
  PatientName: 'Alpha^Patient',
  PatientID: 'PAT-A',
  PatientBirthDate: '19500101',
  PatientSex: 'M',
  StudyInstanceUID: createUID(),
  StudyID: 'STA',
  AccessionNumber: 'ACC-A',
};

export const IDENTITY_B = {
  PatientName: 'Bravo^Patient',
  PatientID: 'PAT-B',
  PatientBirthDate: '19600202',
  PatientSex: 'M',
  StudyInstanceUID: createUID(),
  StudyID: 'STB',
  AccessionNumber: 'ACC-B',
};

/** Deterministic texture: value at (x, y) in frame f, 0..255. */
export function texture(x: number, y: number, f: number, channel = 0): number {
  return (x * 7 + y * 13 + f * 29 + channel * 71 + ((x * y) % 17)) % 256;
}

/** Grayscale frames (rows*columns bytes each). */
export function grayFrames(rows: number, columns: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, f) => {
    const out = new Uint8Array(rows * columns);
    for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) out[y * columns + x] = texture(x, y, f);
    return out;
  });
}

/** Interleaved RGB frames and, for checking, the expected BT.601 luma per pixel. */
export function rgbFrames(rows: number, columns: number, count: number): { frames: Uint8Array[]; luma: Float32Array[] } {
  const frames: Uint8Array[] = [];
  const luma: Float32Array[] = [];
  for (let f = 0; f < count; f++) {
    const rgb = new Uint8Array(rows * columns * 3);
    const y8 = new Float32Array(rows * columns);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const p = y * columns + x;
        const r = texture(x, y, f, 0);
        const g = texture(x, y, f, 1);
        const b = texture(x, y, f, 2);
        rgb.set([r, g, b], 3 * p);
        y8[p] = 0.299 * r + 0.587 * g + 0.114 * b;
      }
    }
    frames.push(rgb);
    luma.push(y8);
  }
  return { frames, luma };
}

export function cineFile(overrides: Partial<UltrasoundCineSpec> & { frames: Uint8Array[]; rows: number; columns: number; photometricInterpretation?: WritablePhotometric }): Uint8Array {
  return writeUltrasoundCine({
    identity: IDENTITY_A,
    photometricInterpretation: 'MONOCHROME2',
    frameTimeMs: 40,
    regions: [{ minX0: 0, minY0: 0, maxX1: overrides.columns - 1, maxY1: overrides.rows - 1, physicalDeltaXcm: 0.01, physicalDeltaYcm: 0.02 }],
    ...overrides,
  });
}
