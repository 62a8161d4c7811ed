/** Which transfer syntaxes the reader decodes, and through which decoder. */
import { TransferSyntax } from '../uids.js';

export type FrameDecoderKind = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

const DECODERS: Record<string, FrameDecoderKind> = {
  [TransferSyntax.ImplicitVRLittleEndian]: 'native',
  [TransferSyntax.ExplicitVRLittleEndian]: 'native',
  [TransferSyntax.RLELossless]: 'rle',
  [TransferSyntax.JPEGBaseline8Bit]: 'jpeg-baseline',
  [TransferSyntax.JPEGLossless]: 'jpeg-lossless',
  [TransferSyntax.JPEGLosslessSV1]: 'jpeg-lossless',
  [TransferSyntax.JPEGLSLossless]: 'jpeg-ls',
  [TransferSyntax.JPEGLSNearLossless]: 'jpeg-ls',
  [TransferSyntax.JPEG2000Lossless]: 'jpeg-2000',
  [TransferSyntax.JPEG2000]: 'jpeg-2000',
};

export function frameDecoderFor(transferSyntaxUID: string): FrameDecoderKind | undefined {
  return DECODERS[transferSyntaxUID];
}

export function supportedTransferSyntaxes(): string[] {
  return Object.keys(DECODERS);
}

export function isEncapsulatedTransferSyntax(uid: string): boolean {
  return (
    uid !== TransferSyntax.ImplicitVRLittleEndian &&
    uid !== TransferSyntax.ExplicitVRLittleEndian &&
    uid !== TransferSyntax.ExplicitVRBigEndian &&
    uid !== TransferSyntax.DeflatedExplicitVRLittleEndian
  );
}
