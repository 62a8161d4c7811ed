/** Splits a dataset's Pixel Data into one byte array per frame, native or encapsulated. */
import type { NaturalDataset } from './part10.js';
import { type PixelFormat, nativeFrameBytes } from './pixelFormat.js';
import { FrameCountMismatchError, MissingPixelDataError } from './errors.js';
import { isEncapsulatedTransferSyntax } from './decode/transferSyntaxes.js';
import { concatBytes as concat } from '../util/bytes.js';

/** A fragment that opens a new compressed frame: JPEG/JPEG-LS SOI, a JPEG 2000 codestream SOC, or a JP2 signature box. */
function startsFrame(fragment: Uint8Array): boolean {
  if (fragment.length < 4) return false;
  if (fragment[0] === 0xff && fragment[1] === 0xd8) return true;
  if (fragment[0] === 0xff && fragment[1] === 0x4f && fragment[2] === 0xff && fragment[3] === 0x51) return true;
  return fragment.length >= 8 && fragment[4] === 0x6a && fragment[5] === 0x50 && fragment[6] === 0x20 && fragment[7] === 0x20;
}

/**
 * dcmjs returns one buffer per frame when the Basic Offset Table is filled, and one buffer per
 * fragment when it is empty; frames split over several fragments are regrouped here.
 */
function groupFragments(fragments: Uint8Array[], numberOfFrames: number, source: string): Uint8Array[] {
  if (fragments.length === numberOfFrames) return fragments;
  if (numberOfFrames === 1) return [concat(fragments)];
  if (fragments.length < numberOfFrames) {
    throw new FrameCountMismatchError(source, numberOfFrames, fragments.length, 'encapsulated fragments');
  }
  const frames: Uint8Array[][] = [];
  for (const fragment of fragments) {
    if (frames.length === 0 || startsFrame(fragment)) frames.push([fragment]);
    else frames[frames.length - 1]!.push(fragment);
  }
  if (frames.length !== numberOfFrames) {
    throw new FrameCountMismatchError(source, numberOfFrames, frames.length, 'compressed frames found by their start markers');
  }
  return frames.map(concat);
}

export function extractEncodedFrames(
  ds: NaturalDataset,
  format: PixelFormat,
  numberOfFrames: number,
  transferSyntaxUID: string,
  source: string,
): Uint8Array[] {
  const pixelData = ds.PixelData as ArrayBuffer | ArrayBuffer[] | undefined;
  if (pixelData === undefined || pixelData === null || (Array.isArray(pixelData) && pixelData.length === 0)) {
    throw new MissingPixelDataError(source);
  }
  const buffers = (Array.isArray(pixelData) ? pixelData : [pixelData]).map((b) => new Uint8Array(b));
  if (isEncapsulatedTransferSyntax(transferSyntaxUID)) {
    return groupFragments(buffers, numberOfFrames, source);
  }
  const all = buffers.length === 1 ? buffers[0]! : concat(buffers);
  const frameBytes = nativeFrameBytes(format);
  const found = Math.floor(all.length / frameBytes);
  // One trailing pad byte (even length rule) is allowed; anything else means the header and the data disagree.
  if (found !== numberOfFrames || all.length - found * frameBytes > 1) {
    throw new FrameCountMismatchError(
      source,
      numberOfFrames,
      found,
      `${all.length} bytes of Pixel Data for frames of ${frameBytes} bytes`,
    );
  }
  const frames: Uint8Array[] = [];
  for (let i = 0; i < numberOfFrames; i++) frames.push(all.subarray(i * frameBytes, (i + 1) * frameBytes));
  return frames;
}
