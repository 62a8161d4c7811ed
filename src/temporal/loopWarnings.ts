/**
 * What a reader of a loop's figures should be told about the masks themselves: a loop where the
 * model found nothing reads as "perfectly stable" (every Dice 1) unless someone says why.
 */
import type { FrameMetrics } from './loopMetrics.js';

const LISTED = 10;

export function loopWarnings(frames: readonly FrameMetrics[]): string[] {
  const warnings: string[] = [];
  if (frames.length === 0) return warnings;
  const empty = frames.filter((f) => f.area === 0).map((f) => f.frameNumber);
  if (empty.length === frames.length) {
    warnings.push(
      `no prostate on ${frames.length === 1 ? 'the only frame' : `any of the ${frames.length} frames`}: the consistency figures describe empty masks (the shipped models were trained on simulated transverse and sagittal TRUS loops of the prostate; is this one?)`,
    );
  } else if (empty.length > 0) {
    const listed = empty.slice(0, LISTED).join(', ') + (empty.length > LISTED ? `, … (${empty.length - LISTED} more)` : '');
    warnings.push(`no prostate on ${empty.length} of ${frames.length} frames: ${listed}`);
  }
  if (frames.length === 1) warnings.push('a single frame: frame-to-frame Dice and flow-warped consistency need at least two');
  return warnings;
}
