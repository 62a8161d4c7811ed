/**
 * A DICOMweb server that takes a request and goes silent, or pauses in the middle of an answer:
 * a loopback server of the test's own (a stand-in: Orthanc always answers), against the client's
 * idle timeout.
 */
import { startStandInServer, type StandInServer } from '../helpers/standInServer.js';
import { DicomwebClient } from '../../src/dicom/dicomwebClient.js';
import { DicomwebRequestError } from '../../src/dicom/errors.js';

describe('DICOMweb requests to a server that goes silent', () => {
  let server: StandInServer;
  let url: string;
  /** How the server answers a request: never, or JSON in three parts this many ms apart. */
  let behaviour: 'silent' | number;

  beforeAll(async () => {
    server = await startStandInServer((req, res) => {
      req.resume();
      if (behaviour === 'silent') return;
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      const gap = behaviour;
      res.write('[');
      setTimeout(() => {
        res.write(' ');
        setTimeout(() => res.end(']'), gap);
      }, gap);
    });
    url = server.url;
  });
  afterAll(() => server.close());

  test('a retrieval and a search that get no byte fail after the idle timeout, saying so', async () => {
    behaviour = 'silent';
    const client = new DicomwebClient({ url, idleTimeoutMs: 300 });
    const retrieval = await client.retrieveInstance('1.2.3', '4.5.6', '7.8.9').catch((e: unknown) => e);
    expect(retrieval).toBeInstanceOf(DicomwebRequestError);
    expect((retrieval as DicomwebRequestError).message).toBe(`${url}/studies/1.2.3/series/4.5.6/instances/7.8.9: WADO-RS instance retrieval failed: no data from the server for 0.3 s (it took the request and went silent)`);
    const search = await client.searchForStudies({ ModalitiesInStudy: 'US' }).catch((e: unknown) => e);
    expect(search).toBeInstanceOf(DicomwebRequestError);
    expect((search as DicomwebRequestError).message).toMatch(/QIDO-RS study search failed: no data from the server for 0\.3 s/);
  });

  test('an answer that keeps coming is not cut: the timeout counts from the last byte', async () => {
    // The answer's three parts 0.6 s apart: 1.2 s in all, each gap within a 1 s idle timeout.
    behaviour = 600;
    await expect(new DicomwebClient({ url, idleTimeoutMs: 1000 }).searchForStudies({ ModalitiesInStudy: 'US' })).resolves.toEqual([]);
    // A gap longer than the timeout fails it.
    behaviour = 1500;
    await expect(new DicomwebClient({ url, idleTimeoutMs: 1000 }).searchForStudies({ ModalitiesInStudy: 'US' })).rejects.toThrow(/no data from the server for 1\.0 s/);
  });
});
