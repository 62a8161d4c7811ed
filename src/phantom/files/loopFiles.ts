/**
 * Writes one simulated loop to disk (Node only): the DICOM cine and ground-truth SEG, the
 * frames and masks as NumPy arrays (T x H x W, uint8) for the training framework, and, on
 * request, per-frame PNGs in the TRUS-V layout (frames/0001.png, masks/0001.png).
 * Files appear under their final names only when complete.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PatientParameters, View } from '../patient.js';
import { loopGeometry, simulateLoop, type SimulationOptions } from '../render.js';
import { loopToDicom, type LoopDicomOptions } from '../loopDicom.js';
import { encodeNpyUint8 } from '../export/npy.js';
import { encodePng } from '../export/png.js';
import { concatBytes } from '../../util/bytes.js';
import { CineImage } from '../../dicom/cineImage.js';
import { modelInputBox, type PixelBox } from '../../inference/region.js';

export interface LoopFilesOptions extends SimulationOptions, LoopDicomOptions {
  png?: boolean;
  onFrame?: (done: number, total: number) => void;
}

export interface LoopRecord {
  patientId: string;
  view: View;
  /** Folder relative to the dataset root (or the output folder). */
  folder: string;
  frames: number;
  rows: number;
  columns: number;
  pixelSpacingMm: number;
  framesPerSecond: number;
  sopInstanceUID: string;
  /** The pixel box the engine feeds to a model with crop "ultrasound-region" (training crops the same). */
  inputBox: PixelBox;
  /** sha256 of each file, by file name relative to the folder. */
  sha256: Record<string, string>;
}

/** The engine's own choice of model input box for this cine, so that training crops exactly as inference does. */
export function engineInputBox(cineBytes: Uint8Array, firstFrame: Uint8Array): PixelBox {
  const cine = CineImage.fromPart10(cineBytes, 'phantom loop');
  return modelInputBox(cine.columns, cine.rows, cine.calibration, [Float32Array.from(firstFrame)], cine.maximumValue);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function loopFolderName(patientId: string, view: View): string {
  return `${patientId}_${view}`;
}

/** Simulates and writes one loop into `root/folder`; a half-written folder is removed on failure. */
export async function writeLoopFiles(p: PatientParameters, view: View, root: string, folderPrefix = '', options: LoopFilesOptions = {}): Promise<LoopRecord> {
  const geometry = loopGeometry(p, view, options.frameWidthPx);
  const images: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  const total = options.frameCount ?? p.views[view].frameCount;
  for (const frame of simulateLoop(p, view, options)) {
    images.push(frame.image);
    masks.push(frame.mask);
    options.onFrame?.(frame.index + 1, total);
  }
  const dicom = await loopToDicom(p, view, geometry, images, masks, options);
  const folder = join(folderPrefix, loopFolderName(p.patientId, view));
  const finalDir = join(root, folder);
  const tmpDir = `${finalDir}.partial`;
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  try {
    const inputBox = engineInputBox(dicom.cine, images[0]!);
    // The same loop.json keys as `trus-seg export` writes for real DICOM pairs.
    const loopJson = { source: 'cine.dcm', segmentation: 'seg.dcm', patientId: p.patientId, view, frames: images.length, rows: geometry.height, columns: geometry.width, pixelSpacingMm: { x: geometry.pixelSpacingMm, y: geometry.pixelSpacingMm }, framesPerSecond: p.views[view].framesPerSecond, inputBox };
    const files: Record<string, Uint8Array> = {
      'loop.json': new TextEncoder().encode(JSON.stringify(loopJson, null, 2)),
      'cine.dcm': dicom.cine,
      'seg.dcm': dicom.seg,
      'frames.npy': encodeNpyUint8(concatBytes(images), [images.length, geometry.height, geometry.width]),
      'masks.npy': encodeNpyUint8(concatBytes(masks), [masks.length, geometry.height, geometry.width]),
    };
    if (options.png) {
      images.forEach((img, i) => {
        const name = String(i + 1).padStart(4, '0');
        files[`frames/${name}.png`] = encodePng(img, geometry.width, geometry.height);
        files[`masks/${name}.png`] = encodePng(Uint8Array.from(masks[i]!, (m) => m * 255), geometry.width, geometry.height);
      });
      await mkdir(join(tmpDir, 'frames'));
      await mkdir(join(tmpDir, 'masks'));
    }
    const digests: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) {
      await writeFile(join(tmpDir, name), bytes);
      digests[name] = sha256(bytes);
    }
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmpDir, finalDir);
    return {
      patientId: p.patientId,
      view,
      folder,
      frames: images.length,
      rows: geometry.height,
      columns: geometry.width,
      pixelSpacingMm: geometry.pixelSpacingMm,
      framesPerSecond: p.views[view].framesPerSecond,
      sopInstanceUID: dicom.sopInstanceUID,
      inputBox,
      sha256: digests,
    };
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
