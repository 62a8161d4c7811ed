/** The DICOM SEG of a segmentation run: one implementation for the CLI and the browser. */
import type { CineImage } from '../dicom/cineImage.js';
import { BinarySegmentation } from '../dicom/segmentation.js';
import type { SegmentationRun } from './engine.js';

/** Recommended display colour for the prostate segment (DICOM CIELab, a warm orange). */
const PROSTATE_CIELAB: [number, number, number] = [43803, 43588, 51514];

export function segmentationFromRun(cine: CineImage, run: SegmentationRun): BinarySegmentation {
  if (run.sourceSopInstanceUID !== cine.sopInstanceUID) {
    throw new Error(`the run segmented ${run.sourceSopInstanceUID}, not ${cine.sopInstanceUID}`);
  }
  const p = run.postprocess;
  return new BinarySegmentation({
    source: cine,
    segments: [
      {
        label: 'Prostate',
        algorithmType: 'AUTOMATIC',
        algorithm: {
          name: run.model.name,
          version: run.model.version,
          weightsSha256: run.model.sha256,
          parameters: `threshold=${p.threshold}; largest_component=${p.keepLargestComponent}; fill_holes=${p.fillHoles}${run.model.trainedOn ? `; trained_on=${run.model.trainedOn}` : ''}`,
        },
        recommendedDisplayCIELabValue: PROSTATE_CIELAB,
        frames: run.masks,
      },
    ],
    seriesDescription: `Prostate segmentation, ${run.model.name} ${run.model.version} (research use)`,
    contentLabel: 'PROSTATE_SEG',
    contentDescription: 'Automatic prostate segmentation; research use only',
    manufacturerModelName: run.model.name,
  });
}
