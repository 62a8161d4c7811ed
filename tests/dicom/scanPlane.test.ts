/** The scan plane a cine's header gives: View Code Sequence first, then the words describing the series. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../../src/dicom/cineImage.js';
import { planeNamedIn, readScanPlane } from '../../src/dicom/scanPlane.js';
import { cineFile } from '../helpers/synthetic.js';
import { phantomLoop } from '../helpers/phantomLoop.js';

const REAL = resolve(__dirname, '../../../shared/data/real-us');

describe('scan plane', () => {
  it('reads View Code Sequence: SNOMED CT transverse or sagittal, under the current or the old designator', () => {
    expect(readScanPlane({ ViewCodeSequence: [{ CodeValue: '62824007', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Transverse' }] })).toEqual({
      plane: 'transverse',
      from: 'View Code Sequence (SCT 62824007 Transverse)',
    });
    expect(readScanPlane({ ViewCodeSequence: { CodeValue: '30730003', CodingSchemeDesignator: 'SRT', CodeMeaning: 'Sagittal plane' } })?.plane).toBe('sagittal');
    // A vendor's own code, named in words.
    expect(readScanPlane({ ViewCodeSequence: [{ CodeValue: 'TRV-1', CodingSchemeDesignator: '99ACME', CodeMeaning: 'Prostate axial' }] })?.plane).toBe('transverse');
    // The code wins over a description that says otherwise.
    expect(readScanPlane({ ViewCodeSequence: [{ CodeValue: '30730003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Sagittal' }], SeriesDescription: 'TRUS transverse' })?.plane).toBe('sagittal');
  });

  it('falls back to Series Description, Protocol Name and Image Comments, only when they name one plane', () => {
    expect(readScanPlane({ SeriesDescription: 'Prostate SAG cine' })).toEqual({ plane: 'sagittal', from: 'Series Description "Prostate SAG cine"' });
    expect(readScanPlane({ SeriesDescription: 'TRUS', ProtocolName: 'Prostate TRANS' })).toEqual({ plane: 'transverse', from: 'Protocol Name "Prostate TRANS"' });
    expect(readScanPlane({ ImageComments: 'Simulated TRUS loop, axial view' })?.plane).toBe('transverse');
    expect(readScanPlane({ SeriesDescription: 'sag/trans sweep' })).toBeUndefined();
    expect(readScanPlane({ ViewCodeSequence: [{ CodeValue: '81654009', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Coronal' }] })).toBeUndefined();
    expect(readScanPlane({})).toBeUndefined();
  });

  it('matches whole words: transrectal, a long loop or a sagging gain are no plane', () => {
    expect(planeNamedIn('transrectal ultrasound')).toBeUndefined();
    expect(planeNamedIn('long loop, gain sagging')).toBeUndefined();
    expect(planeNamedIn('Longitudinal')).toBe('sagittal');
    expect(planeNamedIn('TRV')).toBe('transverse');
  });

  it('is read with the cine: both views of the phantom, and none for the real files or a cine without words', async () => {
    const axial = await phantomLoop('scan-plane', 2, 160, 'native', 'axial');
    const sagittal = await phantomLoop('scan-plane', 2, 160, 'native', 'sagittal');
    expect(CineImage.fromPart10(axial.cine, 'axial').scanPlane).toEqual({ plane: 'transverse', from: 'Series Description "Simulated TRUS axial cine"' });
    expect(CineImage.fromPart10(sagittal.cine, 'sagittal').scanPlane?.plane).toBe('sagittal');
    const coded = cineFile({ rows: 8, columns: 8, frames: [new Uint8Array(64)], extra: { ViewCodeSequence: [{ CodeValue: '30730003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Sagittal' }] } });
    expect(CineImage.fromPart10(coded, 'coded').scanPlane?.from).toBe('View Code Sequence (SCT 30730003 Sagittal)');
    for (const name of ['examples_ybr_color.dcm', 'examples_jpeg2k.dcm']) {
      const file = join(REAL, name);
      expect(CineImage.fromPart10(readFileSync(file), file).scanPlane).toBeUndefined();
    }
  });
});
