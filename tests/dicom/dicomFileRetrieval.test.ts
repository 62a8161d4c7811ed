/**
 * A DICOM file fetched from a plain URL, as a DICOM JSON study names it, against a file server
 * of the test's own on loopback: its 404, its silence and its pauses are behaviour no real file
 * server can be made to show on demand.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { partsReportedDuring, sendInParts, startLoopbackServer, type LoopbackServer } from '../helpers/loopbackServer.js';
import { retrieveDicomFile } from '../../src/dicom/dicomFileRetrieval.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { DicomwebRequestError } from '../../src/dicom/errors.js';

const demo = readFileSync(resolve(__dirname, '../../demo/trus-demo-axial.dcm'));

describe('retrieveDicomFile', () => {
  let server: LoopbackServer;
  const seen: { path: string; authorization?: string }[] = [];
  /** Milliseconds between the file's four parts. */
  let gap = 0;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      req.resume();
      seen.push({ path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      if (req.url?.startsWith('/silent')) return;
      if (!req.url?.startsWith('/demo/trus-demo-axial.dcm')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('no such file');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/dicom', 'Content-Length': demo.length });
      sendInParts(res, demo, 4, gap);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    seen.length = 0;
    gap = 0;
  });

  test('gives the file byte for byte, with the headers it is asked to send', async () => {
    const bytes = await retrieveDicomFile(`${server.url}/demo/trus-demo-axial.dcm`, { headers: { Authorization: 'Bearer user-token' } });
    expect(Buffer.from(bytes).equals(demo)).toBe(true);
    expect(CineImage.fromPart10(bytes, 'demo').numberOfFrames).toBeGreaterThan(1);
    expect(seen).toEqual([{ path: '/demo/trus-demo-axial.dcm', authorization: 'Bearer user-token' }]);
  });

  test('an HTTP error fails with its status and the server\'s words, not as bytes for the reader', async () => {
    const url = `${server.url}/demo/gone.dcm`;
    const err = await retrieveDicomFile(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DicomwebRequestError);
    expect((err as DicomwebRequestError).status).toBe(404);
    expect((err as DicomwebRequestError).message).toBe(`${url}: DICOM file retrieval failed: HTTP 404 — no such file`);
  });

  test('a server that takes the request and goes silent fails after the idle timeout, saying so', async () => {
    const url = `${server.url}/silent/file.dcm`;
    await expect(retrieveDicomFile(url, { idleTimeoutMs: 300 })).rejects.toThrow(`${url}: DICOM file retrieval failed: no data from the server for 0.3 s (it took the request and went silent)`);
  });

  test('a file that keeps arriving is not cut: the timeout counts from the last byte', async () => {
    // Four parts 0.4 s apart: 1.2 s in all, each gap within a 1 s idle timeout.
    gap = 400;
    const bytes = await retrieveDicomFile(`${server.url}/demo/trus-demo-axial.dcm`, { idleTimeoutMs: 1000 });
    expect(bytes.length).toBe(demo.length);
    // A gap longer than the timeout fails it.
    gap = 1500;
    await expect(retrieveDicomFile(`${server.url}/demo/trus-demo-axial.dcm`, { idleTimeoutMs: 1000 })).rejects.toThrow(/no data from the server for 1\.0 s/);
  });

  test('reports the file as it arrives, out of the length the server gave', async () => {
    gap = 300;
    const progress: { received: number; total?: number }[] = [];
    await retrieveDicomFile(`${server.url}/demo/trus-demo-axial.dcm`, { onProgress: (p) => progress.push(p) });
    const received = progress.map((p) => p.received);
    // In the order it came, reported in at least three of the server's pauses between parts.
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(partsReportedDuring(received, demo.length, 4)).toBeGreaterThanOrEqual(3);
    expect(received.at(-1)).toBe(demo.length);
    for (const p of progress) expect(p.total).toBe(demo.length);
  });

  test('a caller\'s abort stops the transfer and rejects with its reason', async () => {
    gap = 1000;
    const abort = new AbortController();
    const retrieval = retrieveDicomFile(`${server.url}/demo/trus-demo-axial.dcm`, { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('cancelled by the user')), 200);
    await expect(retrieval).rejects.toThrow('cancelled by the user');
    const before = new AbortController();
    before.abort(new Error('already cancelled'));
    await expect(retrieveDicomFile(`${server.url}/demo/trus-demo-axial.dcm`, { signal: before.signal })).rejects.toThrow('already cancelled');
  });

  test('a server that is not there fails as unreachable', async () => {
    const gone = await startLoopbackServer(() => undefined);
    const url = `${gone.url}/file.dcm`;
    await gone.close();
    await expect(retrieveDicomFile(url)).rejects.toThrow(`${url}: DICOM file retrieval failed: no response (server unreachable or connection refused)`);
  });
});
