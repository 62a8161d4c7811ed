/**
 * The batch's STOW beside the next loop (src/cli/backgroundStow.ts), against a server that takes
 * each upload slowly: one STOW at a time, outcomes told in order at the next report, and a batch
 * cancelled while a SEG waits for the one before it does not send it.
 */
import { BackgroundStow, type StowOutcome } from '../src/cli/backgroundStow.js';
import { DicomwebClient } from '../src/dicom/dicomwebClient.js';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopbackServer.js';
import { takeSlowly } from './helpers/slowUploadServer.js';

describe('BackgroundStow', () => {
  let server: LoopbackServer;
  /** When each request came and when its answer went, in ms from the test's start. */
  let requests: { came: number; answered?: number }[] = [];
  let t0 = 0;
  const seg = new Uint8Array(200_000).fill(3);

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const request: { came: number; answered?: number } = { came: Date.now() - t0 };
      requests.push(request);
      res.on('finish', () => (request.answered = Date.now() - t0));
      // About 1 s for each SEG.
      takeSlowly(req, res, 200_000);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    requests = [];
    t0 = Date.now();
  });

  it('sends one SEG at a time, each after the one before is answered, and tells the outcomes in order at the next report', async () => {
    const outcomes: StowOutcome[] = [];
    const stower = new BackgroundStow(new DicomwebClient({ url: server.url }), (o) => outcomes.push(o));
    await stower.store(seg, '1.2.3', 'a.seg.dcm');
    // Started, not waited for: the caller goes on with its next loop.
    expect(stower.underWay).toBe('a.seg.dcm');
    expect(requests.every((r) => r.answered === undefined)).toBe(true);
    await stower.store(seg, '1.2.3', 'b.seg.dcm');
    // Nothing is told between reports.
    expect(outcomes).toEqual([]);
    stower.report();
    expect(outcomes).toEqual([{ segPath: 'a.seg.dcm' }]);
    await stower.waitForCurrent();
    expect(stower.underWay).toBeUndefined();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.came).toBeGreaterThanOrEqual(requests[0]!.answered!);
    stower.report();
    expect(outcomes).toEqual([{ segPath: 'a.seg.dcm' }, { segPath: 'b.seg.dcm' }]);
  });

  it('a batch cancelled while a SEG waits for the one before does not send it, and says so; the one before is still answered', async () => {
    const outcomes: StowOutcome[] = [];
    const stower = new BackgroundStow(new DicomwebClient({ url: server.url }), (o) => outcomes.push(o));
    const cancel = new AbortController();
    await stower.store(seg, '1.2.3', 'a.seg.dcm', cancel.signal);
    setTimeout(() => cancel.abort(new Error('cancelled by the user')), 200);
    await stower.store(seg, '1.2.3', 'b.seg.dcm', cancel.signal);
    // The cancel ended the wait, not the STOW under way: that one is not answered yet.
    expect(requests[0]!.answered).toBeUndefined();
    expect(stower.underWay).toBe('a.seg.dcm');
    await stower.waitForCurrent();
    stower.report();
    expect(requests).toHaveLength(1);
    expect(outcomes).toEqual([{ segPath: 'b.seg.dcm', error: new Error('not sent: the batch was cancelled') }, { segPath: 'a.seg.dcm' }]);
  });

  it('a refused STOW is an outcome with its error, not a throw', async () => {
    const outcomes: StowOutcome[] = [];
    const stower = new BackgroundStow(new DicomwebClient({ url: 'http://127.0.0.1:9' }), (o) => outcomes.push(o));
    await stower.store(seg, '1.2.3', 'a.seg.dcm');
    await stower.waitForCurrent();
    stower.report();
    expect(outcomes).toHaveLength(1);
    expect(String(outcomes[0]!.error)).toMatch(/STOW-RS failed: no response from http:\/\/127\.0\.0\.1:9\/studies\/1\.2\.3/);
  });
});
