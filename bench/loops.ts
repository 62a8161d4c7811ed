/**
 * The benchmark's inputs: one simulated TRUS loop (the demo's frame size), written as native,
 * RLE Lossless and JPEG Baseline cines of 300 frames and a JPEG Baseline cine of 1,000 frames.
 * Cached in the system temp folder: simulating 1,000 frames takes about half a minute.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawPatient } from '../src/phantom/patient.js';
import { loopGeometry, simulateLoop } from '../src/phantom/render.js';
import { loopToDicom, type PhantomEncoding } from '../src/phantom/loopDicom.js';

export const FRAME_WIDTH = 400;
const SEED = 'bench';
const VERSION = 1;

export interface BenchLoops {
  dir: string;
  /** Path of each cine by name: native-300, rle-300, jpeg-300, jpeg-1000. */
  files: Record<'native-300' | 'rle-300' | 'jpeg-300' | 'jpeg-1000', string>;
}

export async function benchLoops(log: (line: string) => void): Promise<BenchLoops> {
  const dir = join(tmpdir(), `trus-bench-loops-v${VERSION}-${FRAME_WIDTH}`);
  const files = {
    'native-300': join(dir, 'native-300.dcm'),
    'rle-300': join(dir, 'rle-300.dcm'),
    'jpeg-300': join(dir, 'jpeg-300.dcm'),
    'jpeg-1000': join(dir, 'jpeg-1000.dcm'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return { dir, files };
  mkdirSync(dir, { recursive: true });
  log(`simulating a 1,000-frame loop (${FRAME_WIDTH} px wide) for the benchmark inputs (cached in ${dir})...`);
  const patient = drawPatient(SEED, 'BENCH01');
  const geometry = loopGeometry(patient, 'axial', FRAME_WIDTH);
  const images: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (const f of simulateLoop(patient, 'axial', { frameCount: 1000, frameWidthPx: FRAME_WIDTH })) {
    images.push(f.image);
    masks.push(f.mask);
  }
  const write = async (path: string, frames: number, encoding: PhantomEncoding) => {
    const loop = await loopToDicom(patient, 'axial', geometry, images.slice(0, frames), masks.slice(0, frames), { encoding });
    writeFileSync(path, loop.cine);
  };
  await write(files['native-300'], 300, 'native');
  await write(files['rle-300'], 300, 'rle');
  await write(files['jpeg-300'], 300, 'jpeg');
  await write(files['jpeg-1000'], 1000, 'jpeg');
  return { dir, files };
}
