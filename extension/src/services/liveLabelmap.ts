/**
 * A run's masks on the viewport and its figures in the panel while the loop is segmented. The
 * labelmap is shown with the first mask, so that the viewport renders once for both instead of
 * rendering an empty labelmap while the engine works on the first frames. After that the viewport
 * needs telling only when the frame it shows gets its mask: cornerstone copies a frame's labelmap
 * afresh whenever the viewport turns to that frame (scrolling, cine playback), while each change
 * announced re-renders the viewport two or three times (150-250 ms each without a GPU). Even
 * then, only as often as its renders allow (refreshPacing.ts). The panel follows every
 * REFRESH_MS.
 */
import type { FrameMetrics } from '../../../src/temporal/loopMetrics.js';
import type { FrameLabelmap } from './labelmap.js';
import { RefreshPacing, watchFrameWork } from './refreshPacing.js';

/** How often the panel follows a running loop (4 times a second); the viewport, at most as often. */
export const REFRESH_MS = 250;
/** The viewport's renders may take at most half the main thread while a loop runs. */
const VIEWPORT_PACING = { minIntervalMs: REFRESH_MS, maxIntervalMs: 2000, renderShare: 0.5 };

export interface LiveLabelmapOptions {
  labelmap: Pick<FrameLabelmap, 'writeFrame' | 'show' | 'modified'>;
  /** The viewport to show it in; none: the masks are only written. */
  viewportId: string | undefined;
  /** The 0-based frame the viewport shows now (looked up each time: the host may replace the viewport during a run). */
  frameOnScreen(): number | undefined;
  /** The figures of the frames done so far, in the order they came. */
  onFrames(frames: FrameMetrics[]): void;
}

export class LiveLabelmap {
  private readonly frames: FrameMetrics[] = [];
  private shown: Promise<void> | undefined;
  private shownFrameStale = false;
  private readonly pacing = new RefreshPacing(VIEWPORT_PACING);
  private stopWatching: (() => void) | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private panelFrames = 0;

  constructor(private readonly options: LiveLabelmapOptions) {
    this.stopWatching = watchFrameWork((ms) => this.pacing.rendered(ms));
  }

  /** A frame is done: its mask (when the run sends masks) and its figures. */
  frameDone(frameIndex: number, mask: Uint8Array | undefined, metrics: FrameMetrics): void {
    if (mask) {
      this.options.labelmap.writeFrame(frameIndex, mask);
      if (this.shown && this.options.frameOnScreen() === frameIndex) this.shownFrameStale = true;
    }
    this.frames.push(metrics);
    if (this.panelFrames === 0) this.refresh();
    else this.refreshTimer ??= setTimeout(() => this.refresh(), REFRESH_MS);
  }

  /** The run is over: the last figures and masks are shown, and the labelmap is on the viewport once this resolves. */
  async finish(): Promise<void> {
    this.stop();
    this.refresh(true);
    this.show();
    await this.shown;
  }

  /** The run failed or was cancelled: nothing more is shown, and the labelmap may be removed once this resolves. */
  async abandon(): Promise<void> {
    this.stop();
    // Removed once the viewport has it, not while the host is still adding it.
    await this.shown?.catch(() => undefined);
  }

  private stop(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  private show(): void {
    const { viewportId, labelmap } = this.options;
    if (this.shown || viewportId === undefined) return;
    this.shown = labelmap.show(viewportId);
    // Awaited when the run ends; until then a failure must not go unhandled.
    this.shown.catch(() => undefined);
  }

  private refresh(last = false): void {
    this.refreshTimer = undefined;
    const now = performance.now();
    if (!this.shown && this.frames.length > 0) {
      this.show();
      this.pacing.refreshed(now);
    } else if (this.shownFrameStale && (last || this.pacing.due(now))) {
      this.options.labelmap.modified();
      this.shownFrameStale = false;
      this.pacing.refreshed(now);
    }
    if (this.frames.length === this.panelFrames) return;
    this.panelFrames = this.frames.length;
    this.options.onFrames([...this.frames]);
  }
}
