/**
 * Time to first mask in the served viewer (prebuilt OHIF + our extension and mode), on the demo
 * loop and on the bench loop opened from a PACS: from the click on Segment loop, as soon as the viewport shows the loop (the panel starts
 * loading the model in the background once the page is idle, so the model may still be loading),
 * to the first frame's mask in the panel's progress, to the viewport's first render of it, and to
 * the whole loop; then warm runs on the same page. All in the page's own clock. WASM (no GPU
 * here), cross-origin isolated.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchChromium, chromiumAvailable } from '../tests/helpers/browser.js';
import { startOrthanc, orthancAvailable } from '../tests/helpers/orthanc.js';
import { DicomwebClient } from '../src/dicom/dicomwebClient.js';
// @ts-expect-error the serving script is plain JavaScript
import { startViewerServer, demoUrl } from '../scripts/serve-viewer.mjs';

export interface ViewerRun {
  /** From the click to the panel's progress showing one frame done (in the page's DOM). */
  firstMaskMs: number;
  /** From the click to the viewport's first render of the run's labelmap with the shown frame's mask in it. */
  firstShownMs: number;
  /** From the click to the panel saying the run is done (in the page's DOM). */
  loopMs: number;
  /** Renders of the viewport (cornerstone's IMAGE_RENDERED) from the click to the run's end. */
  viewportRenders: number;
}

export interface ViewerTiming {
  /** Which loop, from where. */
  loop: string;
  frames: number;
  provider: string;
  cold: ViewerRun;
  /** Later runs on the same page, model and cine already loaded. */
  warm: ViewerRun[];
}

/** In the page's clock (performance.now()). */
interface RunClock {
  clickedAt?: number;
  progressAt?: number;
  shownAt?: number;
  doneAt?: number;
  renders: number;
}

/**
 * Notes in the page when Segment loop is clicked, and when the viewport first renders a labelmap
 * that did not exist before the click with a mask in the frame it shows (cornerstone's
 * SEGMENTATION_RENDERED follows the render; a render of the labelmap still empty does not count).
 * A string: tsx would wrap a named function of the page's in a helper the page does not have.
 */
const WATCH_RUN = `(() => {
  const clock = { renders: 0 };
  window.trusRunClock = clock;
  const viewportElement = window.cornerstone.getRenderingEngines()[0].getViewports()[0].element;
  const countRender = () => {
    if (clock.clickedAt !== undefined && clock.doneAt === undefined) clock.renders++;
  };
  viewportElement.addEventListener('CORNERSTONE_IMAGE_RENDERED', countRender);
  const before = new Set(window.cornerstoneTools.segmentation.state.getSegmentations().map((s) => s.segmentationId));
  document.querySelector('[data-testid=trus-segment]').addEventListener('click', () => { clock.clickedAt ??= performance.now(); }, { capture: true, once: true });
  const type = 'CORNERSTONE_TOOLS_SEGMENTATION_RENDERED';
  const rendered = (e) => {
    const id = e.detail && e.detail.segmentationId;
    if (clock.clickedAt === undefined || before.has(id)) return;
    const viewport = window.cornerstone.getRenderingEngines()[0].getViewports()[0];
    const imageId = window.cornerstoneTools.segmentation.state.getSegmentation(id)?.representationData.Labelmap?.imageIds?.[viewport.getCurrentImageIdIndex()];
    const pixels = imageId ? window.cornerstone.cache.getImage(imageId)?.getPixelData() : undefined;
    if (!pixels || !pixels.some((v) => v !== 0)) return;
    clock.shownAt = performance.now();
    window.cornerstone.eventTarget.removeEventListener(type, rendered);
  };
  window.cornerstone.eventTarget.addEventListener(type, rendered);
  const panel = new MutationObserver(() => {
    if (clock.clickedAt === undefined) return;
    const done = Number(document.querySelector('[data-testid=trus-progress]')?.getAttribute('data-done') ?? 0);
    if (done >= 1) clock.progressAt ??= performance.now();
    if (document.querySelector('[data-testid=trus-status][data-status=done]')) {
      clock.doneAt = performance.now();
      panel.disconnect();
      viewportElement.removeEventListener('CORNERSTONE_IMAGE_RENDERED', countRender);
    }
  });
  panel.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-done', 'data-status'] });
})()`;

