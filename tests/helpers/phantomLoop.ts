/** A short simulated TRUS loop (cine + ground-truth SEG) for tests that need realistic frames. */
import { drawPatient } from '../../src/phantom/patient.js';
import { loopGeometry, simulateLoop } from '../../src/phantom/render.js';
import { loopToDicom, type PhantomEncoding } from '../../src/phantom/loopDicom.js';

export async function phantomLoop(seed: string, frames: number, width: number, encoding: PhantomEncoding = 'jpeg') {
  const patient = drawPatient(seed, 'TEST01');
  const geometry = loopGeometry(patient, 'axial', width);
  const images: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (const f of simulateLoop(patient, 'axial', { frameCount: frames, frameWidthPx: width })) {
    images.push(f.image);
    masks.push(f.mask);
  }
  return { ...(await loopToDicom(patient, 'axial', geometry, images, masks, { encoding })), masks, geometry };
}
