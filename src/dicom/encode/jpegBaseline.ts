/** JPEG Baseline (8-bit) encoding through the libjpeg-turbo WASM codec, for compact demo and phantom loops. */
import { loadCodec } from '../decode/codecs.js';

export interface JpegEncodeOptions {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  /** 1..100 */
  quality?: number;
}

export async function encodeJpegBaselineFrames(frames: Uint8Array[], options: JpegEncodeOptions): Promise<Uint8Array[]> {
  const codec = await loadCodec('jpeg-baseline-encoder');
  const out: Uint8Array[] = [];
  for (const frame of frames) {
    const encoder = new codec.JPEGEncoder();
    try {
      const input = encoder.getDecodedBuffer({
        width: options.columns,
        height: options.rows,
        bitsPerSample: 8,
        componentCount: options.samplesPerPixel,
        isSigned: false,
      }) as Uint8Array;
      input.set(frame);
      // The codec defaults to progressive coding, which is not JPEG Baseline (Process 1).
      encoder.setProgressive(0);
      encoder.setQuality(options.quality ?? 90);
      encoder.encode();
      out.push(new Uint8Array(encoder.getEncodedBuffer()).slice());
    } finally {
      encoder.delete?.();
    }
  }
  return out;
}
