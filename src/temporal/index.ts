export { computeFlow, flowAtResolution, warpPrevious, confidenceMap, type FlowField, type FlowOptions } from './opticalFlow.js';
export { distanceTransform, type DistanceTransform } from './distanceTransform.js';
export { overlap, hd95, sMeasure, eMeasure, meanEMeasure, sweepThresholds, weightedFMeasure, type Overlap, type ThresholdSweep } from './regionMetrics.js';
export { loopWarnings } from './loopWarnings.js';
export { glandDiameters, medianDiameters, type GlandDiameters } from './glandDiameters.js';
export { LoopMetricsAccumulator, type MetricsOptions, type FrameInput, type FrameMetrics, type GroundTruthMetrics, type LoopSummary } from './loopMetrics.js';
