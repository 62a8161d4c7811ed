/**
 * The segmentation worker: loads a model with onnxruntime-web and runs the engine's segmentCine
 * (the same function the CLI runs) on a Part 10 cine, posting each frame's mask as it is ready.
 * Built as its own module bundle (trus-seg-worker.mjs).
 */
import { CineImage } from '../dicom/cineImage.js';
import { configureCodecs } from '../dicom/decode/codecs.js';
import { segmentCine } from '../inference/engine.js';
import { segmentationFromRun } from '../inference/segmentationFromRun.js';
import { verifyWeights, checkDeclaredShapes, manifestFromText, type LoadedModel } from '../inference/model.js';
import { ModelLoadError } from '../inference/backend.js';
import { DEFAULT_IDLE_TIMEOUT_MS, notArrivedWithin, type TransferProgress } from '../util/httpTransfer.js';
import { withinDeadline } from '../util/withinDeadline.js';
import { fetchAsset, fetchWebAssembly } from './assetFetch.js';
import { browserCodecs } from './browserCodecs.js';
import { webMetricsWorkerPool } from './metricsWorkerPool.js';
import { metricsWorkersFor, type MetricsWorkerPool } from '../temporal/metricsWorkers.js';
import { createWebBackend, ORT_RUNTIME_BINARY, ORT_RUNTIME_GLUE, type OrtBuild, type OrtModule, type WebBackend } from './webBackend.js';
import { webFrameWorkerPool } from './frameWorkerPool.js';
import { frameWorkersFor, type FrameWorkerPool } from '../inference/frameWorkerPool.js';
import type { BackendInfo, LoadProgress, WorkerLoadOptions, WorkerRequest, WorkerResponse } from './workerProtocol.js';

interface WorkerScope {
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<WorkerRequest>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

// The codecs' .wasm files sit beside this worker bundle.
configureCodecs(browserCodecs(globalThis.location.href));

/** The metrics and frame workers' bundles, beside this one. */
const METRICS_WORKER_FILE = 'trus-metrics-worker.mjs';
const FRAME_WORKER_FILE = 'trus-frame-worker.mjs';

let model: (LoadedModel & { backend: WebBackend }) | undefined;
let metricsWorkers: MetricsWorkerPool | undefined;
let frameWorkers: FrameWorkerPool | undefined;
const running = new Map<number, AbortController>();

/**
 * A file the load needs; a server that goes silent fails the load (which a later run can then
 * retry). The large ones, all but the manifest, report their progress to the page.
 */
function fetchBytes(url: string, what: 'model manifest' | LoadProgress['file'], idleTimeoutMs: number | undefined): Promise<Uint8Array> {
  const get = what === 'onnxruntime-web runtime' ? fetchWebAssembly : fetchAsset;
  return get(url, what, {
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    ...(what !== 'model manifest' ? { onProgress: (p: TransferProgress) => scope.postMessage({ type: 'load-progress', progress: { file: what, url, ...p } }) } : {}),
    error: (where, problem) => new ModelLoadError(`${where}: ${problem}`),
  });
}

/**
 * One of onnxruntime-web's modules (tens of kB): `import()` takes no timeout and reports no
 * progress, so the whole module has the load's idle time to arrive.
 */
async function importOrtModule(url: string, what: string, idleTimeoutMs: number | undefined): Promise<unknown> {
  const ms = idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  try {
    return await withinDeadline(import(/* webpackIgnore: true */ url), ms, () => new ModelLoadError(`${url}: ${what} ${notArrivedWithin(ms)}`));
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(`${url}: cannot load ${what} (${err instanceof Error ? err.message : String(err)})`);
  }
}

async function load(options: WorkerLoadOptions): Promise<BackendInfo> {
  // Refused before any model is fetched or session made.
  const requested = options.metricsWorkers;
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) throw new RangeError(`metricsWorkers must be a whole number of at least 1, not ${requested}`);
  const requestedFrameWorkers = options.frameWorkers;
  if (requestedFrameWorkers !== undefined && !(Number.isInteger(requestedFrameWorkers) && requestedFrameWorkers >= 0)) throw new RangeError(`frameWorkers must be a whole number of at least 0, not ${requestedFrameWorkers}`);
  // Checked by the client, which times the worker's script with it.
  const idle = options.idleTimeoutMs;
  // The codecs this worker decodes with wait no longer than the load's files.
  configureCodecs(browserCodecs(globalThis.location.href, idle));
  const text = new TextDecoder().decode(await fetchBytes(options.manifestUrl, 'model manifest', idle));
  const manifest = manifestFromText(text, options.manifestUrl);
  const weightsUrl = new URL(manifest.file, new URL(options.manifestUrl, globalThis.location?.href)).href;
  const bytes = await fetchBytes(weightsUrl, 'model weights', idle);
  verifyWeights(manifest, bytes, weightsUrl);
  const base = options.ortBaseUrl.endsWith('/') ? options.ortBaseUrl : `${options.ortBaseUrl}/`;
  const loadOrt = (build: OrtBuild) => importOrtModule(`${base}ort.${build}.min.mjs`, 'onnxruntime-web', idle) as Promise<OrtModule>;
  const loadRuntimeGlue = (build: OrtBuild) => importOrtModule(`${base}${ORT_RUNTIME_GLUE[build]}`, "onnxruntime-web's WebAssembly runtime module", idle);
  const loadRuntimeBinary = (build: OrtBuild) => fetchBytes(`${base}${ORT_RUNTIME_BINARY[build]}`, 'onnxruntime-web runtime', idle);
  const metricsWorker = options.metricsWorker ?? true;
  const backend = await createWebBackend(bytes, manifest, weightsUrl, {
    preference: options.preference,
    loadOrt,
    loadRuntimeBinary,
    loadRuntimeGlue,
    wasmPaths: base,
    // The metrics worker runs beside inference: an inference thread on its core slows both (on
    // two cores, one inference thread beside the metrics worker beat two; bench/results).
    spareCores: metricsWorker ? 1 : 0,
    ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
    ...(options.destroyDeviceAfterBatches !== undefined ? { destroyDeviceAfterBatches: options.destroyDeviceAfterBatches } : {}),
  });
  await checkDeclaredShapes(manifest, backend, weightsUrl);
  await model?.backend.dispose();
  model = { manifest, backend, source: options.manifestUrl };
  metricsWorkers?.dispose();
  metricsWorkers = undefined;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const workersPerLoop = metricsWorker ? (requested ?? metricsWorkersFor(backend.provider, cores)) : 0;
  if (metricsWorker) {
    metricsWorkers = webMetricsWorkerPool(new URL(METRICS_WORKER_FILE, globalThis.location.href).href, {
      workersPerLoop,
      ...(idle !== undefined ? { startTimeoutMs: idle } : {}),
      onFallback: (reason) => console.warn(`trus-cine-seg: temporal metrics computed in the segmentation worker (${reason})`),
    });
    // Its script loads while the page is still busy with the cine, not on the first click.
    metricsWorkers.prewarm();
  }
  frameWorkers?.dispose();
  frameWorkers = undefined;
  const framesPerLoop = requestedFrameWorkers ?? frameWorkersFor(backend.provider, cores);
  if (framesPerLoop > 0) {
    frameWorkers = webFrameWorkerPool(new URL(FRAME_WORKER_FILE, globalThis.location.href).href, {
      workers: framesPerLoop,
      ...(idle !== undefined ? { startTimeoutMs: idle } : {}),
      onFallback: (reason) => console.warn(`trus-cine-seg: frames decoded in the segmentation worker (${reason})`),
    });
  }
  return {
    provider: backend.provider,
    fallbackReason: backend.fallbackReason,
    threads: backend.threads,
    metricsWorkers: workersPerLoop,
    frameWorkers: framesPerLoop,
    crossOriginIsolated: backend.crossOriginIsolated,
    adapterName: backend.adapterName,
    crossCheckMaxDiff: backend.crossCheckMaxDiff,
    model: { name: manifest.name, version: manifest.version, sha256: manifest.sha256, trainedOn: manifest.trainedOn, intendedUse: manifest.intendedUse, input: manifest.input.shape },
  };
}

