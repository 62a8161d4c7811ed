/** A short simulated TRUS loop (cine + ground-truth SEG) for tests that need realistic frames. */
import { drawPatient, type View } from '../../src/phantom/patient.js';
import { loopGeometry, simulateLoop } from '../../src/phantom/render.js';
import { loopToDicom, type PhantomEncoding } from '../../src/phantom/loopDicom.js';

/** A loop of virtual patient `patientId` of seed `seed`; both views of one patient are of one study. */
export async function phantomLoop(seed: string, frames: number, width: number, encoding: PhantomEncoding = 'jpeg', view: View = 'axial', patientId = 'TEST01') {
  const patient = drawPatient(seed, patientId);
  const geometry = loopGeometry(patient, view, width);
  const images: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (const f of simulateLoop(patient, view, { frameCount: frames, frameWidthPx: width })) {
    images.push(f.image);
    masks.push(f.mask);
  }
  return { ...(await loopToDicom(patient, view, geometry, images, masks, { encoding })), masks, geometry, patient };
}
