/**
 * QIDO-RS, WADO-RS and STOW-RS through `dicomweb-client` (the client OHIF itself uses).
 * Server errors surface as DicomwebRequestError with the HTTP status and body; a STOW that
 * fails keeps the instances on the StowError so the caller can still offer them for download.
 */
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { api } from 'dicomweb-client';
import { CineImage } from './cineImage.js';
import { DicomwebRequestError, StowError } from './errors.js';
import { toArrayBuffer } from './part10.js';
import { pagedSearch, type SearchNotes, type SearchPage } from './qidoPaging.js';
import { unlessAborted } from '../util/unlessAborted.js';
import { bodyText, DEFAULT_IDLE_TIMEOUT_MS, ensureXmlHttpRequest, noAnswerCause, reportProgress, seconds, unlessSilent, type TransferProgress } from '../util/httpTransfer.js';

export interface DicomwebClientOptions {
  /** Root of the DICOMweb service, e.g. http://127.0.0.1:8042/dicom-web */
  url: string;
  headers?: Record<string, string>;
  /**
   * How long a STOW-RS may go unanswered before it fails as not known to be stored (default 5
   * minutes), counted again from each part of the upload that leaves (the browser's report of the
   * upload's progress; in Node, src/util/nodeXmlHttpRequest.ts): a large SEG going slowly is not cut.
   */
  stowTimeoutMs?: number;
  /** How long a search's or a retrieval's answer may go without a byte before the request fails (default 2 minutes). */
  idleTimeoutMs?: number;
}

const DEFAULT_STOW_TIMEOUT_MS = 5 * 60_000;

export interface StoreOptions {
  /** Called as the request's bytes leave (`received`: sent so far, `total`: the multipart body's size). */
  onProgress?: (progress: TransferProgress) => void;
}

// dicomweb-client's generated declarations type mediaTypes and frameNumbers as strings; its code takes objects and arrays.
type LooseOptions = any;

export interface InstanceRetrievalOptions {
  /** Aborts the transfer; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called as the instance arrives (bytes of the multipart answer, a little more than the instance). */
  onProgress?: (progress: TransferProgress) => void;
}

export interface StowResult {
  /** SOP Instance UIDs the server reports as stored. */
  stored: string[];
  /** HTTP status (200 all stored, 202 some warnings). */
  status: number;
  body: string;
}

function naturalize(json: unknown): NaturalDataset[] {
  const items = Array.isArray(json) ? json : [];
  return items.map((item) => dcmjs.data.DicomMetaDictionary.naturalizeDataset(item));
}

export class DicomwebClient {
  readonly url: string;
  private readonly client: InstanceType<typeof api.DICOMwebClient>;
  private readonly stowTimeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(options: DicomwebClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.stowTimeoutMs = options.stowTimeoutMs ?? DEFAULT_STOW_TIMEOUT_MS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.client = new api.DICOMwebClient({ url: this.url, headers: options.headers ?? {}, verbose: false, singlepart: false });
  }

  private async call<T>(what: string, url: string, run: () => Promise<T>): Promise<T> {
    await ensureXmlHttpRequest();
    try {
      return await run();
    } catch (err) {
      if (err instanceof DicomwebRequestError) throw err;
      const e = err as { status?: number; response?: unknown; message?: string };
      if (e.status === undefined) throw new DicomwebRequestError(url, -1, e.message ?? String(err), what);
      throw new DicomwebRequestError(url, e.status, bodyText(e.response), what);
    }
  }

