/**
 * onnxruntime-web's WebGPU provider in Chromium on a GPU, as the viewer runs it: model only, and
 * whole loops through the browser pipeline. `npm run bench`'s GPU section uses it wherever
 * Chromium finds an adapter; on the lent GPU machine (no Chromium or tsx there until a kit brings
 * them) bench/device/chromiumGpu.ts runs it, and `npm run bench -- --chromium-gpu FILE` imports
 * what that printed.
 */
import { execFileSync } from 'node:child_process';
import { chromiumLatency, type ModelLatencyRow } from './modelLatency.js';
import { browserPipeline, type BrowserPipelineOptions, type PipelineResult } from './pipeline.js';
import { CHROMIUM, launchChromium, serveStatic } from '../tests/helpers/browser.js';

/**
 * Flags that let Chromium run WebGPU on the machine's GPU, tried in turn. On Linux, Chromium gives
 * WebGPU Dawn's Vulkan backend only when Skia itself runs on Vulkan, when WebGPU shares images with
 * GL through Vulkan ("WebGPU interop"), or on Graphite over Dawn; headless Chromium has no window to
 * present to. Seen 2026-12-04 on the lent H200 (Chromium 156): with Skia on Vulkan (the first two
 * sets) a page's first requestAdapter() got null (Chromium logged a transient failure to create
 * the command buffer) and the next ones the GPU, which is why the engine and the pages here ask a
 * second time; the interop set and Graphite gave no adapter at all there. The later sets stay for
 * other drivers.
 */
export const GPU_FLAG_SETS: readonly (readonly string[])[] = [
  ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist'],
  ['--enable-unsafe-webgpu', '--use-angle=vulkan', '--enable-features=Vulkan,ForceEnableWebGpuInterop', '--disable-vulkan-surface', '--ignore-gpu-blocklist'],
  ['--enable-unsafe-webgpu', '--use-angle=vulkan', '--enable-features=ForceEnableWebGpuInterop', '--ignore-gpu-blocklist'],
  ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist'],
  ['--enable-unsafe-webgpu', '--enable-skia-graphite', '--skia-graphite-backend=dawn-vulkan', '--ignore-gpu-blocklist'],
];

/** SwiftShader, Chromium's software adapter: how the tests run this path on machines without a GPU. */
export const SOFTWARE_FLAGS: readonly string[] = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export interface GpuModels {
  /** The flag set that gave an adapter. */
  flags: string[];
  /** The flag sets tried before it, and what each gave. */
  attempts: { flags: string[]; result: string }[];
  models: ModelLatencyRow[];
}

export interface GpuSearchOptions {
  /** Accept a software adapter (tests): SOFTWARE_FLAGS are then the only set tried. */
  allowSoftware?: boolean;
  /** Flag sets to try before GPU_FLAG_SETS (another machine's driver may want others). */
  extraFlagSets?: string[][];
  timing?: { warmup: number; seconds: number; minSamples: number };
}

/**
 * Model-only latency of each model on the first flag set that gives Chromium a WebGPU adapter;
 * without one, why not for every set tried.
 */
export async function gpuModelLatency(root: string, modelDirs: readonly string[], o: GpuSearchOptions = {}): Promise<GpuModels | string> {
  const sets = o.allowSoftware ? [SOFTWARE_FLAGS] : [...(o.extraFlagSets ?? []), ...GPU_FLAG_SETS];
  const attempts: GpuModels['attempts'] = [];
  for (const set of sets) {
    const flags = [...set];
    const models: ModelLatencyRow[] = [];
    let failure: string | undefined;
    for (const dir of modelDirs) {
      const r = await chromiumLatency(root, dir, { isolated: true, provider: 'webgpu', flags, gpu: true, allowSoftwareAdapter: o.allowSoftware ?? false, ...(o.timing ? { timing: o.timing } : {}) });
      if (typeof r === 'string') {
        failure = r;
        break;
      }
      models.push(r);
    }
    if (failure === undefined) return { flags, attempts, models };
    attempts.push({ flags, result: failure });
  }
  return attempts.map((a) => `${a.result} (flags ${a.flags.join(' ')})`).join('; ');
}

/** The browser pipeline's options for a loop on the GPU those flags found. */
export function gpuLoopOptions(flags: string[], allowSoftware = false): BrowserPipelineOptions {
  // 'auto' is the viewer's own choice, which never takes a software adapter; tests force WebGPU.
  return { isolated: true, preference: allowSoftware ? 'webgpu' : 'auto', flags, gpu: true };
}

/**
 * Why a flag set gave no adapter, as far as Chromium says: what requestAdapter() answers in a page
 * (with the page's console), then chrome://gpu in the same browser, whose "Dawn Info" lists the
 * adapters Dawn found once a page has asked for one.
 */
