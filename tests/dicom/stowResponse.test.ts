/**
 * STOW-RS responses as servers write them: DICOM JSON (Orthanc, tested against the real one in
 * dicomweb.orthanc.test.ts) and the Native DICOM Model XML that other servers answer with when the
 * request names no Accept type, as ours does not. Orthanc answers JSON only, so the XML answers
 * and a 200 that names nothing (and a server that never answers) come from a small loopback server
 * here: faults that a real Orthanc cannot be made to give.
 */
import { startStandInServer, type StandInServer } from '../helpers/standInServer.js';
import { DicomwebClient, parseStowResponse } from '../../src/dicom/dicomwebClient.js';
import { StowError } from '../../src/dicom/errors.js';
import { CineImage } from '../../src/dicom/cineImage.js';
import { cineFile, grayFrames } from '../helpers/synthetic.js';

const json = {
  '00081190': { vr: 'UR', Value: ['http://pacs/dicom-web/studies/1.2'] },
  '00081199': { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.66.4'] }, '00081155': { vr: 'UI', Value: ['1.2.3.4'] } }] },
  '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.5'] }, '00081197': { vr: 'US', Value: [42752] } }] },
};

const xml = `<?xml version="1.0" encoding="UTF-8"?>
<NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">
  <DicomAttribute tag="00081190" vr="UR" keyword="RetrieveURL"><Value number="1">http://pacs/dicom-web/studies/1.2</Value></DicomAttribute>
  <DicomAttribute tag="00081199" vr="SQ" keyword="ReferencedSOPSequence">
    <Item number="1">
      <DicomAttribute tag="00081150" vr="UI" keyword="ReferencedSOPClassUID"><Value number="1">1.2.840.10008.5.1.4.1.1.66.4</Value></DicomAttribute>
      <DicomAttribute tag="00081155" vr="UI" keyword="ReferencedSOPInstanceUID"><Value number="1">1.2.3.4</Value></DicomAttribute>
      <DicomAttribute tag="00081196" vr="US" keyword="WarningReason"><Value number="1">45063</Value></DicomAttribute>
    </Item>
    <Item number="2">
      <DicomAttribute tag="00081155" vr="UI" keyword="ReferencedSOPInstanceUID"><Value number="1">1.2.3.6</Value></DicomAttribute>
      <DicomAttribute tag="0040A375" vr="SQ" keyword="CurrentRequestedProcedureEvidenceSequence">
        <Item number="1"><DicomAttribute tag="00081155" vr="UI"><Value number="1">9.9.9</Value></DicomAttribute></Item>
      </DicomAttribute>
    </Item>
  </DicomAttribute>
  <DicomAttribute tag="00081198" vr="SQ" keyword="FailedSOPSequence">
    <Item number="1">
      <DicomAttribute tag="00081155" vr="UI" keyword="ReferencedSOPInstanceUID"><Value number="1">1.2.3.5</Value></DicomAttribute>
      <DicomAttribute tag="00081197" vr="US" keyword="FailureReason"><Value number="1">42752</Value></DicomAttribute>
    </Item>
  </DicomAttribute>
  <DicomAttribute tag="00080054" vr="AE" keyword="RetrieveAETitle"/>
</NativeDicomModel>`;

describe('STOW-RS responses', () => {
  test('DICOM JSON and Native DICOM Model XML give the same stored and failed instances; nested items do not count', () => {
    expect(parseStowResponse(JSON.stringify(json))).toEqual({ stored: ['1.2.3.4'], failed: ['42752'] });
    expect(parseStowResponse(xml)).toEqual({ stored: ['1.2.3.4', '1.2.3.6'], failed: ['42752'] });
    expect(parseStowResponse('')).toEqual({ stored: [], failed: [] });
    expect(parseStowResponse('<html><body>Stored!</body></html>')).toEqual({ stored: [], failed: [] });
    expect(parseStowResponse('{not json')).toEqual({ stored: [], failed: [] });
  });

  describe('from a server', () => {
    let server: StandInServer;
    let answer: { status: number; type: string; body: (stowed: string) => string } | 'never';
    const cine = cineFile({ rows: 8, columns: 8, frames: grayFrames(8, 8, 2) });
    let url: string;

    beforeAll(async () => {
      server = await startStandInServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (answer === 'never') return;
          res.writeHead(answer.status, { 'Content-Type': answer.type });
          res.end(answer.body(req.url ?? ''));
        });
      });
      url = server.url;
    });
    afterAll(() => server.close());

    test('an XML answer naming the instance is a store; one naming it failed is a StowError with the reason', async () => {
      const uid = CineImage.fromPart10(cine, 'cine').sopInstanceUID;
      const item = (extra: string) => `<Item number="1"><DicomAttribute tag="00081155" vr="UI"><Value number="1">${uid}</Value></DicomAttribute>${extra}</Item>`;
      answer = { status: 200, type: 'application/dicom+xml', body: () => `<?xml version="1.0"?><NativeDicomModel><DicomAttribute tag="00081199" vr="SQ">${item('')}</DicomAttribute></NativeDicomModel>` };
      expect((await new DicomwebClient({ url }).storeInstances([cine])).stored).toEqual([uid]);
      answer = { status: 409, type: 'application/dicom+xml', body: () => `<NativeDicomModel><DicomAttribute tag="00081198" vr="SQ">${item('<DicomAttribute tag="00081197" vr="US"><Value number="1">42752</Value></DicomAttribute>')}</DicomAttribute></NativeDicomModel>` };
      const error = await new DicomwebClient({ url }).storeInstances([cine]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StowError);
      expect((error as StowError).message).toMatch(/HTTP 409 — failure reason 0xA700 \(out of resources\)/);
    });

    test('a 200 whose body names no instance is not taken for a store, and the instance is kept', async () => {
      answer = { status: 200, type: 'text/plain', body: () => '' };
      const error = await new DicomwebClient({ url }).storeInstances([cine]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StowError);
      expect((error as StowError).message).toMatch(/answered HTTP 200 but its response names no stored instance \(an empty body\): not known to be stored/);
      expect((error as StowError).instances[0]).toBe(cine);
    });
    test('a server that takes the STOW and never answers fails it after the timeout, the instance kept', async () => {
      answer = 'never';
      const error = await new DicomwebClient({ url, stowTimeoutMs: 300 }).storeInstances([cine]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StowError);
      expect((error as StowError).message).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+\/dicom-web\/studies within 0\.3 s: the SEG is not known to be stored \(the server may yet store it\)/);
      expect((error as StowError).instances[0]).toBe(cine);
    });
  });
});
