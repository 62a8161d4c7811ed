/**
 * A PACS that requires credentials (a real Orthanc with HTTP Basic authentication): the CLI
 * sends them with `--header` or TRUS_PACS_AUTHORIZATION on every QIDO, WADO and STOW request,
 * and the viewer's server adds TRUS_PACS_AUTHORIZATION to what it proxies; without them the
 * refusal is reported with its status. `trus-seg store` sends SEGs kept after a refused STOW.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CineImage } from '../src/dicom/cineImage.js';
import { DicomwebClient } from '../src/dicom/dicomwebClient.js';
import { readSegmentation } from '../src/dicom/segmentationReader.js';
import { buildTinySegmentationModel } from './helpers/onnxModel.js';
import { writeModelFolder } from './helpers/modelDir.js';
import { basicAuthorization, orthancAvailable, startOrthanc, type RunningOrthanc } from './helpers/orthanc.js';
import { startViewer } from './helpers/viewerServer.js';
import { tempDir } from './helpers/tools.js';

jest.setTimeout(180000);

const ROOT = resolve(__dirname, '..');
const CLI = resolve(ROOT, 'dist/cli/main.js');
const DEMO = resolve(ROOT, 'demo/trus-demo-axial.dcm');
const demo = CineImage.fromPart10(readFileSync(DEMO), DEMO);
const AUTH = basicAuthorization('radiologist', 'secret-1');
const SEG_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, TRUS_PACS_AUTHORIZATION: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = tempDir('pacs-auth-');
const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 64, width: 64 }), ['N', 1, 64, 64], { name: 'tiny-net', version: '1.0.0' });
let orthanc: RunningOrthanc;
let study: string;

beforeAll(async () => {
  if (!orthancAvailable()) throw new Error('Orthanc is not installed: run scripts/setup.sh');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  orthanc = await startOrthanc({ users: { radiologist: 'secret-1' } });
  await new DicomwebClient({ url: orthanc.dicomwebUrl, headers: { Authorization: AUTH } }).storeInstances([new Uint8Array(readFileSync(DEMO))]);
  study = `${orthanc.dicomwebUrl}/studies/${demo.studyInstanceUID}`;
});

afterAll(async () => {
  await orthanc?.stop();
});

it('without credentials the PACS refuses, and the CLI says so with the status', () => {
  const r = cli(['info', study]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/QIDO-RS instance search failed: HTTP 401/);
});

it('segment with TRUS_PACS_AUTHORIZATION reads the study and stores the SEG (STOW-RS) with the same credentials', async () => {
  const out = join(dir, 'out');
  const r = cli(['segment', study, '--model', model.dir, '--out', out, '--stow', orthanc.dicomwebUrl], { TRUS_PACS_AUTHORIZATION: AUTH });
  expect(r.stderr).toMatch(/  stored \S+\.seg\.dcm to http:\/\/127\.0\.0\.1:\d+\/dicom-web\n/);
  expect(r.code).toBe(0);
  // The token is not echoed anywhere.
  expect(r.stderr).not.toContain(AUTH.split(' ')[1]!);
  const instances = await new DicomwebClient({ url: orthanc.dicomwebUrl, headers: { Authorization: AUTH } }).searchForInstances(demo.studyInstanceUID);
  expect(instances.filter((i) => i.SOPClassUID === SEG_CLASS)).toHaveLength(1);
});

it('--header sends a header (here the credentials) with every request; a malformed one is bad usage', () => {
  const r = cli(['info', study, '--json', '--header', `Authorization: ${AUTH}`]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ sopInstanceUID: demo.sopInstanceUID, numberOfFrames: 72 })]);
  // A wrong --header replaces the environment's credentials (header names are case-insensitive).
  const wrong = cli(['info', study, '--header', `authorization: ${basicAuthorization('radiologist', 'wrong')}`], { TRUS_PACS_AUTHORIZATION: AUTH });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/HTTP 401/);
  const bad = cli(['segment', study, '--model', model.dir, '--out', join(dir, 'bad'), '--header', 'Authorization']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--header must be "Name: value", got "Authorization"');
});

it("the viewer's server adds TRUS_PACS_AUTHORIZATION to proxied requests, so the page never holds the credentials", async () => {
  const query = `/dicom-web/studies?StudyInstanceUID=${demo.studyInstanceUID}`;
  const without = await startViewer({ pacs: orthanc.dicomwebUrl });
  try {
    expect((await fetch(`${without.url}${query}`)).status).toBe(401);
  } finally {
    await without.stop();
  }
  const viewer = await startViewer({ pacs: orthanc.dicomwebUrl, pacsAuthorization: AUTH });
  try {
    const res = await fetch(`${viewer.url}${query}`);
    expect(res.status).toBe(200);
    const studies = (await res.json()) as { '0020000D': { Value: string[] } }[];
    expect(studies.map((s) => s['0020000D'].Value[0])).toEqual([demo.studyInstanceUID]);
    expect(viewer.output()).toContain('(with TRUS_PACS_AUTHORIZATION)');
    expect(viewer.output()).not.toContain(AUTH.split(' ')[1]!);
    const config = await (await fetch(`${viewer.url}/app-config.js`)).text();
    expect(config).not.toContain(AUTH.split(' ')[1]!);
  } finally {
    await viewer.stop();
  }
});

it('store: SEGs kept after a refused STOW are stored later, reports beside them passed over; a refusal is a failure', async () => {
  const out = join(dir, 'kept');
  const refused = cli(['segment', DEMO, '--model', model.dir, '--out', out, '--stow', 'http://127.0.0.1:9/dicom-web']);
  expect(refused.code).toBe(1);
  const segFile = join(out, `${demo.sopInstanceUID}.seg.dcm`);
  expect(refused.stderr).toContain(`\`trus-seg store ${segFile} --stow http://127.0.0.1:9/dicom-web\` stores it later`);
  const uid = readSegmentation(readFileSync(segFile), segFile).sopInstanceUID;

  const wrong = cli(['store', out, '--stow', orthanc.dicomwebUrl, '--header', `Authorization: ${basicAuthorization('radiologist', 'wrong')}`]);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/error: .*\.seg\.dcm: STOW-RS failed: HTTP 401/);

  const r = cli(['store', out, '--stow', orthanc.dicomwebUrl], { TRUS_PACS_AUTHORIZATION: AUTH });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`1 SEG(s) stored to ${orthanc.dicomwebUrl}`);
  const instances = await new DicomwebClient({ url: orthanc.dicomwebUrl, headers: { Authorization: AUTH } }).searchForInstances(demo.studyInstanceUID);
  expect(instances.map((i) => i.SOPInstanceUID)).toContain(uid);

  // Named directly, a file must be a SEG.
  const notSeg = cli(['store', DEMO, '--stow', orthanc.dicomwebUrl], { TRUS_PACS_AUTHORIZATION: AUTH });
  expect(notSeg.code).toBe(1);
  expect(notSeg.stderr).toMatch(/error: .*trus-demo-axial\.dcm: SOP Class .* is not Segmentation Storage/);
  expect(cli(['store', out]).code).toBe(2);
});
