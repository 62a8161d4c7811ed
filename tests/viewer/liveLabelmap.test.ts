/**
 * A run's masks and figures while it goes: the labelmap shown with the first mask, the panel at
 * most 4 times a second, the viewport told only of a new mask on the frame it shows. The labelmap
 * here records what it is asked to do (the host's side is the end-to-end test's).
 */
import { LiveLabelmap, REFRESH_MS } from '../../extension/src/services/liveLabelmap.js';
import type { FrameMetrics } from '../../src/temporal/loopMetrics.js';

function recorder(show: () => Promise<void> = () => Promise.resolve()) {
  const calls: string[] = [];
  return {
    calls,
    labelmap: {
      writeFrame: (i: number) => void calls.push(`write ${i}`),
      show: (viewportId: string) => {
        calls.push(`show ${viewportId}`);
        return show();
      },
      modified: () => void calls.push('modified'),
    },
  };
}

const metrics = (n: number) => ({ frameNumber: n + 1 }) as FrameMetrics;
const mask = new Uint8Array(4);

describe('LiveLabelmap', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('shows the labelmap with the first mask, then follows the panel every REFRESH_MS', async () => {
    const { calls, labelmap } = recorder();
    const panel: number[] = [];
    const live = new LiveLabelmap({ labelmap, viewportId: 'vp', frameOnScreen: () => 0, onFrames: (f) => panel.push(f.length) });
    live.frameDone(0, mask, metrics(0));
    expect(calls).toEqual(['write 0', 'show vp']);
    expect(panel).toEqual([1]);
    for (let i = 1; i < 6; i++) live.frameDone(i, mask, metrics(i));
    expect(panel).toEqual([1]);
    jest.advanceTimersByTime(REFRESH_MS);
    expect(panel).toEqual([1, 6]);
    // Frame 0 is on screen and already shown: masks of other frames do not re-render the viewport.
    expect(calls.filter((c) => c === 'modified')).toEqual([]);
    await live.finish();
    expect(calls.filter((c) => c.startsWith('show'))).toEqual(['show vp']);
  });

  test('a new mask on the frame on screen re-renders the viewport, paced, and once more at the end', async () => {
    const { calls, labelmap } = recorder();
    let onScreen = 3;
    const live = new LiveLabelmap({ labelmap, viewportId: 'vp', frameOnScreen: () => onScreen, onFrames: () => undefined });
    live.frameDone(0, mask, metrics(0));
    jest.advanceTimersByTime(REFRESH_MS);
    live.frameDone(3, mask, metrics(3));
    expect(calls.filter((c) => c === 'modified')).toHaveLength(0);
    jest.advanceTimersByTime(REFRESH_MS);
    expect(calls.filter((c) => c === 'modified')).toHaveLength(1);
    onScreen = 4;
    live.frameDone(4, mask, metrics(4));
    await live.finish();
    expect(calls.filter((c) => c === 'modified')).toHaveLength(2);
    expect(calls.slice(-1)).toEqual(['modified']);
  });

  test('frames without a mask only move the panel; no viewport, nothing is shown', async () => {
    const { calls, labelmap } = recorder();
    const panel: number[] = [];
    const live = new LiveLabelmap({ labelmap, viewportId: undefined, frameOnScreen: () => undefined, onFrames: (f) => panel.push(f.length) });
    live.frameDone(0, undefined, metrics(0));
    live.frameDone(1, mask, metrics(1));
    await live.finish();
    expect(calls).toEqual(['write 1']);
    expect(panel).toEqual([1, 2]);
  });

  test('abandoned after the host failed to show it: settles without the host\'s error, and no timer fires later', async () => {
    const { calls, labelmap } = recorder(() => Promise.reject(new Error('viewport gone')));
    const panel: number[] = [];
    const live = new LiveLabelmap({ labelmap, viewportId: 'vp', frameOnScreen: () => 0, onFrames: (f) => panel.push(f.length) });
    live.frameDone(0, mask, metrics(0));
    live.frameDone(1, mask, metrics(1));
    await expect(live.abandon()).resolves.toBeUndefined();
    jest.advanceTimersByTime(10 * REFRESH_MS);
    expect(panel).toEqual([1]);
    expect(calls).toEqual(['write 0', 'show vp', 'write 1']);
  });

  test('finish passes on a failure to show, for the run to report', async () => {
    const { labelmap } = recorder(() => Promise.reject(new Error('viewport gone')));
    const live = new LiveLabelmap({ labelmap, viewportId: 'vp', frameOnScreen: () => 0, onFrames: () => undefined });
    live.frameDone(0, mask, metrics(0));
    await expect(live.finish()).rejects.toThrow('viewport gone');
  });
});
