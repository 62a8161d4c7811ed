/**
 * A QIDO-RS search against a PACS that caps its answers gets every match, page by page: first the
 * paging rule on its own (pages as a server might answer them), then DicomwebClient and the CLI
 * against a real Orthanc behind a capping stand-in (tests/helpers/cappingQidoProxy.ts says why a
 * stand-in).
 */
import type { NaturalDataset } from 'dcmjs';
import { pagedSearch, type SearchPage } from '../../src/dicom/qidoPaging.js';
import { DicomwebClient } from '../../src/dicom/dicomwebClient.js';
import { createUID } from '../../src/dicom/uids.js';
import { cineFile, grayFrames, IDENTITY_A } from '../helpers/synthetic.js';
import { startOrthanc, type RunningOrthanc } from '../helpers/orthanc.js';
import { cliAsync as cli } from '../helpers/cliProcess.js';
import { CAPPED_WARNING, cappingQidoProxy, type CappingProxy } from '../helpers/cappingQidoProxy.js';

jest.setTimeout(120000);

const WARNING = '299 pacs: "more"';

function studies(n: number): NaturalDataset[] {
  return Array.from({ length: n }, (_, i) => ({ StudyInstanceUID: `1.2.${i + 1}` }) as NaturalDataset);
}

/** A server holding `all` that answers at most `cap` from `offset`, warning when it cut a window short. */
function capped(all: NaturalDataset[], cap: number, asked: Record<string, string>[]) {
  return async (params: Record<string, string>): Promise<SearchPage> => {
    asked.push(params);
    const from = Number(params.offset ?? 0);
    const page = all.slice(from, from + Math.min(Number(params.limit ?? Infinity), cap));
    return page.length < Math.min(Number(params.limit ?? Infinity), all.length - from) ? { found: page, warning: WARNING } : { found: page };
  };
}


const uids = (found: NaturalDataset[]) => found.map((d) => d.StudyInstanceUID);

describe('pagedSearch', () => {
  it('asks for the rest with offset and the cap as limit until a page is short, and says how it paged', async () => {
    const asked: Record<string, string>[] = [];
    const warnings: string[] = [];
    const paged: [number, number][] = [];
    const found = await pagedSearch({ ModalitiesInStudy: 'US' }, capped(studies(7), 3, asked), { onWarning: (w) => warnings.push(w), onPaged: (r, p) => paged.push([r, p]) });
    expect(uids(found)).toEqual(uids(studies(7)));
    expect(asked).toEqual([{ ModalitiesInStudy: 'US' }, { ModalitiesInStudy: 'US', offset: '3', limit: '3' }, { ModalitiesInStudy: 'US', offset: '6', limit: '3' }]);
    expect(warnings).toEqual([]);
    expect(paged).toEqual([[3, 3]]);
  });

  it('ends on an empty page when the matches fill the last page exactly', async () => {
    const asked: Record<string, string>[] = [];
    const warnings: string[] = [];
    expect(uids(await pagedSearch({}, capped(studies(6), 3, asked), { onWarning: (w) => warnings.push(w) }))).toEqual(uids(studies(6)));
    expect(asked.map((p) => p.offset)).toEqual([undefined, '3', '6']);
    expect(warnings).toEqual([]);
  });

  it('makes one request, and passes no warning on, for a server that does not cap', async () => {
    const asked: Record<string, string>[] = [];
    const paged: number[] = [];
    expect(await pagedSearch({}, capped(studies(4), 10, asked), { onPaged: (r) => paged.push(r) })).toHaveLength(4);
    expect(asked).toHaveLength(1);
    expect(paged).toEqual([]);
  });

  it('gives a search that names its own limit or offset that window only, with the server warning passed on', async () => {
    const windows: Record<string, string>[] = [{ limit: '5' }, { offset: '1' }, { LIMIT: '5' }];
    for (const window of windows) {
      const asked: Record<string, string>[] = [];
      const warnings: string[] = [];
      const found = await pagedSearch({ PatientID: 'X', ...window }, capped(studies(9), 2, asked), { onWarning: (w) => warnings.push(w) });
      expect(found).toHaveLength(2);
      expect(asked).toHaveLength(1);
      expect(warnings).toEqual([WARNING]);
    }
  });

  it('stops and warns when the next page brings nothing new (a server that ignores offset)', async () => {
    const asked: Record<string, string>[] = [];
    const warnings: string[] = [];
    const sameFirstPage = async (params: Record<string, string>): Promise<SearchPage> => (asked.push(params), { found: studies(2), warning: WARNING });
    expect(uids(await pagedSearch({}, sameFirstPage, { onWarning: (w) => warnings.push(w) }))).toEqual(uids(studies(2)));
    expect(asked).toHaveLength(2);
    expect(warnings).toEqual([`${WARNING} (asked for the matches from offset 2 on, it answered none that were new)`]);
  });

  it('counts a match met on two pages once (an order that shifted between requests)', async () => {
    const all = studies(5);
    const pages = [all.slice(0, 2), [all[1]!, all[2]!], all.slice(3, 5), []];
    let i = 0;
    const shifting = async (): Promise<SearchPage> => ({ found: pages[i++]!, ...(i === 1 ? { warning: WARNING } : {}) });
    expect(uids(await pagedSearch({}, shifting))).toEqual(uids(all));
  });

  it('tells matches apart by series and instance UIDs as well as by study', async () => {
    const study = '1.2.3';
    const series = (n: number) => Array.from({ length: n }, (_, i) => ({ StudyInstanceUID: study, SeriesInstanceUID: `${study}.${i + 1}` }) as NaturalDataset);
    expect(await pagedSearch({}, capped(series(5), 2, []))).toHaveLength(5);
  });
});

