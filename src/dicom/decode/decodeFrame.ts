/** Decodes one encoded frame (native, RLE, JPEG Baseline, JPEG-LS, JPEG 2000) to grayscale Float32. */
import type { PixelFormat } from '../pixelFormat.js';
import { frameDecoderFor, type FrameDecoderKind } from './transferSyntaxes.js';
import { decodeRleFrame } from './rle.js';
import { decodeWithCodec } from './codecs.js';
import { toGrayscale, unpackSamples, type SampleFrame } from './grayscale.js';

export async function decodeToSamples(encoded: Uint8Array, format: PixelFormat, transferSyntaxUID: string): Promise<SampleFrame> {
  const kind = frameDecoderFor(transferSyntaxUID);
  if (!kind) throw new Error(`no decoder for transfer syntax ${transferSyntaxUID}`);
  const signed = format.pixelRepresentation === 1;
  if (kind === 'native') {
    return {
      samples: unpackSamples(encoded, format.bitsAllocated, format.bitsStored, signed),
      photometric: format.photometricInterpretation,
      layout: format.photometricInterpretation === 'YBR_FULL_422' ? 'ybr422' : format.planarConfiguration === 1 ? 'planar' : 'interleaved',
    };
  }
  if (kind === 'rle') {
    const bytes = decodeRleFrame(encoded, format);
    return {
      samples: unpackSamples(bytes, format.bitsAllocated, format.bitsStored, signed),
      // RLE keeps the source colour space; a YBR_FULL_422 RLE image is stored as full YBR_FULL samples.
      photometric: format.photometricInterpretation === 'YBR_FULL_422' ? 'YBR_FULL' : format.photometricInterpretation,
      layout: 'interleaved',
    };
  }
  if (kind === 'jpeg-lossless') return decodeJpegLossless(encoded, format, signed);
  return decodeCompressed(kind, encoded, format, signed);
}

/** JPEG Lossless (Process 14, and its selection value 1 subset) through jpeg-lossless-decoder-js; no colour transform. */
async function decodeJpegLossless(encoded: Uint8Array, format: PixelFormat, signed: boolean): Promise<SampleFrame> {
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  const decoder = new Decoder();
  const bytesPerSample = format.bitsAllocated / 8;
  const out = decoder.decode(encoded.buffer as ArrayBuffer, encoded.byteOffset, encoded.byteLength, bytesPerSample);
  if (decoder.xDim !== format.columns || decoder.yDim !== format.rows) {
    throw new Error(`decoded ${decoder.xDim}x${decoder.yDim}, header says ${format.columns}x${format.rows}`);
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return {
    samples: unpackSamples(bytes, format.bitsAllocated, format.bitsStored, signed),
    photometric: format.photometricInterpretation,
    layout: 'interleaved',
  };
}

async function decodeCompressed(kind: Exclude<FrameDecoderKind, 'native' | 'rle' | 'jpeg-lossless'>, encoded: Uint8Array, format: PixelFormat, signed: boolean): Promise<SampleFrame> {
  const image = await decodeWithCodec(kind, encoded);
  if (image.width !== format.columns || image.height !== format.rows) {
    throw new Error(`decoded ${image.width}x${image.height}, header says ${format.columns}x${format.rows}`);
  }
  if (image.componentCount !== format.samplesPerPixel) {
    throw new Error(`decoded ${image.componentCount} components, header says ${format.samplesPerPixel}`);
  }
  const bytesPerSample = image.bitsPerSample > 8 ? 2 : 1;
  const samples = unpackSamples(image.bytes, bytesPerSample * 8, Math.min(format.bitsStored, bytesPerSample * 8), signed);
  let photometric = format.photometricInterpretation;
  if (format.samplesPerPixel === 3) {
    // libjpeg-turbo converts YCbCr to RGB; OpenJPEG undoes the multi-component transform (YBR_RCT/ICT).
    if (kind === 'jpeg-baseline') photometric = 'RGB';
    if (kind === 'jpeg-2000' && (photometric === 'YBR_RCT' || photometric === 'YBR_ICT')) photometric = 'RGB';
  }
  return { samples, photometric, layout: 'interleaved' };
}

/** `into`, when given, receives the frame instead of a new array (see toGrayscale). */
export async function decodeFrameToGrayscale(encoded: Uint8Array, format: PixelFormat, transferSyntaxUID: string, into?: Float32Array): Promise<Float32Array> {
  return toGrayscale(await decodeToSamples(encoded, format, transferSyntaxUID), format, into);
}
