/**
 * A PACS behind OpenID Connect: the viewer opened with the user's token (OHIF's `?token=`, the
 * same header its OpenID Connect login sets) reads the loop, and the extension's own requests
 * (the cine it segments, the SEG it stores, a stored SEG it reads) carry the user's token as the
 * host's do. The PACS is a real Orthanc behind a gateway that checks the token
 * (tests/helpers/bearerGateway.ts).
 */
import type { Page } from 'playwright-core';
import { launchChromium, chromiumAvailable, type Browser } from '../helpers/browser.js';
import { loopShown } from '../helpers/viewerPage.js';
import { startOrthanc, orthancAvailable, type RunningOrthanc } from '../helpers/orthanc.js';
import { startViewer, type RunningViewer } from '../helpers/viewerServer.js';
import { bearerGateway, type BearerGateway } from '../helpers/bearerGateway.js';
import { phantomLoop } from '../helpers/phantomLoop.js';
import { dciodvfy } from '../helpers/tools.js';
import { DicomwebClient } from '../../src/dicom/dicomwebClient.js';
import { readSegmentation } from '../../src/dicom/segmentationReader.js';

jest.setTimeout(240_000);

const ready = chromiumAvailable() && orthancAvailable();
const FRAMES = 6;
const TOKEN = 'user-token-8f3a';

(ready ? describe : describe.skip)('the viewer with a PACS that wants the user’s token', () => {
  let orthanc: RunningOrthanc;
  let gateway: BearerGateway;
  let viewer: RunningViewer;
  let browser: Browser;
  let study: string;
  /** The SOP Instance UID of the SEG the first test stored. */
  let storedSeg = '';

  beforeAll(async () => {
    orthanc = await startOrthanc();
    const loop = await phantomLoop('viewer-token', FRAMES, 256, 'jpeg');
    await new DicomwebClient({ url: orthanc.dicomwebUrl }).storeInstances([loop.cine]);
    study = String((await new DicomwebClient({ url: orthanc.dicomwebUrl }).searchForStudies())[0]!.StudyInstanceUID);
    gateway = await bearerGateway(orthanc.httpUrl, TOKEN);
    viewer = await startViewer({ pacs: `${gateway.url}/dicom-web` });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await gateway?.close();
    await orthanc?.stop();
  });

  /** A new page at the loop with the user's token in the URL, as OHIF takes it; `errors` collects the page's uncaught errors. */
  async function openWithToken(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${viewer.url}/trus-cine?StudyInstanceUIDs=${study}&token=${TOKEN}`);
    return { page, errors };
  }

  /** Waits for the panel's run to end; one that ended in an error fails with the panel's message. */
  async function runDone(page: Page, what: string, timeout: number): Promise<void> {
    const status = page.locator('[data-testid=trus-status]');
    await page.locator('[data-testid=trus-status][data-status=done], [data-testid=trus-status][data-status=error]').waitFor({ timeout });
    if ((await status.getAttribute('data-status')) !== 'done') throw new Error(`${what} ended in an error: ${await status.textContent()}`);
  }

  test('segments the loop and stores its SEG, every request to the PACS with the token', async () => {
    const { page, errors } = await openWithToken();
    await loopShown(page, FRAMES);
    const cineRequests = () => gateway.passed.filter((p) => p.startsWith('GET ') && /\/instances\/[0-9.]+$/.test(p)).length;
    const before = cineRequests();

    await page.locator('[data-testid=trus-segment]').click();
    await runDone(page, 'the run', 180_000);
    // The engine read the cine itself, through the gateway.
    expect(cineRequests()).toBe(before + 1);

    await page.locator('[data-testid=trus-export]').click();
    await page.locator('[data-testid=trus-export-result]:not([data-stored=storing])').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=trus-store-error]').count()).toBe(0);
    expect(await page.locator('[data-testid=trus-export-result]').getAttribute('data-stored')).toBe('true');
    expect(gateway.passed.filter((p) => p.startsWith('POST '))).toEqual([`POST /dicom-web/studies/${study}`]);

    const client = new DicomwebClient({ url: orthanc.dicomwebUrl });
    const [segSeries] = (await client.searchForSeries(study)).filter((s) => s.Modality === 'SEG');
    const [instance] = await client.searchForInstances(study, String(segSeries!.SeriesInstanceUID));
    const bytes = await client.retrieveInstance(study, String(segSeries!.SeriesInstanceUID), String(instance!.SOPInstanceUID));
    expect(dciodvfy(bytes).errors).toEqual([]);
    storedSeg = String(instance!.SOPInstanceUID);
    expect(readSegmentation(bytes, 'stored.seg.dcm').frames).toHaveLength(FRAMES);

    expect(gateway.refused).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('reads the stored SEG back from the PACS with the token, in a new page', async () => {
    const { page, errors } = await openWithToken();
    await page.locator('[data-testid=trus-load-seg]').first().click({ timeout: 60_000 });
    await runDone(page, 'loading the SEG', 60_000);
    // The engine read the SEG whole, through the gateway.
    expect(gateway.passed.filter((p) => p.startsWith('GET ') && p.endsWith(`/instances/${storedSeg}`)).length).toBeGreaterThan(0);
    expect(gateway.refused).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
