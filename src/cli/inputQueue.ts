/**
 * A batch's inputs loaded in turn, with the next DICOMweb image retrieved while one is segmented,
 * so that a batch from a PACS does not wait on the network between loops. Files are read when
 * their turn comes (a local read is quick), so at most two cines are in memory at once.
 */
import type { CineImage } from '../dicom/cineImage.js';
import type { CineInput } from './inputs.js';
import type { TransferProgress } from '../util/httpTransfer.js';
import { ProgressRelay } from './progressRelay.js';

export interface InputQueueOptions {
  /** Retrieve the next DICOMweb image ahead (false: each when its turn comes). */
  prefetch: boolean;
  /** Whether an input will be skipped without loading (its outputs exist): not worth retrieving ahead. */
  isDone(input: CineInput): Promise<boolean>;
  /** Aborts the retrievals under way, the one ahead included. */
  signal: AbortSignal;
}

/** A load under way, with its progress for whoever waits on it later. */
class Loading {
  readonly cine: Promise<CineImage>;
  readonly progress = new ProgressRelay();
  settled = false;

  constructor(input: CineInput, signal: AbortSignal) {
    this.cine = input.load({ signal, onProgress: this.progress.report });
    // Handled here, so a load retrieved ahead that fails is reported when its turn comes, not as an unhandled rejection now.
    const settle = () => {
      this.settled = true;
    };
    this.cine.then(settle, settle);
  }
}

export class InputQueue {
  private readonly ahead = new Map<number, Loading>();

  constructor(
    private readonly inputs: readonly CineInput[],
    private readonly options: InputQueueOptions,
  ) {}

  /**
   * The input's cine: the one retrieved ahead, or loaded now. `onProgress` hears of the retrieval
   * from now until it ends (with where it has got to, for one already under way).
   */
  load(index: number, onProgress?: (progress: TransferProgress) => void): Promise<CineImage> {
    const loading = this.ahead.get(index) ?? new Loading(this.inputs[index]!, this.options.signal);
    this.ahead.delete(index);
    if (onProgress && !loading.settled) loading.progress.listen(onProgress);
    return loading.cine;
  }

  /** Starts retrieving the first input after `index` that will be loaded (past those passed over or done), if it is a DICOMweb image. */
  async prefetchAfter(index: number): Promise<void> {
    if (!this.options.prefetch) return;
    for (let next = index + 1; next < this.inputs.length && !this.options.signal.aborted; next++) {
      const input = this.inputs[next]!;
      if (input.passOver || (await this.options.isDone(input))) continue;
      if (input.path || this.ahead.has(next)) return;
      this.ahead.set(next, new Loading(input, this.options.signal));
      return;
    }
  }
}
