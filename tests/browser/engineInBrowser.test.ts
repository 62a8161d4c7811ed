/**
 * The engine in headless Chromium through its Web Worker and onnxruntime-web: WASM with and
 * without cross-origin isolation, WebGPU on SwiftShader (forced, as design.md prescribes for
 * machines without a GPU), a WebGPU device destroyed mid-loop, cancellation (also of a worker
 * busy in a long batch), bad models, and onnxruntime-web's files, a codec's, and the workers'
 * scripts missing or stalling.
 * Masks are compared with onnxruntime-node on the same loop and model.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import { CineImage } from '../../src/dicom/cineImage.js';
import { readSegmentation, masksForSource } from '../../src/dicom/segmentationReader.js';
import { PackedMask } from '../../src/dicom/bitPacking.js';
import { loadNodeModel } from '../../src/inference/nodeModel.js';
import { segmentCine } from '../../src/inference/engine.js';
import { metricsWorkersFor } from '../../src/temporal/metricsWorkers.js';
import { buildSlowSegmentationModel, buildThresholdModel, buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder, type ModelFolder } from '../helpers/modelDir.js';
import { phantomLoop } from '../helpers/phantomLoop.js';
import { dciodvfy, tempDir } from '../helpers/tools.js';
import { expectWorkerMetricsEqualInline } from '../helpers/metricsAgreement.js';
import { partsReportedDuring, sendInParts, startLoopbackServer, type LoopbackServer } from '../helpers/loopbackServer.js';
import { CROSS_ORIGIN_ISOLATION, launchChromium, serveStatic, type Browser, type StaticServer } from '../helpers/browser.js';

jest.setTimeout(300000);

const ROOT = resolve(__dirname, '../..');
const BUNDLE_DIR = resolve(ROOT, 'dist/browser');
const CLI = resolve(ROOT, 'dist/cli/main.js');
/** Node (CPU EP) and onnxruntime-web differ by float rounding only: a boundary pixel may flip where the probability is within ~1e-6 of the threshold. */
const MAX_DIFFERING_FRACTION = 1e-3;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as engine from '/trus-cine-seg.mjs';
window.runEngine = async (o) => {
  const client = await engine.SegmentationClient.start({ manifestUrl: o.model, preference: o.preference, ...(o.destroy !== undefined ? { destroyDeviceAfterBatches: o.destroy } : {}), ...(o.metricsWorker !== undefined ? { metricsWorker: o.metricsWorker } : {}), ...(o.metricsWorkers !== undefined ? { metricsWorkers: o.metricsWorkers } : {}), ...(o.frameWorkers !== undefined ? { frameWorkers: o.frameWorkers } : {}), ...(o.worker ? { workerUrl: o.worker } : {}), ...(o.idle ? { idleTimeoutMs: o.idle } : {}) });
  try {
    const bytes = new Uint8Array(await (await fetch(o.cine)).arrayBuffer());
    const streamed = [];
    const streamedMetrics = [];
    const result = await client.segment(bytes, 'loop.dcm', { batchSize: o.batch ?? 2, writeSegmentation: !!o.seg, onFrame: (f) => { streamed.push([f.frameIndex, f.mask ? f.mask.reduce((a, b) => a + b, 0) : -1]); streamedMetrics.push(f.metrics); } });
    return {
      info: client.info,
      cores: navigator.hardwareConcurrency,
      provider: result.run.provider,
      fallbackReason: result.run.fallbackReason ?? null,
      changedAt: result.run.providerChangedAtFrame ?? null,
      masks: result.run.masks.map((m) => Array.from(m.bits)),
      length: result.run.masks[0].length,
      streamed,
      summaryFrames: result.run.summary.frames,
      summary: result.run.summary,
      frames: result.run.frames,
      streamedMetrics,
      metricsIn: result.run.timings.metricsIn,
      preparedIn: result.run.timings.preparedIn,
      // A loop run again by the same worker, when asked for.
      againPreparedIn: o.again ? (await client.segment(bytes, 'loop.dcm')).run.timings.preparedIn : null,
      seg: result.segmentation ? Array.from(result.segmentation) : null,
    };
  } finally {
    client.terminate();
  }
};
window.cancelAfterFirstFrame = async (o) => {
  const client = await engine.SegmentationClient.start({ manifestUrl: o.model, preference: 'wasm' });
  const bytes = new Uint8Array(await (await fetch(o.cine)).arrayBuffer());
  const controller = new AbortController();
  let seen = 0;
  let error = null;
  try {
    await client.segment(bytes, 'loop.dcm', { batchSize: 1, signal: controller.signal, onFrame: () => { seen++; controller.abort(); } });
  } catch (e) {
    error = { name: e.name, message: e.message };
  }
  const again = await client.segment(bytes, 'loop.dcm');
  client.terminate();
  return { error, seen, againFrames: again.run.masks.length };
};
window.cancelDuringSlowBatch = async (o) => {
  const client = await engine.SegmentationClient.start({ manifestUrl: o.model, preference: 'wasm', ...(o.grace !== undefined ? { cancelGraceMs: o.grace } : {}) });
  const bytes = new Uint8Array(await (await fetch(o.cine)).arrayBuffer());
  const controller = new AbortController();
  let error = null;
  // The worker reports a frame once the batch after it has run, and at once starts the next: the
  // cancel, sent a little later, comes while a batch runs.
  let armed = false;
  const cancelSoon = () => {
    if (!armed) setTimeout(() => controller.abort(), 100);
    armed = true;
  };
  try {
    await client.segment(bytes, 'loop.dcm', { batchSize: 1, signal: controller.signal, onFrame: cancelSoon });
  } catch (e) {
    error = { name: e.name, message: e.message };
  }
  const stopped = client.stopped;
  let later = null;
  if (stopped) {
    try {
      await client.segment(bytes, 'loop.dcm');
    } catch (e) {
      later = { name: e.name, message: e.message };
    }
  }
  client.terminate();
  return { error, stopped, later };
};
window.startError = async (model, options = {}) => {
  try {
    const client = await engine.SegmentationClient.start({ manifestUrl: model, preference: 'wasm', ...options });
    client.terminate();
    return null;
  } catch (e) {
    return { name: e.name, message: e.message };
  }
};
window.segmentTwice = async (o) => {
  const client = await engine.SegmentationClient.start({ manifestUrl: '/tiny/model.json', preference: 'wasm', workerUrl: o.worker, idleTimeoutMs: o.idle });
  const bytes = new Uint8Array(await (await fetch('/loop.dcm')).arrayBuffer());
  const attempt = async () => {
    try {
      return { frames: (await client.segment(bytes, 'loop.dcm')).run.masks.length };
    } catch (e) {
      return { name: e.name, message: e.message };
    }
  };
  try {
    return [await attempt(), await attempt()];
  } finally {
    client.terminate();
  }
};
window.loadProgress = async (model, options = {}) => {
  const seen = [];
  const client = await engine.SegmentationClient.start({ manifestUrl: model, preference: 'wasm', ...options, onLoadProgress: (p) => seen.push(p) });
  client.terminate();
  return seen;
};
window.adapterInfo = async () => {
  const a = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  return a ? { fallback: a.info?.isFallbackAdapter ?? a.isFallbackAdapter ?? null, vendor: a.info?.vendor ?? '', architecture: a.info?.architecture ?? '' } : null;
};
window.ready = true;
</script>`;

interface EngineResult {
  info: { provider: string; fallbackReason?: string; threads: number; metricsWorkers: number; frameWorkers: number; crossOriginIsolated: boolean; adapterName?: string; crossCheckMaxDiff?: number; model: { name: string } };
  cores: number;
  provider: string;
  fallbackReason: string | null;
  changedAt: number | null;
  masks: number[][];
  length: number;
  streamed: [number, number][];
  summaryFrames: number;
  summary: Record<string, unknown>;
  frames: Record<string, unknown>[];
  streamedMetrics: Record<string, unknown>[];
  metricsIn: 'worker' | 'inline';
  preparedIn: 'worker' | 'inline';
  againPreparedIn: 'worker' | 'inline' | null;
  seg: number[] | null;
}

/** What a server of another origin must send for this page to read its answer. */
const ANY_ORIGIN = { 'Access-Control-Allow-Origin': '*' };

/**
 * A server of another origin (allowing this one): `answer` serves the paths the test makes
 * special and says whether it did; any other path is onnxruntime-web's file of that name from
 * the build (a module in any folder), or 404.
 */
function ortElsewhere(answer: (path: string, res: ServerResponse) => boolean): Promise<LoopbackServer> {
  return startLoopbackServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (answer(path, res)) return;
    const file = join(BUNDLE_DIR, 'ort', basename(path));
    if (path.endsWith('.mjs') && existsSync(file)) {
      res.writeHead(200, { ...ANY_ORIGIN, 'Content-Type': 'text/javascript' });
      res.end(readFileSync(file));
    } else {
      res.writeHead(404, ANY_ORIGIN);
      res.end('not found');
    }
  });
}

/** An answer that stops after its first bytes: a server that took the request and went silent. */
function stallAfterFirstBytes(res: ServerResponse, bytes: Uint8Array, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length), ...headers });
  res.write(bytes.subarray(0, Math.min(4096, bytes.length >> 1)));
}

/**
 * The bundle in folders each with one fault: /<fault>/<file> is the build's file, except that the
 * JPEG decoder's WebAssembly is missing (codec-missing), a page (codec-page), stalls
 * (codec-stall) or is missing the first time only (codec-once), the decoder's script stalls
 * (codec-script-stall), the segmentation worker's script stalls (worker-stall), or the metrics
 * and frame workers' scripts stall (helpers-stall).
 */
function faultyBundle(): (path: string, res: ServerResponse) => boolean {
  const codecWasm = 'libjpegturbowasm_decode.wasm';
  const codecScript = readdirSync(BUNDLE_DIR).find((f) => f.endsWith('.chunk.mjs') && readFileSync(join(BUNDLE_DIR, f), 'latin1').includes(codecWasm));
  if (!codecScript) throw new Error(`no chunk of ${BUNDLE_DIR} loads ${codecWasm}`);
  let onceAsked = false;
  return (path, res) => {
    const m = /^\/(codec-missing|codec-page|codec-stall|codec-once|codec-script-stall|worker-stall|helpers-stall)\/([^/]+)$/.exec(path);
    if (!m) return false;
    const [, fault, file] = m as unknown as [string, string, string];
    const own = join(BUNDLE_DIR, file);
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    if (file === codecWasm && (fault === 'codec-missing' || (fault === 'codec-once' && !onceAsked))) {
      if (fault === 'codec-once') onceAsked = true;
      res.writeHead(404);
      res.end('not found');
    } else if (file === codecWasm && fault === 'codec-page') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>Not found</title>');
    } else if ((file === codecWasm && fault === 'codec-stall') || (file === codecScript && fault === 'codec-script-stall') || (file === 'trus-seg-worker.mjs' && fault === 'worker-stall') || (/^trus-(metrics|frame)-worker\.mjs$/.test(file) && fault === 'helpers-stall')) {
      stallAfterFirstBytes(res, readFileSync(own), { 'Content-Type': type });
    } else if (existsSync(own)) {
      res.writeHead(200, { 'Content-Type': type });
      res.end(readFileSync(own));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
    return true;
  };
}

function modelFiles(prefix: string, folder: ModelFolder): Record<string, Uint8Array> {
  return { [`${prefix}/model.json`]: readFileSync(folder.manifestPath), [`${prefix}/model.onnx`]: readFileSync(folder.weightsPath) };
}

function differingPixels(a: number[][], b: PackedMask[], length: number): number {
  let n = 0;
  a.forEach((bits, k) => {
    const ours = PackedMask.fromBits(length, Uint8Array.from(bits)).unpack();
    const theirs = b[k]!.unpack();
    for (let i = 0; i < length; i++) if (ours[i] !== theirs[i]) n++;
  });
  return n;
}

describe('engine in headless Chromium (onnxruntime-web in a worker)', () => {
  let plain: StaticServer;
  let isolated: StaticServer;
  let gpuBrowser: Browser;
  let noGpuBrowser: Browser;
  let nodeMasks: PackedMask[];
  let pixels: number;
  const dir = tempDir('browser-engine-');
  const cinePath = join(dir, 'loop.dcm');
  let tiny: ModelFolder;
  let threshold: ModelFolder;
  let servedExtra: Record<string, string | Uint8Array>;

  beforeAll(async () => {
    if (!existsSync(resolve(BUNDLE_DIR, 'trus-seg-worker.mjs'))) throw new Error('dist/browser is missing: run "npm run build" first');
    const loop = await phantomLoop('browser-engine', 6, 120, 'jpeg');
    writeFileSync(cinePath, loop.cine);
    tiny = writeModelFolder(join(dir, 'tiny'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64], { name: 'tiny-net' });
    threshold = writeModelFolder(join(dir, 'threshold'), buildThresholdModel({ height: 64, width: 64, scale: 12, bias: -3 }), ['N', 1, 64, 64], { name: 'threshold-net' });
    // A second or so a frame with WASM on one thread here: a batch that a cancel must wait for.
    const slow = writeModelFolder(join(dir, 'slow'), buildSlowSegmentationModel({ height: 128, width: 128, hidden: 96, layers: 12 }), ['N', 1, 128, 128], { name: 'slow-net' });
    const tampered = writeModelFolder(join(dir, 'tampered'), buildTinySegmentationModel({ height: 64, width: 64, seed: 9 }), ['N', 1, 64, 64]);
    const bytes = readFileSync(tampered.weightsPath);
    bytes[bytes.length - 3] ^= 0x55;
    writeFileSync(tampered.weightsPath, bytes);
    // onnxruntime-web's module and glue without the runtime binary, or with a page where it should be,
    const ortModule = (name: string) => readFileSync(join(BUNDLE_DIR, 'ort', name));
    const ortWithout = (prefix: string) => ({ [`${prefix}/ort.wasm.min.mjs`]: ortModule('ort.wasm.min.mjs'), [`${prefix}/ort-wasm-simd-threaded.mjs`]: ortModule('ort-wasm-simd-threaded.mjs') });
    servedExtra = {
      '/index.html': PAGE,
      '/loop.dcm': loop.cine,
      ...modelFiles('/tiny', tiny),
      ...modelFiles('/threshold', threshold),
      ...modelFiles('/tampered', tampered),
      ...modelFiles('/slow', slow),
      ...ortWithout('/ort-no-runtime'),
      ...ortWithout('/ort-page'),
      '/ort-page/ort-wasm-simd-threaded.wasm': '<!doctype html><title>Not found</title>',
      // ...or without the glue module that instantiates the runtime.
      '/ort-no-glue/ort.wasm.min.mjs': ortModule('ort.wasm.min.mjs'),
      '/ort-no-glue/ort-wasm-simd-threaded.wasm': ortModule('ort-wasm-simd-threaded.wasm'),
    };
    plain = await serveStatic(BUNDLE_DIR, servedExtra, {}, faultyBundle());
    isolated = await serveStatic(BUNDLE_DIR, servedExtra, CROSS_ORIGIN_ISOLATION);
    gpuBrowser = await launchChromium(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
    noGpuBrowser = await launchChromium();
    const model = await loadNodeModel(tiny.dir);
    const cine = CineImage.fromPart10(loop.cine, cinePath);
    nodeMasks = (await segmentCine(cine, model, { batchSize: 2 })).masks;
    pixels = cine.rows * cine.columns;
    await model.backend.dispose();
  });

  afterAll(async () => {
    await gpuBrowser?.close();
    await noGpuBrowser?.close();
    await plain?.close();
    await isolated?.close();
  });

  async function page(browser: Browser, server: StaticServer) {
    const p = await browser.context.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${server.url}/index.html`);
    await p.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    return { p, errors };
  }

  async function run(browser: Browser, server: StaticServer, options: Record<string, unknown>): Promise<EngineResult> {
    const { p, errors } = await page(browser, server);
    try {
      const result = await p.evaluate((o) => (window as any).runEngine(o), { cine: '/loop.dcm', model: '/tiny/model.json', ...options });
      expect(errors).toEqual([]);
      return result as EngineResult;
    } finally {
      await p.close();
    }
  }

  function expectAgreesWithNode(result: EngineResult): void {
    expect(result.masks).toHaveLength(nodeMasks.length);
    expect(result.length).toBe(pixels);
    const differing = differingPixels(result.masks, nodeMasks, pixels);
    expect(differing).toBeLessThanOrEqual(MAX_DIFFERING_FRACTION * pixels * nodeMasks.length);
    // Not trivially empty or full.
    const counts = nodeMasks.map((m) => m.count());
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThan(pixels);
  }

  it('WASM without cross-origin isolation: one thread, masks as in Node, each frame streamed', async () => {
    const r = await run(noGpuBrowser, plain, { preference: 'wasm' });
    expect(r.info.provider).toBe('wasm');
    expect(r.info.crossOriginIsolated).toBe(false);
    expect(r.info.threads).toBe(1);
    expect(r.info.metricsWorkers).toBe(1);
    // Beside WASM the frames are prepared in the segmentation worker: frame workers would take inference's cores.
    expect(r.info.frameWorkers).toBe(0);
    expect(r.preparedIn).toBe('inline');
    expect(r.fallbackReason).toBeNull();
    expect(r.streamed.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    r.streamed.forEach(([i, count]) => expect(count).toBe(nodeMasks[i]!.count()));
    expect(r.summaryFrames).toBe(6);
    expectAgreesWithNode(r);
  });

  it('WASM with COOP/COEP: threads, same masks', async () => {
    const cores = require('node:os').availableParallelism() as number;
    // Metrics in the segmentation worker: every core (up to 4) is inference's.
    const r = await run(noGpuBrowser, isolated, { preference: 'wasm', metricsWorker: false });
    expect(r.info.crossOriginIsolated).toBe(true);
    expect(r.info.threads).toBe(Math.max(1, Math.min(4, cores)));
    expect(r.metricsIn).toBe('inline');
    expectAgreesWithNode(r);
    // With the metrics worker (the default), one core is left to it.
    const withWorker = await run(noGpuBrowser, isolated, { preference: 'wasm' });
    expect(withWorker.info.threads).toBe(Math.max(1, Math.min(4, cores - 1)));
    expect(withWorker.metricsIn).toBe('worker');
    expectAgreesWithNode(withWorker);
  });

  it('metrics from the metrics worker equal those computed in the segmentation worker, streamed in frame order', async () => {
    const inWorker = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1 });
    const inline = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1, metricsWorker: false });
    // One WASM thread is deterministic: the same masks both times.
    expectWorkerMetricsEqualInline(inWorker, inline, 6);
    expect(inWorker.streamedMetrics).toEqual(inWorker.frames);
    expect(inWorker.streamed.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('metrics shared by two workers equal those computed in line; a worker count under 1 is refused', async () => {
    const shared = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1, metricsWorkers: 2 });
    const inline = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1, metricsWorker: false });
    expect(shared.info.metricsWorkers).toBe(2);
    expect(inline.info.metricsWorkers).toBe(0);
    expectWorkerMetricsEqualInline(shared, inline, 6);
    expect(shared.streamed.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    await expect(run(noGpuBrowser, plain, { preference: 'wasm', metricsWorkers: 0 })).rejects.toThrow(/metricsWorkers must be a whole number of at least 1, not 0/);
  });

  it('a metrics worker whose script fails: metrics computed in the segmentation worker, the run completes', async () => {
    // A real broken script served in place of trus-metrics-worker.mjs (it throws when evaluated).
    const broken = await serveStatic(BUNDLE_DIR, { ...servedExtra, '/trus-metrics-worker.mjs': 'throw new Error("metrics worker broken on purpose");' });
    try {
      const r = await run(noGpuBrowser, broken, { preference: 'wasm' });
      expect(r.metricsIn).toBe('inline');
      expect(r.summaryFrames).toBe(6);
      expect(r.frames[1]!.warpedConsistency).toEqual(expect.any(Number));
      expectAgreesWithNode(r);
    } finally {
      await broken.close();
    }
  });

  it('frames prepared by two frame workers give the masks, metrics and summary of the segmentation worker\'s own; a negative count is refused', async () => {
    const workers = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1, frameWorkers: 2 });
    const inline = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1, frameWorkers: 0 });
    expect(workers.info.frameWorkers).toBe(2);
    expect(workers.preparedIn).toBe('worker');
    expect(inline.info.frameWorkers).toBe(0);
    expect(inline.preparedIn).toBe('inline');
    expect(workers.masks).toEqual(inline.masks);
    expect(workers.frames).toEqual(inline.frames);
    expect(workers.summary).toEqual(inline.summary);
    expect(workers.streamed.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    expectAgreesWithNode(workers);
    await expect(run(noGpuBrowser, plain, { preference: 'wasm', frameWorkers: -1 })).rejects.toThrow(/frameWorkers must be a whole number of at least 0, not -1/);
  });

  it('frame workers whose script fails: the frames are prepared in the segmentation worker, the run completes', async () => {
    // A real broken script served in place of trus-frame-worker.mjs (it throws when evaluated).
    const broken = await serveStatic(BUNDLE_DIR, { ...servedExtra, '/trus-frame-worker.mjs': 'throw new Error("frame worker broken on purpose");' });
    try {
      const r = await run(noGpuBrowser, broken, { preference: 'wasm', batch: 1, frameWorkers: 2 });
      const inline = await run(noGpuBrowser, plain, { preference: 'wasm', batch: 1, frameWorkers: 0 });
      expect(r.summaryFrames).toBe(6);
      expect(r.masks).toEqual(inline.masks);
      expect(r.frames).toEqual(inline.frames);
      expectAgreesWithNode(r);
    } finally {
      await broken.close();
    }
  });

  it('auto without a WebGPU adapter falls back to WASM and says why', async () => {
    const r = await run(noGpuBrowser, plain, { preference: 'auto' });
    expect(r.info.provider).toBe('wasm');
    expect(r.info.fallbackReason).toMatch(/no WebGPU|navigator\.gpu is absent|software fallback/);
    expectAgreesWithNode(r);
  });

  it('auto with only SwiftShader prefers WASM (software adapter) and says why', async () => {
    const { p } = await page(gpuBrowser, plain);
    const adapter = await p.evaluate(() => (window as any).adapterInfo());
    await p.close();
    expect(adapter).not.toBeNull();
    expect(adapter.architecture).toMatch(/swiftshader/i);
    const r = await run(gpuBrowser, plain, { preference: 'auto' });
    expect(r.info.provider).toBe('wasm');
    expect(r.info.fallbackReason).toMatch(/software fallback, slower than WASM/);
  });

  it('WebGPU (forced, SwiftShader): passes the self-check and agrees with Node', async () => {
    const r = await run(gpuBrowser, plain, { preference: 'webgpu' });
    expect(r.info.provider).toBe('webgpu');
    expect(r.info.adapterName).toMatch(/swiftshader/i);
    expect(r.info.crossCheckMaxDiff).toBeLessThan(1e-4);
    // With inference on the GPU the metrics get three cores in four (one on two cores).
    expect(r.info.metricsWorkers).toBe(metricsWorkersFor('webgpu', r.cores));
    expect(r.provider).toBe('webgpu');
    expect(r.fallbackReason).toBeNull();
    expect(r.changedAt).toBeNull();
    expectAgreesWithNode(r);
  });

  it('a WebGPU device lost mid-loop: the loop completes on WASM and the reason is reported', async () => {
    // Batch 1 is the load-time shape check, batch 2 frames 1-2; the device is destroyed before frames 3-4.
    const r = await run(gpuBrowser, plain, { preference: 'webgpu', destroy: 2 });
    expect(r.info.provider).toBe('webgpu');
    expect(r.provider).toBe('wasm');
    expect(r.fallbackReason).toMatch(/^WebGPU device lost \(destroyed.*\); continued on WASM$/);
    expect(r.changedAt).toBe(3);
    expect(r.streamed).toHaveLength(6);
    expectAgreesWithNode(r);
  });

  it('cancels a run cleanly; the worker then segments again', async () => {
    const { p } = await page(noGpuBrowser, plain);
    const r = await p.evaluate((o) => (window as any).cancelAfterFirstFrame(o), { cine: '/loop.dcm', model: '/tiny/model.json' });
    await p.close();
    expect(r.error).toEqual({ name: 'AbortError', message: 'the segmentation was cancelled' });
    expect(r.seen).toBeLessThan(6);
    expect(r.againFrames).toBe(6);
  });

  it('a cancel the worker cannot answer within the grace time (a batch still running) ends the worker; one it can is answered by the worker', async () => {
    const { p } = await page(noGpuBrowser, plain);
    try {
      const cancel = (grace?: number) => p.evaluate((o) => (window as any).cancelDuringSlowBatch(o), { cine: '/loop.dcm', model: '/slow/model.json', ...(grace !== undefined ? { grace } : {}) });
      const ended = await cancel(200);
      expect(ended.error).toEqual({ name: 'AbortError', message: 'the segmentation was cancelled; the worker did not stop within 0.2 s and was ended (the next run starts another)' });
      expect(ended.stopped).toBe(true);
      expect(ended.later).toEqual({ name: 'AbortError', message: 'the segmentation worker was stopped' });
      // The default grace (5 s) outlasts the batch: the worker stops by itself and is kept.
      const answered = await cancel();
      expect(answered).toEqual({ error: { name: 'AbortError', message: 'the segmentation was cancelled' }, stopped: false, later: null });
      expect(await p.evaluate(() => (window as any).startError('/tiny/model.json', { cancelGraceMs: -1 }))).toEqual({ name: 'RangeError', message: 'cancelGraceMs must be a number of milliseconds above 0, not -1' });
    } finally {
      await p.close();
    }
  });

  it('refuses a tampered, missing or unreachable model, or one the browser withholds, with a clear error', async () => {
    const gone = await startLoopbackServer(() => undefined);
    await gone.close();
    // Another origin that answers but does not allow the page's (no Access-Control-Allow-Origin).
    const elsewhere = await startLoopbackServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(readFileSync(join(tiny.dir, 'model.json')));
    });
    const { p } = await page(noGpuBrowser, plain);
    const tampered = await p.evaluate((m) => (window as any).startError(m), '/tampered/model.json');
    const missing = await p.evaluate((m) => (window as any).startError(m), '/nowhere/model.json');
    const unreachable = await p.evaluate((m) => (window as any).startError(m), `${gone.url}/model.json`);
    const withheld = await p.evaluate((m) => (window as any).startError(m), `${elsewhere.url}/model.json`);
    await p.close();
    await elsewhere.close();
    const noAnswer = 'no response: server unreachable, connection refused, or its answer withheld by the browser: a server of another origin must allow this one (CORS)';
    expect(unreachable).toEqual({ name: 'ModelLoadError', message: `${gone.url}/model.json: cannot fetch the model manifest (${noAnswer})` });
    expect(withheld).toEqual({ name: 'ModelLoadError', message: `${elsewhere.url}/model.json: cannot fetch the model manifest (${noAnswer})` });
    expect(tampered.name).toBe('ModelLoadError');
    expect(tampered.message).toMatch(/tampered\/model\.onnx: weights sha256 [0-9a-f]{64} does not match the manifest's/);
    expect(missing.name).toBe('ModelLoadError');
    expect(missing.message).toMatch(/nowhere\/model\.json: the model manifest is missing \(HTTP 404\)/);
  });

  it("onnxruntime-web's files missing, answered with a page, or stalling, and model weights that stall: a clear error naming the file", async () => {
    // Another origin whose module, glue, runtime and weights stop after their first bytes.
    const stalling = await ortElsewhere((path, res) => {
      const [, folder, file] = path.split('/');
      if (folder === 'stall-weights' && file === 'model.json') {
        res.writeHead(200, { ...ANY_ORIGIN, 'Content-Type': 'application/json' });
        res.end(readFileSync(tiny.manifestPath));
      } else if (folder === 'stall-weights' && file === 'model.onnx') {
        stallAfterFirstBytes(res, readFileSync(tiny.weightsPath), ANY_ORIGIN);
      } else if ((folder === 'stall-runtime' && file === 'ort-wasm-simd-threaded.wasm') || (folder === 'stall-module' && file === 'ort.wasm.min.mjs') || (folder === 'stall-glue' && file === 'ort-wasm-simd-threaded.mjs')) {
        stallAfterFirstBytes(res, readFileSync(join(BUNDLE_DIR, 'ort', file)), { ...ANY_ORIGIN, ...(file.endsWith('.mjs') ? { 'Content-Type': 'text/javascript' } : {}) });
      } else {
        return false;
      }
      return true;
    });
    const { p } = await page(noGpuBrowser, plain);
    const start = (ortBaseUrl: string, options: Record<string, unknown> = {}, model = '/tiny/model.json') =>
      p.evaluate(([m, o]) => (window as any).startError(m, o), [model, { ortBaseUrl, ...options }] as const);
    const silent = 'no data from the server for 1.5 s (it took the request and went silent)';
    try {
      const noModule = await start('/ort-none/');
      expect(noModule.name).toBe('ModelLoadError');
      expect(noModule.message).toMatch(new RegExp(`^${plain.url}/ort-none/ort\\.wasm\\.min\\.mjs: cannot load onnxruntime-web \\(.+\\)$`));
      expect(await start('/ort-no-runtime/')).toEqual({ name: 'ModelLoadError', message: `${plain.url}/ort-no-runtime/ort-wasm-simd-threaded.wasm: the onnxruntime-web runtime is missing (HTTP 404)` });
      const noGlue = await start('/ort-no-glue/');
      expect(noGlue.name).toBe('ModelLoadError');
      expect(noGlue.message).toMatch(new RegExp(`^${plain.url}/ort-no-glue/ort-wasm-simd-threaded\\.mjs: cannot load onnxruntime-web's WebAssembly runtime module \\(.+\\)$`));
      expect(await start('/ort-page/')).toEqual({ name: 'ModelLoadError', message: `${plain.url}/ort-page/ort-wasm-simd-threaded.wasm: the onnxruntime-web runtime is not a WebAssembly binary (it begins "<!doctype html><title>No")` });
      expect(await start(`${stalling.url}/stall-runtime/`, { idleTimeoutMs: 1500 })).toEqual({ name: 'ModelLoadError', message: `${stalling.url}/stall-runtime/ort-wasm-simd-threaded.wasm: the onnxruntime-web runtime did not arrive: ${silent}` });
      // onnxruntime-web's modules come whole through import(), which reports no progress: the idle time bounds all of each.
      const late = 'within 1.5 s (the server took the request and went silent)';
      expect(await start(`${stalling.url}/stall-module/`, { idleTimeoutMs: 1500 })).toEqual({ name: 'ModelLoadError', message: `${stalling.url}/stall-module/ort.wasm.min.mjs: onnxruntime-web did not arrive ${late}` });
      expect(await start(`${stalling.url}/stall-glue/`, { idleTimeoutMs: 1500 })).toEqual({ name: 'ModelLoadError', message: `${stalling.url}/stall-glue/ort-wasm-simd-threaded.mjs: onnxruntime-web's WebAssembly runtime module did not arrive ${late}` });
      expect(await start('/ort/', { idleTimeoutMs: 1500 }, `${stalling.url}/stall-weights/model.json`)).toEqual({ name: 'ModelLoadError', message: `${stalling.url}/stall-weights/model.onnx: the model weights did not arrive: ${silent}` });
      expect(await start('/ort/', { idleTimeoutMs: 0 })).toEqual({ name: 'RangeError', message: 'idleTimeoutMs must be a number of milliseconds above 0, not 0' });
      // The same short idle timeout does not cut files that keep arriving.
      expect(await start('/ort/', { idleTimeoutMs: 1500 })).toBeNull();
    } finally {
      await p.close();
      await stalling.close();
    }
  });

  it('metrics and frame workers whose scripts stall: the loop goes on without them once the start time has passed', async () => {
    const r = await run(noGpuBrowser, plain, { preference: 'wasm', frameWorkers: 2, worker: '/helpers-stall/trus-seg-worker.mjs', idle: 1500, again: true });
    expect(r.info.frameWorkers).toBe(2);
    // The frames asked of the workers go to the segmentation worker once the start time has
    // passed, and the next loop does not try the workers again.
    expect(r.againPreparedIn).toBe('inline');
    expect(r.metricsIn).toBe('inline');
    expect(r.summaryFrames).toBe(6);
    expectAgreesWithNode(r);
  });

  it("a segmentation worker's script that stalls fails the start, naming the file", async () => {
    const { p } = await page(noGpuBrowser, plain);
    try {
      const error = await p.evaluate((o) => (window as any).startError('/tiny/model.json', o), { workerUrl: '/worker-stall/trus-seg-worker.mjs', idleTimeoutMs: 1500 });
      expect(error).toEqual({ name: 'WorkerError', message: `${plain.url}/worker-stall/trus-seg-worker.mjs: the segmentation worker's script did not arrive within 1.5 s (the server took the request and went silent)` });
      // The same short wait lets a script that comes start.
      expect(await p.evaluate((o) => (window as any).startError('/tiny/model.json', o), { workerUrl: '/codec-missing/trus-seg-worker.mjs', idleTimeoutMs: 1500 })).toBeNull();
    } finally {
      await p.close();
    }
  });

  it("a JPEG decoder missing, answered with a page or stalling fails the run naming the decoder's file, not a frame; the next run loads it again", async () => {
    const { p } = await page(noGpuBrowser, plain);
    const twice = (fault: string) => p.evaluate((o) => (window as any).segmentTwice(o), { worker: `/${fault}/trus-seg-worker.mjs`, idle: 1500 });
    const wasm = (fault: string) => `${plain.url}/${fault}/libjpegturbowasm_decode.wasm`;
    const failed = (message: string) => ({ name: 'DecoderUnavailableError', message });
    try {
      const missing = failed(`${wasm('codec-missing')}: the JPEG decoder (libjpeg-turbo) is missing (HTTP 404)`);
      expect(await twice('codec-missing')).toEqual([missing, missing]);
      const page = failed(`${wasm('codec-page')}: the JPEG decoder (libjpeg-turbo) is not a WebAssembly binary (it begins "<!doctype html><title>No")`);
      expect(await twice('codec-page')).toEqual([page, page]);
      const stalled = failed(`${wasm('codec-stall')}: the JPEG decoder (libjpeg-turbo) did not arrive: no data from the server for 1.5 s (it took the request and went silent)`);
      expect(await twice('codec-stall')).toEqual([stalled, stalled]);
      const scriptStalled = failed('JPEG decoder (libjpeg-turbo): its script did not arrive within 1.5 s (the server took the request and went silent)');
      expect(await twice('codec-script-stall')).toEqual([scriptStalled, scriptStalled]);
      expect(await twice('codec-once')).toEqual([failed(`${wasm('codec-once')}: the JPEG decoder (libjpeg-turbo) is missing (HTTP 404)`), { frames: 6 }]);
    } finally {
      await p.close();
    }
  });

  it("reports the model's weights and onnxruntime-web's runtime as they arrive, each out of its length", async () => {
    const runtime = readFileSync(join(BUNDLE_DIR, 'ort', 'ort-wasm-simd-threaded.wasm'));
    const weights = readFileSync(tiny.weightsPath);
    // Another origin that serves the model and sends the runtime in four parts 300 ms apart.
    const slow = await ortElsewhere((path, res) => {
      if (path === '/ort-wasm-simd-threaded.wasm') {
        res.writeHead(200, { ...ANY_ORIGIN, 'Content-Type': 'application/wasm', 'Content-Length': String(runtime.length) });
        sendInParts(res, runtime, 4, 300);
      } else if (path === '/model.json' || path === '/model.onnx') {
        const body = path === '/model.json' ? readFileSync(tiny.manifestPath) : weights;
        res.writeHead(200, { ...ANY_ORIGIN, 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) });
        res.end(body);
      } else {
        return false;
      }
      return true;
    });
    const { p } = await page(noGpuBrowser, plain);
    let seen: { file: string; url: string; received: number; total?: number }[];
    try {
      seen = await p.evaluate(([m, o]) => (window as any).loadProgress(m, o), [`${slow.url}/model.json`, { ortBaseUrl: `${slow.url}/` }] as const);
    } finally {
      await p.close();
      await slow.close();
    }
    const weightsSeen = seen.filter((e) => e.file === 'model weights');
    const runtimeSeen = seen.filter((e) => e.file === 'onnxruntime-web runtime');
    expect(weightsSeen.length + runtimeSeen.length).toBe(seen.length);
    // The weights first (checked before the runtime is fetched), all of them by the end.
    expect(seen.findIndex((e) => e.file === 'onnxruntime-web runtime')).toBe(weightsSeen.length);
    expect(weightsSeen.at(-1)).toEqual({ file: 'model weights', url: `${slow.url}/model.onnx`, received: weights.length, total: weights.length });
    expect(runtimeSeen.at(-1)).toEqual({ file: 'onnxruntime-web runtime', url: `${slow.url}/ort-wasm-simd-threaded.wasm`, received: runtime.length, total: runtime.length });
    const received = runtimeSeen.map((e) => e.received);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    // Seen on the way, in at least three of the pauses between the parts.
    expect(partsReportedDuring(received, runtime.length, 4)).toBeGreaterThanOrEqual(3);
  });

  it('the browser path writes the same SEG as the CLI (same masks, same references)', async () => {
    const r = await run(noGpuBrowser, plain, { preference: 'wasm', model: '/threshold/model.json', seg: true });
    const browserSeg = Uint8Array.from(r.seg!);
    const out = join(dir, 'cli-out');
    execFileSync(process.execPath, [CLI, 'segment', cinePath, '--model', threshold.dir, '--out', out], { stdio: 'pipe' });
    const cine = CineImage.fromPart10(readFileSync(cinePath), cinePath);
    const cliSeg = readFileSync(join(out, `${cine.sopInstanceUID}.seg.dcm`));
    expect(dciodvfy(browserSeg).errors).toEqual([]);
    const a = readSegmentation(browserSeg, 'browser');
    const b = readSegmentation(cliSeg, 'cli');
    expect(a.referencedInstances).toEqual(b.referencedInstances);
    expect(a.studyInstanceUID).toBe(cine.studyInstanceUID);
    expect(b.studyInstanceUID).toBe(cine.studyInstanceUID);
    expect(a.frames.map((f) => [f.referencedSOPInstanceUID, f.referencedFrameNumber])).toEqual(b.frames.map((f) => [f.referencedSOPInstanceUID, f.referencedFrameNumber]));
    expect(a.segments).toEqual(b.segments);
    const ma = masksForSource(a, 1, cine.sopInstanceUID, cine.numberOfFrames);
    const mb = masksForSource(b, 1, cine.sopInstanceUID, cine.numberOfFrames);
    expect(ma.map((m) => Buffer.from(m).toString('base64'))).toEqual(mb.map((m) => Buffer.from(m).toString('base64')));
    expect(ma.some((m) => m.some((v) => v !== 0))).toBe(true);
    expect(a.sopInstanceUID).not.toBe(b.sopInstanceUID);
  });
});
