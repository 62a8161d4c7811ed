/**
 * Prostate volume from a transverse and a sagittal loop of one study, by the ellipsoid formula
 * V = π/6 × transverse × antero-posterior × length, with the diameters as PI-RADS v2.1 takes
 * them: the transverse diameter from the transverse view, the antero-posterior diameter and the
 * cranio-caudal length from the sagittal view. Each diameter is the loop's median over its frames
 * (glandDiameters.ts). The transverse view's own antero-posterior diameter is kept beside it as a
 * check that both loops show the gland at a comparable section.
 *
 * Loops of different studies are never paired: a volume copies nothing across patients.
 */
import type { LoopSummary } from '../temporal/loopMetrics.js';
import type { ScanPlane } from '../dicom/scanPlane.js';
import { RESEARCH_NOTE, type RunReport } from './runReport.js';

export const ELLIPSOID_FORMULA = 'ellipsoid: π/6 × transverse × antero-posterior × length';

/** The antero-posterior diameters of the two views differing by more than this fraction get a warning. */
const AP_DISAGREEMENT = 0.2;

/** What a volume needs to know of a loop: a report, or a result in the viewer. */
export interface PlaneLoop {
  /** How the loop is named to the user (a file, a series). */
  source: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  plane?: ScanPlane;
  /** What segmented it: a model's name and version, or a SEG's algorithm. */
  segmentedBy?: string;
  summary: Pick<LoopSummary, 'distanceUnit' | 'medianDiameters'>;
}

export interface ProstateVolume {
  studyInstanceUID: string;
  volumeMl: number;
  formula: typeof ELLIPSOID_FORMULA;
  /** Across the transverse view. */
  transverseDiameterMm: number;
  /** Along the beam in the sagittal view. */
  anteroposteriorDiameterMm: number;
  /** Across the sagittal view (cranio-caudal). */
  lengthMm: number;
  /** Along the beam in the transverse view: a check, not in the formula. */
  transverseViewAnteroposteriorDiameterMm: number;
  transverse: VolumeLoop;
  sagittal: VolumeLoop;
  warnings: string[];
}

export interface VolumeLoop {
  source: string;
  sopInstanceUID: string;
  segmentedBy?: string;
}

function volumeLoop(loop: PlaneLoop): VolumeLoop {
  return { source: loop.source, sopInstanceUID: loop.sopInstanceUID, ...(loop.segmentedBy ? { segmentedBy: loop.segmentedBy } : {}) };
}

export class VolumeError extends Error {
  override name = 'VolumeError';
}

function diametersOf(loop: PlaneLoop, plane: ScanPlane) {
  if (loop.summary.distanceUnit !== 'mm') throw new VolumeError(`the ${plane} loop (${loop.source}) has no calibration in mm (no US region calibration or Pixel Spacing): no volume in mL`);
  const d = loop.summary.medianDiameters;
  if (!d) throw new VolumeError(`no prostate is segmented on any frame of the ${plane} loop (${loop.source})`);
  return d;
}

/** The volume of one transverse and one sagittal loop; a VolumeError says why there is none. */
export function prostateVolume(transverse: PlaneLoop, sagittal: PlaneLoop): ProstateVolume {
  if (transverse.sopInstanceUID === sagittal.sopInstanceUID) throw new VolumeError(`the transverse and the sagittal loop are the same loop (${transverse.source})`);
  for (const loop of [transverse, sagittal]) if (!loop.studyInstanceUID) throw new VolumeError(`the study of ${loop.source} is not known (a report of an earlier version?): a volume pairs two loops of one study`);
  if (transverse.studyInstanceUID !== sagittal.studyInstanceUID) {
    throw new VolumeError(`the transverse loop (${transverse.source}) is of study ${transverse.studyInstanceUID}, the sagittal loop (${sagittal.source}) of study ${sagittal.studyInstanceUID}: a volume pairs two loops of one study`);
  }
  const t = diametersOf(transverse, 'transverse');
  const s = diametersOf(sagittal, 'sagittal');
  const volumeMm3 = (Math.PI / 6) * t.lateral * s.anteroposterior * s.lateral;
  const warnings: string[] = [];
  const apDifference = Math.abs(t.anteroposterior - s.anteroposterior) / Math.max(t.anteroposterior, s.anteroposterior);
  if (apDifference > AP_DISAGREEMENT) {
    warnings.push(
      `the antero-posterior diameters of the two views differ by ${(100 * apDifference).toFixed(0)}% (transverse ${t.anteroposterior.toFixed(1)} mm, sagittal ${s.anteroposterior.toFixed(1)} mm): check that both loops show the gland at its largest section`,
    );
  }
  if (transverse.segmentedBy !== sagittal.segmentedBy) {
    warnings.push(`the two loops were segmented differently (transverse: ${transverse.segmentedBy ?? 'not named'}, sagittal: ${sagittal.segmentedBy ?? 'not named'})`);
  }
  return {
    studyInstanceUID: transverse.studyInstanceUID,
    volumeMl: volumeMm3 / 1000,
    formula: ELLIPSOID_FORMULA,
    transverseDiameterMm: t.lateral,
    anteroposteriorDiameterMm: s.anteroposterior,
    lengthMm: s.lateral,
    transverseViewAnteroposteriorDiameterMm: t.anteroposterior,
    transverse: volumeLoop(transverse),
    sagittal: volumeLoop(sagittal),
    warnings,
  };
}

