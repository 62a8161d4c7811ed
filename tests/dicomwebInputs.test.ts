/** How the CLI reads a DICOMweb argument: a study, a series, or a QIDO-RS search. */
import { parseDicomwebUrl } from '../src/cli/inputs.js';

describe('parseDicomwebUrl', () => {
  it('a study or a series URL names its UIDs', () => {
    expect(parseDicomwebUrl('http://pacs:8042/dicom-web/studies/1.2.3')).toEqual({ kind: 'location', base: 'http://pacs:8042/dicom-web', study: '1.2.3' });
    expect(parseDicomwebUrl('https://pacs/dicom-web/studies/1.2.3/series/4.5/')).toEqual({ kind: 'location', base: 'https://pacs/dicom-web', study: '1.2.3', series: '4.5' });
  });

  it('a search URL keeps its matching keys, decoded, and joins a repeated key into a QIDO list', () => {
    expect(parseDicomwebUrl('http://pacs/dicom-web/studies?ModalitiesInStudy=US&StudyDate=20260101-20261231&PatientName=Doe%5EJ*')).toEqual({
      kind: 'search',
      base: 'http://pacs/dicom-web',
      level: 'studies',
      queryParams: { ModalitiesInStudy: 'US', StudyDate: '20260101-20261231', PatientName: 'Doe^J*' },
    });
    expect(parseDicomwebUrl('http://pacs/aets/DCM4CHEE/rs/series?Modality=US&includefield=00080021&includefield=00080031')).toEqual({
      kind: 'search',
      base: 'http://pacs/aets/DCM4CHEE/rs',
      level: 'series',
      queryParams: { Modality: 'US', includefield: '00080021,00080031' },
    });
  });

  it('refuses a search with nothing to match (every study of the PACS)', () => {
    expect(() => parseDicomwebUrl('http://pacs/dicom-web/studies?')).toThrow(/needs at least one matching attribute/);
    expect(() => parseDicomwebUrl('http://pacs/dicom-web/studies?limit=100&offset=0&includefield=all')).toThrow(/needs at least one matching attribute/);
  });

  it('anything else is not a DICOMweb input', () => {
    expect(parseDicomwebUrl('http://pacs/dicom-web/studies')).toBeUndefined();
    expect(parseDicomwebUrl('http://pacs/dicom-web/studies/1.2.3/instances')).toBeUndefined();
    expect(parseDicomwebUrl('/data/loops')).toBeUndefined();
  });
});
