/**
 * Integration with a real PACS: Debian's Orthanc + DICOMweb plugin started on loopback with a
 * temporary config and storage. Stores a multi-frame US instance, reads it back over DICOMweb,
 * STOWs the SEG and finds it in the right study; a stopped server gives a StowError that
 * still holds the SEG bytes.
 */
import { DicomwebClient } from '../../src/dicom/dicomwebClient.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { BinarySegmentation } from '../../src/dicom/segmentation.js';
import { readSegmentation, masksForSource } from '../../src/dicom/segmentationReader.js';
import { DicomwebRequestError, StowError } from '../../src/dicom/errors.js';
import { TransferSyntax, SopClass } from '../../src/dicom/uids.js';
import { cineFile, grayFrames, IDENTITY_A } from '../helpers/synthetic.js';
import { startOrthanc, type RunningOrthanc } from '../helpers/orthanc.js';

jest.setTimeout(120000);

describe('DICOMweb against Orthanc', () => {
  let orthanc: RunningOrthanc;
  let client: DicomwebClient;
  const rows = 24;
  const columns = 30;
  const frames = grayFrames(rows, columns, 6);
  const cineBytes = cineFile({ rows, columns, frames, transferSyntaxUID: TransferSyntax.RLELossless });
  const local = CineImage.fromPart10(cineBytes, 'local');

  beforeAll(async () => {
    orthanc = await startOrthanc();
    client = new DicomwebClient({ url: orthanc.dicomwebUrl });
  });

  afterAll(async () => {
    await orthanc?.stop();
  });

  it('stores a multi-frame US instance and finds it with QIDO-RS', async () => {
    const result = await client.storeInstances([cineBytes]);
    expect(result.stored).toEqual([local.sopInstanceUID]);
    const studies = await client.searchForStudies({ PatientID: IDENTITY_A.PatientID });
    expect(studies.map((s) => s.StudyInstanceUID)).toEqual([IDENTITY_A.StudyInstanceUID]);
    const instances = await client.searchForInstances(IDENTITY_A.StudyInstanceUID, local.seriesInstanceUID);
    expect(instances.map((i) => i.SOPInstanceUID)).toEqual([local.sopInstanceUID]);
  });

  it('reads the instance back with WADO-RS in its stored transfer syntax, frames identical', async () => {
    const remote = await client.retrieveCine(IDENTITY_A.StudyInstanceUID, local.seriesInstanceUID, local.sopInstanceUID);
    expect(remote.transferSyntaxUID).toBe(TransferSyntax.RLELossless);
    expect(remote.numberOfFrames).toBe(6);
    const a = await remote.decodeAllFrames();
    a.forEach((f, i) => expect(Array.from(f)).toEqual(Array.from(frames[i]!)));
  });

  it('reports the progress of a WADO-RS retrieval: the multipart answer, all of it by the end, out of the length Orthanc gave', async () => {
    const progress: { received: number; total?: number }[] = [];
    const bytes = await client.retrieveInstance(IDENTITY_A.StudyInstanceUID, local.seriesInstanceUID, local.sopInstanceUID, { onProgress: (p) => progress.push(p) });
    expect(Array.from(bytes)).toEqual(Array.from(cineBytes));
    expect(progress.length).toBeGreaterThan(0);
    const received = progress.map((p) => p.received);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    // The instance, its part's headers and the boundaries around it.
    const last = progress.at(-1)!;
    expect(last.received).toBeGreaterThan(bytes.length);
    expect(last.received).toBeLessThan(bytes.length + 1000);
    // Orthanc gives the answer's length.
    expect(last.total).toBe(last.received);
  });

  it('retrieves single frames (1-based) as uncompressed pixels', async () => {
    const parts = await client.retrieveFrames(IDENTITY_A.StudyInstanceUID, local.seriesInstanceUID, local.sopInstanceUID, [1, 4]);
    expect(parts).toHaveLength(2);
    expect(Array.from(parts[0]!.subarray(0, rows * columns))).toEqual(Array.from(frames[0]!));
    expect(Array.from(parts[1]!.subarray(0, rows * columns))).toEqual(Array.from(frames[3]!));
  });

  it('STOWs the SEG, which Orthanc then lists under the same study and returns intact', async () => {
    const remote = await client.retrieveCine(IDENTITY_A.StudyInstanceUID, local.seriesInstanceUID, local.sopInstanceUID);
    const masks = frames.map((f) => Uint8Array.from(f, (v) => (v > 128 ? 1 : 0)));
    const seg = new BinarySegmentation({
      source: remote,
      segments: [{ label: 'Prostate', algorithmType: 'AUTOMATIC', algorithm: { name: 'threshold-test', version: '1' }, frames: masks }],
    });
    const stored = await client.storeInstances([seg.toPart10()], IDENTITY_A.StudyInstanceUID);
    expect(stored.stored).toEqual([seg.sopInstanceUID]);
    const series = await client.searchForSeries(IDENTITY_A.StudyInstanceUID);
    const segSeries = series.find((s) => s.Modality === 'SEG');
    expect(segSeries?.SeriesInstanceUID).toBe(seg.seriesInstanceUID);
    const segInstances = await client.searchForInstances(IDENTITY_A.StudyInstanceUID, seg.seriesInstanceUID);
    expect(segInstances.map((i) => i.SOPClassUID)).toEqual([SopClass.Segmentation]);
    const back = readSegmentation(await client.retrieveInstance(IDENTITY_A.StudyInstanceUID, seg.seriesInstanceUID, seg.sopInstanceUID), 'orthanc-seg');
    expect(back.studyInstanceUID).toBe(IDENTITY_A.StudyInstanceUID);
    masksForSource(back, 1, remote.sopInstanceUID, 6).forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(masks[i]!)));
  });

  it('a STOW into the wrong study is refused with the status and the SEG bytes kept', async () => {
    const seg = new BinarySegmentation({
      source: local,
      segments: [{ label: 'Prostate', algorithmType: 'MANUAL', frames: frames.map((f) => new Uint8Array(f.length)) }],
    }).toPart10();
    const error = await client.storeInstances([seg], '1.2.3.4.5.6').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StowError);
    const stow = error as StowError;
    expect(stow.status).toBeGreaterThanOrEqual(400);
    expect(stow.message).toMatch(/HTTP \d{3}/);
    expect(stow.instances[0]).toBe(seg);
  });

  it('a WADO-RS request for an unknown instance surfaces the HTTP status', async () => {
    const error = await client.retrieveInstance(IDENTITY_A.StudyInstanceUID, local.seriesInstanceUID, '1.2.3.999').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DicomwebRequestError);
    expect((error as DicomwebRequestError).status).toBe(404);
    expect((error as DicomwebRequestError).message).toMatch(/WADO-RS instance retrieval failed: HTTP 404/);
  });

  it('a STOW to a stopped server fails with status 0 and keeps the SEG bytes', async () => {
    await orthanc.stop();
    const bytes = new BinarySegmentation({
      source: local,
      segments: [{ label: 'Prostate', algorithmType: 'MANUAL', frames: frames.map((f) => new Uint8Array(f.length)) }],
    }).toPart10();
    const error = await client.storeInstances([bytes]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StowError);
    expect((error as StowError).status).toBe(0);
    expect((error as StowError).message).toMatch(/unreachable|refused/);
    expect((error as StowError).instances[0]).toBe(bytes);
  });
});