export interface StudyVolumes {
  volumes: ProstateVolume[];
  /** Studies with loops of both planes (or of an unknown plane beside one) that give no volume, and why. */
  problems: { studyInstanceUID: string; problem: string }[];
}

/**
 * The volume of every study among `loops` with exactly one transverse and one sagittal loop.
 * A study with several loops of a plane, or loops whose plane is unknown, is not guessed at: its
 * problem says which loops to pair by hand. A study with loops of one plane only gives nothing.
 */
export function studyVolumes(loops: readonly PlaneLoop[]): StudyVolumes {
  const byStudy = new Map<string, PlaneLoop[]>();
  // A loop whose study is unknown is never paired with anything.
  for (const loop of loops) if (loop.studyInstanceUID) byStudy.set(loop.studyInstanceUID, [...(byStudy.get(loop.studyInstanceUID) ?? []), loop]);
  const result: StudyVolumes = { volumes: [], problems: [] };
  for (const [studyInstanceUID, inStudy] of byStudy) {
    const transverse = inStudy.filter((l) => l.plane === 'transverse');
    const sagittal = inStudy.filter((l) => l.plane === 'sagittal');
    const unknown = inStudy.filter((l) => !l.plane);
    const names = (ls: PlaneLoop[]) => ls.map((l) => l.source).join(', ');
    const problem = (text: string) => result.problems.push({ studyInstanceUID, problem: text });
    if (transverse.length === 1 && sagittal.length === 1) {
      try {
        result.volumes.push(prostateVolume(transverse[0]!, sagittal[0]!));
      } catch (err) {
        if (!(err instanceof VolumeError)) throw err;
        problem(err.message);
      }
    } else if (transverse.length > 1 || sagittal.length > 1) {
      problem(`${transverse.length} transverse and ${sagittal.length} sagittal loop(s) (${names([...transverse, ...sagittal])}): pair one of each by hand`);
    } else if (unknown.length > 0 && inStudy.length > 1) {
      const known = [...transverse, ...sagittal];
      problem(`the plane of ${names(unknown)} is not given in ${unknown.length > 1 ? 'their headers' : 'its header'}: name ${known.length ? `it to pair it with ${names(known)}` : 'a transverse and a sagittal loop to pair them'}`);
    }
  }
  return result;
}

/** One line for a volume: the figure, the formula's diameters and the loops. */
export function volumeText(v: ProstateVolume): string {
  return (
    `prostate volume ${v.volumeMl.toFixed(1)} mL (${v.formula}: ${v.transverseDiameterMm.toFixed(1)} × ${v.anteroposteriorDiameterMm.toFixed(1)} × ${v.lengthMm.toFixed(1)} mm; ` +
    `transverse ${v.transverse.source}, sagittal ${v.sagittal.source})`
  );
}

/** A loop as its report describes it (the CLI's reports; an earlier version's has no study, and is never paired). */
export function loopOfReport(report: Pick<RunReport, 'source' | 'sopInstanceUID' | 'studyInstanceUID' | 'scanPlane' | 'summary' | 'model' | 'algorithm'>): PlaneLoop {
  const segmentedBy = report.algorithm ?? (report.model ? `${report.model.name} ${report.model.version}` : undefined);
  return {
    source: report.source,
    sopInstanceUID: report.sopInstanceUID,
    studyInstanceUID: report.studyInstanceUID,
    ...(report.scanPlane ? { plane: report.scanPlane.plane } : {}),
    ...(segmentedBy ? { segmentedBy } : {}),
    summary: report.summary,
  };
}

/** A volume as the CLI writes it (`<StudyInstanceUID>.volume.json`), with the research note. */
export function volumeToJson(volume: ProstateVolume): string {
  return JSON.stringify({ note: RESEARCH_NOTE, ...volume }, null, 2);
}
