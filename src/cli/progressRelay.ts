/**
 * A transfer's progress for whoever waits on it, started before anyone does: a cine retrieved
 * ahead, a SEG stored beside the next loop. A listener that comes later hears first where the
 * transfer has got to.
 */
import type { TransferProgress } from '../util/httpTransfer.js';

export class ProgressRelay {
  private latest: TransferProgress | undefined;
  private listener: ((progress: TransferProgress) => void) | undefined;

  /** The transfer's own onProgress. */
  readonly report = (progress: TransferProgress): void => {
    this.latest = progress;
    this.listener?.(progress);
  };

  /** From now on tells `listener` (in place of any before it), starting with where the transfer has got to. */
  listen(listener: (progress: TransferProgress) => void): void {
    this.listener = listener;
    if (this.latest) listener(this.latest);
  }

  /** Stops telling `listener`, if it is still the one told. */
  stopListening(listener: (progress: TransferProgress) => void): void {
    if (this.listener === listener) this.listener = undefined;
  }
}
