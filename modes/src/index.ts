/**
 * "TRUS Cine Segmentation": study browser left, the temporal-consistency panel (and OHIF's
 * labelmap segmentation panel with brush/eraser) right, one cine viewport, window/level, zoom,
 * pan and the segmentation editing tools. Offered for studies with ultrasound.
 */
export const MODE_ID = 'trus-cine-seg-mode';
export const EXTENSION_ID = 'trus-cine-seg-extension';

const ohif = {
  layout: '@ohif/extension-default.layoutTemplateModule.viewerLayout',
  sopClassHandler: '@ohif/extension-default.sopClassHandlerModule.stack',
  thumbnailList: '@ohif/extension-default.panelModule.seriesList',
};
const cornerstone = {
  viewport: '@ohif/extension-cornerstone.viewportModule.cornerstone',
  labelMapSegmentationPanel: '@ohif/extension-cornerstone.panelModule.panelSegmentationWithToolsLabelMap',
};
const dicomSeg = {
  sopClassHandler: '@ohif/extension-cornerstone-dicom-seg.sopClassHandlerModule.dicom-seg',
  viewport: '@ohif/extension-cornerstone-dicom-seg.viewportModule.dicom-seg',
};
const trus = {
  panel: `${EXTENSION_ID}.panelModule.temporalConsistency`,
  hangingProtocol: 'trus-cine-seg-cine',
};

interface Services {
  toolbarService: { register(buttons: unknown[]): void; updateSection(key: string, buttons: string[]): void };
  toolGroupService: { createToolGroupAndAddTools(id: string, tools: unknown): void; destroy(): void };
  customizationService: { getCustomization(key: string): unknown };
  segmentationService: { destroy(): void };
  cornerstoneViewportService: { destroy(): void };
  syncGroupService?: { destroy(): void };
  cineService?: { setIsCineEnabled(enabled: boolean): void };
  uiDialogService?: { hideAll(): void };
  trusSegmentationService?: { leaveMode(): void };
}
interface ModeContext {
  servicesManager: { services: Services };
  extensionManager: { getModuleEntry(id: string): { exports: { toolNames: Record<string, string>; Enums: { MouseBindings: Record<string, number> } } } };
}

const BRUSH = { minRadius: 0.5, maxRadius: 99.5 };

function tools(extensionManager: ModeContext['extensionManager']) {
  const { toolNames, Enums } = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.tools').exports;
  return {
    active: [
      { toolName: toolNames.WindowLevel, bindings: [{ mouseButton: Enums.MouseBindings.Primary }] },
      { toolName: toolNames.Pan, bindings: [{ mouseButton: Enums.MouseBindings.Auxiliary }] },
      { toolName: toolNames.Zoom, bindings: [{ mouseButton: Enums.MouseBindings.Secondary }, { numTouchPoints: 2 }] },
      { toolName: toolNames.StackScroll, bindings: [{ mouseButton: Enums.MouseBindings.Wheel }, { numTouchPoints: 3 }] },
    ],
    passive: [
      { toolName: 'CircularBrush', parentTool: 'Brush', configuration: { activeStrategy: 'FILL_INSIDE_CIRCLE', ...BRUSH } },
      { toolName: 'CircularEraser', parentTool: 'Brush', configuration: { activeStrategy: 'ERASE_INSIDE_CIRCLE', ...BRUSH } },
      { toolName: 'SphereBrush', parentTool: 'Brush', configuration: { activeStrategy: 'FILL_INSIDE_SPHERE', ...BRUSH } },
      { toolName: 'SphereEraser', parentTool: 'Brush', configuration: { activeStrategy: 'ERASE_INSIDE_SPHERE', ...BRUSH } },
      { toolName: 'ThresholdCircularBrush', parentTool: 'Brush', configuration: { activeStrategy: 'THRESHOLD_INSIDE_CIRCLE', ...BRUSH } },
      { toolName: 'ThresholdSphereBrush', parentTool: 'Brush', configuration: { activeStrategy: 'THRESHOLD_INSIDE_SPHERE', ...BRUSH } },
      { toolName: toolNames.StackScroll },
    ],
    enabled: [],
    disabled: [],
  };
}

