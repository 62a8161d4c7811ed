/** The panel's figures and the mode's choices, without a browser. */
import { curve, valueRange, summaryLines, panelReport, reportFile, resultWarnings } from '../../extension/src/utils/panelFigures.js';
import { isValidMode, modeInstance } from '../../modes/src/index.js';
import getHangingProtocolModule from '../../extension/src/getHangingProtocolModule.js';
import { HANGING_PROTOCOL_ID } from '../../extension/src/id.js';
import { PackedMask } from '../../src/dicom/bitPacking.js';
import type { FrameMetrics, LoopSummary } from '../../src/temporal/loopMetrics.js';

function frame(n: number, area: number, dice: number | null, unstable = false): FrameMetrics {
  return {
    frameNumber: n,
    area,
    dicePrevious: dice,
    warpedConsistency: dice === null ? null : 0.99,
    consistencyNoFlow: null,
    confidenceWeightedConsistency: null,
    centroidDrift: null,
    meanProbabilityMargin: 0.4,
    diameters: { lateral: 40 + n / 10, anteroposterior: 28 },
    unstable,
    reasons: unstable ? ['area jump'] : [],
  };
}

const frames = [frame(1, 800, null), frame(2, 810, 0.98), frame(3, 700, 0.85, true), frame(4, 805, 0.97)];
const summary: LoopSummary = {
  frames: 4,
  areaUnit: 'mm2',
  distanceUnit: 'mm',
  meanWarpedConsistency: 0.99,
  meanConsistencyNoFlow: null,
  meanConfidenceWeightedConsistency: null,
  meanDicePrevious: 0.9333,
  meanArea: 778.75,
  areaCoefficientOfVariation: 0.0612,
  flickerCount: 1,
  maxAreaFrame: 2,
  unstableFrames: [3],
  medianDiameters: { lateral: 40.25, anteroposterior: 28 },
};

