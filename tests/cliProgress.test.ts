/** The CLI's batch progress labels: place in the batch and the time left. */
import { batchLabel, durationText } from '../src/cli/progress.js';

describe('batch progress', () => {
  it('says the time left no more precisely than an estimate allows', () => {
    expect(durationText(20_000)).toBe('under a minute');
    expect(durationText(31_000)).toBe('about 1 min');
    expect(durationText(14 * 60_000 + 40_000)).toBe('about 15 min');
    expect(durationText(59 * 60_000 + 29_000)).toBe('about 59 min');
    expect(durationText(65 * 60_000)).toBe('about 1 h 05 min');
    expect(durationText(26 * 3600_000 + 30 * 60_000)).toBe('about 26 h 30 min');
  });

  it('labels a loop with its place, the time left once known, and the end of a long name', () => {
    expect(batchLabel(0, 1, 'loop.dcm')).toBe('loop.dcm');
    expect(batchLabel(0, 120, 'loop.dcm')).toBe('[1/120] loop.dcm');
    expect(batchLabel(2, 120, 'loop.dcm', 40 * 60_000)).toBe('[3/120, about 40 min left] loop.dcm');
    const long = `http://pacs/dicom-web/studies/1.2.3/series/4.5.6/instances/${'7'.repeat(40)}`;
    const label = batchLabel(5, 9, long);
    expect(label).toBe(`[6/9] …${long.slice(-47)}`);
  });
});
