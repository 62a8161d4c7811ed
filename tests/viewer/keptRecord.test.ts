/** Unsaved results as the browser's store writes and reads them back, and how the panel words them. */
import { keptFromRecord, keptRecord, RECORD_FORMAT, writeProblem } from '../../extension/src/services/keptStore.js';
import { afterClosing, keptWhen } from '../../extension/src/utils/panelFigures.js';
import type { KeptResult } from '../../extension/src/services/loopResult.js';
import { PackedMask } from '../../src/dicom/bitPacking.js';
import type { SegmentationRun } from '../../src/inference/engine.js';

function keptResult(): KeptResult {
  const masks = [0, 1, 2].map((f) => PackedMask.pack(Array.from({ length: 37 }, (_, i) => ((i + f) % 3 === 0 ? 1 : 0))));
  const frames = masks.map((m, i) => ({ frameNumber: i + 1, area: m.count(), dicePrevious: i ? 0.9 : null, warpedConsistency: null, consistencyNoFlow: null, confidenceWeightedConsistency: null, centroidDrift: null, meanProbabilityMargin: 0.3, diameters: { lateral: 9, anteroposterior: 3 }, unstable: false, reasons: [] }));
  const summary = { frames: 3, areaUnit: 'pixels', distanceUnit: 'pixels', meanWarpedConsistency: null, meanConsistencyNoFlow: null, meanConfidenceWeightedConsistency: null, meanDicePrevious: 0.9, meanArea: 12, areaCoefficientOfVariation: 0.1, flickerCount: 0, maxAreaFrame: 1, unstableFrames: [], medianDiameters: { lateral: 9, anteroposterior: 3 } } as KeptResult['summary'];
  const run = { sourceSopInstanceUID: '1.2.3.4', sourceWarnings: [], masks, frames, summary, provider: 'wasm', model: { name: 'trus-student', version: '1.0.0', sha256: 'ab' } } as unknown as SegmentationRun;
  return {
    key: '1.2.3.4/trus-student/1',
    studyInstanceUID: '1.2.3',
    sopInstanceUID: '1.2.3.4',
    model: { id: 'trus-student', label: 'Distilled student', manifestUrl: '/models/trus-student/model.json' },
    run,
    masks,
    frames,
    summary,
    edited: true,
    sourceWarnings: [],
    loopLabel: 'series 1 Simulated TRUS axial cine',
    staleFigures: false,
    keptFrom: 'page',
    keptAt: Date.UTC(2026, 10, 24, 14, 3),
  };
}

describe('kept results in the browser store', () => {
  test('a record read back (after the structured clone IndexedDB makes) gives the same masks as PackedMask, the run sharing them', () => {
    const kept = keptResult();
    const back = keptFromRecord(structuredClone(keptRecord('kept:a', 'session-1', kept)))!;
    expect(back).toBeDefined();
    expect(back.masks.every((m) => m instanceof PackedMask)).toBe(true);
    expect(back.masks.map((m) => Array.from(m.unpack()))).toEqual(kept.masks.map((m) => Array.from(m.unpack())));
    expect(back.masks.map((m) => m.count())).toEqual(kept.masks.map((m) => m.count()));
    expect(back.run!.masks).toBe(back.masks);
    const { masks: _m, run: _r, ...rest } = back;
    const { masks: _m2, run: _r2, ...expected } = kept;
    expect(rest).toEqual(expected);
  });

  test('a stored SEG edited (no run) reads back without one', () => {
    const { run: _run, ...kept } = keptResult();
    const back = keptFromRecord(structuredClone(keptRecord('kept:b', 's', kept)))!;
    expect(back.run).toBeUndefined();
    expect(back.masks).toHaveLength(3);
  });

  test('a record kept by a version that measured no diameters is read, its figures marked to be measured again on restore', () => {
    const kept = keptResult();
    const older = { ...kept, frames: kept.frames.map(({ diameters: _d, ...f }) => f), summary: (({ medianDiameters: _m, ...s }) => s)(kept.summary) };
    const back = keptFromRecord(structuredClone(keptRecord('kept:c', 's', older as unknown as KeptResult)))!;
    expect(back.staleFigures).toBe(true);
    expect(back.masks.map((m) => m.count())).toEqual(kept.masks.map((m) => m.count()));
    expect(keptFromRecord(structuredClone(keptRecord('kept:a', 's', kept)))!.staleFigures).toBe(false);
  });

  test('records of another format or with broken masks are not misread', () => {
    const record = structuredClone(keptRecord('kept:a', 's', keptResult()));
    expect(keptFromRecord({ ...record, format: RECORD_FORMAT + 1 })).toBeUndefined();
    expect(keptFromRecord({ ...record, kept: { ...record.kept, masks: [{ length: 37, bits: new Uint8Array(2) }] } })).toBeUndefined();
    expect(keptFromRecord({ ...record, kept: { ...record.kept, sopInstanceUID: undefined } })).toBeUndefined();
    expect(keptFromRecord(undefined)).toBeUndefined();
  });
});

describe('how the panel words kept results', () => {
  test('the time alone on the same day, with the date on another; the mode left or an earlier page', () => {
    const at = new Date(2026, 10, 24, 9, 5).getTime();
    const sameDay = keptWhen({ keptFrom: 'mode', keptAt: at }, new Date(2026, 10, 24, 18, 0));
    expect(sameDay).toMatch(/^mode left 0?9.05/);
    expect(sameDay).not.toMatch(/Nov/);
    const later = keptWhen({ keptFrom: 'page', keptAt: at }, new Date(2026, 10, 26, 8, 0));
    expect(later).toMatch(/^earlier page, .*24.*0?9.05/);
  });

  test('what closing the page does, by whether the browser keeps the results', () => {
    expect(afterClosing({ status: 'on' })).toBe('If the page is closed or reloaded, this browser keeps them until they are exported or discarded.');
    expect(afterClosing({ status: 'starting' })).toBe('Closing or reloading the viewer may lose them.');
    expect(afterClosing({ status: 'off', reason: 'turned off in the configuration' })).toBe('Closing or reloading the viewer loses them (this browser does not keep them: turned off in the configuration).');
  });

  test('why a write failed: a full storage in words (its DOMException has no message), any other failure by its name and message', () => {
    expect(writeProblem(new DOMException('', 'QuotaExceededError'))).toBe('its storage for this site is full');
    expect(writeProblem(new DOMException('The transaction was aborted, so the request cannot be fulfilled.', 'AbortError'))).toBe('it could not be written (AbortError: The transaction was aborted, so the request cannot be fulfilled.)');
    expect(writeProblem(new Error(''))).toBe('it could not be written (Error)');
    expect(writeProblem(undefined)).toBe('it could not be written (undefined)');
  });
});
