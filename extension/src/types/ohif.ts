/**
 * The part of the OHIF host (services, managers, display sets) this extension uses.
 * The host's own typings come with @ohif/core (a peer dependency); these narrow
 * declarations let the extension build without the OHIF monorepo and say exactly which
 * host API it relies on.
 */

export interface Subscription {
  unsubscribe(): void;
}

export interface OhifInstance {
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SOPInstanceUID: string;
  SOPClassUID?: string;
  NumberOfFrames?: number | string;
  Modality?: string;
  url?: string;
  imageId?: string;
}

export interface DisplaySet {
  displaySetInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SeriesDescription?: string;
  SeriesNumber?: number | string;
  Modality?: string;
  SOPClassUID?: string;
  numImageFrames?: number;
  isMultiFrame?: boolean;
  imageIds?: string[];
  instances?: OhifInstance[];
  instance?: OhifInstance;
  unsupported?: boolean;
  /** SEG display sets: the series they segment. */
  referencedSeriesInstanceUID?: string;
}

export interface DisplaySetService {
  EVENTS: Record<string, string>;
  getDisplaySetByUID(uid: string): DisplaySet | undefined;
  getActiveDisplaySets(): DisplaySet[];
  subscribe(event: string, cb: (data: unknown) => void): Subscription;
}

export interface ViewportGridState {
  activeViewportId: string | null;
  viewports: Map<string, { viewportId: string; displaySetInstanceUIDs: string[] }>;
}

export interface ViewportGridService {
  EVENTS: Record<string, string>;
  getState(): ViewportGridState;
  getActiveViewportId(): string;
  subscribe(event: string, cb: (data: unknown) => void): Subscription;
}

export interface SegmentationService {
  EVENTS: Record<string, string>;
  createLabelmapForDisplaySet(displaySet: DisplaySet, options: { segmentationId?: string; label?: string; segments?: Record<number, { label: string; active?: boolean }> }): Promise<string>;
  addSegmentationRepresentation(viewportId: string, options: { segmentationId: string; type?: string; config?: Record<string, unknown> }): Promise<void>;
  getSegmentation(segmentationId: string): CornerstoneSegmentation | undefined;
  remove(segmentationId: string): void;
  subscribe(event: string, cb: (data: { segmentationId?: string }) => void): Subscription;
}

export interface CornerstoneSegmentation {
  segmentationId: string;
  label?: string;
  representationData: { Labelmap?: { imageIds?: string[]; referencedImageIds?: string[] } };
}

export interface UINotificationService {
  show(options: { title: string; message: string; type?: 'success' | 'error' | 'info' | 'warning'; duration?: number }): void;
}

export interface CornerstoneViewportService {
  getCornerstoneViewport(viewportId: string): StackViewportLike | undefined;
}

export interface StackViewportLike {
  id: string;
  element: HTMLElement;
  getCurrentImageIdIndex(): number;
  getImageIds(): string[];
  setImageIdIndex(index: number): Promise<unknown>;
  render(): void;
}

export interface CineService {
  getState(): { isCineEnabled: boolean; cines: Record<string, { isPlaying: boolean; frameRate: number }> };
  setIsCineEnabled(enabled: boolean): void;
  setCine(options: { id: string; isPlaying?: boolean; frameRate?: number }): void;
}

/** OHIF's UserAuthenticationService: the header the host's own DICOMweb requests carry (OpenID Connect, or a ?token= in the URL). */
export interface UserAuthenticationService {
  getAuthorizationHeader(): { Authorization?: string } | undefined | void;
}

export interface ServicesManager {
  services: {
    userAuthenticationService?: UserAuthenticationService;
    displaySetService: DisplaySetService;
    viewportGridService: ViewportGridService;
    segmentationService: SegmentationService;
    uiNotificationService?: UINotificationService;
    cornerstoneViewportService: CornerstoneViewportService;
    cineService?: CineService;
    [name: string]: unknown;
  };
  registerService(registration: ServiceRegistration, configuration?: Record<string, unknown>): void;
}

export interface ServiceRegistration {
  name: string;
  altName?: string;
  create(options: { configuration?: Record<string, unknown>; servicesManager: ServicesManager; extensionManager?: ExtensionManager; commandsManager?: CommandsManager }): unknown;
}

export interface DataSource {
  getConfig?(): { wadoRoot?: string; qidoRoot?: string; [key: string]: unknown } | undefined;
}

export interface ExtensionManager {
  getActiveDataSource(): DataSource[];
  getModuleEntry(id: string): { exports?: Record<string, unknown> } | undefined;
}

export interface CommandsManager {
  runCommand(name: string, options?: Record<string, unknown>, context?: string): unknown;
}

/** What every get*Module receives from the host. */
export interface ModuleContext {
  servicesManager: ServicesManager;
  extensionManager: ExtensionManager;
  commandsManager: CommandsManager;
  configuration?: Record<string, unknown>;
  /** The host's app config (window.config): sites may configure the extension under `trusCineSeg`. */
  appConfig?: Record<string, unknown>;
}

/** The cornerstone libraries of the host (through the cornerstone extension's utility module). */
export interface CornerstoneLibraries {
  cornerstone: {
    cache: { getImage(imageId: string): CornerstoneImage | undefined };
    Enums: { Events: Record<string, string> };
  };
  cornerstoneTools: {
    segmentation: { triggerSegmentationEvents: { triggerSegmentationDataModified(segmentationId: string): void } };
  };
}

export interface CornerstoneImage {
  imageId: string;
  rows: number;
  columns: number;
  getPixelData(): ArrayLike<number> & { [index: number]: number; length: number; fill(v: number): unknown };
  voxelManager?: { getScalarData(): ArrayLike<number> & { [index: number]: number; length: number; fill(v: number): unknown } };
}
