/** DICOM decoding throughput per transfer syntax, and SEG writing throughput, in Node. */
import { readFileSync } from 'node:fs';
import { CineImage } from '../src/dicom/cineImage.js';
import { BinarySegmentation } from '../src/dicom/segmentation.js';

export interface ThroughputRow {
  what: string;
  frames: number;
  size: string;
  fps: number;
  msPerFrame: number;
}

export async function decodeThroughput(label: string, path: string): Promise<ThroughputRow> {
  const cine = CineImage.fromPart10(readFileSync(path), path);
  await cine.decodeFrame(0); // codec initialisation out of the timing
  const t = performance.now();
  for (let i = 0; i < cine.numberOfFrames; i++) await cine.decodeFrame(i);
  const elapsed = performance.now() - t;
  return { what: `decode, ${label}`, frames: cine.numberOfFrames, size: `${cine.columns}x${cine.rows}`, fps: (1000 * cine.numberOfFrames) / elapsed, msPerFrame: elapsed / cine.numberOfFrames };
}

/** Writes a one-segment SEG over every frame of `path` (an ellipse per frame, as a mask would be). */
export function segWriteThroughput(path: string): ThroughputRow {
  const cine = CineImage.fromPart10(readFileSync(path), path);
  const { columns: w, rows: h } = cine;
  const frames = Array.from({ length: cine.numberOfFrames }, (_, f) => {
    const m = new Uint8Array(w * h);
    const cx = w / 2 + 5 * Math.sin(f / 9);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = ((x - cx) / (w / 5)) ** 2 + ((y - h / 2) / (h / 5)) ** 2 <= 1 ? 1 : 0;
    return m;
  });
  const t = performance.now();
  const bytes = new BinarySegmentation({
    source: cine,
    segments: [{ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'bench', version: '1' }, frames }],
    seriesDescription: 'benchmark',
  }).toPart10();
  const elapsed = performance.now() - t;
  if (bytes.byteLength < (frames.length * w * h) / 8) throw new Error('the SEG is smaller than its bit-packed frames');
  return { what: 'SEG write (bit-packed, all frames)', frames: frames.length, size: `${w}x${h}`, fps: (1000 * frames.length) / elapsed, msPerFrame: elapsed / frames.length };
}
