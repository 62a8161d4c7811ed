/**
 * Where a loop's frames are decoded and pre-processed ahead of inference: in the engine's own
 * thread (inline), or in workers that work ahead of it (nodeFrameWorkers.ts). The workers are for
 * a GPU, which leaves the engine's thread as a loop's limit. Both run `prepareDecodedFrame`, so
 * the model sees the same input either way.
 */
import type { CineImage } from '../dicom/cineImage.js';
import { unitIntensitiesInPlace } from '../image/floatImage.js';
import { prepareInput, type ModelInputSpec } from './preprocess.js';
import type { PixelBox } from './region.js';
import type { SpareFloat32Arrays } from '../util/spareFloat32Arrays.js';

export interface PreparationSpec {
  width: number;
  maxValue: number;
  box: PixelBox;
  model: ModelInputSpec;
}

export interface PreparedFrame {
  /** The frame scaled to [0, 1] at source size: what the temporal metrics take. */
  image: Float32Array;
  /** The model's input for this frame alone (channels x height x width); valid until the next frame is asked. */
  input: Float32Array;
  decodeMs: number;
  preprocessMs: number;
}

export interface FrameSource {
  /** 'worker' when the frames are prepared beside the engine's thread (their times then overlap it). */
  readonly where: 'inline' | 'worker';
  /** Frame `index` (0-based). Asked in order, each once. */
  frame(index: number): Promise<PreparedFrame>;
  /**
   * Takes back the buffer of a frame's image or input once the engine and the metrics are done
   * with it, for a later frame to be written into. Absent where the engine's own spares serve
   * (inline).
   */
  recycle?(buffer: ArrayBuffer, part: 'image' | 'input'): void;
  close(): void;
}

/**
 * Makes a frame source for one loop; `first` is frame 0, already decoded by the engine. `spare`
 * holds arrays of frames the loop is done with, for a source that decodes in the engine's thread
 * to decode into.
 */
export type FrameSourceFactory = (cine: CineImage, spec: PreparationSpec, first: Float32Array, spare?: SpareFloat32Arrays) => Promise<FrameSource>;

const now = () => globalThis.performance.now();

/**
 * A decoded frame's two uses: the model's input, and the [0, 1] image for the metrics. `frame` is
 * consumed: it is scaled in place to become `image`. `input`, when given, is written instead of a
 * new array. A fresh array per frame costs its page faults on first touch, which some hosts make
 * dear (measured: 0.9 ms for a 400x207 Float32Array in Chromium, against 0.05 ms reused).
 */
export function prepareDecodedFrame(frame: Float32Array, spec: PreparationSpec, input?: Float32Array): { image: Float32Array; input: Float32Array; preprocessMs: number } {
  const t = now();
  const [, c, h, w] = spec.model.input.shape;
  const into = input ?? new Float32Array(c * h * w);
  prepareInput(frame, spec.width, spec.maxValue, spec.box, spec.model, into, 0);
  const image = unitIntensitiesInPlace(frame, spec.maxValue);
  return { image, input: into, preprocessMs: now() - t };
}

/**
 * Decodes and prepares each frame when asked, in the calling thread. A frame's `input` is one array
 * reused by the next frame: the engine copies it into its batch first. Frames are decoded into
 * spare arrays when there are any.
 */
export function inlineFrameSource(cine: CineImage, spec: PreparationSpec, first: Float32Array, spare?: SpareFloat32Arrays): Promise<FrameSource> {
  const [, c, h, w] = spec.model.input.shape;
  const input = new Float32Array(c * h * w);
  return Promise.resolve({
    where: 'inline' as const,
    async frame(index: number): Promise<PreparedFrame> {
      const t = now();
      const frame = index === 0 ? first : await cine.decodeFrame(index, spare?.take(cine.rows * cine.columns));
      const decodeMs = index === 0 ? 0 : now() - t;
      return { ...prepareDecodedFrame(frame, spec, input), decodeMs };
    },
    close: () => undefined,
  });
}
