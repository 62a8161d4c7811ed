// Assembles the served viewer in dist/viewer: the prebuilt OHIF dist (vendor/ohif-app, see
// fetch-ohif-app.mjs) with an import map for our extension and mode, our browser bundles in
// trus-cine-seg/, the shipped models in models/, and the demo loop with its DICOM JSON study in
// demo/. app-config.js is written by the server (serve-viewer.mjs) from its options, so that
// pointing the viewer at a PACS is a command-line setting, not a rebuild.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import dcmjs from 'dcmjs';
import { shippedModelNames } from './shippedModels.mjs';

export const EXTENSION_MODULE = 'trus-cine-seg-extension';
export const MODE_MODULE = 'trus-cine-seg-mode';
/** The demo study: one simulated patient's transverse and sagittal loops (`trus-seg phantom demo`). */
export const DEMO_FILES = ['trus-demo-axial.dcm', 'trus-demo-sagittal.dcm'];
export const DEMO_STUDY_JSON = 'trus-demo-study.json';

function importMap() {
  return `<script type="importmap">${JSON.stringify({
    imports: {
      [EXTENSION_MODULE]: '/trus-cine-seg/trus-cine-seg-extension.mjs',
      [MODE_MODULE]: '/trus-cine-seg/trus-cine-seg-mode.mjs',
    },
  })}</script>`;
}

function personName(value) {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'object' && v !== null ? (v.Alphabetic ?? '') : (v ?? '');
}

function datasetOf(bytes) {
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.meta);
  delete ds.PixelData;
  ds.TransferSyntaxUID = meta.TransferSyntaxUID;
  return ds;
}

/**
 * The DICOM JSON study (OHIF's dicomjson data source) describing Part 10 cines of one study, each
 * `{ bytes, url }` one series. Cines of different studies are refused: one study JSON, one study.
 */
export function studyJsonFor(cines) {
  const datasets = cines.map(({ bytes, url }) => ({ ds: datasetOf(bytes), url }));
  const first = datasets[0].ds;
  for (const { ds, url } of datasets) {
    if (ds.StudyInstanceUID !== first.StudyInstanceUID) throw new Error(`${url} is of study ${ds.StudyInstanceUID}, not ${first.StudyInstanceUID}: the demo study JSON holds one study`);
  }
  return {
    studies: [
      {
        StudyInstanceUID: first.StudyInstanceUID,
        StudyDate: first.StudyDate,
        StudyTime: first.StudyTime,
        StudyDescription: first.StudyDescription ?? 'TRUS demo',
        PatientName: personName(first.PatientName),
        PatientID: first.PatientID,
        AccessionNumber: first.AccessionNumber ?? '',
        Modalities: [...new Set(datasets.map(({ ds }) => ds.Modality))].join('\\'),
        NumInstances: datasets.length,
        series: datasets.map(({ ds, url }) => ({
          SeriesInstanceUID: ds.SeriesInstanceUID,
          SeriesDescription: ds.SeriesDescription ?? '',
          SeriesNumber: ds.SeriesNumber ?? 1,
          Modality: ds.Modality,
          // OHIF's DICOM JSON names a multi-frame instance once per frame (1-based ?frame=).
          instances: Array.from({ length: Number(ds.NumberOfFrames ?? 1) }, (_, i) => ({ metadata: ds, url: `dicomweb:${url}?frame=${i + 1}` })),
        })),
      },
    ],
  };
}

export function assembleViewer({ root, browserDir }) {
  const ohifDist = resolve(root, 'vendor/ohif-app/dist');
  if (!existsSync(resolve(ohifDist, 'index.html'))) {
    throw new Error('vendor/ohif-app/dist is missing: run `node scripts/fetch-ohif-app.mjs` (part of scripts/setup.sh)');
  }
  const out = resolve(root, 'dist/viewer');
  rmSync(out, { recursive: true, force: true });
  // The prebuilt viewer's service worker would cache an old assembly across rebuilds: left out.
  cpSync(ohifDist, out, { recursive: true, filter: (src) => !/[\\/](sw\.js|init-service-worker\.js|app-config\.js)$/.test(src) });
  const indexHtml = readFileSync(resolve(out, 'index.html'), 'utf8');
  if (!indexHtml.includes('<head>')) throw new Error('the OHIF index.html has no <head>');
  // The import map must come before any module script: first element of <head>.
  writeFileSync(resolve(out, 'index.html'), indexHtml.replace('<head>', `<head>${importMap()}`).replace(/<script[^>]*init-service-worker\.js[^>]*><\/script>/, ''));
  cpSync(browserDir, resolve(out, 'trus-cine-seg'), { recursive: true });
  mkdirSync(resolve(out, 'models'), { recursive: true });
  for (const name of shippedModelNames(root)) cpSync(resolve(root, 'models', name), resolve(out, 'models', name), { recursive: true });
  mkdirSync(resolve(out, 'demo'), { recursive: true });
  for (const name of DEMO_FILES) cpSync(resolve(root, 'demo', name), resolve(out, 'demo', name));
  const cines = DEMO_FILES.map((name) => ({ bytes: readFileSync(resolve(root, 'demo', name)), url: `/demo/${name}` }));
  writeFileSync(resolve(out, 'demo', DEMO_STUDY_JSON), JSON.stringify(studyJsonFor(cines)));
  return out;
}