  /**
   * A QIDO-RS search, every page of it (src/dicom/qidoPaging.ts). The response's Warning header (a
   * server that returned fewer matches than it has, PS3.18 8.3.4.6) is read here: dicomweb-client
   * resolves with the body only.
   */
  private search(what: string, url: string, queryParams: Record<string, string>, notes: SearchNotes, run: (request: { instance: XMLHttpRequest }, queryParams: Record<string, string>) => unknown): Promise<NaturalDataset[]> {
    const page = (params: Record<string, string>): Promise<SearchPage> => {
      const paged = params.offset !== undefined && queryParams.offset === undefined ? ` (the matches from offset ${params.offset} on)` : '';
      return this.call(what + paged, url, async () => {
        const xhr = new XMLHttpRequest();
        const found = naturalize(await this.unlessSilent(what + paged, url, xhr, run({ instance: xhr }, params)));
        const warning = xhr.getResponseHeader('Warning');
        return warning ? { found, warning } : { found };
      });
    };
    return pagedSearch(queryParams, page, notes);
  }

  /** The request's answer, or a DicomwebRequestError once it has gone `idleTimeoutMs` without a byte. */
  private unlessSilent<T>(what: string, url: string, xhr: XMLHttpRequest, answer: T | Promise<T>, signal?: AbortSignal): Promise<T> {
    return unlessSilent(xhr, answer, this.idleTimeoutMs, (reason) => new DicomwebRequestError(url, 0, '', what, reason), signal);
  }

  searchForStudies(queryParams: Record<string, string> = {}, notes: SearchNotes = {}): Promise<NaturalDataset[]> {
    return this.search('QIDO-RS study search', `${this.url}/studies`, queryParams, notes, (request, params) => this.client.searchForStudies({ queryParams: params, request } as LooseOptions));
  }

  /** The series of a study, or with no study the server's series that match `queryParams`. */
  searchForSeries(studyInstanceUID: string | undefined, queryParams: Record<string, string> = {}, notes: SearchNotes = {}): Promise<NaturalDataset[]> {
    const url = `${this.url}${studyInstanceUID ? `/studies/${studyInstanceUID}` : ''}/series`;
    return this.search('QIDO-RS series search', url, queryParams, notes, (request, params) =>
      this.client.searchForSeries({ ...(studyInstanceUID ? { studyInstanceUID } : {}), queryParams: params, request } as LooseOptions),
    );
  }

  searchForInstances(studyInstanceUID: string, seriesInstanceUID?: string, queryParams: Record<string, string> = {}, notes: SearchNotes = {}): Promise<NaturalDataset[]> {
    const url = `${this.url}/studies/${studyInstanceUID}${seriesInstanceUID ? `/series/${seriesInstanceUID}` : ''}/instances`;
    return this.search('QIDO-RS instance search', url, queryParams, notes, (request, params) =>
      this.client.searchForInstances({ studyInstanceUID, ...(seriesInstanceUID ? { seriesInstanceUID } : {}), queryParams: params, request } as LooseOptions),
    );
  }

  /**
   * The instance as stored (transfer-syntax=*, so the server does not transcode it). `signal`
   * aborts the transfer (a cancelled batch does not wait for a large cine to arrive) and rejects
   * with the signal's reason.
   */
  async retrieveInstance(studyInstanceUID: string, seriesInstanceUID: string, sopInstanceUID: string, options: InstanceRetrievalOptions = {}): Promise<Uint8Array> {
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const url = `${this.url}/studies/${studyInstanceUID}/series/${seriesInstanceUID}/instances/${sopInstanceUID}`;
    let xhr: XMLHttpRequest | undefined;
    const stopTransfer = () => xhr?.abort();
    signal?.addEventListener('abort', stopTransfer, { once: true });
    const retrieval = this.call('WADO-RS instance retrieval', url, async () => {
      // retrieveInstance() rejects any explicit media type in dicomweb-client 0.11 ("Media type
      // application/ is not supported"), and without one the server transcodes to Explicit VR
      // Little Endian; the lower-level call sends transfer-syntax=* so the bytes come as stored.
      const client = this.client as unknown as {
        _httpGetMultipartApplicationDicom(url: string, mediaTypes: unknown, params: unknown, request: unknown): Promise<ArrayBuffer[]>;
      };
      signal?.throwIfAborted();
      xhr = new XMLHttpRequest();
      const stopReporting = reportProgress(xhr, onProgress);
      const parts = await this.unlessSilent('WADO-RS instance retrieval', url, xhr, client._httpGetMultipartApplicationDicom(url, [{ mediaType: 'application/dicom', transferSyntaxUID: '*' }], false, { instance: xhr }), signal).finally(stopReporting);
      const result = parts[0];
      if (!result) throw Object.assign(new Error('empty response'), { status: 204 });
      return new Uint8Array(result);
    });
    try {
      // dicomweb-client settles an aborted request as a failure with status 0, or not at all: the signal answers first.
      return await unlessAborted(retrieval, signal);
    } finally {
      signal?.removeEventListener('abort', stopTransfer);
    }
  }

