/**
 * Which plane a TRUS loop scans, transverse or sagittal: a prostate volume needs one of each (the
 * transverse diameter of the first, the antero-posterior diameter and the length of the second). Read from
 * View Code Sequence (0054,0220) when the scanner fills it; few do, so then from the words the
 * series is described with (Series Description, Protocol Name, Image Comments), and only when
 * they name one plane. A loop of unknown plane is left for the user to name.
 */
import type { NaturalDataset } from './part10.js';
import { Codes } from './codes.js';

export type ScanPlane = 'transverse' | 'sagittal';

export interface ScanPlaneReading {
  plane: ScanPlane;
  /** Where it was read: the code, or the attribute and its words. */
  from: string;
}

/** SNOMED CT by its designators, old (SRT, SNM3) and current. */
const SNOMED = new Set(['SCT', 'SRT', 'SNM3']);

const WORDS: [ScanPlane, RegExp][] = [
  ['transverse', /\b(transverse|trans|axial|trv|tra)\b/i],
  ['sagittal', /\b(sagittal|sag|longitudinal)\b/i],
];

function first(v: unknown): Record<string, unknown> | undefined {
  const item = Array.isArray(v) ? v[0] : v;
  return item && typeof item === 'object' ? (item as Record<string, unknown>) : undefined;
}

/** The one plane that a text names, if it names exactly one. */
export function planeNamedIn(text: string): ScanPlane | undefined {
  const named = WORDS.filter(([, words]) => words.test(text)).map(([plane]) => plane);
  return named.length === 1 ? named[0] : undefined;
}

export function readScanPlane(ds: NaturalDataset): ScanPlaneReading | undefined {
  const view = first(ds.ViewCodeSequence);
  if (view) {
    const value = String(view.CodeValue ?? '');
    const scheme = String(view.CodingSchemeDesignator ?? '');
    const meaning = String(view.CodeMeaning ?? '');
    const code = `${scheme} ${value} ${meaning}`.trim();
    if (SNOMED.has(scheme) && value === Codes.Transverse.CodeValue) return { plane: 'transverse', from: `View Code Sequence (${code})` };
    if (SNOMED.has(scheme) && value === Codes.Sagittal.CodeValue) return { plane: 'sagittal', from: `View Code Sequence (${code})` };
    const byMeaning = planeNamedIn(meaning);
    if (byMeaning) return { plane: byMeaning, from: `View Code Sequence (${code})` };
  }
  for (const [keyword, name] of [
    ['SeriesDescription', 'Series Description'],
    ['ProtocolName', 'Protocol Name'],
    ['ImageComments', 'Image Comments'],
  ] as const) {
    const text = ds[keyword];
    if (typeof text !== 'string' || !text.trim()) continue;
    const plane = planeNamedIn(text);
    if (plane) return { plane, from: `${name} "${text.trim()}"` };
  }
  return undefined;
}
