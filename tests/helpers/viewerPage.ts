/** What the viewer's end-to-end tests wait for in the page. */
import type { Page } from 'playwright-core';

/** The panel is up and the viewport shows the loop's frames. */
export async function loopShown(page: Page, frames: number): Promise<void> {
  await page.locator('[data-testid=trus-segment]').waitFor({ timeout: 60_000 });
  await page.waitForFunction((n) => {
    const cs = (window as unknown as { cornerstone?: { getRenderingEngines(): { getViewports(): { getImageIds(): string[] }[] }[] } }).cornerstone;
    return cs?.getRenderingEngines()[0]?.getViewports()[0]?.getImageIds().length === n;
  }, frames, { timeout: 60_000 });
}
