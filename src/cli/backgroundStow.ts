/**
 * A batch's STOW-RS of its SEGs beside the next loop's work, so that a SEG going to the PACS over
 * a slow link does not hold up the next segmentation (as retrieving ahead does for the cines).
 * One STOW at a time: a SEG waits for the one before it to be answered, and while the batch waits
 * on one it shows that one's progress. How each went is told at the next `report()`, between
 * loops, not in the middle of a progress bar.
 */
import type { DicomwebClient } from '../dicom/dicomwebClient.js';
import { unlessAborted } from '../util/unlessAborted.js';
import { sentText } from '../util/httpTransfer.js';
import { transferLine } from './progress.js';
import { ProgressRelay } from './progressRelay.js';

export interface StowOutcome {
  segPath: string;
  /** Undefined: stored. */
  error?: unknown;
}

interface Storing {
  segPath: string;
  done: Promise<void>;
  progress: ProgressRelay;
}

export class BackgroundStow {
  private storing: Storing | undefined;
  private readonly settled: StowOutcome[] = [];

  constructor(
    private readonly client: DicomwebClient,
    /** Told of each outcome at the `report()` after it (the batch's row and failure count). */
    private readonly onOutcome: (outcome: StowOutcome) => void,
  ) {}

  /**
   * Starts storing `seg`, once the STOW before it (if still going) is answered. A batch cancelled
   * meanwhile (`signal`) does not send it: its outcome says so, and the SEG stays on disk.
   */
  async store(seg: Uint8Array, studyInstanceUID: string, segPath: string, signal?: AbortSignal): Promise<void> {
    try {
      signal?.throwIfAborted();
      await this.waitForCurrent(signal);
    } catch (err) {
      if (!signal?.aborted) throw err;
      this.settled.push({ segPath, error: new Error('not sent: the batch was cancelled') });
      return;
    }
    const progress = new ProgressRelay();
    const done = this.client.storeInstances([seg], studyInstanceUID, { onProgress: progress.report }).then(
      () => void this.settled.push({ segPath }),
      (error: unknown) => void this.settled.push({ segPath, error }),
    );
    this.storing = { segPath, done, progress };
  }

  /** The SEG whose STOW was started last, until it has been waited for. */
  get underWay(): string | undefined {
    return this.storing?.segPath;
  }

  /** Waits for the STOW under way, showing its progress; `signal` stops the wait, not the STOW. */
  async waitForCurrent(signal?: AbortSignal): Promise<void> {
    const storing = this.storing;
    if (!storing) return;
    const line = transferLine(`  storing ${storing.segPath}`, { describe: sentText });
    storing.progress.listen(line.update);
    try {
      await unlessAborted(storing.done, signal);
      if (this.storing === storing) this.storing = undefined;
    } finally {
      storing.progress.stopListening(line.update);
      line.end();
    }
  }

  /** Tells the outcomes settled since the last report, in the order the SEGs were sent. */
  report(): void {
    for (const outcome of this.settled.splice(0)) this.onOutcome(outcome);
  }
}
