/**
 * Loads the @cornerstonejs WASM codecs once per process (Node) or page/worker (browser).
 * In a browser bundle the .wasm files are served beside the bundle; `configureCodecs` tells
 * Emscripten where, since a bundler cannot follow their runtime file look-up.
 */
import { DecoderUnavailableError } from '../errors.js';
import { DEFAULT_IDLE_TIMEOUT_MS, notArrivedWithin } from '../../util/httpTransfer.js';
import { withinDeadline } from '../../util/withinDeadline.js';
import { ownBuffer } from '../../util/bytes.js';

export interface CodecOptions {
  /** Maps a codec's .wasm file name to its URL; Emscripten's own locateFile contract. */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /**
   * Fetches a codec's .wasm (at its locateFile URL) for Emscripten, whose own fetch has no timeout
   * and reports a missing file as "both async and sync fetching of the wasm failed", blamed on the
   * frame being decoded. `what` names the codec for the caller's error.
   */
  loadBinary?: (url: string, what: string) => Promise<Uint8Array>;
  /** How long a codec's script (a bundle's chunk, tens of kB) may take to load; default 2 minutes. */
  scriptTimeoutMs?: number;
}

let options: CodecOptions = {};
const loaded = new Map<string, Promise<any>>();

export function configureCodecs(next: CodecOptions): void {
  options = { ...next };
  loaded.clear();
}

type CodecName = 'jpeg-baseline' | 'jpeg-ls' | 'jpeg-2000' | 'jpeg-baseline-encoder';

/** Each codec's WebAssembly, as its package names it (and the bundle serves it). */
export const CODEC_WASM_FILE: Record<CodecName, string> = {
  'jpeg-baseline': 'libjpegturbowasm_decode.wasm',
  'jpeg-ls': 'charlswasm_decode.wasm',
  'jpeg-2000': 'openjpegwasm_decode.wasm',
  'jpeg-baseline-encoder': 'libjpegturbowasm.wasm',
};

const CODEC_LABEL: Record<CodecName, string> = {
  'jpeg-baseline': 'JPEG decoder (libjpeg-turbo)',
  'jpeg-ls': 'JPEG-LS decoder (CharLS)',
  'jpeg-2000': 'JPEG 2000 decoder (OpenJPEG)',
  'jpeg-baseline-encoder': 'JPEG encoder (libjpeg-turbo)',
};

async function importFactory(name: CodecName): Promise<(arg?: Record<string, unknown>) => Promise<any>> {
  switch (name) {
    case 'jpeg-baseline':
      return (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default;
    case 'jpeg-ls':
      return (await import('@cornerstonejs/codec-charls/decodewasmjs')).default;
    case 'jpeg-2000':
      return (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default;
    case 'jpeg-baseline-encoder':
      return (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs')).default;
  }
}

async function importScript(name: CodecName): Promise<(arg?: Record<string, unknown>) => Promise<any>> {
  const ms = options.scriptTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const label = CODEC_LABEL[name];
  try {
    return await withinDeadline(importFactory(name), ms, () => new DecoderUnavailableError(label, `its script ${notArrivedWithin(ms)}`));
  } catch (err) {
    if (err instanceof DecoderUnavailableError) throw err;
    throw new DecoderUnavailableError(label, `its script cannot be loaded (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

async function instantiate(name: CodecName, settings: CodecOptions): Promise<any> {
  // OpenJPEG prints "[INFO] ..." lines for every frame through Emscripten's print; keep stdout for our output.
  const moduleArg: Record<string, unknown> = { print: () => {}, printErr: () => {} };
  if (settings.locateFile) moduleArg.locateFile = settings.locateFile;
  const binary = settings.loadBinary?.(settings.locateFile?.(CODEC_WASM_FILE[name], '') ?? CODEC_WASM_FILE[name], CODEC_LABEL[name]);
  // Fetched side by side; a script that cannot load is reported first.
  binary?.catch(() => undefined);
  const factory = await importScript(name);
  if (binary) moduleArg.wasmBinary = await binary;
  return factory(moduleArg);
}

export function loadCodec(name: CodecName): Promise<any> {
  let pending = loaded.get(name);
  if (!pending) {
    pending = instantiate(name, options);
    pending.catch(() => loaded.delete(name));
    loaded.set(name, pending);
  }
  return pending;
}

export interface DecodedImage {
  width: number;
  height: number;
  componentCount: number;
  bitsPerSample: number;
  isSigned: boolean;
  /** Interleaved samples, 1 or 2 bytes each (little-endian), as the codec returns them. */
  bytes: Uint8Array;
}

const DECODER_CLASS: Record<Exclude<CodecName, 'jpeg-baseline-encoder'>, string> = {
  'jpeg-baseline': 'JPEGDecoder',
  'jpeg-ls': 'JpegLSDecoder',
  'jpeg-2000': 'J2KDecoder',
};

/**
 * The codecs' C++ exceptions reach JavaScript as a bare number (a pointer into the WASM heap),
 * which would make an error message of a number that changes from run to run.
 */
function decoderFailure(name: Exclude<CodecName, 'jpeg-baseline-encoder'>, thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(`the ${CODEC_LABEL[name]} rejected the data (corrupt, or a variant of the format it does not decode)`, { cause: thrown });
}

/** Decodes one compressed frame; its samples are kept out of the WASM heap, the decoder is freed. */
export async function decodeWithCodec(name: Exclude<CodecName, 'jpeg-baseline-encoder'>, encoded: Uint8Array): Promise<DecodedImage> {
  const codec = await loadCodec(name);
  const decoder = new codec[DECODER_CLASS[name]]();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    try {
      decoder.decode();
    } catch (thrown) {
      throw decoderFailure(name, thrown);
    }
    const info = decoder.getFrameInfo();
    const decoded: Uint8Array | Uint8ClampedArray = decoder.getDecodedBuffer();
    // The codecs return a copy of their output in a buffer of its own; a view into the WASM heap
    // (a buffer larger than the frame) is copied out before the decoder is freed. A further
    // copy would cost its page faults each frame, dear on some hosts (see prepareDecodedFrame).
    const own = ownBuffer(decoded);
    const bytes = own ? new Uint8Array(own) : new Uint8Array(decoded);
    return {
      width: info.width,
      height: info.height,
      componentCount: info.componentCount,
      bitsPerSample: info.bitsPerSample,
      isSigned: Boolean(info.isSigned),
      bytes,
    };
  } finally {
    decoder.delete?.();
  }
}
