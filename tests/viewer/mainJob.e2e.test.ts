/**
 * The README's main job, end to end: the viewer server with no PACS (the embedded demo study),
 * opened at the URL it prints, in headless Chromium. Both demo loops are segmented as a user does
 * it (the second from the study browser), the panel's prostate volume is the CLI's on the same
 * files, and Export SEG offers a valid SEG for download (a DICOM JSON study has no PACS to store to).
 * Then the same study with its cine file moved away on the server: what the panel says.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, chromiumAvailable, type Browser } from '../helpers/browser.js';
import { startViewer, ROOT, type RunningViewer } from '../helpers/viewerServer.js';
import { loopShown } from '../helpers/viewerPage.js';
import { dciodvfy, tempDir } from '../helpers/tools.js';
import { readSegmentation } from '../../src/dicom/segmentationReader.js';
import { CineImage } from '../../src/dicom/cineImage.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'viewer');
const AXIAL = join(ROOT, 'demo/trus-demo-axial.dcm');
const SAGITTAL = join(ROOT, 'demo/trus-demo-sagittal.dcm');

function frameCount(page: Page): Promise<number | undefined> {
  return page.evaluate(() => {
    const cs = (window as unknown as { cornerstone?: { getRenderingEngines(): { getViewports(): { getImageIds(): string[] }[] }[] } }).cornerstone;
    return cs?.getRenderingEngines()[0]?.getViewports()[0]?.getImageIds().length;
  });
}

async function segment(page: Page, frames: number): Promise<void> {
  await loopShown(page, frames);
  await page.locator('[data-testid=trus-segment]').click();
  await page.locator('[data-testid=trus-status][data-status=done]').waitFor({ timeout: 180_000 });
  expect(await page.locator('[data-testid=trus-progress]').getAttribute('data-done')).toBe(String(frames));
}

(chromiumAvailable() ? describe : describe.skip)('the main job: the viewer with the embedded demo study, no PACS', () => {
  let viewer: RunningViewer;
  let browser: Browser;
  const errors: string[] = [];
  const axial = CineImage.fromPart10(readFileSync(AXIAL), AXIAL);
  const sagittal = CineImage.fromPart10(readFileSync(SAGITTAL), SAGITTAL);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    viewer = await startViewer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
  });

  test('the printed demo URL opens the study in the TRUS mode; both loops segmented give the CLI’s prostate volume; the SEG downloads valid', async () => {
    const printed = /^demo loop in the TRUS Cine Segmentation mode: (http:\/\/\S+)$/m.exec(viewer.output());
    expect(printed).not.toBeNull();
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(printed![1]!);
    await page.locator('[data-testid=trus-segment]').waitFor({ timeout: 60_000 });
    // The study browser lists both views; the transverse loop is shown first.
    await page.locator('[data-cy=study-browser-thumbnail]').nth(1).waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-cy=study-browser-thumbnail]').count()).toBe(2);
    await segment(page, axial.numberOfFrames);
    expect(await page.locator('[data-testid=trus-scan-plane]').getAttribute('data-plane')).toBe('transverse');
    await page.locator('[data-cy=study-browser-thumbnail][data-series="2"]').dblclick();
    await segment(page, sagittal.numberOfFrames);
    expect(await frameCount(page)).toBe(sagittal.numberOfFrames);
    const volume = page.locator('[data-testid=trus-summary][data-model=trus-student] [data-testid=trus-volume]');
    await volume.and(page.locator('[data-volume-ml]')).waitFor({ timeout: 10_000 });
    const panelMl = Number(await volume.getAttribute('data-volume-ml'));
    await volume.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    // The README's picture of the main job (docs/viewer.png is copied from it).
    await page.screenshot({ path: join(ARTIFACTS, 'main-job-volume.png') });
    // Both loops' runs are unsaved: the one on screen is told apart from the other loop's.
    expect(await page.locator('[data-testid=trus-unsaved]').textContent()).toMatch(/^Not yet stored or downloaded as a SEG: Distilled student \(series 1 Simulated TRUS axial cine\), Distilled student \(this loop\)\. /);
    // The CLI on the same two files (onnxruntime-node): the same volume, but for a pixel or two
    // that float rounding in WASM can flip at the threshold.
    const out = tempDir('main-job-cli-');
    const cli = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'segment', AXIAL, SAGITTAL, '--out', out], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    const cliVolume = JSON.parse(readFileSync(join(out, `${axial.studyInstanceUID}.volume.json`), 'utf8'));
    expect(Math.abs(panelMl - cliVolume.volumeMl) / cliVolume.volumeMl).toBeLessThan(0.005);
    // The panel's volume file is the CLI's format: the same loops, the same figure as shown.
    const [volumeFile] = await Promise.all([page.waitForEvent('download'), volume.locator('[data-testid=trus-download-volume]').click()]);
    expect(volumeFile.suggestedFilename()).toBe(`${axial.studyInstanceUID}.volume.json`);
    const volumePath = join(ARTIFACTS, 'main-job-demo.volume.json');
    await volumeFile.saveAs(volumePath);
    const saved = JSON.parse(readFileSync(volumePath, 'utf8'));
    expect(saved.volumeMl).toBe(panelMl);
    expect(saved.note).toBe(cliVolume.note);
    expect([saved.transverse.sopInstanceUID, saved.sagittal.sopInstanceUID, saved.sagittal.segmentedBy]).toEqual([cliVolume.transverse.sopInstanceUID, cliVolume.sagittal.sopInstanceUID, cliVolume.sagittal.segmentedBy]);
    // No PACS: Export SEG says so and offers the download, a valid SEG of the sagittal loop.
    await page.locator('[data-testid=trus-export]').click();
    const result = page.locator('[data-testid=trus-export-result][data-stored=false]');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.locator('[data-testid=trus-no-pacs]').count()).toBe(1);
    expect(await result.locator('[data-testid=trus-store-error]').count()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), result.locator('[data-testid=trus-download-seg]').click()]);
    const path = join(ARTIFACTS, 'main-job-demo-sagittal.seg.dcm');
    await download.saveAs(path);
    const bytes = readFileSync(path);
    expect(dciodvfy(bytes).errors).toEqual([]);
    const seg = readSegmentation(bytes, path);
    expect(seg.studyInstanceUID).toBe(sagittal.studyInstanceUID);
    expect(seg.frames.map((f) => f.referencedFrameNumber)).toEqual(Array.from({ length: sagittal.numberOfFrames }, (_, i) => i + 1));
    for (const f of seg.frames) expect(f.referencedSOPInstanceUID).toBe(sagittal.sopInstanceUID);
    await page.screenshot({ path: join(ARTIFACTS, 'main-job-demo.png') });
    expect(errors).toEqual([]);
  }, 300_000);

  test('a demo cine that its server no longer has when Segment loop asks: the panel names the file and the HTTP 404; once it is back, the loop is segmented', async () => {
    const printed = /^demo loop in the TRUS Cine Segmentation mode: (http:\/\/\S+)$/m.exec(viewer.output())!;
    // A browser of its own: nothing of the first test's runs kept in its storage.
    const own = await launchChromium();
    const served = join(ROOT, 'dist/viewer/demo/trus-demo-axial.dcm');
    const moved = `${served}.moved-by-test`;
    try {
      const page = await own.context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.goto(printed[1]!);
      await page.locator('[data-testid=trus-segment]').waitFor({ timeout: 60_000 });
      await loopShown(page, axial.numberOfFrames);
      // The file is really gone from the server's folder: the host already shows its frames, and
      // the engine's retrieval must say what the server answered, not hand an error page to the reader.
      renameSync(served, moved);
      await page.locator('[data-testid=trus-segment]').click();
      const status = page.locator('[data-testid=trus-status][data-status=error]');
      await status.waitFor({ timeout: 60_000 });
      const origin = new URL(printed[1]!).origin;
      expect(await status.textContent()).toBe(`${origin}/demo/trus-demo-axial.dcm: DICOM file retrieval failed: HTTP 404 — not found: /demo/trus-demo-axial.dcm`);
      renameSync(moved, served);
      await segment(page, axial.numberOfFrames);
      expect(errors).toEqual([]);
    } finally {
      if (existsSync(moved)) renameSync(moved, served);
      await own.close();
    }
  }, 180_000);
});