describe('panel figures', () => {
  it('has one area point per frame and frame-to-frame points from the second frame, 1-based, unstable flagged', () => {
    expect(curve(frames, 'area').map((p) => p.frameNumber)).toEqual([1, 2, 3, 4]);
    const dice = curve(frames, 'dicePrevious');
    expect(dice.map((p) => p.frameNumber)).toEqual([2, 3, 4]);
    expect(dice.filter((p) => p.unstable).map((p) => p.frameNumber)).toEqual([3]);
  });

  it('scales every curve into one padded range, and a flat curve into a visible band', () => {
    const r = valueRange([curve(frames, 'area'), [{ frameNumber: 1, value: 900, unstable: false }]]);
    expect(r.min).toBeLessThan(700);
    expect(r.max).toBeGreaterThan(900);
    const flat = valueRange([[{ frameNumber: 1, value: 0.5, unstable: false }, { frameNumber: 2, value: 0.5, unstable: false }]]);
    expect(flat.max).toBeGreaterThan(flat.min);
    expect(valueRange([])).toEqual({ min: 0, max: 1 });
  });

  it('keeps the padded range within what the metric can take (no Dice axis labelled above 1)', () => {
    const pt = (value: number) => ({ frameNumber: 1, value, unstable: false });
    const unit = { lo: 0, hi: 1 };
    const dice = valueRange([[pt(0.977), pt(1)]], unit);
    expect(dice.max).toBe(1);
    expect(dice.min).toBeLessThan(0.977);
    const perfect = valueRange([[pt(1), pt(1)]], unit);
    expect(perfect.max).toBe(1);
    expect(perfect.min).toBeLessThan(1);
    const empty = valueRange([[pt(0), pt(0)]], { lo: 0, hi: Infinity });
    expect(empty.min).toBe(0);
    expect(empty.max).toBeGreaterThan(0);
    // Unbounded, the same curves are padded on both sides.
    expect(valueRange([[pt(0.977), pt(1)]]).max).toBeGreaterThan(1);
    // Rounding noise is not stretched over the plot: the band is at least a thousandth wide.
    const noise = valueRange([[pt(0.99999998), pt(1)]], unit);
    expect(noise.max).toBe(1);
    expect(noise.max - noise.min).toBeGreaterThanOrEqual(1e-3);
    const area = valueRange([[pt(1000), pt(1000.2)]], { lo: 0, hi: Infinity });
    expect(area.max - area.min).toBeGreaterThanOrEqual(1);
    // A curve from one bound to the other (a frame whose mask was lost: Dice 0) stays inside them.
    expect(valueRange([[pt(0), pt(1)]], unit)).toEqual({ min: 0, max: 1 });
    expect(valueRange([[pt(0.001), pt(0.999)]], unit)).toEqual({ min: 0, max: 1 });
    // Real variation keeps its own scale.
    const real = valueRange([[pt(0.98), pt(0.99)]], unit);
    expect(real.max - real.min).toBeCloseTo(0.01 * 1.16, 10);
  });

  it('states areas in mm² for a calibrated loop and lists the unstable frames', () => {
    const lines = Object.fromEntries(summaryLines(summary));
    expect(lines['Mean area']).toBe('778.8 mm²');
    expect(lines['Unstable frames']).toBe('3');
    expect(lines['Flicker count']).toBe('1');
    expect(Object.fromEntries(summaryLines({ ...summary, areaUnit: 'pixels', unstableFrames: [] }))['Mean area']).toBe('779 px');
    expect(lines['Diameters (median)']).toBe('40.3 × 28.0 mm (lateral × AP)');
    expect(Object.fromEntries(summaryLines({ ...summary, distanceUnit: 'pixels', medianDiameters: { lateral: 201.4, anteroposterior: 140.6 } }))['Diameters (median)']).toBe('201 × 141 px (lateral × AP)');
    expect(Object.fromEntries(summaryLines({ ...summary, medianDiameters: null }))['Diameters (median)']).toBe('—');
  });

  it('downloads the CLI report format, naming an edited result as edited', () => {
    const run = {
      sourceSopInstanceUID: '1.2.3',
      masks: [] as PackedMask[],
      frames,
      summary,
      provider: 'wasm',
      model: { name: 'trus-student', version: '1.0.0', sha256: 'a'.repeat(64) },
      inputBox: { x: 0, y: 0, width: 1, height: 1 },
      postprocess: { threshold: 0.5, keepLargestComponent: true, fillHoles: true },
      timings: { decodeMs: 0, preprocessMs: 0, inferenceMs: 0, postprocessMs: 0, metricsMs: 0 },
    } as never;
    const sourceWarnings = ['no Frame Time, Frame Time Vector or Cine Rate: playback rate unknown'];
    const result = { sopInstanceUID: '1.2.3', studyInstanceUID: '1.2', model: { id: 'trus-student', label: 'Distilled student', manifestUrl: '' }, run, frames, summary, edited: true, sourceWarnings };
    const csv = reportFile(panelReport(result, undefined), 'csv');
    expect(csv.name).toBe('1.2.3.trus-student.report.csv');
    expect(csv.text.split('\n')[0]).toMatch(/^frame,area_mm2,dice_previous,/);
    expect(csv.text.split('\n')[0]).toMatch(/,lateral_diameter_mm,ap_diameter_mm,/);
    expect(csv.text.trim().split('\n')).toHaveLength(5);
    const json = JSON.parse(reportFile(panelReport(result, { plane: 'sagittal', from: 'named in the viewer' }), 'json').text);
    expect(json.algorithm).toBe('trus-student 1.0.0, edited in the viewer');
    expect(json.frames).toHaveLength(4);
    expect(json.warnings).toEqual(sourceWarnings);
    expect(json.studyInstanceUID).toBe('1.2');
    expect(json.scanPlane).toEqual({ plane: 'sagittal', from: 'named in the viewer' });
    const stored = JSON.parse(reportFile(panelReport({ ...result, run: undefined, edited: false, model: { ...result.model, label: 'Stored SEG 2' } }, undefined), 'json').text);
    expect(stored.scanPlane).toBeUndefined();
    expect(stored.segmentation).toBe('Stored SEG 2');
    expect(stored.model).toBeUndefined();
    // Only an unedited run was measured on the model's probabilities; edits and stored SEGs on masks.
    expect([json.probabilityMaps, stored.probabilityMaps]).toEqual(['masks', 'masks']);
    expect(JSON.parse(reportFile(panelReport({ ...result, edited: false }, undefined), 'json').text).probabilityMaps).toBe('model');
  });

  it('names the flow-warped consistency of masks as such', () => {
    expect(Object.fromEntries(summaryLines(summary, 'model'))['Mean flow-warped consistency']).toBe('0.9900');
    expect(Object.fromEntries(summaryLines(summary, 'masks'))['Mean flow-warped consistency (of the masks)']).toBe('0.9900');
  });

  it('warns after the cine’s own warnings when an edit empties frames, and stops when they are filled again', () => {
    const source = { sourceWarnings: ['areas are in pixels'] };
    expect(resultWarnings({ ...source, frames })).toEqual(['areas are in pixels']);
    const erased = [frames[0]!, { ...frames[1]!, area: 0 }, frames[2]!, frames[3]!];
    expect(resultWarnings({ ...source, frames: erased })).toEqual(['areas are in pixels', 'no prostate on 1 of 4 frames: 2']);
  });
});

describe('the mode', () => {
  it('is offered for studies with ultrasound only', () => {
    expect(isValidMode({ modalities: 'US' }).valid).toBe(true);
    expect(isValidMode({ modalities: 'SEG\\US' }).valid).toBe(true);
    expect(isValidMode({ modalities: 'CT\\SEG' }).valid).toBe(false);
  });

  it('hangs the US multi-frame series in one stack viewport through its own protocol', () => {
    expect(modeInstance.hangingProtocol).toBe(HANGING_PROTOCOL_ID);
    const [entry] = getHangingProtocolModule();
    expect(entry!.name).toBe(HANGING_PROTOCOL_ID);
    expect(entry!.protocol.id).toBe(HANGING_PROTOCOL_ID);
    const rules = entry!.protocol.displaySetSelectors.trusCine.seriesMatchingRules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ attribute: 'Modality', constraint: { equals: { value: 'US' } } }),
        expect.objectContaining({ attribute: 'numImageFrames', constraint: { greaterThan: { value: 1 } } }),
      ]),
    );
    expect(modeInstance.routes[0]!.layoutTemplate().props.rightPanels[0]).toBe('trus-cine-seg-extension.panelModule.temporalConsistency');
  });
});
