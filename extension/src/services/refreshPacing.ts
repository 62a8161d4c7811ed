/**
 * How often a running loop may tell the viewport that the frame it shows has a new mask. Each
 * such refresh re-renders the viewport on the main thread: a few milliseconds with a GPU,
 * 150-250 ms without one (WebGL in software), and cornerstone renders a changed labelmap two or
 * three times. Refreshing at a fixed rate kept the main thread rendering most of a loop, on a
 * core the engine's workers needed. So a refresh waits until the renders since the last one are
 * at most `renderShare` of the time between them.
 */
export interface RefreshPacingOptions {
  /** Never more often than this (ms). */
  minIntervalMs: number;
  /** Never less often than this (ms), however slow the renders. */
  maxIntervalMs: number;
  /** The most of the main thread's time that rendering may take, in (0, 1]. */
  renderShare: number;
}

export class RefreshPacing {
  private lastRefreshMs: number | undefined;
  private renderMs = 0;

  constructor(private readonly options: RefreshPacingOptions) {
    const { minIntervalMs, maxIntervalMs, renderShare } = options;
    if (!(minIntervalMs >= 0 && maxIntervalMs >= minIntervalMs)) throw new RangeError(`refresh intervals ${minIntervalMs}..${maxIntervalMs} ms are not an interval`);
    if (!(renderShare > 0 && renderShare <= 1)) throw new RangeError(`render share ${renderShare} is not in (0, 1]`);
  }

  /** Main-thread time spent rendering since the last refresh. */
  rendered(ms: number): void {
    if (ms > 0 && Number.isFinite(ms)) this.renderMs += ms;
  }

  /** The time the next refresh should wait for, given what the renders since the last one cost. */
  intervalMs(): number {
    const { minIntervalMs, maxIntervalMs, renderShare } = this.options;
    return Math.min(Math.max(this.renderMs / renderShare, minIntervalMs), maxIntervalMs);
  }

  /** Whether a refresh may run at `nowMs` (the first always may). */
  due(nowMs: number): boolean {
    return this.lastRefreshMs === undefined || nowMs - this.lastRefreshMs >= this.intervalMs();
  }

  refreshed(nowMs: number): void {
    this.lastRefreshMs = nowMs;
    this.renderMs = 0;
  }
}

export interface AnimationFrames {
  request(callback: (frameStartMs: number) => void): number;
  cancel(handle: number): void;
}

function browserFrames(): AnimationFrames | undefined {
  if (typeof globalThis.requestAnimationFrame !== 'function') return undefined;
  return {
    request: (cb) => globalThis.requestAnimationFrame(cb),
    cancel: (h) => globalThis.cancelAnimationFrame(h),
  };
}

/**
 * Reports how long the main thread held up each animation frame: the time between two frames'
 * starts beyond the display's frame period (the shortest such time seen). The viewport renders in
 * animation-frame callbacks, so a render of 200 ms delays the next frame by about that much,
 * whichever callback of the frame runs first. Returns a function that stops it. Without frames
 * (a hidden tab) nothing is reported.
 */
export function watchFrameWork(onFrameWork: (ms: number) => void, frames: AnimationFrames | undefined = browserFrames()): () => void {
  if (!frames) return () => undefined;
  let handle: number | undefined;
  let previousStartMs: number | undefined;
  let periodMs = Infinity;
  const tick = (frameStartMs: number) => {
    if (previousStartMs !== undefined) {
      const gapMs = frameStartMs - previousStartMs;
      if (gapMs > 0) {
        periodMs = Math.min(periodMs, gapMs);
        onFrameWork(gapMs - periodMs);
      }
    }
    previousStartMs = frameStartMs;
    handle = frames.request(tick);
  };
  handle = frames.request(tick);
  return () => {
    if (handle !== undefined) frames.cancel(handle);
    handle = undefined;
  };
}
