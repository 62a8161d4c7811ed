/**
 * The page's side of the segmentation worker: start it with a model, segment a cine with
 * progress, per-frame masks and an AbortSignal, and get the run (and, if asked, its SEG) back.
 */
import { PackedMask } from '../dicom/bitPacking.js';
import type { SegmentationRun } from '../inference/engine.js';
import type { FrameMetrics } from '../temporal/loopMetrics.js';
import { DEFAULT_IDLE_TIMEOUT_MS, notArrivedWithin, seconds } from '../util/httpTransfer.js';
import type { BackendInfo, LoadProgress, WorkerLoadOptions, WorkerRequest, WorkerResponse, WorkerSegmentOptions } from './workerProtocol.js';

/** The worker bundle's file name, beside the engine bundle. */
export const WORKER_FILE = 'trus-seg-worker.mjs';

export interface ClientStartOptions extends Omit<WorkerLoadOptions, 'ortBaseUrl' | 'preference'> {
  preference?: WorkerLoadOptions['preference'];
  /** Default: `ort/` beside the engine bundle. */
  ortBaseUrl?: string;
  /** Default: the worker bundle beside the engine bundle. */
  workerUrl?: string | URL;
  /** Called as the model weights and onnxruntime-web's runtime arrive. */
  onLoadProgress?: (progress: LoadProgress) => void;
  /**
   * How long a cancelled run may take to stop before the worker is ended (default 5 s). The
   * worker looks at a cancel between batches; a batch that takes long (a slow machine, a GPU that
   * hangs without reporting its loss) would otherwise hold the cancel, and the panel, until it ends.
   */
  cancelGraceMs?: number;
}

export interface ClientFrame {
  frameIndex: number;
  total: number;
  mask?: Uint8Array;
  metrics: FrameMetrics;
  provider: string;
}

