/**
 * What a run (or a stored SEG's reading) waits for: each model's segmentation worker and each
 * loop's cine, loaded once and kept for the next run, and how much of each has come. A load that
 * fails is dropped, so that the next try starts afresh.
 */
import { SegmentationClient, WORKER_FILE } from '../../../src/web/segmentationClient.js';
import type { ProviderPreference } from '../../../src/web/providerChoice.js';
import type { LoadProgress } from '../../../src/web/workerProtocol.js';
import type { TransferProgress } from '../../../src/util/httpTransfer.js';
import { fetchCineBytes } from './cineSource.js';
import type { ModelChoice } from './models.js';
import type { DisplaySet, ExtensionManager } from '../types/ohif.js';

/** Transfers a run waits for; absent where nothing is (or was) fetched over HTTP. */
export interface LoadingTransfers {
  cine?: TransferProgress;
  /** When the cine's DICOMweb retrieval was sent (Date.now()); its first byte is awaited while `cine` is absent. */
  cineRequestedAt?: number;
  model?: LoadProgress;
}

export interface RunInputsOptions {
  provider: ProviderPreference;
  /** The folder of the extension's runtime files (the worker, ort/). */
  assets: string;
  extensionManager: ExtensionManager;
  /** Headers of the PACS requests, read at each request (a token may be renewed). */
  pacsHeaders: () => Record<string, string>;
  /** What has come of the transfers waited for, as they come. */
  onTransfers: (transfers: LoadingTransfers) => void;
}

export class RunInputs {
  private readonly clients = new Map<string, Promise<SegmentationClient>>();
  private readonly cines = new Map<string, Promise<Uint8Array>>();
  private readonly cineTransfers = new Map<string, TransferProgress>();
  private readonly cineRequests = new Map<string, number>();
  private readonly modelTransfers = new Map<string, LoadProgress>();
  /** What the run or SEG reading in progress waits for: its loop's cine, and for a run its model. */
  private waitingFor: { displaySetInstanceUID: string; modelId?: string } | undefined;

  constructor(private readonly options: RunInputsOptions) {}

  /** The model's worker, started (or starting) for an earlier call; undefined if none is. */
  startedClient(modelId: string): Promise<SegmentationClient> | undefined {
    return this.clients.get(modelId);
  }

  client(model: ModelChoice): Promise<SegmentationClient> {
    let client = this.clients.get(model.id);
    if (!client) {
      client = SegmentationClient.start({
        manifestUrl: model.manifestUrl,
        preference: this.options.provider,
        workerUrl: new URL(WORKER_FILE, this.options.assets).href,
        ortBaseUrl: new URL('ort/', this.options.assets).href,
        onLoadProgress: (progress) => {
          this.modelTransfers.set(model.id, progress);
          this.report();
        },
      });
      this.clients.set(model.id, client);
      const started = client;
      client.catch(() => {
        if (this.clients.get(model.id) === started) this.forgetClient(model.id);
      });
    }
    return client;
  }

  /** The model's worker is gone (ended, or failed to start): the next run starts another. */
  forgetClient(modelId: string): void {
    this.clients.delete(modelId);
    this.modelTransfers.delete(modelId);
  }

  cineBytes(displaySet: DisplaySet): Promise<Uint8Array> {
    const uid = displaySet.displaySetInstanceUID;
    let bytes = this.cines.get(uid);
    if (!bytes) {
      bytes = fetchCineBytes(displaySet, this.options.extensionManager, {
        headers: this.options.pacsHeaders(),
        onProgress: (progress) => {
          this.cineTransfers.set(uid, progress);
          this.report();
        },
        onRequested: () => {
          this.cineRequests.set(uid, Date.now());
          this.report();
        },
      });
      this.cines.set(uid, bytes);
      bytes.then(
        () => {
          // Come: a later run on this loop waits for no answer.
          this.cineRequests.delete(uid);
          this.report();
        },
        () => {
          this.cines.delete(uid);
          this.cineTransfers.delete(uid);
          this.cineRequests.delete(uid);
        },
      );
    }
    return bytes;
  }

  /** From now on the transfers of this loop's cine (and this model's files) are reported, starting with what has come already. */
  waitFor(displaySetInstanceUID: string, modelId?: string): void {
    this.waitingFor = { displaySetInstanceUID, ...(modelId !== undefined ? { modelId } : {}) };
    this.report();
  }

  /** Ends the workers and forgets the cines (leaving the mode). */
  dispose(): void {
    for (const c of this.clients.values()) c.then((client) => client.terminate(), () => undefined);
    this.clients.clear();
    this.cines.clear();
    this.cineTransfers.clear();
    this.cineRequests.clear();
    this.modelTransfers.clear();
    this.waitingFor = undefined;
  }

  private report(): void {
    if (!this.waitingFor) return;
    const { displaySetInstanceUID, modelId } = this.waitingFor;
    const cine = this.cineTransfers.get(displaySetInstanceUID);
    const cineRequestedAt = this.cineRequests.get(displaySetInstanceUID);
    const model = modelId !== undefined ? this.modelTransfers.get(modelId) : undefined;
    if (cine || cineRequestedAt !== undefined || model) this.options.onTransfers({ ...(cine ? { cine } : {}), ...(cineRequestedAt !== undefined ? { cineRequestedAt } : {}), ...(model ? { model } : {}) });
  }
}
