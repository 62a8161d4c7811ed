/**
 * A run's masks as an OHIF labelmap segmentation: one derived labelmap image per cine frame
 * (the host's own stack labelmap, so OHIF's segmentation panel, visibility/opacity controls
 * and brush/eraser work on it), written frame by frame while the run goes and read back after
 * the user's edits.
 */
import type { CornerstoneImage, CornerstoneLibraries, DisplaySet, ExtensionManager, SegmentationService } from '../types/ohif.js';

export const PROSTATE_SEGMENT_INDEX = 1;

export function hostCornerstone(extensionManager: ExtensionManager): CornerstoneLibraries {
  const get = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common')?.exports?.getCornerstoneLibraries as (() => CornerstoneLibraries) | undefined;
  if (!get) throw new Error('the host has no cornerstone libraries (@ohif/extension-cornerstone is required)');
  return get();
}

function pixelsOf(image: CornerstoneImage) {
  return image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
}

export class FrameLabelmap {
  private constructor(
    readonly segmentationId: string,
    private readonly imageIds: string[],
    private readonly segmentationService: SegmentationService,
    private readonly libraries: CornerstoneLibraries,
    private readonly colour: readonly [number, number, number],
  ) {}

  /** Creates the labelmap (one empty image per frame) and shows it in the viewport, if one is given. */
  static async create(options: {
    displaySet: DisplaySet;
    viewportId: string | undefined;
    label: string;
    frames: number;
    segmentationService: SegmentationService;
    extensionManager: ExtensionManager;
    /** sRGB, as the panel draws the result (utils/resultColours.ts). */
    colour: readonly [number, number, number];
  }): Promise<FrameLabelmap> {
    const { displaySet, segmentationService } = options;
    const segmentationId = await segmentationService.createLabelmapForDisplaySet(displaySet, {
      label: options.label,
      segments: { [PROSTATE_SEGMENT_INDEX]: { label: 'Prostate', active: true } },
    });
    const imageIds = segmentationService.getSegmentation(segmentationId)?.representationData.Labelmap?.imageIds ?? [];
    if (imageIds.length !== options.frames) {
      segmentationService.remove(segmentationId);
      throw new Error(`the viewer made ${imageIds.length} labelmap images for a cine of ${options.frames} frames`);
    }
    const labelmap = new FrameLabelmap(segmentationId, imageIds, segmentationService, hostCornerstone(options.extensionManager), options.colour);
    if (options.viewportId) await labelmap.show(options.viewportId);
    return labelmap;
  }

  /**
   * Shows the labelmap in a viewport (the host renders it there from then on), in the colour it
   * was created with: the host's segmentation service gives a new labelmap its default palette whatever
   * colour it is created with, so the colour table goes with the representation, set before its
   * first render.
   */
  show(viewportId: string): Promise<void> {
    const colorLUTOrIndex = [[0, 0, 0, 0], [...this.colour, 255]];
    return this.segmentationService.addSegmentationRepresentation(viewportId, { segmentationId: this.segmentationId, type: 'Labelmap', config: { colorLUTOrIndex } });
  }

  get frames(): number {
    return this.imageIds.length;
  }

  private image(frameIndex: number): CornerstoneImage {
    const image = this.libraries.cornerstone.cache.getImage(this.imageIds[frameIndex]!);
    if (!image) throw new Error(`labelmap image of frame ${frameIndex + 1} is no longer in the viewer's cache`);
    return image;
  }

  /** Writes one frame's 0/1 mask (source frame size) as the prostate segment. */
  writeFrame(frameIndex: number, mask: Uint8Array): void {
    const pixels = pixelsOf(this.image(frameIndex));
    if (pixels.length !== mask.length) throw new RangeError(`mask of ${mask.length} pixels for a labelmap frame of ${pixels.length}`);
    for (let i = 0; i < mask.length; i++) pixels[i] = mask[i] ? PROSTATE_SEGMENT_INDEX : 0;
  }

  /** Writes every frame's mask and tells the viewer once. */
  writeFrames(masks: Uint8Array[]): void {
    if (masks.length !== this.frames) throw new RangeError(`${masks.length} masks for a labelmap of ${this.frames} frames`);
    masks.forEach((m, i) => this.writeFrame(i, m));
    this.modified();
  }

  /** Tells the viewer (and OHIF's panels) the pixels changed. */
  modified(): void {
    this.libraries.cornerstoneTools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(this.segmentationId);
  }

  /** The current masks (after any brush/eraser edits), 0/1 per pixel. */
  readMasks(): Uint8Array[] {
    return this.imageIds.map((_, i) => {
      const pixels = pixelsOf(this.image(i));
      const mask = new Uint8Array(pixels.length);
      for (let p = 0; p < pixels.length; p++) mask[p] = pixels[p] === PROSTATE_SEGMENT_INDEX ? 1 : 0;
      return mask;
    });
  }

  exists(): boolean {
    return this.segmentationService.getSegmentation(this.segmentationId) !== undefined;
  }
}
