/** Reading and writing DICOM Part 10 byte streams through dcmjs, with errors that name the source. */
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { NotDicomError, TruncatedFileError, DicomError } from './errors.js';
import { TransferSyntax } from './uids.js';
import { scanPart10, type EncapsulatedPixelDataLayout } from './streamCompleteness.js';
import { encodeExplicitVrLittleEndian, tagOf } from './explicitVrEncoding.js';

export type { NaturalDataset };

export interface ParsedDicom {
  /** Naturalized dataset (dcmjs keyword form). */
  dataset: NaturalDataset;
  transferSyntaxUID: string;
  source: string;
}

let dcmjsQuiet = false;
function quietDcmjs(): void {
  // dcmjs logs recoverable oddities (implicit VR pseudo-VRs, unknown private tags) as errors;
  // real failures reach the caller as exceptions, so its log stays silent. Its named loggers
  // ("validation.dcmjs" among them) keep their own level: each is silenced too.
  if (!dcmjsQuiet) {
    dcmjs.log.setLevel('silent');
    for (const logger of Object.values(dcmjs.log.getLoggers())) logger.setLevel('silent');
    dcmjsQuiet = true;
  }
}

export function toArrayBuffer(bytes: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

const TRUNCATION_MESSAGES = [/past end of input/i, /more than currently allocated/i, /out of bounds/i, /outside the bounds/i, /offset is outside/i];

const PIXEL_DATA_TAG = '7FE00010';

/**
 * The encapsulated Pixel Data as dcmjs gives it: one buffer per frame when a Basic Offset Table
 * says where frames start (fragments of a frame joined), else one buffer per fragment.
 */
function encapsulatedFrames(bytes: Uint8Array, layout: EncapsulatedPixelDataLayout): ArrayBuffer[] {
  // A copy of exactly the fragment (Buffer.slice would be a view on the whole file's memory).
  const copy = (from: number, length: number) => new Uint8Array(bytes.subarray(from, from + length)).buffer as ArrayBuffer;
  const { basicOffsetTable: table, fragments } = layout;
  if (table.length === 0 || fragments.length === 0) return fragments.map((f) => copy(f.valueOffset, f.length));
  // Fragments are in stream order and so are the table's frame starts: one pass groups them.
  const base = fragments[0]!.itemOffset;
  let next = 0;
  return table.map((start, i) => {
    const stop = i + 1 < table.length ? table[i + 1]! : Number.POSITIVE_INFINITY;
    const parts: typeof fragments = [];
    while (next < fragments.length && fragments[next]!.itemOffset - base < start) next++;
    while (next < fragments.length && fragments[next]!.itemOffset - base < stop) parts.push(fragments[next++]!);
    if (parts.length === 1) return copy(parts[0]!.valueOffset, parts[0]!.length);
    const joined = new Uint8Array(parts.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of parts) {
      joined.set(bytes.subarray(f.valueOffset, f.valueOffset + f.length), at);
      at += f.length;
    }
    return joined.buffer;
  });
}

/** Parses a Part 10 file. Throws NotDicomError, TruncatedFileError or DicomError; never returns a partial dataset. */
export function parsePart10(bytes: ArrayBuffer | Uint8Array, source: string): ParsedDicom {
  quietDcmjs();
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length === 0) throw new NotDicomError(source, 'file is empty');
  if (!hasDicmPrefix(u8)) throw new NotDicomError(source);
  // Checked before dcmjs parses: dcmjs returns a partial dataset for some truncations.
  const layout = scanPart10(u8);
  if (layout.truncation) throw new TruncatedFileError(source, layout.truncation);
  // Encapsulated frames are taken from the walk (dcmjs would copy the file once per frame); dcmjs
  // stops at Pixel Data, which is safe only when no sequence holds a Pixel Data of its own.
  const fragments = layout.pixelData && !layout.nestedPixelData ? layout.pixelData : undefined;
  let dict;
  try {
    dict = fragments
      ? dcmjs.data.DicomMessage.readFile(toArrayBuffer(u8), { untilTag: PIXEL_DATA_TAG, includeUntilTagValue: false })
      : dcmjs.data.DicomMessage.readFile(toArrayBuffer(u8));
    if (fragments) dict.dict[PIXEL_DATA_TAG] = { vr: 'OB', Value: encapsulatedFrames(u8, fragments) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (TRUNCATION_MESSAGES.some((re) => re.test(message))) {
      throw new TruncatedFileError(source, message, { cause: err });
    }
    throw new DicomError('NOT_DICOM', source, `could not be parsed as DICOM: ${message}`, { cause: err });
  }
  const tsElement = dict.meta['00020010'];
  const transferSyntaxUID = String(tsElement?.Value?.[0] ?? TransferSyntax.ImplicitVRLittleEndian).replace(/\0/g, '').trim();
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  return { dataset, transferSyntaxUID, source };
}

const IMPLEMENTATION_CLASS_UID = '2.25.80302813137786398554742050926734630921';
export const IMPLEMENTATION_VERSION_NAME = 'TRUS_CINE_SEG_01';

export interface WritePart10Options {
  /**
   * Elements written by explicitVrEncoding instead of dcmjs (a SEG's per-frame functional groups
   * and Pixel Data, where dcmjs is slow): they must come after every other element in tag order,
   * and the transfer syntax must be Explicit VR Little Endian.
   */
  encodeLast?: readonly string[];
}

/** Writes a naturalized dataset as a Part 10 file (with File Meta Information) in the given transfer syntax. */
export function writePart10(dataset: NaturalDataset, transferSyntaxUID: string = TransferSyntax.ExplicitVRLittleEndian, options: WritePart10Options = {}): Uint8Array {
  const last = (options.encodeLast ?? []).filter((k) => dataset[k] !== undefined);
  if (last.length > 0) return writePart10EncodingLast(dataset, transferSyntaxUID, last);
  quietDcmjs();
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUID,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    _vrMap: { FileMetaInformationVersion: 'OB' },
  };
  const dicomDict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dicomDict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dicomDict.write({ fragmentMultiframe: false }));
}

