/**
 * Time to first mask in the served viewer (prebuilt OHIF + our extension and mode) on the demo
 * loop: from the click on Segment loop, as soon as the viewport shows the loop (the panel starts
 * loading the model in the background once the page is idle, so the model may still be loading),
 * to the first frame's mask in the panel's progress, to the viewport's first render of it, and to
 * the whole loop; then warm runs on the same page. All in the page's own clock. WASM (no GPU
 * here), cross-origin isolated.
 */
import type { Page } from 'playwright-core';
import { launchChromium, chromiumAvailable } from '../tests/helpers/browser.js';
// @ts-expect-error the serving script is plain JavaScript
import { startViewerServer, demoUrl } from '../scripts/serve-viewer.mjs';

export interface ViewerRun {
  /** From the click to the panel's progress showing one frame done (in the page's DOM). */
  firstMaskMs: number;
  /** From the click to the viewport's first render of the run's labelmap with the shown frame's mask in it. */
  firstShownMs: number;
  /** From the click to the panel saying the run is done (in the page's DOM). */
  loopMs: number;
}

export interface ViewerTiming {
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
}

/**
 * Notes in the page when Segment loop is clicked, and when the viewport first renders a labelmap
 * that did not exist before the click with a mask in the frame it shows (cornerstone's
 * SEGMENTATION_RENDERED follows the render; a render of the labelmap still empty does not count).
 * A string: tsx would wrap a named function of the page's in a helper the page does not have.
 */
const WATCH_RUN = `(() => {
  const clock = {};
  window.trusRunClock = clock;
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
  const { clickedAt, progressAt, shownAt, doneAt } = (await clock.jsonValue()) as Required<RunClock>;
  return { firstMaskMs: progressAt - clickedAt, firstShownMs: shownAt - clickedAt, loopMs: doneAt - clickedAt };
}

export async function viewerFirstMask(warmRuns = 3): Promise<ViewerTiming | string> {
  if (!chromiumAvailable()) return 'Chromium is not installed';
  const { server, url } = (await startViewerServer({ port: 0 })) as { server: { close(): void }; url: string };
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(demoUrl(url));
    await page.locator('[data-testid=trus-segment]').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => {
      const cs = (window as unknown as { cornerstone?: { getRenderingEngines(): { getViewports(): { getImageIds(): string[] }[] }[] } }).cornerstone;
      return (cs?.getRenderingEngines()[0]?.getViewports()[0]?.getImageIds().length ?? 0) > 0;
    }, undefined, { timeout: 60_000 });
    const cold = await timedRun(page);
    const warm: ViewerRun[] = [];
    for (let i = 0; i < warmRuns; i++) warm.push(await timedRun(page));
    return {
      frames: Number(await page.locator('[data-testid=trus-progress]').getAttribute('data-total')),
      provider: (await page.locator('[data-testid=trus-provider]').textContent()) ?? '',
      cold,
      warm,
    };
  } finally {
    await browser.close();
    server.close();
  }
}
