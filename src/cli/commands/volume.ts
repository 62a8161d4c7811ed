/**
 * `trus-seg volume`: prostate volumes from the JSON reports of `segment` or `report`, for loops a
 * batch could not pair: loops of different runs, or of a plane their header does not give
 * (named here with --transverse and --sagittal). The same ellipsoid as the batches and the viewer.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { reportFiguresFromJson, type ReportFigures } from '../../report/batchSummary.js';
import { loopOfReport, prostateVolume, studyVolumes, volumeText, VolumeError, type ProstateVolume } from '../../report/prostateVolume.js';
import { RESEARCH_NOTE } from '../../report/runReport.js';
import { listFiles } from '../inputs.js';
import { UsageError } from '../usage.js';

export const VOLUME_USAGE = `trus-seg volume <JSON reports or folders>... [--out FILE]
trus-seg volume --transverse REPORT --sagittal REPORT [--out FILE]
  Prostate volume (ellipsoid: π/6 × transverse × antero-posterior × length) of each study among the
  reports (folders: their *.report.json) with one transverse and one sagittal loop, planes as the
  cines' headers give them (trus-seg info shows it).
  --transverse R, --sagittal R   pair these two reports of one study, whatever their headers say
  --out FILE                     write the volumes as JSON (default: standard output)`;

async function readReport(file: string): Promise<ReportFigures> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const report = reportFiguresFromJson(text);
  if (!report) throw new Error(`${file}: not a JSON report of trus-seg segment or report`);
  return { ...report, source: report.source || file };
}

export async function runVolume(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { transverse: { type: 'string' }, sagittal: { type: 'string' }, out: { type: 'string' } },
  });
  const paired = values.transverse !== undefined || values.sagittal !== undefined;
  if (paired && (values.transverse === undefined || values.sagittal === undefined)) throw new UsageError('--transverse and --sagittal go together: name one report of each plane');
  if (paired && positionals.length > 0) throw new UsageError('give either reports to pair by their planes, or --transverse and --sagittal, not both');
  if (!paired && positionals.length === 0) {
    console.error(VOLUME_USAGE);
    return 2;
  }
  let volumes: ProstateVolume[];
  let failures = 0;
  if (paired) {
    const transverse = loopOfReport(await readReport(values.transverse!));
    const sagittal = loopOfReport(await readReport(values.sagittal!));
    try {
      volumes = [prostateVolume({ ...transverse, plane: 'transverse' }, { ...sagittal, plane: 'sagittal' })];
    } catch (err) {
      if (err instanceof VolumeError) throw new Error(`no prostate volume: ${err.message}`);
      throw err;
    }
  } else {
    const files = (await listFiles(positionals)).filter((f) => !f.inFolder || f.file.endsWith('.report.json'));
    const reports: ReportFigures[] = [];
    for (const { file } of files) reports.push(await readReport(file));
    const found = studyVolumes(reports.map(loopOfReport));
    volumes = found.volumes;
    for (const p of found.problems) {
      failures++;
      console.error(`error: study ${p.studyInstanceUID}: no prostate volume: ${p.problem} (--transverse and --sagittal pair two reports)`);
    }
    if (volumes.length === 0 && failures === 0) {
      console.error(`error: no study among ${reports.length} report(s) has a transverse and a sagittal loop (planes from the headers; --transverse and --sagittal name them)`);
      return 1;
    }
  }
  for (const v of volumes) console.error(`study ${v.studyInstanceUID}: ${volumeText(v)}${v.warnings.map((w) => `\n  warning: ${w}`).join('')}`);
  const text = `${JSON.stringify({ note: RESEARCH_NOTE, volumes }, null, 2)}\n`;
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
  return failures > 0 ? 1 : 0;
}
