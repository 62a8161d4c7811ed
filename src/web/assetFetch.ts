/**
 * The files the browser side loads in order to work (the model, onnxruntime-web's runtime, the
 * codecs' WebAssembly), fetched with the engine's one GET: an idle timeout, the HTTP status, and a
 * failure that names the file and what it is, in the caller's error type.
 */
import { getBytes, noAnswerCause, type TransferProgress } from '../util/httpTransfer.js';

export interface AssetFetchOptions {
  /** How long the answer may go without a byte (default: getBytes's 2 minutes). */
  idleTimeoutMs?: number;
  onProgress?: (progress: TransferProgress) => void;
  /** The caller's error for `url`; `problem` says what went wrong, without the URL. */
  error: (url: string, problem: string) => Error;
}

export function fetchAsset(url: string, what: string, options: AssetFetchOptions): Promise<Uint8Array> {
  return getBytes(url, {
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    fail: (status, _body, reason) =>
      options.error(
        url,
        reason !== undefined
          ? `the ${what} did not arrive: ${reason}`
          : status === 0
            ? `cannot fetch the ${what} (no response: ${noAnswerCause()})`
            : `the ${what} ${status === 404 || status === 410 ? 'is missing' : 'cannot be fetched'} (HTTP ${status})`,
      ),
  });
}

function isWebAssembly(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

/**
 * A WebAssembly file, checked before it meets the compiler: a server that answers a missing file
 * with a page of its own (200, text) would otherwise get a compile error that names neither the
 * file nor the cause.
 */
export async function fetchWebAssembly(url: string, what: string, options: AssetFetchOptions): Promise<Uint8Array> {
  const bytes = await fetchAsset(url, what, options);
  if (!isWebAssembly(bytes)) throw options.error(url, `the ${what} is not a WebAssembly binary (it begins ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 24)))})`);
  return bytes;
}
