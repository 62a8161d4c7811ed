/**
 * One colour per result, the same in the panel's charts and on the viewport, so that with the
 * student's and the teacher's masks both shown a user can tell which is which: the student in
 * the orange our SEGs recommend for the prostate, the teacher in blue, a stored SEG in the
 * colour it recommends for its segment (lime when it recommends none).
 */
import { dicomCielabToRgb, type DicomCielab } from '../../../src/dicom/cielab.js';
import { PROSTATE_CIELAB } from '../../../src/inference/segmentationFromRun.js';

export type Rgb = [number, number, number];

const MODEL_COLOURS: Record<string, Rgb> = { 'trus-student': dicomCielabToRgb(PROSTATE_CIELAB), 'trus-teacher': [56, 189, 248] };
const OTHER: Rgb = [163, 230, 53];

export function resultColour(modelId: string, storedColour?: DicomCielab): Rgb {
  if (storedColour) return dicomCielabToRgb(storedColour);
  return MODEL_COLOURS[modelId] ?? OTHER;
}

export function cssColour([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}
