/**
 * Per-frame and per-loop temporal metrics, accumulated frame by frame so that memory stays
 * bounded for long loops (only the previous frame is kept).
 *
 * Per frame t (1-based frame numbers, as in DICOM):
 * - area (mm^2 with calibration, else pixels), Dice with frame t-1,
 * - warped consistency 1 - MSE(P_t, warp(P_{t-1})) with flow from the images,
 * - confidence-weighted consistency sum M (1 - |P_t - warp(P_{t-1})|) / sum M, M = exp(-alpha |I_t - warp(I_{t-1})|),
 * - centroid drift (mm or pixels), mean probability margin mean |2P - 1| over the ultrasound region,
 * - the gland's lateral and antero-posterior diameters (glandDiameters.ts).
 * A frame is flagged unstable when, against frame t-1: its area changes by more than
 * `flickerFraction` (default 10%), or its Dice is below `minDice` (default 0.9), or the mask
 * appears or vanishes. The flicker count is the number of frames whose area changes by more
 * than `flickerFraction`.
 */
import { computeFlowBetween, flowFrame, type FlowFrame } from './opticalFlow.js';
import { warpedAgreement } from './warpedAgreement.js';
import { maskCentroid, overlap, hd95, sMeasure, sweepThresholds, weightedFMeasure } from './regionMetrics.js';
import { glandDiameters, medianDiameters, type GlandDiameters } from './glandDiameters.js';
// Module-local aliases: global look-ups in hot loops are slow in some hosts (jest's vm contexts).
const { abs, hypot, max, sqrt } = Math;

export interface MetricsOptions {
  width: number;
  height: number;
  /** Pixel width (x) and height (y) in mm; areas and distances are in pixels without it. */
  pixelSpacingMm?: { x: number; y: number };
  /** Steepness of the confidence map on [0,1] intensities (the method's alpha). Default 1. */
  alpha?: number;
  flickerFraction?: number;
  minDice?: number;
  /** Where to compute the probability margin (the ultrasound region); all pixels when absent. */
  region?: Uint8Array;
  /** Thresholds for mean E-phi against ground truth (256 as in the benchmarks). */
  eMeasureThresholds?: number;
}

export interface FrameInput {
  /** Grayscale frame scaled to [0, 1]. */
  image: Float32Array;
  /** Foreground probability per pixel. */
  probability: Float32Array;
  /** Final binary mask (after post-processing). */
  mask: Uint8Array;
  groundTruth?: Uint8Array;
}

/**
 * Agreement with ground truth. `dice`, `iou`, `sensitivity` and `hd95` are of the final binary
 * mask; `diceOverThresholds` and `sensitivityOverThresholds` are averaged over 256 thresholds of
 * the probability map, like `sAlpha`, `ePhi` (mean) and `weightedF`, as the paper's tables are.
 */
export interface GroundTruthMetrics {
  dice: number;
  iou: number;
  sensitivity: number;
  hd95: number | null;
  diceOverThresholds: number;
  sensitivityOverThresholds: number;
  sAlpha: number;
  ePhi: number;
  weightedF: number;
}

export interface FrameMetrics {
  frameNumber: number;
  area: number;
  dicePrevious: number | null;
  warpedConsistency: number | null;
  consistencyNoFlow: number | null;
  confidenceWeightedConsistency: number | null;
  centroidDrift: number | null;
  meanProbabilityMargin: number;
  /** Calliper diameters of the mask (mm, or pixels without calibration); null on a frame without one. */
  diameters: GlandDiameters | null;
  unstable: boolean;
  reasons: string[];
  groundTruth?: GroundTruthMetrics;
}

export interface LoopSummary {
  frames: number;
  areaUnit: 'mm2' | 'pixels';
  distanceUnit: 'mm' | 'pixels';
  meanWarpedConsistency: number | null;
  meanConsistencyNoFlow: number | null;
  meanConfidenceWeightedConsistency: number | null;
  meanDicePrevious: number | null;
  meanArea: number;
  areaCoefficientOfVariation: number;
  flickerCount: number;
  maxAreaFrame: number;
  unstableFrames: number[];
  /** Each diameter's median over the frames with a mask (in `distanceUnit`); null when no frame has one. */
  medianDiameters: GlandDiameters | null;
  groundTruth?: GroundTruthMetrics;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

export class LoopMetricsAccumulator {
  private readonly o: Required<Omit<MetricsOptions, 'pixelSpacingMm' | 'region'>> & Pick<MetricsOptions, 'pixelSpacingMm' | 'region'>;
  private previous: FrameInput | undefined;
  /** The previous frame reduced for the flow: each frame is reduced once, not once per pair. */
  private previousFlowFrame: FlowFrame | undefined;
  private previousCentroid: { x: number; y: number } | undefined;
  private previousArea = 0;
  private nextFrameNumber = 1;
  readonly frames: FrameMetrics[] = [];