export interface ClientSegmentOptions extends WorkerSegmentOptions {
  signal?: AbortSignal;
  onFrame?: (frame: ClientFrame) => void;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface ClientRun {
  run: SegmentationRun;
  segmentation?: Uint8Array;
  /** Time the worker spent writing the SEG (with `writeSegmentation`). */
  segmentationWriteMs?: number;
}

/** Rejected runs carry the worker's error name (e.g. AbortError, NotUltrasoundError, ModelLoadError). */
export class WorkerError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

function bundleRelative(file: string): string {
  // Computed, so that the bundler leaves it alone: resolved at run time beside this bundle.
  const here = import.meta.url;
  return new URL(file, here).href;
}

/** The default of ClientStartOptions.cancelGraceMs. */
export const DEFAULT_CANCEL_GRACE_MS = 5000;

interface PendingRun {
  resolve: (r: ClientRun) => void;
  reject: (e: Error) => void;
  options: ClientSegmentOptions;
  /** Set once the run is cancelled: ends the worker if the run has not stopped by then. */
  grace?: ReturnType<typeof setTimeout>;
}

function checkedMs(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a number of milliseconds above 0, not ${value}`);
  return value;
}

export class SegmentationClient {
  private nextId = 1;
  private pending = new Map<number, PendingRun>();
  private ended = false;

  private constructor(
    private readonly worker: Worker,
    readonly info: BackendInfo,
    private readonly cancelGraceMs: number,
  ) {
    worker.addEventListener('message', (e: MessageEvent<WorkerResponse>) => this.receive(e.data));
    worker.addEventListener('error', (e) => this.failAll(new WorkerError('WorkerError', e.message || 'the segmentation worker failed')));
  }

  /** Starts a worker and loads the model; rejects with the worker's error (missing or corrupt model...). */
  static async start(options: ClientStartOptions): Promise<SegmentationClient> {
    const idle = checkedMs('idleTimeoutMs', options.idleTimeoutMs);
    const cancelGrace = checkedMs('cancelGraceMs', options.cancelGraceMs) ?? DEFAULT_CANCEL_GRACE_MS;
    const scriptUrl = new URL(options.workerUrl ?? bundleRelative(WORKER_FILE), globalThis.location?.href).href;
    const worker = new Worker(scriptUrl, { type: 'module', name: 'trus-seg-worker' });
    const load: WorkerLoadOptions = {
      manifestUrl: new URL(options.manifestUrl, globalThis.location?.href).href,
      preference: options.preference ?? 'auto',
      ortBaseUrl: options.ortBaseUrl ? new URL(options.ortBaseUrl, globalThis.location?.href).href : bundleRelative('ort/'),
      ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
      ...(options.destroyDeviceAfterBatches !== undefined ? { destroyDeviceAfterBatches: options.destroyDeviceAfterBatches } : {}),
      ...(options.metricsWorker !== undefined ? { metricsWorker: options.metricsWorker } : {}),
      ...(options.metricsWorkers !== undefined ? { metricsWorkers: options.metricsWorkers } : {}),
      ...(options.frameWorkers !== undefined ? { frameWorkers: options.frameWorkers } : {}),
      ...(idle !== undefined ? { idleTimeoutMs: idle } : {}),
    };
    const scriptWait = idle ?? DEFAULT_IDLE_TIMEOUT_MS;
    try {
      const info = await new Promise<BackendInfo>((resolve, reject) => {
        // Load-time listeners only: the client's own take over once the model is loaded.
        const done = () => {
          clearTimeout(scriptTimer);
          worker.removeEventListener('message', onMessage);
          worker.removeEventListener('error', onError);
        };
        const onMessage = (e: MessageEvent<WorkerResponse>) => {
          const m = e.data;
          if (m.type === 'ready') {
            clearTimeout(scriptTimer);
          } else if (m.type === 'loaded') {
            done();
            resolve(m.info);
          } else if (m.type === 'load-progress') {
            options.onLoadProgress?.(m.progress);
          } else if (m.type === 'error' && m.id === undefined) {
            done();
            reject(new WorkerError(m.name, m.message));
          }
        };
        const onError = (e: ErrorEvent) => {
          done();
          reject(new WorkerError('WorkerError', e.message || 'the segmentation worker could not start'));
        };
        // A script that never arrives raises no error event: the worker would wait for ever, and
        // with it every run waiting for this model.
        const scriptTimer = setTimeout(() => {
          done();
          reject(new WorkerError('WorkerError', `${scriptUrl}: the segmentation worker's script ${notArrivedWithin(scriptWait)}`));
        }, scriptWait);
        worker.addEventListener('message', onMessage);
        worker.addEventListener('error', onError);
        worker.postMessage({ type: 'load', options: load } satisfies WorkerRequest);
      });
      return new SegmentationClient(worker, info, cancelGrace);
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  /** Segments every frame of a Part 10 cine. The bytes are copied, the caller keeps its buffer. */
  segment(cine: Uint8Array | ArrayBuffer, name: string, options: ClientSegmentOptions = {}): Promise<ClientRun> {
    const id = this.nextId++;
    const bytes = cine instanceof Uint8Array ? cine.slice().buffer : cine.slice(0);
    return new Promise<ClientRun>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new WorkerError('AbortError', 'the segmentation was cancelled'));
        return;
      }
      if (this.ended) {
        reject(new WorkerError('AbortError', 'the segmentation worker was stopped'));
        return;
      }
      const run: PendingRun = { resolve, reject, options };
      this.pending.set(id, run);
      options.signal?.addEventListener('abort', () => this.cancel(id, run), { once: true });
      const { signal: _s, onFrame: _f, onProgress: _p, ...workerOptions } = options;
      this.worker.postMessage({ type: 'segment', id, cine: bytes as ArrayBuffer, name, options: workerOptions } satisfies WorkerRequest, [bytes as ArrayBuffer]);
    });
  }

  /** True once the worker has been ended (terminate, or a cancel it did not answer in time): start another. */
  get stopped(): boolean {
    return this.ended;
  }

  terminate(): void {
    this.ended = true;
    this.worker.terminate();
    this.failAll(new WorkerError('AbortError', 'the segmentation worker was stopped'));
  }

  private cancel(id: number, run: PendingRun): void {
    if (this.pending.get(id) !== run) return;
    this.worker.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
    run.grace = setTimeout(() => {
      if (this.pending.get(id) !== run) return;
      this.pending.delete(id);
      run.reject(new WorkerError('AbortError', `the segmentation was cancelled; the worker did not stop within ${seconds(this.cancelGraceMs)} and was ended (the next run starts another)`));
      this.terminate();
    }, this.cancelGraceMs);
  }

  private settle(id: number): PendingRun | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.grace);
    return p;
  }

  private failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }

  private receive(m: WorkerResponse): void {
    if (m.type === 'ready' || m.type === 'loaded' || m.type === 'load-progress' || m.id === undefined) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'frame':
        p.options.onFrame?.({ frameIndex: m.frameIndex, total: m.total, mask: m.mask, metrics: m.metrics, provider: m.provider });
        p.options.onProgress?.({ done: m.frameIndex + 1, total: m.total });
        break;
      case 'done':
        this.settle(m.id);
        p.resolve({
          run: { ...m.run, masks: m.run.masks.map((k) => PackedMask.fromBits(k.length, k.bits)) },
          ...(m.segmentation ? { segmentation: new Uint8Array(m.segmentation), segmentationWriteMs: m.segmentationWriteMs ?? 0 } : {}),
        });
        break;
      case 'error':
        this.settle(m.id);
        p.reject(new WorkerError(m.name, m.message));
        break;
    }
  }
}
