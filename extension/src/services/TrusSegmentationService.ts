/**
 * Owns the models and the runs of the viewer: loads a model into the engine's worker, segments
 * the active cine frame by frame into an OHIF labelmap (progress, cancel), keeps each model's
 * figures per loop, recomputes them after brush/eraser edits, and writes the engine's DICOM SEG
 * (download, STOW-RS). The panel and the commands only call this service and listen to it.
 */
import { WorkerError, type SegmentationClient } from '../../../src/web/segmentationClient.js';
import type { ProviderPreference } from '../../../src/web/providerChoice.js';
import type { BackendInfo } from '../../../src/web/workerProtocol.js';
import { isWhole, type TransferProgress } from '../../../src/util/httpTransfer.js';
import { CineImage } from '../../../src/dicom/cineImage.js';
import { PackedMask } from '../../../src/dicom/bitPacking.js';
import { DicomwebClient } from '../../../src/dicom/dicomwebClient.js';
import { DicomError } from '../../../src/dicom/errors.js';
import { unlessAborted } from '../../../src/util/unlessAborted.js';
import { metricsForMasks } from '../../../src/report/maskMetrics.js';
import type { ProstateVolume } from '../../../src/report/prostateVolume.js';
import type { ScanPlane, ScanPlaneReading } from '../../../src/dicom/scanPlane.js';
import type { FrameMetrics } from '../../../src/temporal/loopMetrics.js';
import { cineInstanceOf, dicomwebRootOf, fetchInstanceBytes, userAuthorization } from './cineSource.js';
import { RunInputs, type LoadingTransfers } from './runInputs.js';
import { readSegmentation } from '../../../src/dicom/segmentationReader.js';
import { segmentationMasksOnCine } from '../../../src/dicom/segmentationOnCine.js';
import { storedSegmentOrigin } from '../../../src/dicom/editedSegmentation.js';
import { configureCodecs } from '../../../src/dicom/decode/codecs.js';
import { browserCodecs } from '../../../src/web/browserCodecs.js';
import { LiveLabelmap } from './liveLabelmap.js';
import { FrameLabelmap } from './labelmap.js';
import { BrowserKeptStore } from './keptStore.js';
import { pageStorage, readNamedPlanes, withNamedPlane, writeNamedPlanes, type NamedPlanes, type PlaneStorage } from './namedPlaneStore.js';
import { defaultModels, type ModelChoice } from './models.js';
import {
  colourOf,
  editedMasks,
  hasSegToWrite,
  keptFromWhere,
  keptRecordId,
  labelmapEdit,
  labelmapLabel,
  resultKey,
  segmentationOf,
  seriesName,
  withEdits,
  type KeptResult,
  type LoopResult,
} from './loopResult.js';
import { pairedVolume } from './volumePairing.js';
import { SERVICE_NAME } from '../id.js';
import type { DisplaySet, ExtensionManager, ServiceRegistration, ServicesManager, Subscription } from '../types/ohif.js';

export type RunStatus = 'idle' | 'loading' | 'running' | 'done' | 'cancelled' | 'error';

/** Whether unsaved results outlive the page (IndexedDB), and why not. */
export type BrowserKeeping = { status: 'starting' } | { status: 'on' } | { status: 'off'; reason: string };

export interface ServiceState {
  status: RunStatus;
  message?: string;
  progress: { done: number; total: number };
  models: ModelChoice[];
  modelId: string;
  backend?: BackendInfo;
  displaySetInstanceUID?: string;
  /** While a run (or a stored SEG's reading) waits for them (status 'loading'): how much of the cine and of the model's files has come. */
  loading?: LoadingTransfers;
  /** Frames already segmented in the run in progress (their metrics, as they come). */
  liveFrames: FrameMetrics[];
  results: LoopResult[];
  /** Unsaved results of an earlier visit to the mode or an earlier page (any loop, any study). */
  kept: KeptResult[];
  keptInBrowser: BrowserKeeping;
  measuring: boolean;
  /** Scan planes the user named in the panel (here or on an earlier page), by the cine's SOP Instance UID ('none': never paired for a volume). */
  namedPlanes: NamedPlanes;
  /** Why the named planes last only as long as the page; undefined while the browser keeps them. */
  namedPlanesNotKept?: string;
  /** The last Export SEG: its bytes stay here for the download even when the STOW failed. */
  exported?: { status: 'writing' } | { status: 'done'; outcome: ExportOutcome } | { status: 'error'; message: string };
}

export interface ExportOutcome {
  /** The result it was written from, and that result's masks then (a later edit replaces them). */
  resultKey: string;
  masks: PackedMask[];
  bytes: Uint8Array;
  fileName: string;
  /** Where it was stored (STOW-RS) or why the store failed (the reason first, then the request's URL). */
  stored?: { url: string; sopInstanceUID: string };
  storeError?: string;
  /** The loop's data source is no DICOMweb server (the demo, local files): no store was tried, nothing failed. */
  noPacs?: true;
  /** The STOW-RS to this URL is under way (the SEG can be downloaded meanwhile). */
  storing?: string;
  /** How much of it has left for the PACS so far (the browser's report of the upload). */
  storingSent?: TransferProgress;
  /** When all of it had left (Date.now()): the PACS's answer is awaited since. */
  storingAllSentAt?: number;
}

/** Where a written SEG goes: the loop's DICOMweb PACS, under the cine's study. */
interface SegmentationStore {
  url: string;
  studyInstanceUID: string;
  /** The SEG's own. */
  sopInstanceUID: string;
}

type Listener = (state: ServiceState) => void;