export async function chromiumGpuReport(flags: readonly string[]): Promise<string> {
  const server = await serveStatic('/nonexistent', { '/index.html': '<!doctype html><meta charset="utf-8">' });
  const browser = await launchChromium([...flags], { gpu: true });
  try {
    const page = await browser.context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    await page.goto(`${server.url}/index.html`);
    const probe = (await page.evaluate(`(async () => {
      if (!navigator.gpu) return 'navigator.gpu is absent';
      const out = [];
      for (const o of [{}, { powerPreference: 'high-performance' }, { featureLevel: 'compatibility' }]) {
        try {
          const a = await navigator.gpu.requestAdapter(o);
          out.push(JSON.stringify(o) + ': ' + (a ? [a.info?.vendor, a.info?.architecture, a.info?.description, a.info?.isFallbackAdapter ? 'fallback' : ''].join(' ') : 'null'));
        } catch (e) { out.push(JSON.stringify(o) + ': threw ' + e); }
      }
      return out.join('; ');
    })()`)) as string;
    await page.goto('chrome://gpu');
    const read = async () => (await page.evaluate('document.querySelector("info-view")?.shadowRoot?.textContent ?? document.body.innerText')) as string;
    let text = await read();
    // Dawn's adapters are listed some time after the page loads.
    for (let i = 0; i < 10 && /Dawn Info\s*=+\s*(Compositor|$)/.test(text); i++) {
      await page.waitForTimeout(500);
      text = await read();
    }
    // The page's text starts with its own style sheet.
    const start = text.indexOf('Graphics Feature Status');
    return `requestAdapter: ${probe}\nconsole: ${consoleLines.join(' | ') || 'none'}\n${start < 0 ? text : text.slice(start)}`;
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The lines of a chrome://gpu report that say how WebGPU stands: feature status, GL and Skia backends, Dawn's adapters. */
export function gpuReportSummary(report: string): string {
  // chrome://gpu's text runs its fields together: each is cut short.
  const line = (label: string) => new RegExp(`${label}[^*\n]*`).exec(report)?.[0].trim().slice(0, 160);
  const dawn = report.indexOf('Dawn Info');
  const dawnEnd = report.indexOf('[Enabled Toggle Names]', dawn);
  return [
    report.split('\n').slice(0, 2).join(' / '),
    line('WebGPU:'),
    line('Vulkan:'),
    line('Skia Backend\\s*:'),
    line('GL implementation parts\\s*:'),
    dawn < 0 ? 'no Dawn Info' : report.slice(dawn, dawnEnd < 0 ? dawn + 1500 : Math.min(dawnEnd, dawn + 1500)).replace(/\s+/g, ' '),
  ]
    .filter(Boolean)
    .join(' | ');
}

/** The GPU's name where nvidia-smi answers; otherwise none. */
export function gpuName(): string | undefined {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}

export function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** What bench/device/chromiumGpu.ts prints. */
export interface ChromiumGpuOutput {
  chromium: string;
  /** nvidia-smi's name for the GPU, when it answers. */
  gpu?: string;
  flags?: string[];
  attempts: { flags: string[]; result: string }[];
  models: ModelLatencyRow[];
  /** The whole loops in the order they ran: one a try, or one a try for each frame-worker count. */
  pipeline: PipelineResult[];
  /** Why there are no rows (no adapter, or a loop that did not run on WebGPU). */
  failure?: string;
  /** When no flag set gave an adapter: each set's chrome://gpu summary, and the first set's whole report. */
  gpuReports?: { flags: string[]; summary: string }[];
  gpuPage?: string;
}

/**
 * Whole loops on the GPU, one after another; the first that does not run on WebGPU stops them, with
 * why. With several frame-worker counts (undefined: the engine's own choice), each try runs one
 * loop with each, in turn, so that a slow spell of the machine falls on all of them alike.
 */
export async function gpuLoops(
  root: string,
  cine: string,
  modelDir: string,
  options: BrowserPipelineOptions,
  tries: number,
  frameWorkerCounts: readonly (number | undefined)[] = [undefined],
): Promise<{ pipeline: PipelineResult[]; failure?: string }> {
  const pipeline: PipelineResult[] = [];
  for (let t = 0; t < tries; t++) {
    for (const frameWorkers of frameWorkerCounts) {
      const r = await browserPipeline(root, cine, modelDir, { ...options, ...(frameWorkers !== undefined ? { frameWorkers } : {}) });
      if (typeof r === 'string') return { pipeline, failure: r };
      if (r.provider !== 'webgpu') return { pipeline, failure: `the engine ran the loop on ${r.provider}, not WebGPU (${r.where})` };
      pipeline.push(r);
    }
  }
  return { pipeline };
}

/** "auto,0" -> [the engine's choice, none]: the frame-worker counts of gpuLoops. */
export function frameWorkerCounts(text: string): (number | undefined)[] {
  return text.split(',').map((part) => {
    const p = part.trim();
    if (p === 'auto') return undefined;
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < 0) throw new RangeError(`--frame-workers: "${p}" is neither "auto" nor a whole number of at least 0`);
    return n;
  });
}
