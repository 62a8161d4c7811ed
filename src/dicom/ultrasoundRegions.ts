/**
 * Ultrasound region calibration (Sequence of Ultrasound Regions, PS3.3 C.8.5.5), used to turn
 * pixel counts into mm^2. Only 2D tissue regions in cm are usable for areas: spectral,
 * M-mode and waveform regions (or a zero Physical Delta) are not.
 */
import type { NaturalDataset } from './part10.js';

/** Region Spatial Format (0018,6012). */
export enum RegionSpatialFormat {
  None = 0,
  TwoD = 1,
  MMode = 2,
  Spectral = 3,
  WaveForm = 4,
  Graphics = 5,
}

/** Physical Units X/Y Direction (0018,6024/6026). */
export enum PhysicalUnits {
  None = 0,
  Percent = 1,
  Decibel = 2,
  Centimetre = 3,
  Seconds = 4,
  Hertz = 5,
  DecibelPerSecond = 6,
  CentimetrePerSecond = 7,
  SquareCentimetre = 8,
  SquareCentimetrePerSecond = 9,
  CubicCentimetre = 0xa,
  CubicCentimetrePerSecond = 0xb,
  Degrees = 0xc,
}

export interface UltrasoundRegion {
  spatialFormat: number;
  dataType: number;
  flags: number;
  minX0: number;
  minY0: number;
  maxX1: number;
  maxY1: number;
  physicalUnitsX: number;
  physicalUnitsY: number;
  physicalDeltaX: number;
  physicalDeltaY: number;
}

export interface SpatialCalibration {
  /** Column spacing (x) and row spacing (y) in mm per pixel. */
  pixelSpacingMm: { x: number; y: number };
  /** The image area the calibration applies to, inclusive pixel bounds, clipped to the image. */
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
  source: 'SequenceOfUltrasoundRegions' | 'PixelSpacing';
}

function n(v: unknown, fallback = 0): number {
  const x = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(x) ? x : fallback;
}

export function readUltrasoundRegions(ds: NaturalDataset): UltrasoundRegion[] {
  const seq = ds.SequenceOfUltrasoundRegions;
  const items: NaturalDataset[] = Array.isArray(seq) ? seq : seq ? [seq] : [];
  return items.map((r) => ({
    spatialFormat: n(r.RegionSpatialFormat),
    dataType: n(r.RegionDataType),
    flags: n(r.RegionFlags),
    minX0: n(r.RegionLocationMinX0),
    minY0: n(r.RegionLocationMinY0),
    maxX1: n(r.RegionLocationMaxX1),
    maxY1: n(r.RegionLocationMaxY1),
    physicalUnitsX: n(r.PhysicalUnitsXDirection),
    physicalUnitsY: n(r.PhysicalUnitsYDirection),
    physicalDeltaX: Math.abs(n(r.PhysicalDeltaX)),
    physicalDeltaY: Math.abs(n(r.PhysicalDeltaY)),
  }));
}

export function isAreaCalibrated(r: UltrasoundRegion): boolean {
  return (
    r.spatialFormat === RegionSpatialFormat.TwoD &&
    r.physicalUnitsX === PhysicalUnits.Centimetre &&
    r.physicalUnitsY === PhysicalUnits.Centimetre &&
    r.physicalDeltaX > 0 &&
    r.physicalDeltaY > 0
  );
}

/**
 * Picks the calibration for area measurements: the largest 2D region in cm; otherwise Pixel
 * Spacing (0028,0030) when present; otherwise none (areas are then reported in pixels only).
 */
export function chooseSpatialCalibration(
  regions: UltrasoundRegion[],
  ds: NaturalDataset,
  rows: number,
  columns: number,
  warnings: string[] = [],
): SpatialCalibration | undefined {
  const usable = regions.filter(isAreaCalibrated);
  if (regions.length > 0 && usable.length === 0) {
    warnings.push('no Sequence of Ultrasound Regions item is a 2D region calibrated in cm: areas are in pixels');
  }
  if (usable.length > 0) {
    const area = (r: UltrasoundRegion) => (r.maxX1 - r.minX0 + 1) * (r.maxY1 - r.minY0 + 1);
    const best = usable.reduce((a, b) => (area(b) > area(a) ? b : a));
    if (usable.some((r) => r !== best && (Math.abs(r.physicalDeltaX - best.physicalDeltaX) > 1e-9 || Math.abs(r.physicalDeltaY - best.physicalDeltaY) > 1e-9))) {
      warnings.push('several 2D regions with different calibrations: the largest one is used for areas');
    }
    const bounds = {
      minX: Math.max(0, Math.min(columns - 1, best.minX0)),
      minY: Math.max(0, Math.min(rows - 1, best.minY0)),
      maxX: Math.max(0, Math.min(columns - 1, best.maxX1)),
      maxY: Math.max(0, Math.min(rows - 1, best.maxY1)),
    };
    if (bounds.minX !== best.minX0 || bounds.minY !== best.minY0 || bounds.maxX !== best.maxX1 || bounds.maxY !== best.maxY1) {
      warnings.push(
        `ultrasound region (${best.minX0},${best.minY0})-(${best.maxX1},${best.maxY1}) extends beyond the ${columns}x${rows} image; clipped`,
      );
    }
    // Physical Delta is in cm per pixel.
    return { pixelSpacingMm: { x: best.physicalDeltaX * 10, y: best.physicalDeltaY * 10 }, bounds, source: 'SequenceOfUltrasoundRegions' };
  }
  const spacing = Array.isArray(ds.PixelSpacing) ? (ds.PixelSpacing as unknown[]).map(Number) : undefined;
  if (spacing && spacing.length === 2 && spacing.every((v) => Number.isFinite(v) && v > 0)) {
    // Pixel Spacing is row spacing (y) then column spacing (x), in mm.
    return { pixelSpacingMm: { x: spacing[1]!, y: spacing[0]! }, bounds: { minX: 0, minY: 0, maxX: columns - 1, maxY: rows - 1 }, source: 'PixelSpacing' };
  }
  if (regions.length === 0) warnings.push('no Sequence of Ultrasound Regions and no Pixel Spacing: areas are in pixels');
  return undefined;
}

/** Area of one pixel in mm^2, or undefined without calibration. */
export function pixelAreaMm2(calibration: SpatialCalibration | undefined): number | undefined {
  return calibration ? calibration.pixelSpacingMm.x * calibration.pixelSpacingMm.y : undefined;
}
