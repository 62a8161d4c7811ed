/**
 * The model manifest (`models/<name>/model.json`) beside each `.onnx`: what the engine needs to
 * feed the model and read its output, and what a reader needs to trust it (weights hash,
 * training recipe, measured metrics). Parsing validates every field the engine uses.
 */

export type OutputKind = 'logits' | 'probability';
export type CropMode = 'ultrasound-region' | 'full-frame';

export interface ModelManifest {
  name: string;
  version: string;
  /** ONNX file name, relative to the manifest. */
  file: string;
  /** sha256 of the ONNX file, lowercase hex. */
  sha256: string;
  input: {
    name: string;
    /** [batch, channels, height, width]; batch may be a symbolic name (any batch size). */
    shape: [number | string, number, number, number];
  };
  output: { name: string; kind: OutputKind };
  /** Intensities are scaled to [0, 1] first, then (x - mean) / std. */
  normalisation: { mean: number; std: number };
  /** Which part of the frame the model sees, stretched to the input size. */
  crop: CropMode;
  threshold: number;
  /** Free-form: data, losses, schedule, seeds; and what the model was trained on. */
  trainingRecipe?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  /** e.g. "simulated TRUS (trus-cine-seg phantom)": shown in the UI and written to reports. */
  trainedOn?: string;
  intendedUse?: string;
}

export class ModelManifestError extends Error {
  override readonly name = 'ModelManifestError';
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
  }
}

function need<T>(cond: boolean, source: string, problem: string, value: T): T {
  if (!cond) throw new ModelManifestError(source, problem);
  return value;
}

export function parseManifest(json: unknown, source: string): ModelManifest {
  if (typeof json !== 'object' || json === null) throw new ModelManifestError(source, 'manifest is not a JSON object');
  const m = json as Record<string, any>;
  const str = (key: string) => need(typeof m[key] === 'string' && m[key].length > 0, source, `"${key}" must be a non-empty string`, m[key] as string);
  const shape = m.input?.shape;
  need(Array.isArray(shape) && shape.length === 4, source, '"input.shape" must be [batch, channels, height, width]', 0);
  const [batch, channels, height, width] = shape as unknown[];
  need(typeof batch === 'string' || (Number.isInteger(batch) && (batch as number) > 0), source, 'input batch dimension must be a positive integer or a name', 0);
  for (const [label, v] of [['channels', channels], ['height', height], ['width', width]] as const) {
    need(Number.isInteger(v) && (v as number) > 0, source, `input ${label} must be a positive integer`, 0);
  }
  need(channels === 1, source, `input channels ${channels}: the engine feeds 1-channel grayscale`, 0);
  const kind = m.output?.kind;
  need(kind === 'logits' || kind === 'probability', source, '"output.kind" must be "logits" or "probability"', 0);
  const mean = m.normalisation?.mean;
  const std = m.normalisation?.std;
  need(Number.isFinite(mean) && Number.isFinite(std) && std > 0, source, '"normalisation" needs a finite mean and a positive std', 0);
  const crop = m.crop ?? 'ultrasound-region';
  need(crop === 'ultrasound-region' || crop === 'full-frame', source, '"crop" must be "ultrasound-region" or "full-frame"', 0);
  const threshold = m.threshold ?? 0.5;
  need(Number.isFinite(threshold) && threshold > 0 && threshold < 1, source, '"threshold" must be in (0, 1)', 0);
  const sha256 = str('sha256');
  need(/^[0-9a-f]{64}$/.test(sha256), source, '"sha256" must be 64 lowercase hex digits', 0);
  // Both go into the SEG's Segment Algorithm Name and Version, LO elements of at most 64 characters.
  const name = str('name');
  const version = str('version');
  need(name.length <= 64 && version.length <= 64, source, '"name" and "version" must be at most 64 characters (they name the algorithm in the DICOM SEG)', 0);
  return {
    name,
    version,
    file: str('file'),
    sha256,
    input: { name: need(typeof m.input.name === 'string', source, '"input.name" is required', m.input.name as string), shape: [batch as number | string, 1, height as number, width as number] },
    output: { name: need(typeof m.output.name === 'string', source, '"output.name" is required', m.output.name as string), kind },
    normalisation: { mean, std },
    crop,
    threshold,
    trainingRecipe: m.trainingRecipe,
    metrics: m.metrics,
    trainedOn: m.trainedOn,
    intendedUse: m.intendedUse,
  };
}
