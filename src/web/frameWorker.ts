/**
 * A frame worker (trus-frame-worker.mjs), started by the segmentation worker when inference runs
 * on a GPU: decodes and pre-processes frames ahead of inference (frameWorkerPool.ts).
 */
import { configureCodecs } from '../dicom/decode/codecs.js';
import { browserCodecs } from './browserCodecs.js';
import { serveFramePreparation } from '../inference/frameWorkerPool.js';

interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;

// The codecs' .wasm files sit beside this bundle (see segmentationWorker.ts).
configureCodecs(browserCodecs(globalThis.location.href));

serveFramePreparation({
  post: (message, transfer) => scope.postMessage(message, transfer ?? []),
  onMessage: (handler) => (scope.onmessage = (e) => handler(e.data)),
  onFailure: () => undefined,
  terminate: () => scope.close(),
});