export interface ServiceConfiguration {
  models?: ModelChoice[];
  provider?: ProviderPreference;
  /**
   * URL of the folder holding the segmentation worker, ort/ and the codec .wasm files (the
   * package's dist/), with the models in ../models/ from it. Needed when a site's bundler moves
   * the extension's code away from those files; by default they sit beside the extension bundle.
   */
  assetsUrl?: string;
  /**
   * Keep unsaved results in this browser's IndexedDB so that closing or reloading the page loses
   * none (default true), and the scan planes named in the panel (localStorage). They hold masks,
   * figures and the cine's UIDs and series label: set false on shared workstations where nothing
   * of a study may stay in the browser.
   */
  keepUnsavedInBrowser?: boolean;
}

/**
 * The folder URL of the runtime files: configured, or the folder of this bundle. A site's bundler
 * rewrites import.meta.url to a file: path of its build machine; that is reported, not fetched.
 */
function assetsBase(configured: string | undefined): { url: string; problem?: string } {
  if (configured) {
    const absolute = new URL(configured, globalThis.location?.href).href;
    return { url: absolute.endsWith('/') ? absolute : `${absolute}/` };
  }
  const here = import.meta.url;
  const url = new URL('.', here).href;
  const served = globalThis.location?.protocol;
  if (url.startsWith('file:') && served !== undefined && served !== 'file:') {
    return { url, problem: 'the extension cannot find its worker and models: set assetsUrl (trusCineSeg.assetsUrl in app-config.js) to the URL where the package\'s dist/ folder is served' };
  }
  return { url };
}

function providerFromPage(): ProviderPreference | undefined {
  const value = globalThis.location ? new URL(globalThis.location.href).searchParams.get('trusProvider') : null;
  return value === 'webgpu' || value === 'wasm' || value === 'auto' ? value : undefined;
}

export class TrusSegmentationService {
  static REGISTRATION: ServiceRegistration = {
    name: SERVICE_NAME,
    create: ({ servicesManager, extensionManager, configuration }) => {
      if (!extensionManager) throw new Error(`${SERVICE_NAME} needs the extension manager`);
      return new TrusSegmentationService(servicesManager, extensionManager, (configuration ?? {}) as ServiceConfiguration);
    },
  };

  private state: ServiceState;
  private readonly listeners = new Set<Listener>();
  private readonly inputs: RunInputs;
  private abort: AbortController | undefined;
  private readonly provider: ProviderPreference;
  private readonly assets: string;
  private readonly assetsProblem: string | undefined;
  private editSubscription: Subscription | undefined;
  private editTimer: ReturnType<typeof setTimeout> | undefined;
  private keptCount = 0;
  /** Counts mode exits, so that a restore the user left the mode during does not land on a loop no longer shown. */
  private visit = 0;
  private keptStore: BrowserKeptStore | undefined;
  /** Where the named planes are kept for later pages; undefined when they are not. */
  private readonly planeStorage: PlaneStorage | undefined;
  private syncPending = false;
  /** Brush/eraser edits read from a labelmap whose figures are not measured yet, by result key: kept in the browser meanwhile. */
  private readonly unmeasuredEdits = new Map<string, PackedMask[]>();
  /** The latest measuring started for each result (by key): an earlier one that ends later is dropped. */
  private readonly measuringSeq = new Map<string, number>();
  /**
   * Closing or reloading the tab loses a run in progress, and unsaved results when the browser
   * cannot keep them: the browser asks first. It asks for the unsaved results on screen even when
   * it can keep them, since an edit of the last moment is written to its store only now, while the
   * question is up; kept ones are in the store already.
   */
  private readonly guardUnload = (event: Event): void => {
    this.keepEditsInBrowser();
    const { status, kept, keptInBrowser } = this.state;
    const atRisk = status === 'loading' || status === 'running' || this.unsavedOnScreen().length > 0 || (kept.length > 0 && keptInBrowser.status !== 'on');
    if (!atRisk) return;
    event.preventDefault();
    // Chromium before 119 asks only when returnValue is set.
    (event as BeforeUnloadEvent).returnValue = '';
  };

  constructor(
    private readonly servicesManager: ServicesManager,
    private readonly extensionManager: ExtensionManager,
    configuration: ServiceConfiguration,
  ) {
    // Figures after an edit decode the cine on this thread: the codecs' .wasm are in the assets folder.
    const assets = assetsBase(configuration.assetsUrl);
    this.assets = assets.url;
    this.assetsProblem = assets.problem;
    configureCodecs(browserCodecs(this.assets));
    const models = configuration.models?.length ? configuration.models : defaultModels(this.assets);
    const planeStorage = configuration.keepUnsavedInBrowser === false ? { problem: 'keeping them in the browser is turned off in the configuration' } : pageStorage();
    this.planeStorage = 'storage' in planeStorage ? planeStorage.storage : undefined;
    this.provider = providerFromPage() ?? configuration.provider ?? 'auto';
    this.inputs = new RunInputs({
      provider: this.provider,
      assets: this.assets,
      extensionManager,
      pacsHeaders: () => this.pacsHeaders(),
      // Shown only while the run or reading waits; it clears the line when it goes on.
      onTransfers: (loading) => {
        if (this.state.status === 'loading') this.set({ loading });
      },
    });
    this.state = {
      status: this.assetsProblem ? 'error' : 'idle',
      ...(this.assetsProblem ? { message: this.assetsProblem } : {}),
      progress: { done: 0, total: 0 },
      models,
      modelId: models[0]!.id,
      liveFrames: [],
      results: [],
      kept: [],
      keptInBrowser: configuration.keepUnsavedInBrowser === false ? { status: 'off', reason: 'turned off in the configuration' } : { status: 'starting' },
      measuring: false,
      namedPlanes: this.planeStorage ? readNamedPlanes(this.planeStorage) : {},
      ...('problem' in planeStorage ? { namedPlanesNotKept: planeStorage.problem } : {}),
    };
    // Series arrive after the panel mounts (and a stored SEG after a reload), and the user puts
    // another series in the viewport (the panel shows that loop's results): tell the listeners.
    const { displaySetService, viewportGridService } = servicesManager.services;
    for (const [service, events] of [
      [displaySetService, ['DISPLAY_SETS_ADDED', 'DISPLAY_SETS_CHANGED']],
      [viewportGridService, ['GRID_STATE_CHANGED', 'ACTIVE_VIEWPORT_ID_CHANGED']],
    ] as const) {
      for (const event of events) {
        const name = service?.EVENTS?.[event];
        if (name) service.subscribe(name, () => this.set({}));
      }
    }
    // The service lives as long as the page (leaving the mode only empties it), so the guard is never removed.
    globalThis.addEventListener?.('beforeunload', this.guardUnload);
    if (this.state.keptInBrowser.status === 'starting') void this.keepInBrowser();
  }