/** Our two buttons; the rest are OHIF's own (window/level, zoom, pan, cine, brush/eraser). */
const TRUS_BUTTONS = [
  { id: 'TrusSegmentLoop', uiType: 'ohif.toolButton', props: { icon: 'ToolSegmentAnything', label: 'Segment loop', tooltip: 'Segment every frame of the loop (TRUS model)', commands: 'trusSegmentLoop', evaluate: 'evaluate.action' } },
  { id: 'TrusExportSeg', uiType: 'ohif.toolButton', props: { icon: 'Download', label: 'Export SEG', tooltip: 'Write the DICOM SEG: stored to the PACS, or offered as a download where there is none', commands: 'trusExportSeg', evaluate: 'evaluate.action' } },
];

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const layout = {
  id: ohif.layout,
  props: {
    leftPanels: [ohif.thumbnailList],
    leftPanelResizable: true,
    rightPanels: [trus.panel, cornerstone.labelMapSegmentationPanel],
    rightPanelResizable: true,
    viewports: [
      { namespace: cornerstone.viewport, displaySetsToDisplay: [ohif.sopClassHandler] },
      { namespace: dicomSeg.viewport, displaySetsToDisplay: [dicomSeg.sopClassHandler] },
    ],
  },
};

/** Study list: offered when the study has ultrasound; a study without a cine gets a clear message in the panel. */
export function isValidMode({ modalities }: { modalities: string }): { valid: boolean; description: string } {
  const list = modalities.split('\\');
  return list.includes('US')
    ? { valid: true, description: 'Ultrasound study: segment its TRUS cine loops' }
    : { valid: false, description: 'TRUS Cine Segmentation needs an ultrasound (US) cine series' };
}

export const modeInstance = {
  id: MODE_ID,
  routeName: 'trus-cine',
  displayName: 'TRUS Cine Segmentation',
  toolbarButtons: [{ $reference: 'cornerstone.toolbarButtons' }, { $reference: 'cornerstone.segmentationToolbarButtons' }, TRUS_BUTTONS],
  toolbarSections: [
    { $reference: 'cornerstone.segmentationToolbarSections' },
    {
      primary: ['TrusSegmentLoop', 'TrusExportSeg', 'WindowLevel', 'Pan', 'Zoom', 'Cine', 'Capture', 'MoreTools'],
      MoreTools: ['Reset', 'rotate-right', 'flipHorizontal', 'StackScroll', 'invert', 'TagBrowser'],
    },
  ],
  onModeEnter(this: unknown, { servicesManager, extensionManager }: ModeContext) {
    const { toolbarService, toolGroupService, customizationService, cineService } = servicesManager.services;
    toolGroupService.createToolGroupAndAddTools('default', tools(extensionManager));
    toolbarService.register(asArray(customizationService.getCustomization('toolbarButtons')).flat());
    const sections = Object.assign({}, ...asArray(customizationService.getCustomization('toolbarSections') as Record<string, string[]>[])) as Record<string, string[]>;
    for (const [key, buttons] of Object.entries(sections)) toolbarService.updateSection(key, buttons);
    cineService?.setIsCineEnabled(true);
  },
  onModeExit({ servicesManager }: ModeContext) {
    const s = servicesManager.services;
    // First: it reads the labelmaps (edits not yet measured) that the segmentation service discards below.
    s.trusSegmentationService?.leaveMode();
    s.uiDialogService?.hideAll();
    s.toolGroupService.destroy();
    s.syncGroupService?.destroy();
    s.segmentationService.destroy();
    s.cornerstoneViewportService.destroy();
  },
  validationTags: { study: [], series: [] },
  isValidMode,
  routes: [{ path: 'trus-cine', layoutTemplate: () => structuredClone(layout) }],
  extensions: {
    '@ohif/extension-default': '^3.0.0',
    '@ohif/extension-cornerstone': '^3.0.0',
    '@ohif/extension-cornerstone-dicom-seg': '^3.0.0',
    [EXTENSION_ID]: '^0.1.0',
  },
  // OHIF's segment statistics treat a labelmap's images as slices; a cine's are moments, so its
  // "Volume" would be the masks summed over time. The panel gives the loop's own figures instead.
  // (Without them OHIF also stops recomputing them over every frame a second after each change.)
  modeCustomizations: { 'panelSegmentation.disableUpdateSegmentationStats': { $set: true } },
  hangingProtocol: trus.hangingProtocol,
  sopClassHandlers: [ohif.sopClassHandler, dicomSeg.sopClassHandler],
};

const mode = {
  id: MODE_ID,
  modeFactory: () => modeInstance,
  extensionDependencies: modeInstance.extensions,
};

export default mode;
