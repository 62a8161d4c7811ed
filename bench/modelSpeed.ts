/**
 * Model speed: frames per second of a shipped model (default models/trus-student) through
 * onnxruntime-node (the CLI's backend) and through onnxruntime-web WASM in headless Chromium
 * (1 thread without cross-origin isolation, 2 with it), inference only, plus the engine end to
 * end on the demo loop in Node. Prints figures; asserts nothing (timings are not tests).
 * Usage (from the repository root): npm run bench [-- MODEL_DIR]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { loadNodeModel } from '../src/inference/nodeModel.js';
import { segmentCine } from '../src/inference/engine.js';
import { CineImage } from '../src/dicom/cineImage.js';
import { manifestFromText } from '../src/inference/model.js';
import type { ModelManifest } from '../src/inference/manifest.js';
import { serveStatic, launchChromium, chromiumAvailable, CROSS_ORIGIN_ISOLATION } from '../tests/helpers/browser.js';

const ROOT = resolve(process.cwd());
const modelDir = resolve(process.argv[2] ?? join(ROOT, 'models/trus-student'));
const WARMUP = 5;
const SECONDS = 4;

function fps(framesDone: number, ms: number): string {
  return `${((1000 * framesDone) / ms).toFixed(1)} FPS (${(ms / framesDone).toFixed(2)} ms/frame)`;
}

async function nodeInference(): Promise<void> {
  const model = await loadNodeModel(modelDir);
  const [, c, h, w] = model.manifest.input.shape as [unknown, number, number, number];
  for (const batch of [1, 4]) {
    const input = new Float32Array(batch * c * h * w).map((_, i) => Math.sin(i * 0.01));
    for (let i = 0; i < WARMUP; i++) await model.backend.run(input, batch);
    let frames = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < SECONDS * 1000) {
      await model.backend.run(input, batch);
      frames += batch;
    }
    console.log(`onnxruntime-node, batch ${batch}, ${cpus().length} cores: ${fps(frames, performance.now() - t0)}`);
  }
  await model.backend.dispose();
}

async function nodeEngine(): Promise<void> {
  const demo = join(ROOT, 'demo/trus-demo-axial.dcm');
  const cine = CineImage.fromPart10(readFileSync(demo), demo);
  const model = await loadNodeModel(modelDir);
  const t0 = performance.now();
  const run = await segmentCine(cine, model);
  const ms = performance.now() - t0;
  const per = (k: keyof typeof run.timings) => (run.timings[k] / cine.numberOfFrames).toFixed(2);
  console.log(
    `engine end to end, demo loop ${cine.columns}x${cine.rows}x${cine.numberOfFrames} (decode, preprocess, inference, postprocess, temporal metrics): ${fps(cine.numberOfFrames, ms)}; ` +
      `per frame: decode ${per('decodeMs')}, preprocess ${per('preprocessMs')}, inference ${per('inferenceMs')}, postprocess ${per('postprocessMs')}, metrics ${per('metricsMs')} ms`,
  );
  await model.backend.dispose();
}

const PAGE = `<!doctype html><script type="module">
window.bench = async (threads, seconds) => {
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  const manifest = await (await fetch('/model/model.json')).json();
  const bytes = new Uint8Array(await (await fetch('/model/' + manifest.file)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const [, c, h, w] = manifest.input.shape;
  const out = {};
  for (const batch of [1, 4]) {
    const data = new Float32Array(batch * c * h * w).map((_, i) => Math.sin(i * 0.01));
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', data, [batch, c, h, w]) };
    for (let i = 0; i < 5; i++) await session.run(feeds);
    let frames = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) { await session.run(feeds); frames += batch; }
    out[batch] = { frames, ms: performance.now() - t0 };
  }
  return { isolated: crossOriginIsolated, threads: ort.env.wasm.numThreads, out };
};
</script>`;

async function chromiumWasm(manifestText: string, manifest: ModelManifest): Promise<void> {
  if (!chromiumAvailable()) {
    console.log('Chromium not installed: WASM figures skipped');
    return;
  }
  for (const [threads, headers] of [
    [1, {}],
    [2, CROSS_ORIGIN_ISOLATION],
  ] as const) {
    const extra: Record<string, string | Uint8Array> = {
      '/index.html': PAGE,
      '/model/model.json': manifestText,
      [`/model/${manifest.file}`]: readFileSync(join(modelDir, manifest.file)),
    };
    const server = await serveStatic(join(ROOT, 'dist/browser'), extra, headers);
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/index.html`);
      const r = (await page.evaluate(`window.bench(${threads}, ${SECONDS})`)) as { isolated: boolean; threads: number; out: Record<string, { frames: number; ms: number }> };
      for (const [batch, v] of Object.entries(r.out)) {
        console.log(`onnxruntime-web WASM in Chromium, ${r.threads} thread(s)${r.isolated ? ' (cross-origin isolated)' : ''}, batch ${batch}: ${fps(v.frames, v.ms)}`);
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }
}

async function main(): Promise<void> {
  const manifestText = readFileSync(join(modelDir, 'model.json'), 'utf8');
  const manifest = manifestFromText(manifestText, modelDir);
  console.log(`model ${manifest.name} ${manifest.version}: input ${manifest.input.shape.join('x')}, ${modelDir}`);
  await nodeInference();
  await chromiumWasm(manifestText, manifest);
  await nodeEngine();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
