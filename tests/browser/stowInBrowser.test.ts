/**
 * A STOW-RS from the browser (the engine's DicomwebClient, bundled, in headless Chromium) to a
 * server that takes the upload slowly: the wait for an answer starts again with each part the
 * server takes, so a large SEG going slowly is not cut, and the upload's progress is reported; a
 * server that stops taking it still fails the store after the wait.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchChromium, serveStatic, type Browser, type StaticServer } from '../helpers/browser.js';
import { STORED_UID, stopTaking, takeSlowly } from '../helpers/slowUploadServer.js';

jest.setTimeout(120000);

const BUNDLE_DIR = resolve(__dirname, '../../dist/browser');
/** Larger than loopback's socket buffers, so that the server's reading paces the upload. */
const INSTANCE_BYTES = 32 * 1024 * 1024;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as engine from '/trus-cine-seg.mjs';
window.store = async (path, stowTimeoutMs) => {
  const instance = new Uint8Array(${INSTANCE_BYTES}).fill(7);
  const seen = [];
  try {
    const r = await new engine.DicomwebClient({ url: location.origin + path, stowTimeoutMs }).storeInstances([instance], undefined, { onProgress: (p) => seen.push(p) });
    return { stored: r.stored, seen };
  } catch (e) {
    return { error: { name: e.name, message: e.message, kept: e.instances?.[0]?.length }, seen };
  }
};
window.ready = true;
</script>`;

describe('STOW-RS from the browser over a slow link', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(resolve(BUNDLE_DIR, 'trus-cine-seg.mjs'))) throw new Error('dist/browser is missing: run "npm run build" first');
    server = await serveStatic(BUNDLE_DIR, { '/index.html': PAGE }, {}, (path, res, req) => {
      if (req.method !== 'POST') return false;
      // The slow server takes the upload in about 30 s, three times the wait; the stalling one takes its first bytes and no more.
      if (path === '/slow/studies') takeSlowly(req, res, 1024 * 1024);
      else if (path === '/stalling/studies') stopTaking(req);
      else return false;
      return true;
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function store(path: string, stowTimeoutMs: number) {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
      return await page.evaluate(([p, t]) => (window as any).store(p, t), [path, stowTimeoutMs] as const);
    } finally {
      await page.close();
    }
  }

  it('an upload that keeps going is not cut by a wait shorter than it, and its progress is reported to its end', async () => {
    // Chromium reports an upload's progress about once a second, the first after up to 4 s here.
    const r = await store('/slow', 10_000);
    expect(r.error).toBeUndefined();
    expect(r.stored).toEqual([STORED_UID]);
    const sent: number[] = r.seen.map((p: { received: number }) => p.received);
    const total = r.seen.at(-1).total as number;
    // The multipart body: the instance and its boundaries.
    expect(total).toBeGreaterThan(INSTANCE_BYTES);
    expect(r.seen.every((p: { total?: number }) => p.total === total)).toBe(true);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(sent.at(-1)).toBe(total);
    // Seen on the way, not only at the end.
    expect(sent.filter((n) => n > 0 && n < total).length).toBeGreaterThanOrEqual(3);
  });

  it('a server that stops taking the upload fails the store after the wait, the instance kept', async () => {
    const r = await store('/stalling', 1500);
    expect(r.error).toEqual({ name: 'StowError', message: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/stalling\/studies: .*no answer from http:\/\/127\.0\.0\.1:\d+\/stalling\/studies within 1\.5 s: the SEG is not known to be stored/), kept: INSTANCE_BYTES });
  });
});