describe('QIDO-RS paging against Orthanc behind a capping PACS', () => {
  let orthanc: RunningOrthanc;
  let proxy: CappingProxy;
  const studyUids = Array.from({ length: 5 }, () => createUID());
  const cines = studyUids.map((StudyInstanceUID, i) =>
    cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), identity: { ...IDENTITY_A, PatientID: `PAGE-${i}`, AccessionNumber: `ACC-P${i}`, StudyInstanceUID } }),
  );
  // A sixth study with three images of its own, for the instance-level search.
  const bigStudy = { ...IDENTITY_A, PatientID: 'PAGE-BIG', AccessionNumber: 'ACC-BIG', StudyInstanceUID: createUID() };
  const bigStudyImages = [1, 2, 3].map((seriesNumber) => cineFile({ rows: 16, columns: 16, frames: grayFrames(16, 16, 2), identity: bigStudy, seriesNumber }));

  beforeAll(async () => {
    orthanc = await startOrthanc();
    await new DicomwebClient({ url: orthanc.dicomwebUrl }).storeInstances([...cines, ...bigStudyImages]);
    proxy = await cappingQidoProxy(orthanc.httpUrl, { cap: 2 });
  });

  afterAll(async () => {
    await proxy?.close();
    await orthanc?.stop();
  });

  it('finds every study of a search, and every image of a study, two at a time', async () => {
    const client = new DicomwebClient({ url: `${proxy.url}/dicom-web` });
    const paged: [number, number][] = [];
    const warnings: string[] = [];
    const found = await client.searchForStudies({ PatientID: 'PAGE-*' }, { onPaged: (r, p) => paged.push([r, p]), onWarning: (w) => warnings.push(w) });
    expect(found.map((s) => String(s.StudyInstanceUID)).sort()).toEqual([...studyUids, bigStudy.StudyInstanceUID].sort());
    expect(paged).toEqual([[4, 2]]);
    expect(warnings).toEqual([]);
    const images = await client.searchForInstances(bigStudy.StudyInstanceUID);
    expect(new Set(images.map((i) => i.SOPInstanceUID)).size).toBe(3);
  });

  it('answers a search that names its limit with that window and the server warning', async () => {
    const client = new DicomwebClient({ url: `${proxy.url}/dicom-web` });
    const warnings: string[] = [];
    const found = await client.searchForStudies({ PatientID: 'PAGE-*', limit: '4' }, { onWarning: (w) => warnings.push(w) });
    expect(found).toHaveLength(2);
    expect(warnings).toEqual([CAPPED_WARNING]);
  });

  it('warns, and does not loop, when the PACS ignores offset', async () => {
    const stuck = await cappingQidoProxy(orthanc.httpUrl, { cap: 2, ignoreOffset: true });
    try {
      const warnings: string[] = [];
      const found = await new DicomwebClient({ url: `${stuck.url}/dicom-web` }).searchForStudies({ PatientID: 'PAGE-*' }, { onWarning: (w) => warnings.push(w) });
      expect(found).toHaveLength(2);
      expect(stuck.searches).toHaveLength(2);
      expect(warnings).toEqual([`${CAPPED_WARNING} (asked for the matches from offset 2 on, it answered none that were new)`]);
    } finally {
      await stuck.close();
    }
  });

  it('lists every loop of a capped search from the CLI and says it paged; warns where the PACS would not page', async () => {
    const search = `${proxy.url}/dicom-web/studies?ModalitiesInStudy=US`;
    const listed = await cli('info', search, '--json');
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain(`${search}: the server answered 2 matches at a time (4 requests)`);
    expect(listed.stderr).toContain(`${bigStudy.StudyInstanceUID}: the server listed its images 2 at a time (2 requests)`);
    expect(listed.stderr).toContain(`${search}: 6 studies matched, 8 images`);
    expect(listed.stderr).not.toContain('warning');
    expect(JSON.parse(listed.stdout)).toHaveLength(8);

    const stuck = await cappingQidoProxy(orthanc.httpUrl, { cap: 2, ignoreOffset: true });
    try {
      const stuckSearch = `${stuck.url}/dicom-web/series?Modality=US`;
      const warned = await cli('info', stuckSearch);
      expect(warned.code).toBe(0);
      expect(warned.stderr).toContain(
        `warning: ${stuckSearch}: the server may have returned only some of the matches (narrow the search, e.g. by StudyDate, and run each part; --skip-existing resumes): ${CAPPED_WARNING} (asked for the matches from offset 2 on, it answered none that were new)`,
      );
      expect(warned.stderr).toContain(`${stuckSearch}: 2 series matched, 2 images`);
    } finally {
      await stuck.close();
    }
  });
});