  async retrieveCine(studyInstanceUID: string, seriesInstanceUID: string, sopInstanceUID: string, options: InstanceRetrievalOptions = {}): Promise<CineImage> {
    const bytes = await this.retrieveInstance(studyInstanceUID, seriesInstanceUID, sopInstanceUID, options);
    return CineImage.fromPart10(bytes, `${this.url}/studies/${studyInstanceUID}/series/${seriesInstanceUID}/instances/${sopInstanceUID}`);
  }

  /** Frames (1-based numbers) as uncompressed little-endian pixel bytes (application/octet-stream). */
  retrieveFrames(studyInstanceUID: string, seriesInstanceUID: string, sopInstanceUID: string, frameNumbers: number[]): Promise<Uint8Array[]> {
    const url = `${this.url}/studies/${studyInstanceUID}/series/${seriesInstanceUID}/instances/${sopInstanceUID}/frames/${frameNumbers.join(',')}`;
    return this.call('WADO-RS frame retrieval', url, async () => {
      const parts = (await this.client.retrieveInstanceFrames({
        studyInstanceUID,
        seriesInstanceUID,
        sopInstanceUID,
        frameNumbers,
        mediaTypes: [{ mediaType: 'application/octet-stream', transferSyntaxUID: '1.2.840.10008.1.2.1' }],
      } as LooseOptions)) as ArrayBuffer[];
      return parts.map((p) => new Uint8Array(p));
    });
  }

  /**
   * Stores Part 10 instances. Resolves only when the server confirms every instance; otherwise
   * throws StowError carrying the instances, the status and the server's response body.
   */
  async storeInstances(instances: Uint8Array[], studyInstanceUID?: string, options: StoreOptions = {}): Promise<StowResult> {
    const url = `${this.url}/studies${studyInstanceUID ? `/${studyInstanceUID}` : ''}`;
    await ensureXmlHttpRequest();
    const xhr = new XMLHttpRequest();
    let response: unknown;
    // A PACS that takes the request and never answers must not hold a batch (or the panel) for ever.
    const unanswered = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        xhr.abort();
        unanswered.abort();
      }, this.stowTimeoutMs);
    };
    const stopReporting = reportProgress(xhr.upload, (progress) => {
      wait();
      options.onProgress?.(progress);
    });
    xhr.upload.addEventListener('load', wait);
    wait();
    try {
      response = await unlessAborted(
        this.client.storeInstances({
          datasets: instances.map((b) => toArrayBuffer(b)),
          ...(studyInstanceUID ? { studyInstanceUID } : {}),
          request: { instance: xhr },
        }),
        unanswered.signal,
      );
    } catch (err) {
      if (unanswered.signal.aborted) {
        throw new StowError(url, 0, '', instances, `no answer from ${url} within ${seconds(this.stowTimeoutMs)}: the SEG is not known to be stored (the server may yet store it)`);
      }
      const e = err as { status?: number; response?: unknown; message?: string };
      const status = e.status ?? 0;
      const body = bodyText(e.response);
      const failed = parseStowResponse(body).failed;
      const detail = failed.length ? `failure reason ${failed.map(describeFailureReason).join(', ')}` : body.slice(0, 500);
      const reason = status === 0 ? `no response from ${url} (${noAnswerCause()})` : `HTTP ${status}${detail ? ` — ${detail}` : ''}`;
      throw new StowError(url, status, body, instances, reason);
    } finally {
      clearTimeout(timer);
      stopReporting();
      xhr.upload.removeEventListener('load', wait);
    }
    const body = bodyText(response);
    const status = xhr.status || 200;
    const parsed = parseStowResponse(body);
    if (parsed.failed.length > 0 || parsed.stored.length < instances.length) {
      throw new StowError(
        url,
        status,
        body,
        instances,
        parsed.stored.length === 0 && parsed.failed.length === 0
          ? `the server answered HTTP ${status} but its response names no stored instance (${body.trim() ? `"${body.trim().slice(0, 200)}"` : 'an empty body'}): not known to be stored`
          : `server stored ${parsed.stored.length} of ${instances.length} instance(s)${parsed.failed.length ? `; failure reason ${parsed.failed.map(describeFailureReason).join(', ')}` : ''}`,
      );
    }
    return { stored: parsed.stored, status, body };
  }
}

