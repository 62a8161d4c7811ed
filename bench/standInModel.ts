/**
 * A model that costs almost nothing, in the student's place: what the pipeline around the model
 * (decode, pre-process, post-process, metrics, SEG write, the hand-overs between threads) allows
 * on this machine. With a GPU whose inference is a millisecond or two a frame, that is what an
 * end-to-end figure runs into, so the row says how much of a loop is the model's and how much
 * the rest's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildThresholdModel } from '../tests/helpers/onnxModel.js';
import { writeModelFolder } from '../tests/helpers/modelDir.js';
import type { PipelineResult } from './pipeline.js';

export const STAND_IN_LABEL = "a 1x1 convolution in the student's place (the pipeline without the model's cost)";

interface StudentManifest {
  input: { shape: [string | number, number, number, number] };
  normalisation: { mean: number; std: number };
  crop?: string;
  threshold?: number;
}

/**
 * Writes the stand-in's folder in `dir`: the student's input size, normalisation, crop and
 * threshold, so that pre- and post-processing do the same work as for the student. Its mask is
 * the frame's darker pixels (intensity below 0.15, as the hypoechoic gland is), so the masks'
 * components, holes and diameters are worked out on shapes of an ultrasound frame's kind.
 */
export function writeStandInModel(dir: string, studentDir: string): string {
  const student = JSON.parse(readFileSync(join(studentDir, 'model.json'), 'utf8')) as StudentManifest;
  const [, , height, width] = student.input.shape;
  const { mean, std } = student.normalisation;
  // logit = scale * (x - mean) / std + bias, zero at x = 0.15 and positive below it.
  const scale = -10;
  const bias = -scale * ((0.15 - mean) / std);
  const onnx = buildThresholdModel({ height, width, scale, bias });
  writeModelFolder(dir, onnx, ['N', 1, height, width], {
    name: 'stand-in',
    normalisation: student.normalisation,
    ...(student.crop ? { crop: student.crop } : {}),
    ...(student.threshold !== undefined ? { threshold: student.threshold } : {}),
    trainedOn: 'nothing (a benchmark stand-in)',
  });
  return dir;
}

/** A loop run with the stand-in: labelled so, and kept out of the targets and the model-only ratios. */
export function markStandIn<T extends PipelineResult>(r: T): T {
  return { ...r, where: `${r.where}, ${STAND_IN_LABEL}`, standIn: true };
}
