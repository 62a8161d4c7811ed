/**
 * After a batch (`segment`, `report`): the prostate volume of each study whose loops in the batch
 * are one transverse and one sagittal, written as `<StudyInstanceUID>.volume.json` beside the
 * reports and added to both loops' rows of the batch summary. Like the summary, the file
 * describes the latest run and is replaced by the next.
 */
import { join } from 'node:path';
import type { BatchRow } from '../report/batchSummary.js';
import { loopOfReport, studyVolumes, volumeText, volumeToJson } from '../report/prostateVolume.js';
import { writeAtomically } from './outputFiles.js';

export async function writeStudyVolumes(rows: BatchRow[], out: string): Promise<void> {
  const reported = rows.filter((r) => (r.status === 'written' || r.status === 'skipped') && r.report);
  const { volumes, problems } = studyVolumes(reported.map((r) => loopOfReport(r.report!)));
  for (const v of volumes) {
    const path = join(out, `${v.studyInstanceUID}.volume.json`);
    await writeAtomically(path, volumeToJson(v));
    for (const r of reported) if (r.sopInstanceUID === v.transverse.sopInstanceUID || r.sopInstanceUID === v.sagittal.sopInstanceUID) r.volumeMl = v.volumeMl;
    console.error(`study ${v.studyInstanceUID}: ${volumeText(v)} -> ${path}${v.warnings.map((w) => `\n  warning: ${w}`).join('')}`);
  }
  for (const p of problems) console.error(`note: study ${p.studyInstanceUID}: no prostate volume: ${p.problem} (trus-seg volume pairs two reports by hand)`);
}
