/**
 * Frames decoded and pre-processed in workers ahead of inference, whatever the host's workers are
 * (worker_threads in Node: nodeFrameWorkers.ts; Web Workers in the browser: src/web). A worker is
 * sent a frame's still-encoded bytes and answers with its image and model input (moved, not
 * copied). A frame a worker cannot prepare is decoded again in the engine's thread, which throws
 * the same typed error (FrameDecodeError) as without workers. A worker that stops leaves its share
 * of the loop to the engine's thread (the other workers keep theirs) and later loops to that
 * thread alone, with the reason.
 */
import type { CineImage } from '../dicom/cineImage.js';
import type { PixelFormat } from '../dicom/pixelFormat.js';
import { decodeFrameToGrayscale } from '../dicom/decode/decodeFrame.js';
import { seconds } from '../util/httpTransfer.js';
import { SpareFloat32Arrays } from '../util/spareFloat32Arrays.js';
import { inlineFrameSource, prepareDecodedFrame, type FrameSource, type FrameSourceFactory, type PreparationSpec, type PreparedFrame } from './frameSource.js';

/**
 * `loop` numbers the loops a worker serves: a loop that ends early (a frame it cannot decode, a
 * cancel) leaves frames asked ahead in the worker's queue, whose answers must not be taken for the
 * next loop's frames of the same index (another cine's pixels).
 */
export type FrameRequest =
  | { type: 'init'; loop: number; format: PixelFormat; transferSyntaxUID: string; spec: PreparationSpec }
  | { type: 'frame'; loop: number; index: number; encoded: Uint8Array }
  /** Buffers of frames this pool prepared that the engine is done with (moved), for later frames to be written into. */
  | { type: 'spare'; buffers: ArrayBuffer[] };
export type FrameReply = { type: 'ready' } | ({ type: 'frame'; loop: number; index: number } & PreparedFrame) | { type: 'error'; loop: number; index: number; message: string };

/** One side of a frame worker's channel, as the host's worker API offers it. */
export interface FrameEndpoint {
  /** `transfer`: buffers moved to the other side rather than copied. */
  post(message: FrameRequest | FrameReply, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
  /** The other side failed to start or stopped (script missing, uncaught error, exit). */
  onFailure(handler: (error: Error) => void): void;
  /** Idle between loops: Node lets the process exit while its worker waits (unref). */
  setIdle?(idle: boolean): void;
  terminate(): void;
}

/**
 * Frame workers a loop gets by default: with inference on a GPU and cores to spare, two (decoding
 * and pre-processing cost about an eighth of the metrics, which get three cores in four); none
 * otherwise, where they would take cores from inference.
 */
export function frameWorkersFor(provider: 'cpu' | 'wasm' | 'webgpu', cores: number): number {
  return provider === 'webgpu' && cores >= 8 ? 2 : 0;
}

export interface FrameWorkerPoolOptions {
  workers: number;
  /** Frames asked for ahead of the one the engine waits for, per worker. Default 4. */
  framesAhead?: number;
  /** Told once when a worker stops and the frames are prepared in the engine's thread instead. */
  onFallback?: (reason: string) => void;
  /**
   * How long a new worker may take to say it is ready (its script loaded and run) before the loop
   * goes on without it; default 30 s, as the metrics workers'.
   */
  startTimeoutMs?: number;
}

export interface FrameWorkerPool {
  readonly source: FrameSourceFactory;
  dispose(): void;
}

interface Pending {
  resolve: (frame: PreparedFrame) => void;
  reject: (reason: Error) => void;
}

/** One started worker: the frames asked of it, answered in any order by index. */
class FrameWorker {
  private readonly pending = new Map<number, Pending>();
  private loop = 0;
  stopped: Error | undefined;
  /** Runs until the worker says it is ready: a script that never finishes loading raises no failure, and the frames asked of it would never come. */
  private readonly startTimer: ReturnType<typeof setTimeout>;

