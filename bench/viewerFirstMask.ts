/**
 * Time to first mask in the served viewer (prebuilt OHIF + our extension and mode) on the demo
 * loop: from the click on Segment loop (model not yet loaded: a cold start) to the first frame's
 * mask, and to the whole loop; then a second, warm run. WASM (no GPU here), cross-origin isolated.
 */
import type { Page } from 'playwright-core';
import { launchChromium, chromiumAvailable } from '../tests/helpers/browser.js';
// @ts-expect-error the serving script is plain JavaScript
import { startViewerServer, demoUrl } from '../scripts/serve-viewer.mjs';

export interface ViewerTiming {
  frames: number;
  provider: string;
  coldFirstMaskMs: number;
  coldLoopMs: number;
  warmFirstMaskMs: number;
  warmLoopMs: number;
}

async function timedRun(page: Page): Promise<{ firstMs: number; loopMs: number }> {
  const t0 = Date.now();
  await page.locator('[data-testid=trus-segment]').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=trus-progress]')?.getAttribute('data-done') ?? 0) >= 1, undefined, { timeout: 120_000, polling: 10 });
  const firstMs = Date.now() - t0;
  await page.locator('[data-testid=trus-status][data-status=done]').waitFor({ timeout: 300_000 });
  return { firstMs, loopMs: Date.now() - t0 };
}

export async function viewerFirstMask(): Promise<ViewerTiming | string> {
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
    const warm = await timedRun(page);
    return {
      frames: Number(await page.locator('[data-testid=trus-progress]').getAttribute('data-total')),
      provider: (await page.locator('[data-testid=trus-provider]').textContent()) ?? '',
      coldFirstMaskMs: cold.firstMs,
      coldLoopMs: cold.loopMs,
      warmFirstMaskMs: warm.firstMs,
      warmLoopMs: warm.loopMs,
    };
  } finally {
    await browser.close();
    server.close();
  }
}