  constructor(options: MetricsOptions) {
    // Defaults by destructuring, not by spreading: an option given as undefined (the engine passes
    // its caller's alpha through) takes the default instead of replacing it, which made every
    // confidence weight NaN.
    const { alpha = 1, flickerFraction = 0.1, minDice = 0.9, eMeasureThresholds = 256, ...rest } = options;
    this.o = { ...rest, alpha, flickerFraction, minDice, eMeasureThresholds };
  }

  private get pixelArea(): number {
    const s = this.o.pixelSpacingMm;
    return s ? s.x * s.y : 1;
  }

  private checkSizes(frame: FrameInput): void {
    const n = this.o.width * this.o.height;
    for (const [name, arr] of [['image', frame.image], ['probability', frame.probability], ['mask', frame.mask]] as const) {
      if (arr.length !== n) throw new RangeError(`${name} has ${arr.length} values, expected ${this.o.width}x${this.o.height}`);
    }
  }

  /**
   * Starts the loop after frame `previousFrameNumber`, given as it was pushed: the next push gives
   * exactly the metrics it would have had in a loop that went through every earlier frame (they
   * depend on the frame before only), so that workers can share a loop's frames.
   */
  startAfter(previous: FrameInput, previousFrameNumber: number): void {
    if (this.previous || this.frames.length) throw new Error('startAfter: the loop has already started');
    this.checkSizes(previous);
    const { count, centroid } = maskCentroid(previous.mask, this.o.width, this.o.height);
    this.previous = previous;
    this.previousCentroid = centroid;
    this.previousArea = count * this.pixelArea;
    this.nextFrameNumber = previousFrameNumber + 1;
  }

  push(frame: FrameInput): FrameMetrics {
    const { width: w, height: h } = this.o;
    const n = w * h;
    this.checkSizes(frame);
    const { count, centroid } = maskCentroid(frame.mask, w, h);
    let margin = 0;
    let marginCount = 0;
    const { region } = this.o;
    const probability = frame.probability;
    for (let i = 0; i < n; i++) {
      if (region && !region[i]) continue;
      margin += abs(2 * probability[i]! - 1);
      marginCount++;
    }
    const m: FrameMetrics = {
      frameNumber: this.nextFrameNumber,
      area: count * this.pixelArea,
      dicePrevious: null,
      warpedConsistency: null,
      consistencyNoFlow: null,
      confidenceWeightedConsistency: null,
      centroidDrift: null,
      meanProbabilityMargin: marginCount ? margin / marginCount : 0,
      diameters: count > 0 ? glandDiameters(frame.mask, w, h, this.o.pixelSpacingMm) : null,
      unstable: false,
      reasons: [],
    };
    const prev = this.previous;
    if (prev) {
      m.dicePrevious = overlap(frame.mask, prev.mask).dice;
      const current = flowFrame({ width: w, height: h, data: frame.image });
      const flow = computeFlowBetween(this.previousFlowFrame ?? flowFrame({ width: w, height: h, data: prev.image }), current);
      this.previousFlowFrame = current;
      const sums = warpedAgreement(
        flow,
        { width: w, height: h, previousImage: prev.image, previousProbability: prev.probability, image: frame.image, probability: frame.probability },
        this.o.alpha,
      );
      m.warpedConsistency = 1 - sums.squaredError / n;
      m.consistencyNoFlow = 1 - sums.absoluteErrorNoFlow / n;
      m.confidenceWeightedConsistency = sums.confidence > 0 ? sums.confidenceWeightedAgreement / sums.confidence : null;
      const s = this.o.pixelSpacingMm ?? { x: 1, y: 1 };
      if (centroid && this.previousCentroid) m.centroidDrift = hypot((centroid.x - this.previousCentroid.x) * s.x, (centroid.y - this.previousCentroid.y) * s.y);
      const prevArea = this.previousArea;
      if ((prevArea === 0) !== (m.area === 0)) m.reasons.push(m.area === 0 ? 'mask vanished' : 'mask appeared');
      else if (prevArea > 0 && abs(m.area - prevArea) / prevArea > this.o.flickerFraction) m.reasons.push(`area changed by ${((100 * (m.area - prevArea)) / prevArea).toFixed(1)}%`);
      if (m.dicePrevious < this.o.minDice) m.reasons.push(`Dice with previous frame ${m.dicePrevious.toFixed(3)}`);
      m.unstable = m.reasons.length > 0;
    }
    if (frame.groundTruth) {
      const gt = frame.groundTruth;
      const ov = overlap(frame.mask, gt);
      const sweep = sweepThresholds(frame.probability, gt, this.o.eMeasureThresholds);
      m.groundTruth = {
        ...ov,
        hd95: hd95(frame.mask, gt, w, h, this.o.pixelSpacingMm) ?? null,
        diceOverThresholds: sweep.dice,
        sensitivityOverThresholds: sweep.sensitivity,
        sAlpha: sMeasure(frame.probability, gt, w, h),
        ePhi: sweep.ePhi,
        weightedF: weightedFMeasure(frame.probability, gt, w, h),
      };
    }
    this.frames.push(m);
    this.previous = frame;
    this.previousCentroid = centroid;
    this.previousArea = m.area;
    this.nextFrameNumber++;
    return m;
  }

