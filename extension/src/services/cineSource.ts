/**
 * The Part 10 bytes of a display set's cine, which the engine reads itself (its own decoders,
 * calibration and the identifiers the SEG copies). From a DICOMweb data source through the
 * engine's WADO-RS client (original transfer syntax, no transcoding); from a DICOM JSON study's
 * file URL through the engine's file retrieval; otherwise (local files) through the host's own
 * DICOM loader, which holds the file. The engine's requests fail on an HTTP error or a server that
 * goes silent, where the host's loader would hand on an error page or wait for ever.
 */
import { DicomwebClient } from '../../../src/dicom/dicomwebClient.js';
import { retrieveDicomFile } from '../../../src/dicom/dicomFileRetrieval.js';
import type { TransferProgress } from '../../../src/util/httpTransfer.js';
import type { DisplaySet, ExtensionManager, OhifInstance, UserAuthenticationService } from '../types/ohif.js';

export class CineSourceError extends Error {
  override readonly name = 'CineSourceError';
}

/** The one multi-frame instance the extension segments; a clear error otherwise. */
export function cineInstanceOf(displaySet: DisplaySet): OhifInstance {
  const instances = displaySet.instances ?? (displaySet.instance ? [displaySet.instance] : []);
  if (instances.length === 0) throw new CineSourceError(`series ${displaySet.SeriesInstanceUID} has no instances loaded`);
  if (displaySet.Modality && displaySet.Modality !== 'US') {
    throw new CineSourceError(`series ${displaySet.SeriesDescription ?? displaySet.SeriesInstanceUID} is ${displaySet.Modality}, not ultrasound (US)`);
  }
  const multiFrame = instances.filter((i) => Number(i.NumberOfFrames ?? 1) > 1);
  if (multiFrame.length === 0) throw new CineSourceError(`series ${displaySet.SeriesDescription ?? displaySet.SeriesInstanceUID} has no multi-frame (cine) instance`);
  // A DICOM JSON study lists a multi-frame instance once per frame: count distinct instances.
  if (new Set(instances.map((i) => i.SOPInstanceUID)).size > 1) {
    throw new CineSourceError(`series ${displaySet.SeriesDescription ?? displaySet.SeriesInstanceUID} holds ${instances.length} instances; open one cine loop (one multi-frame instance) per display set`);
  }
  return multiFrame[0]!;
}

function absolute(url: string): string {
  return new URL(url, globalThis.location?.href).href;
}

interface HostDicomLoader {
  findDicomDataPromise(dataset: unknown, studies?: unknown, headers?: unknown): Promise<ArrayBuffer> | undefined;
}

/** The DICOMweb root (absolute) an instance came from; undefined for DICOM JSON or local files. */
export function dicomwebRootOf(instance: OhifInstance, extensionManager: ExtensionManager): string | undefined {
  const wadoRoot = extensionManager.getActiveDataSource()[0]?.getConfig?.()?.wadoRoot;
  return wadoRoot && !instance.url ? absolute(wadoRoot) : undefined;
}

/**
 * The Authorization header the host's own DICOMweb requests carry, for ours to carry too: a PACS
 * behind OpenID Connect refuses a request without the user's token. Asked for at each request,
 * since the host renews the token while the page is open.
 */
export function userAuthorization(auth: UserAuthenticationService | undefined): Record<string, string> {
  const header = auth?.getAuthorizationHeader();
  return header && header.Authorization ? { Authorization: header.Authorization } : {};
}

/**
 * The http(s) URL of the whole file behind a DICOM JSON instance's `url` (`dicomweb:` or
 * `wadouri:` and a URL, relative to `base`, with `frame=N` naming one frame of it as OHIF's
 * DICOM JSON does); undefined for anything else (local files' `dicomfile:`).
 */
export function dicomFileUrlOf(instance: OhifInstance, base = globalThis.location?.href): string | undefined {
  if (!instance.url) return undefined;
  const target = instance.url.replace(/^(dicomweb|wadouri):/, '');
  let url: URL;
  try {
    url = new URL(target, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // The other parameters stay as written (a signed URL's signature must not be re-encoded).
  const kept = url.search.slice(1).split('&').filter((p) => p !== '' && !/^frame=\d*$/.test(p));
  url.search = kept.length > 0 ? `?${kept.join('&')}` : '';
  return url.href;
}

export interface InstanceFetchOptions {
  /** Go with a DICOMweb or file retrieval (the user's Authorization). */
  headers?: Record<string, string>;
  /** Called as the bytes arrive over HTTP (not for local files, which the host already holds). */
  onProgress?: (progress: TransferProgress) => void;
  /** Called as a DICOMweb retrieval is sent: until its first byte, the wait is the PACS's. */
  onRequested?: () => void;
}

/** The Part 10 bytes of one instance of a display set (a cine, or a stored SEG). */
export async function fetchInstanceBytes(displaySet: DisplaySet, instance: OhifInstance, extensionManager: ExtensionManager, options: InstanceFetchOptions = {}): Promise<Uint8Array> {
  const { headers = {}, onProgress, onRequested } = options;
  const root = dicomwebRootOf(instance, extensionManager);
  if (root) {
    const client = new DicomwebClient({ url: root, headers });
    onRequested?.();
    return client.retrieveInstance(instance.StudyInstanceUID, instance.SeriesInstanceUID, instance.SOPInstanceUID, onProgress ? { onProgress } : {});
  }
  const fileUrl = dicomFileUrlOf(instance);
  if (fileUrl) return retrieveDicomFile(fileUrl, { headers, ...(onProgress ? { onProgress } : {}) });
  const loader = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common')?.exports?.dicomLoaderService as HostDicomLoader | undefined;
  if (!loader) throw new CineSourceError('the host has no DICOM loader (@ohif/extension-cornerstone is required)');
  const data = await loader.findDicomDataPromise(displaySet);
  if (!data) throw new CineSourceError(`no way to read the file of ${instance.SOPInstanceUID} from this data source`);
  return new Uint8Array(data);
}

export function fetchCineBytes(displaySet: DisplaySet, extensionManager: ExtensionManager, options: InstanceFetchOptions = {}): Promise<Uint8Array> {
  return fetchInstanceBytes(displaySet, cineInstanceOf(displaySet), extensionManager, options);
}
