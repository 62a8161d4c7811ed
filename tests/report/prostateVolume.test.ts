/** Prostate volume by the ellipsoid formula: the arithmetic, its refusals, pairing by study, and the phantom's known glands. */
import { CineImage } from '../../src/dicom/cineImage.js';
import { metricsForMasks } from '../../src/report/maskMetrics.js';
import { loopOfReport, prostateVolume, studyVolumes, volumeText, VolumeError, type PlaneLoop } from '../../src/report/prostateVolume.js';
import { phantomLoop } from '../helpers/phantomLoop.js';

function loop(sop: string, plane: PlaneLoop['plane'], lateral: number, ap: number, study = '1.2.3', unit: 'mm' | 'pixels' = 'mm'): PlaneLoop {
  return { source: `loop-${sop}`, sopInstanceUID: sop, studyInstanceUID: study, ...(plane ? { plane } : {}), summary: { distanceUnit: unit, medianDiameters: { lateral, anteroposterior: ap } } };
}

describe('prostate volume', () => {
  it('is π/6 × transverse × antero-posterior × length, the transverse from the transverse loop and the other two from the sagittal one', () => {
    const v = prostateVolume(loop('1', 'transverse', 45, 31), loop('2', 'sagittal', 40, 30));
    expect(v.volumeMl).toBeCloseTo(((Math.PI / 6) * 45 * 30 * 40) / 1000, 10);
    expect(v).toMatchObject({ transverseDiameterMm: 45, anteroposteriorDiameterMm: 30, lengthMm: 40, transverseViewAnteroposteriorDiameterMm: 31, studyInstanceUID: '1.2.3' });
    expect(v.transverse).toEqual({ source: 'loop-1', sopInstanceUID: '1' });
    expect(v.sagittal).toEqual({ source: 'loop-2', sopInstanceUID: '2' });
    expect(v.warnings).toEqual([]);
    expect(volumeText(v)).toBe('prostate volume 28.3 mL (ellipsoid: π/6 × transverse × antero-posterior × length: 45.0 × 30.0 × 40.0 mm; transverse loop-1, sagittal loop-2)');
  });

  it('warns when the two views’ antero-posterior diameters disagree by more than a fifth', () => {
    expect(prostateVolume(loop('1', 'transverse', 45, 24.5), loop('2', 'sagittal', 40, 30)).warnings).toEqual([]);
    const [w] = prostateVolume(loop('1', 'transverse', 45, 22), loop('2', 'sagittal', 40, 30)).warnings;
    expect(w).toBe('the antero-posterior diameters of the two views differ by 27% (transverse 22.0 mm, sagittal 30.0 mm): check that both loops show the gland at its largest section');
  });

  it('names what segmented each loop, and warns when the two were segmented differently', () => {
    const by = (l: PlaneLoop, segmentedBy: string) => ({ ...l, segmentedBy });
    const same = prostateVolume(by(loop('1', 'transverse', 45, 30), 'trus-student 1.0.0'), by(loop('2', 'sagittal', 40, 30), 'trus-student 1.0.0'));
    expect(same.transverse.segmentedBy).toBe('trus-student 1.0.0');
    expect(same.warnings).toEqual([]);
    const mixed = prostateVolume(by(loop('1', 'transverse', 45, 30), 'trus-student 1.0.0'), by(loop('2', 'sagittal', 40, 30), 'trus-teacher 1.0.0'));
    expect(mixed.warnings).toEqual(['the two loops were segmented differently (transverse: trus-student 1.0.0, sagittal: trus-teacher 1.0.0)']);
  });

  it('refuses loops of two studies, one loop twice, loops without calibration or without any mask, and loops of an unknown study', () => {
    const refusal = (a: PlaneLoop, b: PlaneLoop) => {
      try {
        prostateVolume(a, b);
      } catch (err) {
        expect(err).toBeInstanceOf(VolumeError);
        return (err as Error).message;
      }
      throw new Error('no refusal');
    };
    expect(refusal(loop('1', 'transverse', 45, 30), loop('2', 'sagittal', 40, 30, '9.9'))).toBe(
      'the transverse loop (loop-1) is of study 1.2.3, the sagittal loop (loop-2) of study 9.9: a volume pairs two loops of one study',
    );
    expect(refusal(loop('1', 'transverse', 45, 30), loop('1', 'sagittal', 40, 30))).toMatch(/^the transverse and the sagittal loop are the same loop/);
    expect(refusal(loop('1', 'transverse', 45, 30, '1.2.3', 'pixels'), loop('2', 'sagittal', 40, 30))).toMatch(/^the transverse loop \(loop-1\) has no calibration in mm/);
    expect(refusal(loop('1', 'transverse', 45, 30), { ...loop('2', 'sagittal', 0, 0), summary: { distanceUnit: 'mm', medianDiameters: null } })).toBe('no prostate is segmented on any frame of the sagittal loop (loop-2)');
    expect(refusal(loop('1', 'transverse', 45, 30, ''), loop('2', 'sagittal', 40, 30, ''))).toMatch(/^the study of loop-1 is not known/);
  });

  it('pairs, study by study, exactly one transverse with one sagittal loop, and says why a study with both planes gives none', () => {
    const found = studyVolumes([
      loop('a1', 'transverse', 45, 30, 'A'),
      loop('a2', 'sagittal', 40, 30, 'A'),
      loop('b1', 'transverse', 45, 30, 'B'),
      loop('b2', 'transverse', 46, 30, 'B'),
      loop('b3', 'sagittal', 40, 30, 'B'),
      loop('c1', 'transverse', 45, 30, 'C'),
      loop('c2', undefined, 40, 30, 'C'),
      loop('d1', 'transverse', 45, 30, 'D'),
      loop('e1', 'sagittal', 40, 30, 'E'),
      loop('e2', 'transverse', 40, 30, 'E', 'pixels'),
      loop('f1', undefined, 45, 30, 'F'),
      loop('f2', undefined, 40, 30, 'F'),
      loop('g1', undefined, 40, 30, 'G'),
      loop('x1', 'transverse', 45, 30, ''),
      loop('x2', 'sagittal', 40, 30, ''),
    ]);
    expect(found.volumes.map((v) => [v.studyInstanceUID, v.transverse.sopInstanceUID, v.sagittal.sopInstanceUID])).toEqual([['A', 'a1', 'a2']]);
    expect(found.problems).toEqual([
      { studyInstanceUID: 'B', problem: '2 transverse and 1 sagittal loop(s) (loop-b1, loop-b2, loop-b3): pair one of each by hand' },
      { studyInstanceUID: 'C', problem: 'the plane of loop-c2 is not given in its header: name it to pair it with loop-c1' },
      { studyInstanceUID: 'E', problem: expect.stringMatching(/^the transverse loop \(loop-e2\) has no calibration in mm/) },
      { studyInstanceUID: 'F', problem: 'the plane of loop-f1, loop-f2 is not given in their headers: name a transverse and a sagittal loop to pair them' },
    ]);
  });

  it('takes a loop from a report: its plane as the header gave it, and the model or SEG algorithm that segmented it', () => {
    const summary = { distanceUnit: 'mm' as const, medianDiameters: { lateral: 40, anteroposterior: 30 } };
    const model = { name: 'trus-student', version: '1.0.0', sha256: 'ab' };
    expect(loopOfReport({ source: 'f.dcm', sopInstanceUID: '1', studyInstanceUID: 'S', scanPlane: { plane: 'sagittal', from: 'x' }, model, summary: summary as never })).toEqual({
      source: 'f.dcm',
      sopInstanceUID: '1',
      studyInstanceUID: 'S',
      plane: 'sagittal',
      segmentedBy: 'trus-student 1.0.0',
      summary,
    });
    expect(loopOfReport({ source: 'f.dcm', sopInstanceUID: '1', studyInstanceUID: 'S', algorithm: 'trus-student 1.0.0, edited in the viewer', model, summary: summary as never }).segmentedBy).toBe('trus-student 1.0.0, edited in the viewer');
    expect(loopOfReport({ source: 'f.dcm', sopInstanceUID: '1', studyInstanceUID: 'S', summary: summary as never })).not.toHaveProperty('segmentedBy');
  });

  it('of the phantom’s ground truth comes within 15% of the simulated gland’s ellipsoid, each diameter within 10%', async () => {
    for (const [seed, patientId] of [
      ['volume', 'P001'],
      ['volume', 'P002'],
      ['volume-b', 'P003'],
    ] as const) {
      const measured = await Promise.all(
        (['axial', 'sagittal'] as const).map(async (view) => {
          const l = await phantomLoop(seed, 3, 256, 'native', view, patientId);
          const cine = CineImage.fromPart10(l.cine, view);
          const { summary } = await metricsForMasks(cine, l.masks);
          return { patient: l.patient, loop: { source: view, sopInstanceUID: cine.sopInstanceUID, studyInstanceUID: cine.studyInstanceUID, plane: cine.scanPlane?.plane, summary } };
        }),
      );
      const [axial, sagittal] = measured as [(typeof measured)[0], (typeof measured)[0]];
      const { volumes, problems } = studyVolumes([axial.loop, sagittal.loop]);
      expect(problems).toEqual([]);
      const v = volumes[0]!;
      // The simulated gland: an ellipsoid of these diameters, its outline perturbed by a few per cent.
      const p = axial.patient;
      const width = 2 * p.views.axial.semiAxisXMm;
      const height = 2 * p.views.sagittal.semiAxisYMm;
      const length = 2 * p.views.sagittal.semiAxisXMm;
      const within = (measuredMm: number, trueMm: number, fraction: number) => expect(Math.abs(measuredMm - trueMm) / trueMm).toBeLessThan(fraction);
      within(v.transverseDiameterMm, width, 0.1);
      within(v.anteroposteriorDiameterMm, height, 0.1);
      within(v.lengthMm, length, 0.1);
      within(v.volumeMl, ((Math.PI / 6) * width * height * length) / 1000, 0.15);
    }
  });
});
