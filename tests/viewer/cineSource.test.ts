/** Which file a DICOM JSON instance's `url` names, for the extension to fetch the whole cine itself. */
import { dicomFileUrlOf } from '../../extension/src/services/cineSource.js';
import type { OhifInstance } from '../../extension/src/types/ohif.js';

const page = 'https://viewer.example.org/viewer?StudyInstanceUIDs=1.2.3';

function withUrl(url: string | undefined): OhifInstance {
  return { StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.4', SOPInstanceUID: '1.2.3.4.5', ...(url === undefined ? {} : { url }) };
}

describe('dicomFileUrlOf', () => {
  test('a dicomweb: or wadouri: URL of one frame names its whole file, resolved against the page', () => {
    // As scripts/assemble-viewer.mjs writes the demo study, one entry per 1-based frame.
    expect(dicomFileUrlOf(withUrl('dicomweb:/demo/trus-demo-axial.dcm?frame=12'), page)).toBe('https://viewer.example.org/demo/trus-demo-axial.dcm');
    expect(dicomFileUrlOf(withUrl('wadouri:https://files.example.org/loops/a.dcm?frame=1'), page)).toBe('https://files.example.org/loops/a.dcm');
    expect(dicomFileUrlOf(withUrl('dicomweb:http://10.0.0.5:8080/a.dcm'), page)).toBe('http://10.0.0.5:8080/a.dcm');
    expect(dicomFileUrlOf(withUrl('https://files.example.org/b.dcm'), page)).toBe('https://files.example.org/b.dcm');
  });

  test('other query parameters are kept as written, in their order', () => {
    expect(dicomFileUrlOf(withUrl('dicomweb:https://bucket.example.org/a.dcm?X-Sig=ab%2Bc%3D&frame=3&v=a+b'), page)).toBe('https://bucket.example.org/a.dcm?X-Sig=ab%2Bc%3D&v=a+b');
    expect(dicomFileUrlOf(withUrl('dicomweb:https://bucket.example.org/a.dcm?frame=3&token=t'), page)).toBe('https://bucket.example.org/a.dcm?token=t');
    // A parameter that only ends in "frame" is not the frame.
    expect(dicomFileUrlOf(withUrl('dicomweb:https://bucket.example.org/a.dcm?keyframe=3'), page)).toBe('https://bucket.example.org/a.dcm?keyframe=3');
  });

  test('local files and instances without a URL are left to the host', () => {
    expect(dicomFileUrlOf(withUrl('dicomfile:0?frame=1'), page)).toBeUndefined();
    expect(dicomFileUrlOf(withUrl(undefined), page)).toBeUndefined();
    // A relative URL with no page to resolve it against (not a browser).
    expect(dicomFileUrlOf(withUrl('dicomweb:/demo/a.dcm'), undefined)).toBeUndefined();
  });
});
