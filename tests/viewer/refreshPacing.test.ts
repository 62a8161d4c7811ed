/** How often the viewport follows a running loop, given what its renders cost (no browser: a driven clock). */
import { RefreshPacing, watchFrameWork, type AnimationFrames } from '../../extension/src/services/refreshPacing.js';

const OPTIONS = { minIntervalMs: 250, maxIntervalMs: 2000, renderShare: 0.5 };

describe('RefreshPacing', () => {
  it('lets the first refresh run at once, then waits the minimum interval while renders are cheap', () => {
    const pacing = new RefreshPacing(OPTIONS);
    expect(pacing.due(0)).toBe(true);
    pacing.refreshed(0);
    pacing.rendered(4);
    pacing.rendered(3);
    expect(pacing.intervalMs()).toBe(250);
    expect(pacing.due(249)).toBe(false);
    expect(pacing.due(250)).toBe(true);
  });

  it('spaces refreshes so that rendering takes at most the given share of the time', () => {
    const pacing = new RefreshPacing(OPTIONS);
    pacing.refreshed(1000);
    // Software WebGL: three renders of about 200 ms after one change of the labelmap.
    for (const ms of [210, 190, 200]) pacing.rendered(ms);
    expect(pacing.intervalMs()).toBe(1200);
    expect(pacing.due(1000 + 1199)).toBe(false);
    expect(pacing.due(1000 + 1200)).toBe(true);
  });

  it('never waits longer than the maximum, however slow the renders', () => {
    const pacing = new RefreshPacing(OPTIONS);
    pacing.refreshed(0);
    pacing.rendered(5000);
    expect(pacing.intervalMs()).toBe(2000);
    expect(pacing.due(2000)).toBe(true);
  });

  it('counts only the renders since the last refresh', () => {
    const pacing = new RefreshPacing(OPTIONS);
    pacing.refreshed(0);
    pacing.rendered(900);
    expect(pacing.intervalMs()).toBe(1800);
    pacing.refreshed(1800);
    expect(pacing.intervalMs()).toBe(250);
    expect(pacing.due(2050)).toBe(true);
  });

  it('ignores readings that are not a positive duration', () => {
    const pacing = new RefreshPacing(OPTIONS);
    pacing.refreshed(0);
    for (const ms of [-50, Number.NaN, Number.POSITIVE_INFINITY, 0]) pacing.rendered(ms);
    expect(pacing.intervalMs()).toBe(250);
  });

  it('refuses options that make no interval or share', () => {
    expect(() => new RefreshPacing({ ...OPTIONS, maxIntervalMs: 100 })).toThrow(/not an interval/);
    expect(() => new RefreshPacing({ ...OPTIONS, minIntervalMs: -1 })).toThrow(/not an interval/);
    expect(() => new RefreshPacing({ ...OPTIONS, renderShare: 0 })).toThrow(/not in \(0, 1\]/);
    expect(() => new RefreshPacing({ ...OPTIONS, renderShare: 1.5 })).toThrow(/not in \(0, 1\]/);
  });
});

/** Animation frames that the test starts by hand, at the times it chooses. */
class DrivenFrames implements AnimationFrames {
  private callbacks = new Map<number, (t: number) => void>();
  private next = 1;
  request(callback: (t: number) => void): number {
    this.callbacks.set(this.next, callback);
    return this.next++;
  }
  cancel(handle: number): void {
    this.callbacks.delete(handle);
  }
  frame(startMs: number): void {
    const due = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const cb of due) cb(startMs);
  }
  get pending(): number {
    return this.callbacks.size;
  }
}

describe('watchFrameWork', () => {
  it('reports how far each frame started after the display period', () => {
    const frames = new DrivenFrames();
    const work: number[] = [];
    const stop = watchFrameWork((ms) => work.push(ms), frames);
    // 60 Hz, then a frame held up by a 200 ms render, then 60 Hz again.
    for (const t of [0, 16, 32, 248, 264]) frames.frame(t);
    expect(work).toEqual([0, 0, 200, 0]);
    stop();
    expect(frames.pending).toBe(0);
    frames.frame(280);
    expect(work).toHaveLength(4);
  });

  it('takes the period from the shortest gap, so a busy first frame is not the yardstick', () => {
    const frames = new DrivenFrames();
    const work: number[] = [];
    watchFrameWork((ms) => work.push(ms), frames);
    for (const t of [0, 100, 108, 116]) frames.frame(t);
    // Until a shorter gap is seen, 100 ms counts as the period; at 120 Hz, 8 ms is.
    expect(work).toEqual([0, 0, 0]);
    frames.frame(316);
    expect(work[3]).toBe(192);
  });

  it('does nothing where there are no animation frames', () => {
    const work: number[] = [];
    const stop = watchFrameWork((ms) => work.push(ms), undefined);
    stop();
    expect(work).toEqual([]);
  });
});
