/**
 * Keeps the scan planes named in the panel in the browser's localStorage, by the cine's SOP
 * Instance UID, so that after a reload (or on the next visit) the loops pair for a volume as the
 * user named them, not as their headers say. Only the UIDs and the plane names are written, and
 * nothing at all where the site keeps nothing of a study in the browser (keepUnsavedInBrowser).
 */
import type { ScanPlane } from '../../../src/dicom/scanPlane.js';
import { writeProblem } from './keptStore.js';

export type NamedPlanes = Record<string, ScanPlane | 'none'>;

const KEY = 'trus-cine-seg/named-planes';
/** Bumped when the stored shape changes: a value of another format is read as nothing named. */
const FORMAT = 1;
/** The most recently named are kept: a workstation that reviews loops by the hundred does not fill its storage with names. */
export const MAX_NAMED_PLANES = 2000;

const PLANES = new Set<string>(['transverse', 'sagittal', 'none']);
const UID = /^[0-9]+(\.[0-9]+)*$/;

export type PlaneStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** The browser's localStorage, or why there is none (sandboxed frames and some privacy settings refuse it). */
export function pageStorage(): { storage: PlaneStorage } | { problem: string } {
  try {
    const storage = globalThis.localStorage;
    return storage ? { storage } : { problem: 'this browser has no localStorage' };
  } catch (err) {
    return { problem: `this page may not use localStorage (${(err as Error).message})` };
  }
}

/** The planes named on earlier pages; entries this version cannot read are dropped, not guessed at. */
export function readNamedPlanes(storage: PlaneStorage): NamedPlanes {
  let value: unknown;
  try {
    value = JSON.parse(storage.getItem(KEY) ?? 'null');
  } catch {
    return {};
  }
  const { format, planes } = (value ?? {}) as { format?: unknown; planes?: unknown };
  if (format !== FORMAT || !Array.isArray(planes)) return {};
  const named: NamedPlanes = {};
  for (const entry of planes) {
    if (!Array.isArray(entry) || entry.length !== 2) continue;
    const [uid, plane] = entry as unknown[];
    if (typeof uid === 'string' && UID.test(uid) && typeof plane === 'string' && PLANES.has(plane)) named[uid] = plane as ScanPlane | 'none';
  }
  return named;
}

/**
 * Writes the named planes, oldest first (the order they were named in), keeping the last
 * MAX_NAMED_PLANES. Answers why they could not be written (storage full, refused), else undefined.
 */
export function writeNamedPlanes(storage: PlaneStorage, named: NamedPlanes): string | undefined {
  const planes = Object.entries(named).slice(-MAX_NAMED_PLANES);
  try {
    storage.setItem(KEY, JSON.stringify({ format: FORMAT, planes }));
    return undefined;
  } catch (err) {
    return writeProblem(err);
  }
}

/** The named planes with one changed, moved to the end as the most recently named (undefined: the header's plane again). */
export function withNamedPlane(named: NamedPlanes, sopInstanceUID: string, plane: ScanPlane | 'none' | undefined): NamedPlanes {
  const { [sopInstanceUID]: _old, ...others } = named;
  return plane === undefined ? others : { ...others, [sopInstanceUID]: plane };
}
