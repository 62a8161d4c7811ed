/** Browser-safe inference API; the onnxruntime-node loader is in src/node.ts. */
export { parseManifest, ModelManifestError, type ModelManifest, type OutputKind, type CropMode } from './manifest.js';
export { sha256Hex } from '../util/sha256.js';
export { ModelLoadError, type InferenceBackend, type ExecutionProvider } from './backend.js';
export { verifyWeights, checkDeclaredShapes, manifestFromText, type LoadedModel } from './model.js';
export { modelInputBox, nonBlackBox, type PixelBox } from './region.js';
export { prepareInput, type ModelInputSpec } from './preprocess.js';
export { inlineFrameSource, prepareDecodedFrame, type FrameSource, type FrameSourceFactory, type PreparationSpec, type PreparedFrame } from './frameSource.js';
export { DEFAULT_POSTPROCESS, toProbability, probabilityAtSource, largestComponent, fillHoles, maskFromProbability, type PostprocessOptions } from './postprocess.js';
export { segmentCine, NotUltrasoundError, type FrameResult, type SegmentProgress, type SegmentOptions, type SegmentationRun, type StageTimings } from './engine.js';
export { segmentationFromRun } from './segmentationFromRun.js';
