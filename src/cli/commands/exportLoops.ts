/**
 * `trus-seg export`: DICOM cine (+ SEG) pairs -> the loop folders the training framework reads
 * (frames.npy, masks.npy, loop.json with the engine's model input box), so that Python never
 * decodes DICOM itself and crops exactly as the engine will at inference.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CineImage } from '../../dicom/cineImage.js';
import { masksForSource, type ReadSegmentation } from '../../dicom/segmentationReader.js';
import { referencedSopInstanceUIDs } from '../../dicom/segmentationOnCine.js';
import { modelInputBox } from '../../inference/region.js';
import { encodeNpyUint8 } from '../../phantom/export/npy.js';
import { concatBytes } from '../../util/bytes.js';
import { listFiles, problemOf, readFileInFolder } from '../inputs.js';

export const EXPORT_USAGE = `trus-seg export <file | folder>... --out DIR
  Pairs each US cine with the SEG that references it (matched by SOP Instance UID) and writes
  DIR/<PatientID>_<SOPInstanceUID>/ with frames.npy, masks.npy (when a SEG exists) and loop.json.`;

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown';
}

export async function runExport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
  if (!values.out || positionals.length === 0) {
    console.error(EXPORT_USAGE);
    return 2;
  }
  const cines: CineImage[] = [];
  const segs: ReadSegmentation[] = [];
  let failures = 0;
  for (const f of (await listFiles(positionals)).map((l) => l.file).sort()) {
    try {
      const file = await readFileInFolder(f);
      if (file.kind === 'segmentation') segs.push(file.seg);
      else if (file.kind === 'cine') cines.push(file.cine);
      else console.error(`skipped ${f}: ${file.reason}`);
    } catch (err) {
      // A SEG that cannot be read would leave its loop unlabelled without a word: a failure.
      failures++;
      console.error(`error: ${f}: ${problemOf(err)}`);
    }
  }
  for (const cine of cines) {
    const seg = segs.find((s) => referencedSopInstanceUIDs(s).includes(cine.sopInstanceUID) && s.studyInstanceUID === cine.studyInstanceUID);
    const patientId = String(cine.dataset.PatientID ?? '');
    const folder = join(values.out, `${safeName(patientId)}_${safeName(cine.sopInstanceUID)}`);
    const partial = `${folder}.partial`;
    try {
      const frames: Uint8Array[] = [];
      const scale = 255 / cine.maximumValue;
      let first: Float32Array | undefined;
      for (let i = 0; i < cine.numberOfFrames; i++) {
        const f = await cine.decodeFrame(i);
        first ??= f;
        frames.push(Uint8Array.from(f, (v) => Math.round(v * scale)));
      }
      const masks = seg ? masksForSource(seg, seg.segments[0]!.segmentNumber, cine.sopInstanceUID, cine.numberOfFrames) : undefined;
      const shape = [cine.numberOfFrames, cine.rows, cine.columns];
      await rm(partial, { recursive: true, force: true });
      await mkdir(partial, { recursive: true });
      await writeFile(join(partial, 'frames.npy'), encodeNpyUint8(concatBytes(frames), shape));
      if (masks) await writeFile(join(partial, 'masks.npy'), encodeNpyUint8(concatBytes(masks), shape));
      const record = {
        source: cine.source,
        segmentation: seg?.source ?? null,
        patientId,
        studyInstanceUID: cine.studyInstanceUID,
        sopInstanceUID: cine.sopInstanceUID,
        frames: cine.numberOfFrames,
        rows: cine.rows,
        columns: cine.columns,
        pixelSpacingMm: cine.calibration?.pixelSpacingMm ?? null,
        framesPerSecond: cine.timing.framesPerSecond ?? null,
        inputBox: modelInputBox(cine.columns, cine.rows, cine.calibration, [first!], cine.maximumValue),
      };
      await writeFile(join(partial, 'loop.json'), JSON.stringify(record, null, 2));
      await rm(folder, { recursive: true, force: true });
      await rename(partial, folder);
      console.error(`${cine.source}${seg ? ` + ${seg.source}` : ' (no SEG: unlabelled)'} -> ${folder}`);
    } catch (err) {
      failures++;
      await rm(partial, { recursive: true, force: true });
      console.error(`error: ${cine.source}: ${problemOf(err)}`);
    }
  }
  if (cines.length === 0) console.error('no ultrasound cines found');
  return failures > 0 || cines.length === 0 ? 1 : 0;
}
