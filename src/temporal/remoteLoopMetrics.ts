/**
 * The calling side of a metrics worker: frames posted to it, their masks and metrics awaited in
 * order, and what a worker that fails to start or dies mid-loop turns into (MetricsWorkerError).
 */
import { seconds } from '../util/httpTransfer.js';
import type { FrameMetrics, LoopSummary } from './loopMetrics.js';
import { ownBuffer } from '../util/bytes.js';
import type { FinishedFrame, FrameContext, LoopMetricsRunner, LoopRunnerOptions, MetricsEndpoint, MetricsResponse, ModelFrame } from './metricsRunner.js';

/**
 * A worker's failure, kept until a handler is set: a prewarmed worker can fail (its script
 * missing or broken) before any loop listens.
 */
export function failureLatch(): { report(error: Error): void; onFailure(handler: (error: Error) => void): void } {
  let failed: Error | undefined;
  let handler: ((error: Error) => void) | undefined;
  return {
    report(error) {
      failed ??= error;
      handler?.(error);
    },
    onFailure(h) {
      handler = h;
      if (failed) h(failed);
    },
  };
}

export class MetricsWorkerError extends Error {
  override readonly name = 'MetricsWorkerError';
}

/**
 * The calling side. `start` resolves once the worker has answered 'init', so that a worker that
 * cannot run is known before the first frame (and the caller can compute inline instead).
 * `release` is called after a clean finish with the endpoint, for reuse; otherwise it is terminated.
 */
export class RemoteLoopMetrics implements LoopMetricsRunner {
  readonly where = 'worker' as const;
  readonly framesAhead: number;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: FinishedFrame) => void; reject: (e: unknown) => void }>();
  private finishing: { resolve: (r: { frames: FrameMetrics[]; summary: LoopSummary }) => void; reject: (e: unknown) => void } | undefined;
  private failed: unknown;
  private done = false;

  private constructor(
    private readonly endpoint: MetricsEndpoint,
    private readonly release: (endpoint: MetricsEndpoint) => void,
    framesAhead: number,
  ) {
    this.framesAhead = framesAhead;
  }

  static start(endpoint: MetricsEndpoint, options: LoopRunnerOptions, release: (endpoint: MetricsEndpoint) => void, framesAhead = 8, startTimeoutMs = 30000): Promise<RemoteLoopMetrics> {
    return new Promise((resolve, reject) => {
      let runner: RemoteLoopMetrics | undefined;
      // A worker that neither answers nor fails (a script that never finishes loading) must not stall the loop.
      const timer = setTimeout(() => failToStart(new MetricsWorkerError(`the metrics worker did not answer within ${seconds(startTimeoutMs)}`)), startTimeoutMs);
      const failToStart = (error: Error) => {
        clearTimeout(timer);
        endpoint.terminate();
        reject(error);
      };
      endpoint.onMessage((data) => {
        const message = data as MetricsResponse;
        if (!runner) {
          if (message.type === 'ready') {
            clearTimeout(timer);
            resolve((runner = new RemoteLoopMetrics(endpoint, release, framesAhead)));
          }
          else failToStart(new MetricsWorkerError(message.type === 'error' ? message.message : `metrics worker: unexpected '${message.type}' before ready`));
          return;
        }
        runner.receive(message);
      });
      endpoint.onFailure((error) => {
        if (runner) runner.fail(new MetricsWorkerError(`the metrics worker stopped: ${error.message}`));
        else failToStart(new MetricsWorkerError(`the metrics worker did not start: ${error.message}`));
      });
      try {
        endpoint.post({ type: 'init', options });
      } catch (err) {
        failToStart(new MetricsWorkerError(`the metrics worker did not start: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  private receive(message: MetricsResponse): void {
    switch (message.type) {
      case 'frame': {
        const { type: _type, seq, ...finished } = message;
        const p = this.pending.get(seq);
        this.pending.delete(seq);
        p?.resolve(finished);
        break;
      }
      case 'finished':
        this.finishing?.resolve({ frames: message.frames, summary: message.summary });
        this.finishing = undefined;
        break;
      case 'error':
        this.fail(new MetricsWorkerError(`metrics worker: ${message.message}`));
        break;
    }
  }

  private fail(reason: unknown): void {
    if (this.failed !== undefined) return;
    this.failed = reason;
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    this.finishing?.reject(reason);
    this.finishing = undefined;
    this.endpoint.terminate();
  }

  push(frame: ModelFrame, context?: FrameContext): Promise<FinishedFrame> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      // A frame not handed over is copied (about 450 KB a frame at 400 px: the image, and the
      // output at model resolution); a context's frame always is.
      this.endpoint.post({ type: 'frame', seq, frame, ...(context ? { context } : {}) }, frame.handOver ? movableBuffers(frame) : []);
    });
  }

  finish(): Promise<{ frames: FrameMetrics[]; summary: LoopSummary }> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.finishing = {
        resolve: (result) => {
          this.done = true;
          resolve(result);
        },
        reject,
      };
      this.endpoint.post({ type: 'finish' });
    });
  }

  close(reason: unknown = new MetricsWorkerError('the metrics runner was closed')): void {
    if (this.done && this.failed === undefined) {
      this.failed = reason;
      this.release(this.endpoint);
      return;
    }
    this.fail(reason);
  }
}

/** The buffers of a handed-over frame that can be moved: each array's own, whole. */
function movableBuffers(frame: ModelFrame): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const a of [frame.image, frame.output]) {
    const b = ownBuffer(a);
    if (b && !buffers.includes(b)) buffers.push(b);
  }
  return buffers;
}
