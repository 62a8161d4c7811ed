import { dicomCielabToRgb } from '../../src/dicom/cielab.js';
import { PROSTATE_CIELAB } from '../../src/inference/segmentationFromRun.js';

/** DICOM scaling of L* (0..100), a* and b* (-128..127). */
const scaled = (l: number, a: number, b: number) => [Math.round((l / 100) * 65535), Math.round(((a + 128) / 255) * 65535), Math.round(((b + 128) / 255) * 65535)] as const;

test('white, black and mid grey come out neutral', () => {
  expect(dicomCielabToRgb(scaled(100, 0, 0))).toEqual([255, 255, 255]);
  expect(dicomCielabToRgb(scaled(0, 0, 0))).toEqual([0, 0, 0]);
  // L* 53.39 is sRGB 128 grey.
  expect(dicomCielabToRgb(scaled(53.39, 0, 0))).toEqual([128, 128, 128]);
});

test('sRGB primaries from their published CIELab (D65) values, within one step', () => {
  const near = (got: number[], want: number[]) => got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1));
  near(dicomCielabToRgb(scaled(53.24, 80.09, 67.2)), [255, 0, 0]);
  near(dicomCielabToRgb(scaled(87.73, -86.18, 83.18)), [0, 255, 0]);
  near(dicomCielabToRgb(scaled(32.3, 79.19, -107.86)), [0, 0, 255]);
});

test("the prostate segment's recommended colour is an orange", () => {
  const [r, g, b] = dicomCielabToRgb(PROSTATE_CIELAB);
  expect(r).toBeGreaterThan(g);
  expect(g).toBeGreaterThan(b);
  expect(r - b).toBeGreaterThan(150);
});

test('values outside the DICOM range are refused', () => {
  expect(() => dicomCielabToRgb([70000, 0, 0])).toThrow(RangeError);
  expect(() => dicomCielabToRgb([1.5, 0, 0])).toThrow(RangeError);
});
