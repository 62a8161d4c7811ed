/** The DICOM SEG of a segmentation run: one implementation for the CLI and the browser. */
import type { CineImage } from '../dicom/cineImage.js';
import { BinarySegmentation } from '../dicom/segmentation.js';
import type { SegmentationRun } from './engine.js';

/** Recommended display colour for the prostate segment (DICOM CIELab, a warm orange). */
export const PROSTATE_CIELAB: [number, number, number] = [43803, 43588, 51514];

export interface SegmentationFromRunOptions {
  /**
   * The masks were changed by hand (the viewer's brush/eraser) after the model ran: the segment
   * is then SEMIAUTOMATIC, not AUTOMATIC, so that nobody takes a corrected mask for the model's
   * own output (e.g. when measuring the model against it).
   */
  edited?: boolean;
}

export function segmentationFromRun(cine: CineImage, run: SegmentationRun, options: SegmentationFromRunOptions = {}): BinarySegmentation {
  if (run.sourceSopInstanceUID !== cine.sopInstanceUID) {
    throw new Error(`the run segmented ${run.sourceSopInstanceUID}, not ${cine.sopInstanceUID}`);
  }
  const p = run.postprocess;
  const edited = options.edited === true;
  return new BinarySegmentation({
    source: cine,
    segments: [
      {
        label: 'Prostate',
        algorithmType: edited ? 'SEMIAUTOMATIC' : 'AUTOMATIC',
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
    // Series Description is LO: at most 64 characters, whatever the model's name.
    seriesDescription: `Prostate segmentation, ${run.model.name} ${run.model.version}${edited ? ', edited' : ''} (research use)`.slice(0, 64),
    contentLabel: 'PROSTATE_SEG',
    contentDescription: edited ? 'Automatic prostate segmentation, edited by hand; research use' : 'Automatic prostate segmentation; research use only',
    manufacturerModelName: run.model.name,
  });
}
