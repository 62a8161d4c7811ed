/**
 * What every HTTP request of the engine shares: XMLHttpRequest in Node as in the browser (and its
 * workers), and an idle watch, so that a server that takes a request and goes silent fails it with
 * a reason instead of holding a batch or the panel for ever.
 */
import { nodeXmlHttpRequest } from './nodeXmlHttpRequest.js';
import { unlessAborted } from './unlessAborted.js';

export async function ensureXmlHttpRequest(): Promise<void> {
  // The requests are XMLHttpRequests (dicomweb-client is built on them), which browsers have and Node does not.
  if (typeof (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest === 'undefined') {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = await nodeXmlHttpRequest();
  }
}

/**
 * What a request that got no answer may have met. A browser reports an answer it withholds from
 * the page (a server of another origin that does not allow this one) as no answer at all, and
 * that is the commonest cause in a viewer deployment, so there it is named.
 */
export function noAnswerCause(): string {
  return 'location' in globalThis
    ? 'server unreachable, connection refused, or its answer withheld by the browser: a server of another origin must allow this one (CORS)'
    : 'server unreachable or connection refused';
}

/** A server's answer as text, for an error to quote. */
export function bodyText(response: unknown): string {
  if (response === undefined || response === null) return '';
  if (typeof response === 'string') return response;
  if (response instanceof ArrayBuffer) return new TextDecoder().decode(response);
  if (ArrayBuffer.isView(response)) return new TextDecoder().decode(response as Uint8Array);
  try {
    return JSON.stringify(response);
  } catch {
    return String(response);
  }
}

/** A duration as a message gives it: tenths of a second below 10 s. */
export function seconds(ms: number): string {
  return `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;
}

/** Why a file loaded whole, with no progress to watch (a module, a worker's script), failed its deadline. */
export function notArrivedWithin(ms: number): string {
  return `did not arrive within ${seconds(ms)} (the server took the request and went silent)`;
}

/** How long an answer may go without a byte before the request fails (a search, a retrieval). */
export const DEFAULT_IDLE_TIMEOUT_MS = 2 * 60_000;

/**
 * Aborts `xhr` once no byte of its answer has come for `ms`. A large transfer that keeps
 * arriving is not cut.
 */
function idleWatch(xhr: XMLHttpRequest, ms: number): { stalled: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const fire = () => {
    xhr.abort();
    controller.abort();
  };
  let timer = setTimeout(fire, ms);
  const reset = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, ms);
  };
  xhr.addEventListener('progress', reset);
  return {
    stalled: controller.signal,
    stop: () => {
      clearTimeout(timer);
      xhr.removeEventListener('progress', reset);
    },
  };
}

/**
 * `answer`, or `silent(reason)` once `xhr` has gone `ms` without a byte. A caller's `signal` stops
 * the watch (the caller has stopped waiting: no timer may keep the process alive for an answer
 * nobody wants).
 */
export async function unlessSilent<T>(xhr: XMLHttpRequest, answer: T | Promise<T>, ms: number, silent: (reason: string) => Error, signal?: AbortSignal): Promise<T> {
  const watch = idleWatch(xhr, ms);
  signal?.addEventListener('abort', watch.stop, { once: true });
  try {
    return await unlessAborted(Promise.resolve(answer), watch.stalled);
  } catch (err) {
    if (watch.stalled.aborted) throw silent(`no data from the server for ${seconds(ms)} (it took the request and went silent)`);
    throw err;
  } finally {
    watch.stop();
    signal?.removeEventListener('abort', watch.stop);
  }
}

/** How much of an answer has come: `total` where the server said (Content-Length). */
export interface TransferProgress {
  received: number;
  total?: number;
}

/** A byte count as a person reads it: kB below a megabyte, else MB with one decimal (10^3, 10^6). */
function byteSize(bytes: number): string {
  return bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Whether all of a transfer of known size has gone. */
export function isWhole(progress: TransferProgress): boolean {
  return progress.total !== undefined && progress.received >= progress.total;
}

/** How much of a transfer has gone, in the total's unit: "0.3 of 3.4 MB", or "1.2 MB so far" where the size was not given (the panel and the CLI). */
export function transferText(progress: TransferProgress): string {
  const { received, total } = progress;
  if (total === undefined) return `${byteSize(received)} so far`;
  return total >= 1e6 ? `${(received / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB` : `${Math.round(received / 1e3)} of ${Math.round(total / 1e3)} kB`;
}

/** What a transfer line says while a PACS has taken a request and not yet answered it. */
export const AWAITING_PACS = "waiting for the PACS's answer";

/**
 * How much of an upload has gone: "3.1 of 16.6 MB sent", and once all of it has, that the
 * server's answer is awaited (a PACS may take a while to store a large SEG before answering),
 * with for how long where the caller keeps count.
 */
export function sentText(progress: TransferProgress, awaitedMs?: number): string {
  if (progress.total === undefined) return `${byteSize(progress.received)} sent so far`;
  if (!isWhole(progress)) return `${transferText(progress)} sent`;
  return `${transferText(progress)} sent, ${AWAITING_PACS}${awaitedText(awaitedMs)}`;
}

/** How long a wait has lasted, as a line appends it: " (12 s)", nothing under a second or where not counted. */
export function awaitedText(ms: number | undefined): string {
  return ms !== undefined && ms >= 1000 ? ` (${Math.round(ms / 1000)} s)` : '';
}

/** How long a transfer begun may have nothing move before its line says so: shorter gaps come and go on a slow link. */
export const STALL_SHOWN_MS = 3000;

/**
 * How long a transfer begun and not yet whole has had nothing move, as a line appends it once
 * that is worth saying: ", stalled for 7 s" (the request fails when its idle limit is reached).
 */
export function stalledText(ms: number | undefined): string {
  return ms !== undefined && ms >= STALL_SHOWN_MS ? `, stalled for ${Math.round(ms / 1000)} s` : '';
}

/**
 * Calls `onProgress` as `xhr`'s answer arrives (or, given `xhr.upload`, as its request goes);
 * returns what stops it.
 */
export function reportProgress(xhr: XMLHttpRequestEventTarget, onProgress: ((progress: TransferProgress) => void) | undefined): () => void {
  if (!onProgress) return () => undefined;
  const listener = (e: ProgressEvent) => onProgress({ received: e.loaded, ...(e.lengthComputable && e.total > 0 ? { total: e.total } : {}) });
  xhr.addEventListener('progress', listener);
  return () => xhr.removeEventListener('progress', listener);
}

export interface GetBytesOptions {
  headers?: Record<string, string>;
  /** Called as the answer arrives (a large file over a slow link: the user sees it come). */
  onProgress?: (progress: TransferProgress) => void;
  /** How long the answer may go without a byte before the request fails (default 2 minutes). */
  idleTimeoutMs?: number;
  /** Aborts the transfer; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The error the caller's layer throws: `status` is 0 where no answer came, `body` the server's
   * words on an HTTP error, `reason` set for a server that went silent.
   */
  fail(status: number, body: string, reason?: string): Error;
}

/** The body of a GET, as the server sends it; an HTTP error, no answer or silence fail through `fail`. */
export async function getBytes(url: string, options: GetBytesOptions): Promise<Uint8Array> {
  const { headers = {}, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, signal, fail, onProgress } = options;
  signal?.throwIfAborted();
  await ensureXmlHttpRequest();
  const xhr = new XMLHttpRequest();
  const answer = new Promise<Uint8Array>((resolve, reject) => {
    xhr.open('GET', url);
    xhr.responseType = 'arraybuffer';
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(new Uint8Array(xhr.response as ArrayBuffer));
      else reject(fail(xhr.status, bodyText(xhr.response)));
    };
    xhr.onerror = () => reject(fail(0, ''));
    // Only the idle watch or the caller's signal abort it, and each answers with its own error.
    xhr.onabort = () => reject(new Error(`${url}: request aborted`));
  });
  const stopTransfer = () => xhr.abort();
  signal?.addEventListener('abort', stopTransfer, { once: true });
  const stopReporting = reportProgress(xhr, onProgress);
  try {
    xhr.send();
    return await unlessAborted(unlessSilent(xhr, answer, idleTimeoutMs, (reason) => fail(0, '', reason), signal), signal);
  } catch (err) {
    throw signal?.aborted ? signal.reason : err;
  } finally {
    stopReporting();
    signal?.removeEventListener('abort', stopTransfer);
  }
}
