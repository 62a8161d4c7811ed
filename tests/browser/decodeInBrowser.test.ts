/**
 * The same reader, bundled by webpack, in headless Chromium: JPEG Baseline, JPEG Lossless,
 * JPEG-LS and JPEG 2000 frames decode through the WASM codecs to exactly what Node decodes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CineImage } from '../../src/dicom/cineImage.js';
import { cineFile, grayFrames, rgbFrames } from '../helpers/synthetic.js';
import { convertWith } from '../helpers/tools.js';
import { launchChromium, serveStatic, type Browser, type StaticServer } from '../helpers/browser.js';

jest.setTimeout(120000);

const BUNDLE_DIR = resolve(__dirname, '../../dist/browser');
const REAL_YBR = resolve(__dirname, '../../../shared/data/real-us/examples_ybr_color.dcm');

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as engine from '/trus-cine-seg.mjs';
window.decode = async (path, frameIndex) => {
  const bytes = new Uint8Array(await (await fetch(path)).arrayBuffer());
  const cine = engine.CineImage.fromPart10(bytes, path);
  return { frames: cine.numberOfFrames, ts: cine.transferSyntaxUID, values: Array.from(await cine.decodeFrame(frameIndex)) };
};
window.ready = true;
</script>`;

describe('reader in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  const files: Record<string, Uint8Array> = {
    '/jpeg-ls.dcm': convertWith('dcmcjpls', [], cineFile({ rows: 20, columns: 26, frames: grayFrames(20, 26, 3) })),
    '/j2k.dcm': convertWith('gdcmconv', ['--j2k'], cineFile({ rows: 20, columns: 26, frames: rgbFrames(20, 26, 2).frames, photometricInterpretation: 'RGB' })),
    '/jpeg.dcm': convertWith('dcmcjpeg', ['+eb'], cineFile({ rows: 32, columns: 40, frames: grayFrames(32, 40, 2) })),
    '/jpeg-lossless.dcm': convertWith('dcmcjpeg', ['+e1'], cineFile({ rows: 20, columns: 26, frames: grayFrames(20, 26, 2) })),
  };
  if (existsSync(REAL_YBR)) files['/real-ybr.dcm'] = new Uint8Array(readFileSync(REAL_YBR));

  beforeAll(async () => {
    if (!existsSync(resolve(BUNDLE_DIR, 'trus-cine-seg.mjs'))) throw new Error('dist/browser is missing: run "npm run build" first');
    server = await serveStatic(BUNDLE_DIR, { '/index.html': PAGE, ...files });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each(Object.keys(files))('decodes %s exactly as Node does', async (path) => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const frameIndex = 1;
    const result = await page.evaluate(([p, i]) => (window as any).decode(p, i), [path, frameIndex] as const);
    const node = CineImage.fromPart10(files[path]!, path);
    expect(result.ts).toBe(node.transferSyntaxUID);
    expect(result.frames).toBe(node.numberOfFrames);
    const expected = await node.decodeFrame(frameIndex);
    expect(result.values).toHaveLength(expected.length);
    let max = 0;
    for (let k = 0; k < expected.length; k++) max = Math.max(max, Math.abs(result.values[k] - expected[k]!));
    expect(max).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