  /** Opens the browser's store of unsaved results and takes over those of pages that are gone. */
  private async keepInBrowser(): Promise<void> {
    const stop = (err: unknown) => {
      this.keptStore = undefined;
      this.notKeepingInBrowser(err);
    };
    try {
      this.keptStore = await BrowserKeptStore.open((orphans) => {
        const kept = orphans.map((k) => ({ ...k, key: this.keptKey(k), keptFrom: 'page' as const }));
        this.set({ kept: [...this.state.kept, ...kept] });
        return kept.map(keptRecordId);
      }, stop);
      this.set({ keptInBrowser: { status: 'on' } });
      this.syncKept();
    } catch (err) {
      stop(err);
    }
  }

  /** Reads every labelmap's edits not yet measured, so that the browser's store has them before the page goes. */
  private keepEditsInBrowser(): void {
    if (!this.keptStore) return;
    for (const result of this.state.results) {
      const edit = labelmapEdit(result);
      if (edit) this.unmeasuredEdits.set(result.key, edit);
    }
    this.syncKept();
  }

  /** Brings the browser's store in step with the unsaved results (once per burst of changes). */
  private syncKept(): void {
    if (!this.keptStore || this.syncPending) return;
    this.syncPending = true;
    queueMicrotask(() => {
      this.syncPending = false;
      const store = this.keptStore;
      if (!store) return;
      const now = Date.now();
      const current = new Map<string, KeptResult>();
      for (const k of this.state.kept) current.set(keptRecordId(k), k);
      for (const result of this.state.results) {
        const kept = this.asKept(result, this.unmeasuredEdits.get(result.key), 'page', now, result.key);
        if (kept) current.set(`result:${result.key}`, kept);
      }
      // The store goes on deleting what no longer matches (see sync), so it stays this page's.
      store.sync(current).catch((err: unknown) => this.notKeepingInBrowser(err));
    });
  }

  /** The panel says why this browser does not keep the unsaved results (and the browser asks before the page goes). */
  private notKeepingInBrowser(why: unknown): void {
    this.set({ keptInBrowser: { status: 'off', reason: messageOf(why) } });
  }

  getState(): ServiceState {
    return this.state;
  }

  subscribe(listener: Listener): Subscription {
    this.listeners.add(listener);
    return { unsubscribe: () => this.listeners.delete(listener) };
  }

  private set(patch: Partial<ServiceState>): void {
    this.state = { ...this.state, ...patch };
    if (this.state.status !== 'loading' && this.state.loading) this.state = { ...this.state, loading: undefined };
    if (patch.results || patch.kept) this.syncKept();
    for (const l of this.listeners) l(this.state);
  }

  selectModel(modelId: string): void {
    if (!this.state.models.some((m) => m.id === modelId)) throw new Error(`unknown model ${modelId}`);
    this.set({ modelId });
  }

  /**
   * Loads the selected model (its worker, onnxruntime and the session) in the background, so that
   * Segment loop does not wait for it: about a second on a 2-core machine. A failure is not shown
   * here: the run loads the model again and reports why it cannot.
   */
  prepareModel(): void {
    if (this.assetsProblem || this.state.status === 'loading' || this.state.status === 'running') return;
    const model = this.state.models.find((m) => m.id === this.state.modelId);
    if (!model || this.inputs.startedClient(model.id)) return;
    const client = this.inputs.client(model);
    client.then(
      (c) => {
        // Not after leaving the mode (the client is terminated then), nor over a run's own.
        if (this.inputs.startedClient(model.id) === client && !this.state.backend) this.set({ backend: c.info });
      },
      () => undefined,
    );
  }

  /** prepareModel once the page is idle (the loop's images load first); returns what calls it off. */
  prepareModelWhenIdle(): () => void {
    if (typeof globalThis.requestIdleCallback === 'function') {
      const handle = globalThis.requestIdleCallback(() => this.prepareModel(), { timeout: 2000 });
      return () => globalThis.cancelIdleCallback(handle);
    }
    const timer = setTimeout(() => this.prepareModel(), 1000);
    return () => clearTimeout(timer);
  }

