/** The part of a frame the model sees: the calibrated ultrasound region, or the non-black fan. */
import type { SpatialCalibration } from '../dicom/ultrasoundRegions.js';

export interface PixelBox {
  x0: number;
  y0: number;
  /** Exclusive. */
  x1: number;
  y1: number;
}

/** Bounding box of pixels brighter than `level` over the given frames (the fan, for sector images). */
export function nonBlackBox(frames: Float32Array[], width: number, height: number, level: number): PixelBox | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (const f of frames) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (f[y * width + x]! > level) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * Calibration bounds when the file has them (they say where the image is), else the non-black
 * fan of the first frames, else the whole frame.
 */
export function modelInputBox(width: number, height: number, calibration: SpatialCalibration | undefined, firstFrames: Float32Array[], maxValue: number): PixelBox {
  if (calibration?.source === 'SequenceOfUltrasoundRegions') {
    const b = calibration.bounds;
    return { x0: b.minX, y0: b.minY, x1: b.maxX + 1, y1: b.maxY + 1 };
  }
  return nonBlackBox(firstFrames, width, height, maxValue * 0.02) ?? { x0: 0, y0: 0, x1: width, y1: height };
}
