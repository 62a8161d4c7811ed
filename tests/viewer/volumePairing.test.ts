/** Which of the viewer's results pair into a study's prostate volume, and what the panel says when none do. */
import { pairedVolume, type PairingContext } from '../../extension/src/services/volumePairing.js';
import type { LoopResult } from '../../extension/src/services/loopResult.js';
import type { FrameLabelmap } from '../../extension/src/services/labelmap.js';
import type { ScanPlane } from '../../src/dicom/scanPlane.js';
import type { SegmentationRun } from '../../src/inference/engine.js';
import type { LoopSummary } from '../../src/temporal/loopMetrics.js';

const student = { id: 'trus-student', label: 'Distilled student', manifestUrl: '' };
const teacher = { id: 'trus-teacher', label: '2D teacher', manifestUrl: '' };

function result(sop: string, plane: ScanPlane | undefined, over: Partial<LoopResult> & { lateral?: number; ap?: number } = {}): LoopResult {
  const { lateral = 40, ap = 30, ...rest } = over;
  const summary = { frames: 2, areaUnit: 'mm2', distanceUnit: 'mm', medianDiameters: { lateral, anteroposterior: ap } } as LoopSummary;
  const model = rest.model ?? student;
  return {
    key: `ds-${sop}/${model.id}`,
    displaySetInstanceUID: `ds-${sop}`,
    studyInstanceUID: '1.2.3',
    sopInstanceUID: sop,
    model,
    // Pairing never touches the labelmap: it is the viewport's.
    labelmap: undefined as unknown as FrameLabelmap,
    run: { model: { name: model.id, version: '1.0.0' } } as SegmentationRun,
    frames: [],
    summary,
    masks: [],
    edited: false,
    sourceWarnings: [],
    ...(plane ? { scanPlane: { plane, from: 'header' } as LoopResult['scanPlane'] } : {}),
    ...rest,
  };
}

function context(results: LoopResult[], named: Record<string, ScanPlane | 'none'> = {}): PairingContext {
  return {
    results,
    planeOf: (r) => (named[r.sopInstanceUID] === 'none' ? undefined : named[r.sopInstanceUID] ? { plane: named[r.sopInstanceUID] as ScanPlane, from: 'named in the viewer' } : r.scanPlane),
    loopName: (r) => `series ${r.sopInstanceUID}`,
  };
}

describe('pairing a transverse and a sagittal loop for the volume', () => {
  const transverse = result('1.1', 'transverse', { lateral: 50, ap: 30 });
  const sagittal = result('1.2', 'sagittal', { lateral: 40, ap: 32 });

  test('one loop of each plane of the study, by the same model: the ellipsoid of their diameters, from either side', () => {
    const ctx = context([transverse, sagittal]);
    for (const r of [transverse, sagittal]) {
      const out = pairedVolume(r, ctx);
      if (!('volume' in out)) throw new Error(out.problem);
      expect(out.volume.volumeMl).toBeCloseTo(((Math.PI / 6) * 50 * 32 * 40) / 1000, 9);
      expect(out.volume.transverse).toEqual({ source: 'series 1.1', sopInstanceUID: '1.1', segmentedBy: 'trus-student 1.0.0' });
      expect(out.volume.sagittal.sopInstanceUID).toBe('1.2');
      expect(out.volume.warnings).toEqual([]);
    }
  });

  test('says what is missing: a plane, a partner by the same model, a partner in the same study', () => {
    expect(pairedVolume(result('1.1', undefined), context([result('1.1', undefined), sagittal]))).toEqual({ problem: 'name this loop’s scan plane for a volume' });
    expect(pairedVolume(transverse, context([transverse]))).toEqual({ problem: 'segment a sagittal loop of this study with Distilled student for a volume' });
    const byTeacher = result('1.2', 'sagittal', { model: teacher });
    expect(pairedVolume(transverse, context([transverse, byTeacher]))).toEqual({ problem: 'segment a sagittal loop of this study with Distilled student for a volume' });
    const otherStudy = result('9.2', 'sagittal', { studyInstanceUID: '9.9' });
    expect(pairedVolume(transverse, context([transverse, otherStudy]))).toEqual({ problem: 'segment a sagittal loop of this study with Distilled student for a volume' });
  });

  test('two candidate partners: none is chosen until one is set to "not paired"', () => {
    const second = result('1.3', 'sagittal', { lateral: 44 });
    expect(pairedVolume(transverse, context([transverse, sagittal, second]))).toEqual({
      problem: '2 sagittal loops of this study are segmented with Distilled student: set the others’ scan plane to “not paired”',
    });
    const out = pairedVolume(transverse, context([transverse, sagittal, second], { '1.3': 'none' }));
    expect('volume' in out && out.volume.sagittal.sopInstanceUID).toBe('1.2');
  });

  test('a plane named in the viewer counts over the header', () => {
    const headerless = result('1.2', undefined);
    expect('problem' in pairedVolume(transverse, context([transverse, headerless]))).toBe(true);
    const out = pairedVolume(transverse, context([transverse, headerless], { '1.2': 'sagittal' }));
    expect('volume' in out && out.volume.sagittal.sopInstanceUID).toBe('1.2');
  });

  test('stored SEGs pair with stored SEGs, not with a model run, and a loop without calibration says why', () => {
    const storedT = result('1.1', 'transverse', { run: undefined, model: { id: 'seg-a', label: 'Stored SEG 3', manifestUrl: '' } });
    const storedS = result('1.2', 'sagittal', { run: undefined, model: { id: 'seg-b', label: 'Stored SEG 4', manifestUrl: '' } });
    expect(pairedVolume(storedT, context([storedT, sagittal]))).toEqual({ problem: 'segment a sagittal loop of this study with a stored SEG for a volume' });
    expect('volume' in pairedVolume(storedT, context([storedT, storedS]))).toBe(true);
    const uncalibrated = result('1.2', 'sagittal', { summary: { ...sagittal.summary, distanceUnit: 'pixels' } });
    expect(pairedVolume(transverse, context([transverse, uncalibrated]))).toEqual({ problem: 'the sagittal loop (series 1.2) has no calibration in mm (no US region calibration or Pixel Spacing): no volume in mL' });
  });
});
