/**
 * The simulated TRUS phantom: determinism, DICOM validity, agreement of the ground truth with
 * the rendered gland, and the premise of the method measured on the rendered loops (the
 * acoustic field outside the gland changes more from frame to frame than the gland does).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { drawPatient, VIEWS, type View } from '../../src/phantom/patient.js';
import { loopGeometry, simulateLoop } from '../../src/phantom/render.js';
import { loopToDicom } from '../../src/phantom/loopDicom.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { readSegmentation, masksForSource } from '../../src/dicom/segmentationReader.js';
import { TransferSyntax } from '../../src/dicom/uids.js';
import { dciodvfy } from '../helpers/tools.js';

jest.setTimeout(180000);

const SEED = 'test-seed';

function simulate(patientId: string, view: View, frameCount: number, frameWidthPx = 256) {
  const p = drawPatient(SEED, patientId);
  const geometry = loopGeometry(p, view, frameWidthPx);
  const images: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (const f of simulateLoop(p, view, { frameCount, frameWidthPx })) {
    images.push(f.image);
    masks.push(f.mask);
  }
  return { p, geometry, images, masks };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('virtual patients', () => {
  it('draws parameters within the stated ranges and different patients differ', () => {
    const patients = Array.from({ length: 30 }, (_, i) => drawPatient(SEED, `P${i}`));
    for (const p of patients) {
      for (const v of VIEWS) {
        expect(p.views[v].frameCount).toBeGreaterThanOrEqual(40);
        expect(p.views[v].frameCount).toBeLessThanOrEqual(200);
        expect(p.views[v].frameWidthPx).toBeGreaterThanOrEqual(256);
        expect(p.views[v].frameWidthPx).toBeLessThanOrEqual(480);
      }
      expect(p.acoustics.speckleCorrelationGland).toBeGreaterThan(p.acoustics.speckleCorrelationOutside);
    }
    const widths = new Set(patients.map((p) => p.views.axial.semiAxisXMm.toFixed(3)));
    expect(widths.size).toBe(30);
    expect(new Set(patients.map((p) => p.views.axial.frameCount)).size).toBeGreaterThan(15);
  });

  it('is deterministic: the same seed gives the same patient, different seeds differ', () => {
    expect(drawPatient('a', 'P001')).toEqual(drawPatient('a', 'P001'));
    expect(drawPatient('a', 'P001')).not.toEqual(drawPatient('b', 'P001'));
  });
});

describe('rendered loops', () => {
  it('same seed, same bytes: frames, masks, cine and SEG are identical on regeneration', async () => {
    const a = simulate('P001', 'axial', 4);
    const b = simulate('P001', 'axial', 4);
    a.images.forEach((img, i) => expect(Buffer.from(img).equals(Buffer.from(b.images[i]!))).toBe(true));
    const da = await loopToDicom(a.p, 'axial', a.geometry, a.images, a.masks);
    const db = await loopToDicom(b.p, 'axial', b.geometry, b.images, b.masks);
    expect(Buffer.from(da.cine).equals(Buffer.from(db.cine))).toBe(true);
    expect(Buffer.from(da.seg).equals(Buffer.from(db.seg))).toBe(true);
    const other = simulate('P002', 'axial', 1);
    expect(Buffer.from(other.images[0]!).equals(Buffer.from(a.images[0]!))).toBe(false);
  });

  it('is black outside the fan and never black inside it', () => {
    const { geometry, images } = simulate('P003', 'sagittal', 2);
    let outside = 0;
    let insideBlack = 0;
    images[1]!.forEach((v, k) => {
      if (!geometry.fan[k] && v !== 0) outside++;
      if (geometry.fan[k] && v === 0) insideBlack++;
    });
    expect(outside).toBe(0);
    expect(insideBlack).toBe(0);
  });

  it.each(VIEWS)('%s: the ground truth covers a darker gland inside a brighter boundary', (view) => {
    const contrasts: number[] = [];
    for (const id of ['P001', 'P002', 'P003', 'P004', 'P005']) {
      const { geometry, images, masks } = simulate(id, view, 2);
      const img = images[1]!;
      const mask = masks[1]!;
      const w = geometry.width;
      // Pixels within 3 px inside the outline, and within 3 px outside it (capsule and fat).
      const distIn: number[] = [];
      const ringOut: number[] = [];
      const inner: number[] = [];
      for (let k = 0; k < img.length; k++) {
        if (!geometry.fan[k]) continue;
        let nearEdge = false;
        for (let dy = -3; dy <= 3 && !nearEdge; dy++) for (let dx = -3; dx <= 3 && !nearEdge; dx++) if (mask[k + dy * w + dx] !== mask[k]) nearEdge = true;
        if (mask[k] && !nearEdge) inner.push(img[k]!);
        else if (mask[k]) distIn.push(img[k]!);
        else if (nearEdge) ringOut.push(img[k]!);
      }
      expect(inner.length).toBeGreaterThan(500);
      const gland = mean(inner);
      const boundary = mean(ringOut);
      contrasts.push((boundary - gland) / (boundary + gland));
    }
    // Michelson contrast of the boundary band against the gland: present, not trivially strong.
    console.log(`${view} boundary contrast per patient: ${contrasts.map((c) => c.toFixed(3)).join(', ')}`);
    for (const c of contrasts) {
      expect(c).toBeGreaterThan(0.02);
      expect(c).toBeLessThan(0.6);
    }
  });

  it('measures the premise: more frame-to-frame change outside the gland than inside, a stable gland mask', () => {
    const report: Record<string, unknown>[] = [];
    for (const id of ['P001', 'P002', 'P003']) {
      for (const view of VIEWS) {
        const { geometry, images, masks } = simulate(id, view, 12);
        const inside: number[] = [];
        const outside: number[] = [];
        const dice: number[] = [];
        for (let t = 1; t < images.length; t++) {
          let si = 0;
          let ni = 0;
          let so = 0;
          let no = 0;
          let inter = 0;
          let sum = 0;
          const a = images[t]!;
          const b = images[t - 1]!;
          for (let k = 0; k < a.length; k++) {
            if (!geometry.fan[k]) continue;
            const d = (a[k]! - b[k]!) ** 2;
            const both = masks[t]![k]! & masks[t - 1]![k]!;
            if (both) {
              si += d;
              ni++;
            } else if (!masks[t]![k] && !masks[t - 1]![k]) {
              so += d;
              no++;
            }
            inter += both;
            sum += masks[t]![k]! + masks[t - 1]![k]!;
          }
          inside.push(si / ni);
          outside.push(so / no);
          dice.push((2 * inter) / sum);
        }
        const row = { patient: id, view, meanSquaredDiffInside: mean(inside), meanSquaredDiffOutside: mean(outside), ratio: mean(outside) / mean(inside), meanConsecutiveDice: mean(dice), minConsecutiveDice: Math.min(...dice) };
        report.push(row);
        expect(row.ratio).toBeGreaterThan(1.5);
        expect(row.meanConsecutiveDice).toBeGreaterThan(0.97);
        expect(row.minConsecutiveDice).toBeGreaterThan(0.93);
      }
    }
    console.table(report);
    const dir = resolve(__dirname, '../../test-artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, 'phantom-premise.json'), JSON.stringify(report, null, 2));
  });
});

describe('DICOM output', () => {
  it.each([
    ['MONOCHROME2', 'native'],
    ['RGB', 'native'],
    ['MONOCHROME2', 'jpeg'],
  ] as const)('%s %s cine and its SEG pass dciodvfy and read back with calibration and ground truth', async (photometric, encoding) => {
    const { p, geometry, images, masks } = simulate('P002', 'sagittal', 5);
    const dicom = await loopToDicom(p, 'sagittal', geometry, images, masks, { photometric, encoding });
    expect(dciodvfy(dicom.cine).errors).toEqual([]);
    expect(dciodvfy(dicom.seg).errors).toEqual([]);
    const cine = CineImage.fromPart10(dicom.cine, 'phantom');
    if (encoding === 'jpeg') {
      // Baseline means SOF0 (FFC0); the codec's default would be progressive (FFC2).
      const first = cine.encodedFrame(0);
      const sof = first.findIndex((b, i) => b === 0xff && (first[i + 1] === 0xc0 || first[i + 1] === 0xc2));
      expect(first[sof + 1]).toBe(0xc0);
    }
    expect(cine.transferSyntaxUID).toBe(encoding === 'jpeg' ? TransferSyntax.JPEGBaseline8Bit : TransferSyntax.ExplicitVRLittleEndian);
    expect(cine.numberOfFrames).toBe(5);
    expect(cine.timing.framesPerSecond).toBeCloseTo(p.views.sagittal.framesPerSecond, 6);
    expect(cine.calibration?.pixelSpacingMm.x).toBeCloseTo(geometry.pixelSpacingMm, 6);
    expect(cine.calibration?.pixelSpacingMm.y).toBeCloseTo(geometry.pixelSpacingMm, 6);
    const decoded = await cine.decodeFrame(3);
    let err = 0;
    decoded.forEach((v, k) => (err += Math.abs(v - images[3]![k]!)));
    expect(err / decoded.length).toBeLessThan(encoding === 'jpeg' ? 4 : 1e-3);
    const seg = readSegmentation(dicom.seg, 'phantom-seg');
    expect(seg.studyInstanceUID).toBe(cine.studyInstanceUID);
    masksForSource(seg, 1, cine.sopInstanceUID, 5).forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(masks[i]!))).toBe(true));
    expect(cine.dataset.ImageComments).toMatch(/Simulated/);
  });
});
