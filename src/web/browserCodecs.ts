/**
 * The codecs as a page or worker loads them: their .wasm files beside the bundle at `base`, each
 * fetched by the engine's one GET (see CodecOptions.loadBinary), a failure naming the file.
 */
import type { CodecOptions } from '../dicom/decode/codecs.js';
import { DecoderUnavailableError } from '../dicom/errors.js';
import { fetchWebAssembly } from './assetFetch.js';

/** `idleTimeoutMs` bounds each .wasm's silences and each codec script's whole load (default 2 minutes). */
export function browserCodecs(base: string, idleTimeoutMs?: number): CodecOptions {
  return {
    // Emscripten's own guess resolves them against the page in a module worker, which breaks as
    // soon as the page is not in the same folder.
    locateFile: (path) => new URL(path, base).href,
    loadBinary: (url, what) =>
      fetchWebAssembly(url, what, {
        ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
        error: (where, problem) => new DecoderUnavailableError(where, problem),
      }),
    ...(idleTimeoutMs !== undefined ? { scriptTimeoutMs: idleTimeoutMs } : {}),
  };
}