  constructor(
    readonly endpoint: FrameEndpoint,
    startTimeoutMs: number,
  ) {
    this.startTimer = setTimeout(() => this.stop(new Error(`it did not answer within ${seconds(startTimeoutMs)}`)), startTimeoutMs);
    endpoint.onMessage((reply) => this.receive(reply as FrameReply));
    endpoint.onFailure((err) => this.stop(err));
  }

  private receive(reply: FrameReply): void {
    if (reply.type === 'ready') {
      clearTimeout(this.startTimer);
      return;
    }
    if (reply.loop !== this.loop) return;
    const p = this.pending.get(reply.index);
    if (!p) return;
    this.pending.delete(reply.index);
    if (reply.type === 'error') p.reject(new Error(reply.message));
    else p.resolve(reply);
  }

  private stop(err: Error): void {
    if (this.stopped) return;
    this.stopped = new Error(`the frame worker stopped: ${err.message}`);
    clearTimeout(this.startTimer);
    for (const p of this.pending.values()) p.reject(this.stopped);
    this.pending.clear();
  }

  start(cine: CineImage, spec: PreparationSpec): void {
    this.pending.clear();
    this.loop++;
    this.endpoint.setIdle?.(false);
    this.endpoint.post({ type: 'init', loop: this.loop, format: cine.pixelFormat, transferSyntaxUID: cine.transferSyntaxUID, spec });
  }

  ask(index: number, encoded: Uint8Array): Promise<PreparedFrame> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.pending.set(index, { resolve, reject });
      this.endpoint.post({ type: 'frame', loop: this.loop, index, encoded });
    });
  }

  idle(): void {
    this.pending.clear();
    this.endpoint.setIdle?.(true);
  }

  giveSpare(buffer: ArrayBuffer): void {
    if (!this.stopped) this.endpoint.post({ type: 'spare', buffers: [buffer] }, [buffer]);
  }
}

