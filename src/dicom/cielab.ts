/**
 * DICOM's colour encoding for segments (Recommended Display CIELab Value, PS3.3 C.10.7.1.1:
 * L*, a*, b* scaled to 0..65535, a* and b* offset by 128, D65 white) to sRGB, so that a viewer
 * shows a segment in the colour its SEG recommends.
 */
export type DicomCielab = readonly [number, number, number];

/** Whether a value is a DICOM CIELab colour: three integers in 0..65535. */
export function isDicomCielab(value: readonly unknown[]): value is DicomCielab {
  return value.length === 3 && value.every((c) => Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 65535);
}

/** The D65 reference white in CIE XYZ (Y = 1). */
const WHITE = [0.95047, 1, 1.08883] as const;

function labComponentInverse(t: number): number {
  const cube = t * t * t;
  return cube > 216 / 24389 ? cube : (116 * t - 16) / (24389 / 27);
}

function srgbGamma(linear: number): number {
  const c = Math.min(1, Math.max(0, linear));
  return c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
}

/** sRGB 0..255 (rounded, out-of-gamut colours clipped) of a DICOM-scaled CIELab colour. */
export function dicomCielabToRgb(lab: DicomCielab): [number, number, number] {
  const values: readonly number[] = lab;
  if (!isDicomCielab(values)) throw new RangeError(`CIELab value [${values.join(', ')}] is not three integers in 0..65535`);
  const l = (lab[0] / 65535) * 100;
  const a = (lab[1] / 65535) * 255 - 128;
  const b = (lab[2] / 65535) * 255 - 128;
  const fy = (l + 16) / 116;
  const x = WHITE[0] * labComponentInverse(fy + a / 500);
  const y = WHITE[1] * labComponentInverse(fy);
  const z = WHITE[2] * labComponentInverse(fy - b / 200);
  const linear = [3.2404542 * x - 1.5371385 * y - 0.4985314 * z, -0.969266 * x + 1.8760108 * y + 0.041556 * z, 0.0556434 * x - 0.2040259 * y + 1.0572252 * z];
  return linear.map((c) => Math.round(255 * srgbGamma(c))) as [number, number, number];
}