  /** The display set of the active viewport (the loop the buttons act on). */
  activeDisplaySet(): { displaySet: DisplaySet; viewportId: string } | undefined {
    const { viewportGridService, displaySetService } = this.servicesManager.services;
    const grid = viewportGridService.getState();
    const ids = [grid.activeViewportId, ...grid.viewports.keys()].filter((v): v is string => !!v);
    for (const viewportId of ids) {
      const uid = grid.viewports.get(viewportId)?.displaySetInstanceUIDs?.[0];
      const displaySet = uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
      if (displaySet) return { displaySet, viewportId };
    }
    return undefined;
  }

  /** The 1-based frame shown in the active viewport. */
  currentFrameNumber(): number | undefined {
    const active = this.activeDisplaySet();
    const viewport = active ? this.servicesManager.services.cornerstoneViewportService.getCornerstoneViewport(active.viewportId) : undefined;
    return viewport ? viewport.getCurrentImageIdIndex() + 1 : undefined;
  }

  /** Shows a frame (1-based) in the active viewport. */
  async jumpToFrame(frameNumber: number): Promise<void> {
    const active = this.activeDisplaySet();
    const viewport = active ? this.servicesManager.services.cornerstoneViewportService.getCornerstoneViewport(active.viewportId) : undefined;
    if (!viewport) throw new Error('no viewport shows the loop');
    const count = viewport.getImageIds().length;
    if (!Number.isInteger(frameNumber) || frameNumber < 1 || frameNumber > count) throw new RangeError(`frame ${frameNumber} is outside 1..${count}`);
    await viewport.setImageIdIndex(frameNumber - 1);
  }

  resultsFor(displaySetInstanceUID: string | undefined): LoopResult[] {
    return this.state.results.filter((r) => r.displaySetInstanceUID === displaySetInstanceUID);
  }

  /** Names a cine's scan plane, over what its header says ('none': not paired; undefined: the header's again). */
  nameScanPlane(sopInstanceUID: string, plane: ScanPlane | 'none' | undefined): void {
    const namedPlanes = withNamedPlane(this.state.namedPlanes, sopInstanceUID, plane);
    // The change goes onto what is stored now, so that names given meanwhile in another tab stay.
    const problem = this.planeStorage ? writeNamedPlanes(this.planeStorage, withNamedPlane(readNamedPlanes(this.planeStorage), sopInstanceUID, plane)) : this.state.namedPlanesNotKept;
    this.set({ namedPlanes, namedPlanesNotKept: problem });
  }

  /** A result's loop's scan plane: as the user named it, else as its header says. */
  planeOf(result: Pick<LoopResult, 'sopInstanceUID' | 'scanPlane'>): ScanPlaneReading | undefined {
    const named = this.state.namedPlanes[result.sopInstanceUID];
    if (named === 'none') return undefined;
    return named ? { plane: named, from: 'named in the viewer' } : result.scanPlane;
  }

  /**
   * The prostate volume a result gives with the loop of the other plane of its study segmented by
   * the same model (stored SEGs: with the other plane's stored SEG), or why there is none.
   */
  volumeFor(result: LoopResult): { volume: ProstateVolume } | { problem: string } {
    return pairedVolume(result, { results: this.state.results, planeOf: (r) => this.planeOf(r), loopName: (r) => this.loopName(r) });
  }

  /** A result's loop as the study's series list names it. */
  loopName(result: Pick<LoopResult, 'displaySetInstanceUID' | 'sopInstanceUID'>): string {
    const displaySet = this.servicesManager.services.displaySetService.getDisplaySetByUID(result.displaySetInstanceUID);
    const named = displaySet ? seriesName(displaySet) : '';
    return named ? `series ${named}` : `cine ${result.sopInstanceUID}`;
  }

  /** Model runs and edited stored SEGs (on any loop, kept ones included) whose masks as they are now are in no stored or downloaded SEG. */
  unsavedResults(): (LoopResult | KeptResult)[] {
    return [...this.unsavedOnScreen(), ...this.state.kept];
  }

  private unsavedOnScreen(): LoopResult[] {
    return this.state.results.filter((r) => hasSegToWrite(r) && !r.saved);
  }

  /** Kept results of the cine a display set shows (matched by SOP Instance UID: display sets are new on each visit). */
  keptFor(displaySet: DisplaySet | undefined): KeptResult[] {
    if (!displaySet || this.state.kept.length === 0) return [];
    let sopInstanceUID: string;
    try {
      sopInstanceUID = cineInstanceOf(displaySet).SOPInstanceUID;
    } catch {
      return [];
    }
    return this.state.kept.filter((k) => k.sopInstanceUID === sopInstanceUID && k.studyInstanceUID === displaySet.StudyInstanceUID);
  }

  /** The last Export SEG's outcome when it holds the result's current masks (not when edited since). */
  exportOf(result: LoopResult | undefined): ExportOutcome | undefined {
    const exported = this.state.exported;
    if (!result || exported?.status !== 'done') return undefined;
    const { outcome } = exported;
    return outcome.resultKey === result.key && outcome.masks === result.masks ? outcome : undefined;
  }

  /** The SEG of an export was downloaded: its result is saved unless edited since. */
  markDownloaded(outcome: ExportOutcome): void {
    this.markSaved(outcome, 'downloaded');
  }

  private markSaved(outcome: ExportOutcome, how: 'stored' | 'downloaded'): void {
    // A stored SEG stays the better news: downloading it afterwards does not demote it.
    const results = this.state.results.map((r) => (r.key === outcome.resultKey && r.masks === outcome.masks && r.saved !== 'stored' ? { ...r, saved: how } : r));
    // A run kept on leaving the mode while its SEG was still being stored is in that SEG once the PACS confirms it.
    const kept = how === 'stored' ? this.state.kept.filter((k) => k.masks !== outcome.masks) : this.state.kept;
    this.set({ results, ...(kept.length !== this.state.kept.length ? { kept } : {}) });
  }