/** Frame sources backed by `options.workers` workers that `create` starts, kept for the next loop. */
export function frameWorkerPool(options: FrameWorkerPoolOptions & { create: () => FrameEndpoint }): FrameWorkerPool {
  const ahead = Math.max(1, options.framesAhead ?? 4);
  let workers: FrameWorker[] | undefined;
  let unavailable: string | undefined;
  const fallBack = (reason: string) => {
    if (unavailable !== undefined) return;
    unavailable = reason;
    options.onFallback?.(reason);
  };
  return {
    async source(cine, spec, first, spare) {
      if (unavailable !== undefined || options.workers < 1) return inlineFrameSource(cine, spec, first, spare);
      try {
        workers ??= Array.from({ length: options.workers }, () => new FrameWorker(options.create(), options.startTimeoutMs ?? 30_000));
      } catch (err) {
        // No worker support at all (a host without Worker): this and later loops in line.
        fallBack(`no frame worker could start: ${err instanceof Error ? err.message : String(err)}`);
        return inlineFrameSource(cine, spec, first, spare);
      }
      const team = workers;
      // Not waited for: frames asked of a worker still starting wait in its queue, and one that
      // does not start in time is stopped, which hands its frames to this thread (below).
      for (const w of team) w.start(cine, spec);
      const inline = await inlineFrameSource(cine, spec, first, spare);
      const asked = new Map<number, Promise<PreparedFrame>>();
      let nextToAsk = 0;
      // An input goes back to the worker that made it, and only such an input: a frame the
      // engine's thread prepared instead (a worker that stopped) has its input in the inline
      // source's one array, which that source writes again. An image is its frame's alone, and
      // comes back from a metrics worker as another object: any worker, in turn.
      const inputMadeBy = new WeakMap<ArrayBuffer, FrameWorker>();
      let nextImageTo = 0;
      let closed = false;
      const askUpTo = (last: number) => {
        for (; nextToAsk <= Math.min(last, cine.numberOfFrames - 1); nextToAsk++) {
          const index = nextToAsk;
          // A copy of this frame's bytes: the frame may be a view into the whole file, and a view
          // is sent with all of its buffer.
          const worker = team[index % team.length]!;
          const request = worker.ask(index, cine.encodedFrame(index).slice()).then((frame) => {
            inputMadeBy.set(frame.input.buffer as ArrayBuffer, worker);
            return frame;
          });
          // Awaited when the engine reaches that frame; a failure before then is not unhandled.
          request.catch(() => undefined);
          asked.set(index, request);
        }
      };
      return {
        where: 'worker' as const,
        async frame(index: number): Promise<PreparedFrame> {
          askUpTo(index + ahead * team.length);
          const request = asked.get(index) ?? inline.frame(index);
          asked.delete(index);
          try {
            return await request;
          } catch {
            const stopped = team.find((w) => w.stopped)?.stopped;
            if (stopped) fallBack(stopped.message);
            // The engine's thread decodes it again: the typed error the inline path throws, or the frame.
            return inline.frame(index);
          }
        },
        recycle(buffer: ArrayBuffer, part: 'image' | 'input') {
          if (closed || buffer.byteLength === 0) return;
          if (part === 'input') {
            const worker = inputMadeBy.get(buffer);
            inputMadeBy.delete(buffer);
            worker?.giveSpare(buffer);
            return;
          }
          const live = team.filter((w) => !w.stopped);
          if (live.length > 0) live[nextImageTo++ % live.length]!.giveSpare(buffer);
        },
        close() {
          if (closed) return;
          closed = true;
          asked.clear();
          if (team.some((w) => w.stopped)) {
            for (const w of team) w.endpoint.terminate();
            if (workers === team) workers = undefined;
          } else for (const w of team) w.idle();
        },
      } satisfies FrameSource;
    },
    dispose() {
      for (const w of workers ?? []) w.endpoint.terminate();
      workers = undefined;
    },
  };
}

/**
 * The worker side: decodes and prepares each frame asked for, for the loop last initialised, into
 * the buffers the engine gave back where it has any (a new array costs its first touch; see
 * SpareFloat32Arrays), kept from loop to loop.
 */
export function serveFramePreparation(endpoint: FrameEndpoint, spare = new SpareFloat32Arrays()): void {
  let current: Extract<FrameRequest, { type: 'init' }> | undefined;
  endpoint.post({ type: 'ready' });
  endpoint.onMessage((message) => {
    const request = message as FrameRequest;
    if (request.type === 'init') {
      // Buffers of another loop's sizes would only take the places of this loop's.
      const sizes = (r: Extract<FrameRequest, { type: 'init' }>) => `${r.format.rows * r.format.columns}/${r.spec.model.input.shape.slice(1).join('x')}`;
      if (current && sizes(current) !== sizes(request)) spare.clear();
      current = request;
      return;
    }
    if (request.type === 'spare') {
      for (const buffer of request.buffers) spare.give(buffer);
      return;
    }
    const { loop, index, encoded } = request;
    void (async () => {
      try {
        if (!current || current.loop !== loop) throw new Error(`frame ${index + 1} was sent for loop ${loop}, not the loop being served`);
        const { format, transferSyntaxUID, spec } = current;
        const [, c, h, w] = spec.model.input.shape;
        const t = performance.now();
        const frame = await decodeFrameToGrayscale(encoded, format, transferSyntaxUID, spare.take(format.rows * format.columns));
        const decodeMs = performance.now() - t;
        const prepared = prepareDecodedFrame(frame, spec, spare.take(c * h * w));
        endpoint.post({ type: 'frame', loop, index, decodeMs, ...prepared }, [prepared.image.buffer as ArrayBuffer, prepared.input.buffer as ArrayBuffer]);
      } catch (err) {
        endpoint.post({ type: 'error', loop, index, message: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
}
