/**
 * The Part 10 bytes of a display set's cine, which the engine reads itself (its own decoders,
 * calibration and the identifiers the SEG copies). From a DICOMweb data source through the
 * engine's WADO-RS client (original transfer syntax, no transcoding); otherwise (a DICOM JSON
 * study, local files) through the host's own DICOM loader, which knows where the file is.
 */
import { DicomwebClient } from '../../../src/dicom/dicomwebClient.js';
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

/** The Part 10 bytes of one instance of a display set (a cine, or a stored SEG); `headers` go with a DICOMweb retrieval. */
export async function fetchInstanceBytes(displaySet: DisplaySet, instance: OhifInstance, extensionManager: ExtensionManager, headers: Record<string, string> = {}): Promise<Uint8Array> {
  const root = dicomwebRootOf(instance, extensionManager);
  if (root) {
    const client = new DicomwebClient({ url: root, headers });
    return client.retrieveInstance(instance.StudyInstanceUID, instance.SeriesInstanceUID, instance.SOPInstanceUID);
  }
  const loader = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common')?.exports?.dicomLoaderService as HostDicomLoader | undefined;
  if (!loader) throw new CineSourceError('the host has no DICOM loader (@ohif/extension-cornerstone is required)');
  const data = await loader.findDicomDataPromise(displaySet);
  if (!data) throw new CineSourceError(`no way to read the file of ${instance.SOPInstanceUID} from this data source`);
  return new Uint8Array(data);
}

export function fetchCineBytes(displaySet: DisplaySet, extensionManager: ExtensionManager, headers: Record<string, string> = {}): Promise<Uint8Array> {
  return fetchInstanceBytes(displaySet, cineInstanceOf(displaySet), extensionManager, headers);
}