  summary(): LoopSummary {
    return summariseLoop(this.frames, this.o);
  }
}

/** A loop's summary from its frames' metrics, in frame order. */
export function summariseLoop(f: readonly FrameMetrics[], options: Pick<MetricsOptions, 'pixelSpacingMm'>): LoopSummary {
  const areas = f.map((x) => x.area);
  const meanArea = areas.reduce((a, b) => a + b, 0) / max(1, areas.length);
  const sd = sqrt(areas.reduce((a, b) => a + (b - meanArea) ** 2, 0) / max(1, areas.length));
  const pick = (key: 'warpedConsistency' | 'consistencyNoFlow' | 'confidenceWeightedConsistency' | 'dicePrevious') =>
    mean(f.map((x) => x[key]).filter((v): v is number => v !== null));
  // By position, not frame number: a worker's share of a loop does not start at frame 1.
  let largest = 0;
  f.forEach((x, i) => {
    if (x.area > f[largest]!.area) largest = i;
  });
  const maxAreaFrame = f[largest]?.frameNumber ?? 1;
  const summary: LoopSummary = {
    frames: f.length,
    areaUnit: options.pixelSpacingMm ? 'mm2' : 'pixels',
    distanceUnit: options.pixelSpacingMm ? 'mm' : 'pixels',
    meanWarpedConsistency: pick('warpedConsistency'),
    meanConsistencyNoFlow: pick('consistencyNoFlow'),
    meanConfidenceWeightedConsistency: pick('confidenceWeightedConsistency'),
    meanDicePrevious: pick('dicePrevious'),
    meanArea,
    areaCoefficientOfVariation: meanArea > 0 ? sd / meanArea : 0,
    flickerCount: f.filter((x) => x.reasons.some((r) => r.startsWith('area changed') || r.startsWith('mask'))).length,
    maxAreaFrame,
    unstableFrames: f.filter((x) => x.unstable).map((x) => x.frameNumber),
    medianDiameters: medianDiameters(f),
  };
  const withGt = f.filter((x) => x.groundTruth).map((x) => x.groundTruth!);
  if (withGt.length > 0) {
    const hds = withGt.map((g) => g.hd95).filter((v): v is number => v !== null);
    summary.groundTruth = {
      dice: mean(withGt.map((g) => g.dice))!,
      iou: mean(withGt.map((g) => g.iou))!,
      sensitivity: mean(withGt.map((g) => g.sensitivity))!,
      hd95: mean(hds),
      diceOverThresholds: mean(withGt.map((g) => g.diceOverThresholds))!,
      sensitivityOverThresholds: mean(withGt.map((g) => g.sensitivityOverThresholds))!,
      sAlpha: mean(withGt.map((g) => g.sAlpha))!,
      ePhi: mean(withGt.map((g) => g.ePhi))!,
      weightedF: mean(withGt.map((g) => g.weightedF))!,
    };
  }
  return summary;
}
