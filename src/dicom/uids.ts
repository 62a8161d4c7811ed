/** SOP classes, transfer syntaxes and UID generation used across the DICOM layer. */

export const SopClass = {
  UltrasoundMultiFrameImage: '1.2.840.10008.5.1.4.1.1.3.1',
  UltrasoundImage: '1.2.840.10008.5.1.4.1.1.6.1',
  Segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
} as const;

export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JPEGBaseline8Bit: '1.2.840.10008.1.2.4.50',
  JPEGExtended12Bit: '1.2.840.10008.1.2.4.51',
  JPEGLossless: '1.2.840.10008.1.2.4.57',
  JPEGLosslessSV1: '1.2.840.10008.1.2.4.70',
  JPEGLSLossless: '1.2.840.10008.1.2.4.80',
  JPEGLSNearLossless: '1.2.840.10008.1.2.4.81',
  JPEG2000Lossless: '1.2.840.10008.1.2.4.90',
  JPEG2000: '1.2.840.10008.1.2.4.91',
  RLELossless: '1.2.840.10008.1.2.5',
  MPEG2MainProfile: '1.2.840.10008.1.2.4.100',
  MPEG4AVCH264HighProfile: '1.2.840.10008.1.2.4.102',
} as const;

/** Storage SOP classes that hold pixel data we can read as frames (used to refuse SR, PR, KO, ...). */
const IMAGE_SOP_CLASS_PREFIXES = ['1.2.840.10008.5.1.4.1.1.'];
const NON_IMAGE_SOP_CLASSES = new Set<string>([
  '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy Presentation State
  '1.2.840.10008.5.1.4.1.1.88.11', // Basic Text SR
  '1.2.840.10008.5.1.4.1.1.88.22', // Enhanced SR
  '1.2.840.10008.5.1.4.1.1.88.33', // Comprehensive SR
  '1.2.840.10008.5.1.4.1.1.88.34', // Comprehensive 3D SR
  '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection
  '1.2.840.10008.5.1.4.1.1.104.1', // Encapsulated PDF
  '1.2.840.10008.5.1.4.1.1.66', // Raw Data
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation (read through the SEG reader, not as a cine)
  '1.2.840.10008.5.1.4.1.1.481.3', // RT Structure Set
]);

export function isImageStorageSopClass(uid: string): boolean {
  if (NON_IMAGE_SOP_CLASSES.has(uid)) return false;
  if (uid.startsWith('1.2.840.10008.5.1.4.1.1.88.')) return false; // every SR flavour
  if (uid.startsWith('1.2.840.10008.5.1.4.1.1.9.')) return false; // waveforms
  return IMAGE_SOP_CLASS_PREFIXES.some((p) => uid.startsWith(p));
}

export function isUltrasoundSopClass(uid: string): boolean {
  return uid === SopClass.UltrasoundMultiFrameImage || uid === SopClass.UltrasoundImage;
}

/**
 * A new UID under the 2.25 root (ISO/IEC 9834-8: a UUID written as one decimal integer),
 * so no organisational root has to be registered and collisions are as unlikely as for UUIDs.
 */
export function createUID(): string {
  // A random (version 4) UUID made by hand: crypto.randomUUID exists only in secure contexts, and
  // the viewer may be served over plain http on an intranet.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}