/**
 * Reads Referenced SOP Sequence (0008,1199) and Failed SOP Sequence (0008,1198) from a STOW-RS
 * response: DICOM JSON, or the XML (Native DICOM Model) that a server may answer with, since the
 * request does not ask for either.
 */
export function parseStowResponse(body: string): { stored: string[]; failed: string[] } {
  const text = body.trim();
  if (!text) return { stored: [], failed: [] };
  if (text.startsWith('<')) return parseStowXml(text);
  let json: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
  try {
    json = JSON.parse(text);
  } catch {
    return { stored: [], failed: [] };
  }
  const uids = (seqTag: string, attrTag: string) =>
    (json[seqTag]?.Value ?? []).map((item) => String(item[attrTag]?.Value?.[0] ?? '')).filter(Boolean);
  return { stored: uids('00081199', '00081155'), failed: uids('00081198', '00081197') };
}

/** The same two sequences from PS3.19's Native DICOM Model: each item's attribute, one level down. */
function parseStowXml(xml: string): { stored: string[]; failed: string[] } {
  const out = { stored: [] as string[], failed: [] as string[] };
  const wanted: Record<string, { attr: string; into: string[] }> = { '00081199': { attr: '00081155', into: out.stored }, '00081198': { attr: '00081197', into: out.failed } };
  const path: string[] = [];
  let value: string | undefined;
  for (const m of xml.matchAll(/<(\/?)(DicomAttribute|Value)\b([^>]*?)(\/?)>|([^<]+)/g)) {
    const [, closing, element, attributes, selfClosing, text] = m;
    if (text !== undefined) {
      if (value !== undefined) value += text;
      continue;
    }
    if (element === 'DicomAttribute') {
      if (closing) path.pop();
      else if (!selfClosing) path.push(/\btag="([0-9A-Fa-f]{8})"/.exec(attributes ?? '')?.[1]?.toUpperCase() ?? '');
    } else if (!closing && !selfClosing) {
      value = '';
    } else if (closing && value !== undefined) {
      const target = path.length === 2 ? wanted[path[0]!] : undefined;
      if (target && path[1] === target.attr && value.trim()) target.into.push(value.trim());
      value = undefined;
    }
  }
  return out;
}

/** Failure Reason (0008,1197) values of PS3.18 / PS3.4 storage, as text. */
function describeFailureReason(code: string): string {
  const n = Number(code);
  const names: Record<number, string> = {
    0x0110: 'processing failure',
    0x0122: 'SOP class not supported',
    0xa700: 'out of resources',
    0xa900: 'data set does not match SOP class',
    0xc000: 'cannot understand',
    0xc122: 'referenced transfer syntax not supported',
  };
  const hex = Number.isFinite(n) ? `0x${n.toString(16).toUpperCase().padStart(4, '0')}` : code;
  return names[n] ? `${hex} (${names[n]})` : hex;
}