async function segment(request: Extract<WorkerRequest, { type: 'segment' }>): Promise<void> {
  if (!model) throw new ModelLoadError('no model is loaded in the worker');
  const controller = new AbortController();
  running.set(request.id, controller);
  try {
    const cine = CineImage.fromPart10(new Uint8Array(request.cine), request.name);
    const stream = request.options.streamFrames ?? true;
    const run = await segmentCine(cine, model, {
      signal: controller.signal,
      ...(metricsWorkers ? { metrics: metricsWorkers.runner } : {}),
      ...(frameWorkers ? { frames: frameWorkers.source } : {}),
      ...(request.options.batchSize !== undefined ? { batchSize: request.options.batchSize } : {}),
      ...(request.options.postprocess ? { postprocess: request.options.postprocess } : {}),
      ...(request.options.requireUltrasound !== undefined ? { requireUltrasound: request.options.requireUltrasound } : {}),
      onFrame: (f) => {
        // A copy: the metrics keep the frame's mask to compare with the next frame.
        const mask = stream ? f.mask.slice() : undefined;
        const message: WorkerResponse = { type: 'frame', id: request.id, frameIndex: f.frameIndex, total: cine.numberOfFrames, metrics: f.metrics, provider: model!.backend.provider, ...(mask ? { mask } : {}) };
        scope.postMessage(message, mask ? [mask.buffer as ArrayBuffer] : []);
      },
    });
    const writeStart = performance.now();
    const segmentation = request.options.writeSegmentation ? segmentationFromRun(cine, run).toPart10() : undefined;
    const segmentationWriteMs = segmentation ? performance.now() - writeStart : undefined;
    const masks = run.masks.map((m) => ({ length: m.length, bits: m.bits }));
    const transfer: Transferable[] = masks.map((m) => m.bits.buffer as ArrayBuffer);
    const segBuffer = segmentation ? (segmentation.buffer.slice(segmentation.byteOffset, segmentation.byteOffset + segmentation.byteLength) as ArrayBuffer) : undefined;
    if (segBuffer) transfer.push(segBuffer);
    scope.postMessage({ type: 'done', id: request.id, run: { ...run, masks }, ...(segBuffer ? { segmentation: segBuffer, segmentationWriteMs } : {}) }, transfer);
  } finally {
    running.delete(request.id);
  }
}

function errorResponse(err: unknown, id?: number): WorkerResponse {
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'error', ...(id !== undefined ? { id } : {}), name: e.name, message: e.message };
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'load':
      load(request.options).then(
        (info) => scope.postMessage({ type: 'loaded', info }),
        (err) => scope.postMessage(errorResponse(err)),
      );
      break;
    case 'segment':
      segment(request).catch((err) => scope.postMessage(errorResponse(err, request.id)));
      break;
    case 'cancel':
      running.get(request.id)?.abort(new DOMException('the segmentation was cancelled', 'AbortError'));
      break;
  }
});

scope.postMessage({ type: 'ready' });