  /** The user's Authorization, as the host's own DICOMweb requests carry it (cineSource.ts). */
  private pacsHeaders(): Record<string, string> {
    return userAuthorization(this.servicesManager.services.userAuthenticationService);
  }

  /** Segments every frame of the active loop with the selected model; masks appear as they are done. */
  async segmentActiveLoop(): Promise<LoopResult | undefined> {
    if (this.state.status === 'loading' || this.state.status === 'running') throw new Error('a segmentation is already running');
    if (this.assetsProblem) {
      this.set({ status: 'error', message: this.assetsProblem });
      return undefined;
    }
    const active = this.activeDisplaySet();
    if (!active) {
      this.set({ status: 'error', message: 'no cine is displayed: open a TRUS cine series first' });
      return undefined;
    }
    const { displaySet, viewportId } = active;
    const model = this.state.models.find((m) => m.id === this.state.modelId)!;
    const abort = new AbortController();
    this.abort = abort;
    this.set({ status: 'loading', message: `loading ${model.label} and the cine`, displaySetInstanceUID: displaySet.displaySetInstanceUID, progress: { done: 0, total: 0 }, liveFrames: [] });
    let labelmap: FrameLabelmap | undefined;
    let live: LiveLabelmap | undefined;
    let started: SegmentationClient | undefined;
    try {
      const instance = cineInstanceOf(displaySet);
      // Cancel answers at once while the model loads or the cine arrives; both go on, kept for the next run
      // (the cine's bytes may be shared with another use of the loop, a stored SEG being read).
      const loads = Promise.all([this.inputs.client(model), this.inputs.cineBytes(displaySet)]);
      // What a transfer under way (the model's, started in the background) has brought so far.
      this.inputs.waitFor(displaySet.displaySetInstanceUID, model.id);
      const [client, bytes] = await unlessAborted(loads, abort.signal);
      started = client;
      const total = Number(instance.NumberOfFrames);
      this.set({ backend: client.info });
      // Not shown yet: LiveLabelmap shows it with the first mask.
      labelmap = await FrameLabelmap.create({
        displaySet,
        viewportId: undefined,
        label: labelmapLabel(model, true),
        frames: total,
        segmentationService: this.servicesManager.services.segmentationService,
        extensionManager: this.extensionManager,
        colour: colourOf({ model }),
      });
      this.set({ status: 'running', message: `segmenting with ${model.label} (${client.info.provider})`, progress: { done: 0, total } });
      const { cornerstoneViewportService } = this.servicesManager.services;
      live = new LiveLabelmap({
        labelmap,
        viewportId,
        frameOnScreen: () => (viewportId === undefined ? undefined : cornerstoneViewportService.getCornerstoneViewport(viewportId)?.getCurrentImageIdIndex()),
        onFrames: (liveFrames) => this.set({ progress: { done: liveFrames.length, total }, liveFrames }),
      });
      const display = live;
      const outcome = await client.segment(bytes, instance.SOPInstanceUID, { signal: abort.signal, onFrame: (f) => display.frameDone(f.frameIndex, f.mask, f.metrics) });
      await live.finish();
      const result: LoopResult = {
        key: resultKey(displaySet, model),
        displaySetInstanceUID: displaySet.displaySetInstanceUID,
        studyInstanceUID: displaySet.StudyInstanceUID,
        sopInstanceUID: instance.SOPInstanceUID,
        model,
        labelmap,
        run: outcome.run,
        masks: outcome.run.masks,
        frames: outcome.run.frames,
        summary: outcome.run.summary,
        edited: false,
        sourceWarnings: outcome.run.sourceWarnings,
        ...(outcome.run.scanPlane ? { scanPlane: outcome.run.scanPlane } : {}),
      };
      this.addResult(result, `${model.label}: ${total} frames segmented (${outcome.run.provider})`);
      return result;
    } catch (err) {
      const cancelled = err instanceof WorkerError ? err.name === 'AbortError' : abort.signal.aborted;
      // A worker ended because it did not stop in time: the next run starts another.
      if (started?.stopped) this.inputs.forgetClient(model.id);
      await live?.abandon();
      if (labelmap?.exists()) this.servicesManager.services.segmentationService.remove(labelmap.segmentationId);
      this.set({
        status: cancelled ? 'cancelled' : 'error',
        message: cancelled ? 'segmentation cancelled; the viewer is unchanged' : messageOf(err),
        liveFrames: [],
      });
      return undefined;
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
  }

  /** A finished result replaces (and removes the labelmap of) an earlier one of the same model or SEG on the loop. */
  private addResult(result: LoopResult, message: string): void {
    for (const old of this.state.results.filter((r) => r.key === result.key)) {
      if (old.labelmap.exists()) this.servicesManager.services.segmentationService.remove(old.labelmap.segmentationId);
    }
    this.unmeasuredEdits.delete(result.key);
    // A failed export's message (e.g. "nothing to export") is about the results before this one.
    const exported = this.state.exported?.status === 'error' ? undefined : this.state.exported;
    this.set({ status: 'done', message, results: [...this.state.results.filter((r) => r.key !== result.key), result], liveFrames: [], exported });
    this.watchEdits();
  }

  cancel(): void {
    this.abort?.abort();
  }

  /** After brush/eraser edits, the figures are recomputed from the labelmap's current masks. */
  private watchEdits(): void {
    if (this.editSubscription) return;
    const { segmentationService } = this.servicesManager.services;
    this.editSubscription = segmentationService.subscribe(segmentationService.EVENTS.SEGMENTATION_DATA_MODIFIED!, ({ segmentationId }) => {
      if (this.state.status === 'running' || !this.state.results.some((r) => r.labelmap.segmentationId === segmentationId)) return;
      clearTimeout(this.editTimer);
      this.editTimer = setTimeout(() => void this.remeasure(segmentationId!), 400);
    });
  }

  /** Recomputes one result's figures from its labelmap; no-op when the masks did not change. */
  async remeasure(segmentationId: string): Promise<void> {
    const result = this.state.results.find((r) => r.labelmap.segmentationId === segmentationId);
    if (!result || !result.labelmap.exists()) return;
    const edit = editedMasks(result);
    if (!edit) return;
    // Kept in the browser now: measuring a long loop takes seconds.
    this.unmeasuredEdits.set(result.key, edit.packed);
    this.syncKept();
    const seq = (this.measuringSeq.get(result.key) ?? 0) + 1;
    this.measuringSeq.set(result.key, seq);
    const latest = () => this.measuringSeq.get(result.key) === seq;
    this.set({ measuring: true });
    try {
      const displaySet = this.servicesManager.services.displaySetService.getDisplaySetByUID(result.displaySetInstanceUID);
      if (!displaySet) return;
      const cine = CineImage.fromPart10(await this.inputs.cineBytes(displaySet), result.sopInstanceUID);
      const figures = await metricsForMasks(cine, edit.masks);
      // A later stroke's measuring began meanwhile and has (or will have) the labelmap's masks: these
      // figures are of an earlier state, and landing after it they would put the older masks and
      // figures back (seen with two strokes in quick succession on a loaded machine).
      if (!latest()) return;
      const current = this.state.results.find((r) => r.key === result.key);
      if (!current) return;
      const updated = withEdits(current, edit.packed, figures);
      this.unmeasuredEdits.delete(result.key);
      this.set({ results: this.state.results.map((r) => (r.key === result.key ? updated : r)) });
    } finally {
      if (latest()) this.set({ measuring: false });
    }
  }

  /** SEG series of the active loop's study that reference its cine (e.g. one exported earlier). */
  storedSegmentations(): DisplaySet[] {
    const active = this.activeDisplaySet()?.displaySet;
    if (!active) return [];
    return this.servicesManager.services.displaySetService
      .getActiveDisplaySets()
      .filter((d) => d.Modality === 'SEG' && d.StudyInstanceUID === active.StudyInstanceUID && (d.referencedSeriesInstanceUID === undefined || d.referencedSeriesInstanceUID === active.SeriesInstanceUID));
  }

  /**
   * Shows a stored SEG over the cine frame by frame (each SEG frame on the source frame its
   * Referenced Frame Number names) and measures it like a model's run. Our own reader, not the
   * host's SEG viewport: that one needs patient geometry (Plane Orientation) a cine SEG has not.
   */
  async loadStoredSegmentation(segDisplaySetInstanceUID: string): Promise<LoopResult | undefined> {
    const { displaySetService, segmentationService } = this.servicesManager.services;
    const segDisplaySet = displaySetService.getDisplaySetByUID(segDisplaySetInstanceUID);
    const active = this.activeDisplaySet();
    if (!segDisplaySet || !active) {
      this.set({ status: 'error', message: 'open the cine and its SEG series first' });
      return undefined;
    }
    const { displaySet, viewportId } = active;
    this.set({ status: 'loading', message: `loading SEG ${segDisplaySet.SeriesDescription ?? ''}`, displaySetInstanceUID: displaySet.displaySetInstanceUID });
    let labelmap: FrameLabelmap | undefined;
    try {
      const instance = cineInstanceOf(displaySet);
      const segInstance = segDisplaySet.instance ?? segDisplaySet.instances?.[0];
      if (!segInstance) throw new Error('the SEG series has no instance');
      const loads = Promise.all([fetchInstanceBytes(segDisplaySet, segInstance, this.extensionManager, { headers: this.pacsHeaders() }), this.inputs.cineBytes(displaySet)]);
      this.inputs.waitFor(displaySet.displaySetInstanceUID);
      const [segBytes, cineBytes] = await loads;
      const seg = readSegmentation(segBytes, segInstance.SOPInstanceUID);
      // Named as the study's series list names it, for the messages.
      const cine = CineImage.fromPart10(cineBytes, this.loopName({ displaySetInstanceUID: displaySet.displaySetInstanceUID, sopInstanceUID: instance.SOPInstanceUID }));
      const segSeries = seriesName(segDisplaySet);
      const { masks, segFrames, segmentNumbers } = segmentationMasksOnCine(seg, cine, segSeries ? `SEG series ${segSeries}` : `the SEG ${segInstance.SOPInstanceUID}`);
      if (segFrames === 0) throw new Error(`the SEG references no frame of ${cine.source}`);
      const storedOrigin =
        segmentNumbers.length === 1
          ? storedSegmentOrigin(seg, segmentNumbers[0]!)
          : { cannotExport: `the stored SEG has ${segmentNumbers.length} segments on this cine, shown as one mask: edits to it cannot be written back as one segment` };
      const label = `Stored SEG ${segSeries}`.trim();
      const model: ModelChoice = { id: `seg-${seg.sopInstanceUID}`, label, manifestUrl: '' };
      labelmap = await FrameLabelmap.create({ displaySet, viewportId, label: labelmapLabel(model, false), frames: cine.numberOfFrames, segmentationService, extensionManager: this.extensionManager, colour: colourOf({ model, storedOrigin }) });
      labelmap.writeFrames(masks);
      const { frames, summary } = await metricsForMasks(cine, masks);
      const result: LoopResult = {
        key: resultKey(displaySet, model),
        displaySetInstanceUID: displaySet.displaySetInstanceUID,
        studyInstanceUID: cine.studyInstanceUID,
        sopInstanceUID: cine.sopInstanceUID,
        model,
        labelmap,
        storedOrigin,
        masks: masks.map((m) => PackedMask.pack(m)),
        frames,
        summary,
        edited: false,
        sourceWarnings: [...cine.warnings],
        ...(cine.scanPlane ? { scanPlane: cine.scanPlane } : {}),
      };
      this.addResult(result, `${label}: ${segFrames} SEG frames over ${cine.numberOfFrames} cine frames (${seg.frameReferenceRule})`);
      return result;
    } catch (err) {
      if (labelmap?.exists()) segmentationService.remove(labelmap.segmentationId);
      this.set({ status: 'error', message: messageOf(err) });
      return undefined;
    }
  }

  /** The result Export SEG writes: the selected model's on the active loop, else the latest there. */
  exportableResult(): LoopResult | undefined {
    const uid = this.activeDisplaySet()?.displaySet.displaySetInstanceUID;
    const here = this.resultsFor(uid).filter(hasSegToWrite);
    return here.find((r) => r.model.id === this.state.modelId) ?? here[here.length - 1];
  }

  /**
   * Writes the DICOM SEG of the result (with the user's edits) and, when the data source is
   * DICOMweb, stores it with STOW-RS. The bytes come back either way, for the download.
   */
  async exportSegmentation(result = this.exportableResult()): Promise<ExportOutcome> {
    this.set({ exported: { status: 'writing' } });
    let written: { outcome: ExportOutcome; storeTo?: SegmentationStore };
    try {
      written = await this.writeSegmentation(result);
    } catch (err) {
      this.set({ exported: { status: 'error', message: messageOf(err) } });
      throw err;
    }
    const { storeTo } = written;
    if (!storeTo) {
      this.set({ exported: { status: 'done', outcome: written.outcome } });
      return written.outcome;
    }
    // The SEG can be downloaded while the PACS takes it, however long that is.
    this.set({ exported: { status: 'done', outcome: { ...written.outcome, storing: storeTo.url } } });
    const outcome = { ...written.outcome };
    const onProgress = (storingSent: TransferProgress) => {
      // Only while this store is the export shown (leaving the mode clears it).
      const shown = this.state.exported;
      if (shown?.status !== 'done' || shown.outcome.bytes !== outcome.bytes || !shown.outcome.storing) return;
      const storingAllSentAt = shown.outcome.storingAllSentAt ?? (isWhole(storingSent) ? Date.now() : undefined);
      this.set({ exported: { status: 'done', outcome: { ...shown.outcome, storingSent, ...(storingAllSentAt !== undefined ? { storingAllSentAt } : {}) } } });
    };
    try {
      await new DicomwebClient({ url: storeTo.url, headers: this.pacsHeaders() }).storeInstances([outcome.bytes], storeTo.studyInstanceUID, { onProgress });
      outcome.stored = { url: storeTo.url, sopInstanceUID: storeTo.sopInstanceUID };
    } catch (err) {
      outcome.storeError = err instanceof DicomError ? `${err.problem} (${err.source})` : `STOW-RS failed: ${messageOf(err)}`;
    }
    this.set({ exported: { status: 'done', outcome } });
    if (outcome.stored) this.markSaved(outcome, 'stored');
    return outcome;
  }

  /** The result's SEG (with the edits), and where to store it when the loop came from a DICOMweb PACS. */
  private async writeSegmentation(result: LoopResult | undefined): Promise<{ outcome: ExportOutcome; storeTo?: SegmentationStore }> {
    if (!result) {
      const kept = this.keptFor(this.activeDisplaySet()?.displaySet)[0];
      throw new Error(kept ? `${kept.model.label} was kept from ${keptFromWhere(kept)}: restore it in the TRUS panel, then export` : 'nothing to export: segment the loop first');
    }
    if (result.labelmap.exists()) await this.remeasure(result.labelmap.segmentationId);
    const current = this.state.results.find((r) => r.key === result.key) ?? result;
    if (!hasSegToWrite(current)) throw new Error(`${current.model.label} was loaded from the PACS and is unchanged: it is already stored`);
    const displaySet = this.servicesManager.services.displaySetService.getDisplaySetByUID(current.displaySetInstanceUID);
    if (!displaySet) throw new Error('the loop is no longer loaded');
    const cine = CineImage.fromPart10(await this.inputs.cineBytes(displaySet), current.sopInstanceUID);
    const seg = segmentationOf(cine, current);
    const bytes = seg.toPart10();
    const outcome: ExportOutcome = { resultKey: current.key, masks: current.masks, bytes, fileName: `${current.sopInstanceUID}.${current.model.id}${current.edited ? '.edited' : ''}.seg.dcm` };
    const url = dicomwebRootOf(cineInstanceOf(displaySet), this.extensionManager);
    if (!url) return { outcome: { ...outcome, noPacs: true } };
    return { outcome, storeTo: { url, studyInstanceUID: cine.studyInstanceUID, sopInstanceUID: seg.sopInstanceUID } };
  }

  /**
   * Mode exit: ends every worker and empties the service, but keeps every result whose masks are
   * in no stored or downloaded SEG (with an edit not yet measured read from its labelmap first,
   * before the mode discards the labelmaps). A run still in progress is cancelled.
   */
  leaveMode(): void {
    this.cancel();
    this.visit++;
    clearTimeout(this.editTimer);
    this.editSubscription?.unsubscribe();
    this.editSubscription = undefined;
    // Each result as it stands in its labelmap now; saved ones are not kept.
    const now = Date.now();
    const kept = [...this.state.kept, ...this.state.results.flatMap((r) => this.asKept(r, labelmapEdit(r), 'mode', now) ?? [])];
    this.unmeasuredEdits.clear();
    this.inputs.dispose();
    this.set({ status: 'idle', message: undefined, backend: undefined, results: [], kept, exported: undefined, liveFrames: [], progress: { done: 0, total: 0 } });
  }

  /**
   * A result as kept once its display set and labelmap are gone, with an edit whose figures are
   * not measured yet; nothing when that leaves nothing to save.
   */
  private asKept(result: LoopResult, edit: PackedMask[] | undefined, keptFrom: KeptResult['keptFrom'], keptAt: number, key?: string): KeptResult | undefined {
    const current = edit ? withEdits(result, edit) : result;
    if (!hasSegToWrite(current) || current.saved) return undefined;
    const { key: _key, displaySetInstanceUID, labelmap: _labelmap, saved: _saved, ...rest } = current;
    const loopLabel = this.loopName({ displaySetInstanceUID, sopInstanceUID: result.sopInstanceUID });
    return { ...rest, key: key ?? this.keptKey(result), loopLabel, staleFigures: edit !== undefined, keptFrom, keptAt };
  }

  /** Numbers kept results: one loop and model may be left unsaved on more than one visit or page. */
  private keptKey(kept: Pick<KeptResult, 'sopInstanceUID' | 'model'>): string {
    return `${kept.sopInstanceUID}/${kept.model.id}/${++this.keptCount}`;
  }

  /** Puts a kept result back over its loop (open in the active viewport), as it was when kept. */
  async restoreKept(keptKey: string): Promise<LoopResult | undefined> {
    if (this.state.status === 'loading' || this.state.status === 'running') throw new Error('a segmentation is running: restore when it is done');
    const kept = this.state.kept.find((k) => k.key === keptKey);
    const active = this.activeDisplaySet();
    if (!kept) throw new Error(`nothing kept under ${keptKey}`);
    if (!active || !this.keptFor(active.displaySet).includes(kept)) {
      this.set({ status: 'error', message: `open ${kept.loopLabel} to restore ${kept.model.label}` });
      return undefined;
    }
    const { displaySet, viewportId } = active;
    const key = resultKey(displaySet, kept.model);
    const present = this.state.results.find((r) => r.key === key);
    if (present && hasSegToWrite(present) && !present.saved) {
      this.set({ status: 'error', message: `${kept.model.label} has a newer result on this loop that is not yet stored or downloaded: export it (or download its SEG) before restoring the earlier one` });
      return undefined;
    }
    const { segmentationService } = this.servicesManager.services;
    this.set({ status: 'loading', message: `restoring ${kept.model.label}`, displaySetInstanceUID: displaySet.displaySetInstanceUID });
    let labelmap: FrameLabelmap | undefined;
    const visit = this.visit;
    try {
      const masks = kept.masks.map((m) => m.unpack());
      labelmap = await FrameLabelmap.create({ displaySet, viewportId, label: labelmapLabel(kept.model, kept.run !== undefined), frames: masks.length, segmentationService, extensionManager: this.extensionManager, colour: colourOf(kept) });
      labelmap.writeFrames(masks);
      // The cine is read now, as for a run: Export SEG needs it, and the PACS may be gone by then.
      const cineBytes = this.inputs.cineBytes(displaySet);
      this.inputs.waitFor(displaySet.displaySetInstanceUID);
      const cine = CineImage.fromPart10(await cineBytes, kept.sopInstanceUID);
      if (cine.numberOfFrames !== masks.length) throw new Error(`the cine has ${cine.numberOfFrames} frames, the kept masks ${masks.length}`);
      const { frames, summary } = kept.staleFigures ? await metricsForMasks(cine, masks) : kept;
      if (visit !== this.visit) throw new Error('the mode was left while restoring; it stays kept');
      const { key: _key, loopLabel: _loopLabel, staleFigures: _stale, keptFrom: _from, keptAt: _at, ...rest } = kept;
      const { scanPlane: _keptPlane, ...keptRest } = rest;
      const result: LoopResult = {
        ...keptRest,
        key,
        displaySetInstanceUID: displaySet.displaySetInstanceUID,
        labelmap,
        frames,
        summary,
        // The header read now (a run kept by an earlier version has none).
        ...(cine.scanPlane ? { scanPlane: cine.scanPlane } : {}),
        ...(kept.run ? { run: { ...kept.run, frames, summary } } : {}),
      };
      this.set({ kept: this.state.kept.filter((k) => k !== kept) });
      this.addResult(result, `${kept.model.label}: restored as kept from ${keptFromWhere(kept)}${kept.edited ? ', with the edits' : ''}`);
      return result;
    } catch (err) {
      if (labelmap?.exists()) segmentationService.remove(labelmap.segmentationId);
      this.set({ status: 'error', message: `${kept.model.label} could not be restored: ${messageOf(err)}` });
      return undefined;
    }
  }

  /** Drops a kept result the user does not want (it is in no SEG: this is where it is lost, on purpose). */
  discardKept(keptKey: string): void {
    this.set({ kept: this.state.kept.filter((k) => k.key !== keptKey) });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
