/**
 * A STOW-RS from Node (the CLI's `segment --stow` and `store`) to a server that takes the upload
 * slowly: the upload's progress is reported as its parts leave, the wait for an answer starts
 * again with each, so a large SEG going slowly is not cut, and a server that stops taking it
 * still fails the store after the wait. The server paces its reading: a real Orthanc on loopback
 * takes any upload at once.
 */
import { DicomwebClient } from '../../src/dicom/dicomwebClient.js';
import { StowError } from '../../src/dicom/errors.js';
import type { TransferProgress } from '../../src/util/httpTransfer.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopbackServer.js';
import { STORED_UID, stopTaking, takeSlowly } from '../helpers/slowUploadServer.js';

/** Larger than loopback's socket buffers, so that the server's reading paces the upload. */
const INSTANCE_BYTES = 32 * 1024 * 1024;

describe('STOW-RS from Node over a slow link', () => {
  let server: LoopbackServer;
  const instance = new Uint8Array(INSTANCE_BYTES).fill(7);

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      // About 8 s for the slow server, over twice the wait.
      if (req.url === '/slow/studies') takeSlowly(req, res, 4 * 1024 * 1024);
      else if (req.url === '/stalling/studies') stopTaking(req);
      else res.writeHead(404).end();
    });
  });
  afterAll(() => server.close());

  test('an upload that keeps going is not cut by a wait shorter than it, and its progress is reported to its end', async () => {
    const seen: TransferProgress[] = [];
    const started = Date.now();
    // A failure is compared by its message: the StowError holds the 32 MB instance, too large for jest to print.
    const result = await new DicomwebClient({ url: `${server.url}/slow`, stowTimeoutMs: 3000 })
      .storeInstances([instance], undefined, { onProgress: (p) => seen.push(p) })
      .catch((e: Error) => e.message);
    expect(result).toMatchObject({ stored: [STORED_UID] });
    // It did take longer than the wait: the wait was started again on the way.
    expect(Date.now() - started).toBeGreaterThan(3000);
    const total = seen.at(-1)!.total!;
    // The multipart body: the instance and its boundaries.
    expect(total).toBeGreaterThan(INSTANCE_BYTES);
    expect(total).toBeLessThan(INSTANCE_BYTES + 1024);
    expect(seen.every((p) => p.total === total)).toBe(true);
    const sent = seen.map((p) => p.received);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(sent.at(-1)).toBe(total);
    expect(sent.filter((n) => n > 0 && n < total).length).toBeGreaterThanOrEqual(3);
  }, 60000);

  test('a server that stops taking the upload fails the store after the wait, the instance kept', async () => {
    const seen: TransferProgress[] = [];
    const error = await new DicomwebClient({ url: `${server.url}/stalling`, stowTimeoutMs: 1500 })
      .storeInstances([instance], undefined, { onProgress: (p) => seen.push(p) })
      .catch((e: unknown) => e);
    expect(error instanceof StowError && error.message).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+\/stalling\/studies within 1\.5 s: the SEG is not known to be stored/);
    expect((error as StowError).instances[0]).toBe(instance);
    // What left before the server stopped reading is reported; not the whole.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)!.received).toBeLessThan(seen.at(-1)!.total!);
  }, 30000);
});
