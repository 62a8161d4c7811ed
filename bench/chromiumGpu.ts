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
import { CHROMIUM, launchChromium } from '../tests/helpers/browser.js';

/**
 * Flags that let Chromium run WebGPU on the machine's GPU, tried in turn. Headless Chromium has no
 * window to present to, so the first set asks for Vulkan without a surface (ANGLE on Vulkan too);
 * the second is Chromium's Vulkan backend with its defaults.
 */
export const GPU_FLAG_SETS: readonly (readonly string[])[] = [
  ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist'],
  ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist'],
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

/** What Chromium's own GPU page says, for a machine where no flag set gave an adapter. */
export async function chromiumGpuPage(flags: readonly string[]): Promise<string> {
  const browser = await launchChromium([...flags], { gpu: true });
  try {
    const page = await browser.context.newPage();
    await page.goto('chrome://gpu');
    await page.waitForTimeout(3000);
    const text = (await page.evaluate('document.querySelector("info-view")?.shadowRoot?.textContent ?? document.body.innerText')) as string;
    // The page's text starts with its own style sheet.
    const start = text.indexOf('Graphics Feature Status');
    return start < 0 ? text : text.slice(start);
  } finally {
    await browser.close();
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
  /** One whole loop a try, in the order they ran. */
  pipeline: PipelineResult[];
  /** Why there are no rows (no adapter, or a loop that did not run on WebGPU). */
  failure?: string;
  /** chrome://gpu's text when no adapter was found. */
  gpuPage?: string;
}

/** Whole loops on the GPU, one after another; the first that does not run on WebGPU stops them, with why. */
export async function gpuLoops(root: string, cine: string, modelDir: string, options: BrowserPipelineOptions, tries: number): Promise<{ pipeline: PipelineResult[]; failure?: string }> {
  const pipeline: PipelineResult[] = [];
  for (let t = 0; t < tries; t++) {
    const r = await browserPipeline(root, cine, modelDir, options);
    if (typeof r === 'string') return { pipeline, failure: r };
    if (r.provider !== 'webgpu') return { pipeline, failure: `the engine ran the loop on ${r.provider}, not WebGPU (${r.where})` };
    pipeline.push(r);
  }
  return { pipeline };
}
