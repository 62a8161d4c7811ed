/**
 * What every HTTP request of the DICOM layer shares: XMLHttpRequest in Node as in the browser, and
 * an idle watch, so that a server that takes a request and goes silent fails it with a reason
 * instead of holding a batch or the panel for ever.
 */

export async function ensureXmlHttpRequest(): Promise<void> {
  // The requests are XMLHttpRequests (dicomweb-client is built on them), which browsers have and Node does not.
  if (typeof (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest === 'undefined') {
    const mod = await import('xhr2');
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = mod.default;
  }
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

/** How long an answer may go without a byte before the request fails (a search, a retrieval). */
export const DEFAULT_IDLE_TIMEOUT_MS = 2 * 60_000;

/** Why a request that `idleWatch` stopped failed. */
export function silenceReason(ms: number): string {
  return `no data from the server for ${seconds(ms)} (it took the request and went silent)`;
}

/**
 * Aborts `xhr` once no byte of its answer has come for `ms`. A large transfer that keeps
 * arriving is not cut.
 */
export function idleWatch(xhr: XMLHttpRequest, ms: number): { stalled: AbortSignal; stop(): void } {
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