async function timedRun(page: Page): Promise<ViewerRun> {
  await page.evaluate(WATCH_RUN);
  await page.locator('[data-testid=trus-segment]').click();
  await page.locator('[data-testid=trus-status][data-status=done]').waitFor({ timeout: 300_000 });
  const clock = await page.waitForFunction(() => {
    const c = (window as unknown as { trusRunClock: RunClock }).trusRunClock;
    return c.clickedAt !== undefined && c.progressAt !== undefined && c.shownAt !== undefined && c.doneAt !== undefined ? c : null;
  }, undefined, { timeout: 30_000 });
  const { clickedAt, progressAt, shownAt, doneAt, renders } = (await clock.jsonValue()) as Required<RunClock>;
  return { firstMaskMs: progressAt - clickedAt, firstShownMs: shownAt - clickedAt, loopMs: doneAt - clickedAt, viewportRenders: renders };
}

/** The page's loop is shown: runs Segment loop once as it is, then `warmRuns` more times. */
async function timedRuns(page: Page, loop: string, warmRuns: number): Promise<ViewerTiming> {
  await page.locator('[data-testid=trus-segment]').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => {
    const cs = (window as unknown as { cornerstone?: { getRenderingEngines(): { getViewports(): { getImageIds(): string[] }[] }[] } }).cornerstone;
    return (cs?.getRenderingEngines()[0]?.getViewports()[0]?.getImageIds().length ?? 0) > 0;
  }, undefined, { timeout: 60_000 });
  const cold = await timedRun(page);
  const warm: ViewerRun[] = [];
  for (let i = 0; i < warmRuns; i++) warm.push(await timedRun(page));
  return {
    loop,
    frames: Number(await page.locator('[data-testid=trus-progress]').getAttribute('data-total')),
    provider: (await page.locator('[data-testid=trus-provider]').textContent()) ?? '',
    cold,
    warm,
  };
}

async function inViewer<T>(options: { pacs?: string }, use: (page: Page, url: string) => Promise<T>): Promise<T> {
  const { server, url } = (await startViewerServer({ port: 0, ...options })) as { server: { close(): void }; url: string };
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    return await use(page, url);
  } finally {
    await browser.close();
    server.close();
  }
}

/** The embedded demo loop, as the main job serves it. */
export async function viewerFirstMask(warmRuns = 3): Promise<ViewerTiming | string> {
  if (!chromiumAvailable()) return 'Chromium is not installed';
  return inViewer({}, async (page, url) => {
    await page.goto(demoUrl(url));
    return timedRuns(page, 'the demo loop (embedded)', warmRuns);
  });
}

/**
 * A cine file stored in a PACS of its own (Debian's Orthanc on loopback, as the tests run it) and
 * opened from there in the TRUS mode, as a user opens a study: the bench loop, at the length the
 * pipeline rows have.
 */
export async function viewerLoopFromPacs(file: string, loop: string, warmRuns = 3): Promise<ViewerTiming | string> {
  if (!chromiumAvailable()) return 'Chromium is not installed';
  if (!orthancAvailable()) return 'Orthanc is not installed';
  const orthanc = await startOrthanc();
  try {
    const client = new DicomwebClient({ url: orthanc.dicomwebUrl });
    await client.storeInstances([readFileSync(file)]);
    const [study] = await client.searchForStudies();
    return await inViewer({ pacs: orthanc.dicomwebUrl }, async (page, url) => {
      await page.goto(`${url}/trus-cine?StudyInstanceUIDs=${String(study!.StudyInstanceUID)}`);
      return timedRuns(page, loop, warmRuns);
    });
  } finally {
    await orthanc.stop();
  }
}