function writePart10EncodingLast(dataset: NaturalDataset, transferSyntaxUID: string, last: readonly string[]): Uint8Array {
  if (transferSyntaxUID !== TransferSyntax.ExplicitVRLittleEndian) {
    throw new Error(`writePart10: elements encoded last need Explicit VR Little Endian, not ${transferSyntaxUID}`);
  }
  const head: NaturalDataset = {};
  const tail: NaturalDataset = {};
  const vrMap = (dataset._vrMap ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(dataset)) if (k !== '_vrMap') (last.includes(k) ? tail : head)[k] = v;
  head._vrMap = Object.fromEntries(Object.entries(vrMap).filter(([k]) => !last.includes(k)));
  tail._vrMap = Object.fromEntries(Object.entries(vrMap).filter(([k]) => last.includes(k)));
  const firstLast = Math.min(...last.map((k) => tagOf(k).tag));
  const afterIt = Object.keys(head).find((k) => k !== '_vrMap' && head[k] !== undefined && tagOf(k).tag > firstLast);
  if (afterIt) throw new Error(`writePart10: ${afterIt} comes after the elements encoded last`);
  // The dataset runs to the end of a Part 10 stream, and nothing before it counts its length:
  // the last elements can follow dcmjs's bytes as they are.
  const front = writePart10(head, transferSyntaxUID);
  const back = encodeExplicitVrLittleEndian(tail);
  const out = new Uint8Array(front.length + back.length);
  out.set(front);
  out.set(back, front.length);
  return out;
}

/**
 * Splits a DICOMweb multipart/related body (WADO-RS instance or frame retrieval) into its parts.
 * dcmjs finds the boundary from the body itself, so the Content-Type header is not needed.
 */
export function splitMultipart(body: ArrayBuffer | Uint8Array): Uint8Array[] {
  const parts = dcmjs.utilities.message.multipartDecode(toArrayBuffer(body instanceof Uint8Array ? body : new Uint8Array(body)));
  return parts.map((p) => new Uint8Array(p));
}

/** Parses every application/dicom part of a multipart/related WADO-RS response. */
export function parseMultipartInstances(body: ArrayBuffer | Uint8Array, source: string): ParsedDicom[] {
  let parts: Uint8Array[];
  try {
    parts = splitMultipart(body);
  } catch (err) {
    throw new NotDicomError(source, `not a multipart/related body of DICOM instances (${err instanceof Error ? err.message : String(err)})`);
  }
  return parts.map((part, i) => parsePart10(part, `${source} [part ${i + 1}]`));
}
