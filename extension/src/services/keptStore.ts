/**
 * Keeps the page's unsaved results (runs and edits in no stored or downloaded SEG) in the
 * browser's IndexedDB, so that closing or reloading the page, or a crashed tab, loses nothing:
 * the next page of the viewer on this origin takes them over and offers them for restore.
 *
 * Each page is a session holding a Web Lock named after it for as long as it lives. A page takes
 * over another session's records only once that lock is free (the page is gone), so two open
 * tabs never show each other's live results as kept; a tab waiting on a live one takes its
 * records over when it closes. Only the masks, figures and the identifiers that match them to
 * their cine (Study and SOP Instance UID, series label) are written; nothing of the image.
 */
import { PackedMask } from '../../../src/dicom/bitPacking.js';
import type { KeptResult } from './loopResult.js';

const DATABASE = 'trus-cine-seg';
const STORE = 'unsaved';
const LOCK_PREFIX = 'trus-cine-seg/session/';
/** Bumped when the record's shape changes: records of another format are left alone, not misread. */
export const RECORD_FORMAT = 1;

export interface KeptRecord {
  /** Unique within its session. */
  id: string;
  session: string;
  format: number;
  /** The result, as structured clone writes it (its masks lose their class, see `keptFromRecord`). */
  kept: KeptResult;
}

export function keptRecord(id: string, session: string, kept: KeptResult): KeptRecord {
  return { id, session, format: RECORD_FORMAT, kept };
}

/** The result of a record read back: masks rebuilt as PackedMask (the run's masks are the same ones); undefined for a record this version cannot read. */
export function keptFromRecord(record: unknown): KeptResult | undefined {
  const r = record as Partial<KeptRecord> | undefined;
  const kept = r?.kept;
  if (r?.format !== RECORD_FORMAT || !kept || !Array.isArray(kept.masks) || !Array.isArray(kept.frames) || typeof kept.sopInstanceUID !== 'string' || typeof kept.studyInstanceUID !== 'string') return undefined;
  try {
    const masks = kept.masks.map((m) => PackedMask.fromBits(m.length, m.bits));
    // Kept by a version that measured no diameters: its figures are measured again on restore.
    const staleFigures = kept.staleFigures || kept.frames.some((f) => f.diameters === undefined);
    return { ...kept, masks, staleFigures, ...(kept.run ? { run: { ...kept.run, masks } } : {}) };
  } catch {
    return undefined;
  }
}

/** Takes over a gone page's results; answers, in order, the id each is held under now. */
export type OrphanHandler = (kept: KeptResult[]) => string[];

interface LockManager {
  request(name: string, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

/** Why this page cannot keep results across page loads; undefined when it can. */
export function browserStoreProblem(): string | undefined {
  if (typeof globalThis.indexedDB === 'undefined') return 'this browser has no IndexedDB';
  if (!(globalThis.navigator as { locks?: LockManager } | undefined)?.locks) return 'this page is not a secure context (https or localhost), which the Web Locks it needs require';
  return undefined;
}

/** Whether a result's masks or figures are not the ones its record was written with (or there is no record, or no result). */
function changedSince(written: { masks: unknown; frames: unknown } | undefined, kept: KeptResult | undefined): boolean {
  return !written || !kept || written.masks !== kept.masks || written.frames !== kept.frames;
}

/** Why a write failed, in words for the panel ("this browser does not keep them: ..."). */
export function writeProblem(err: unknown): string {
  const { name, message } = (err ?? {}) as { name?: unknown; message?: unknown };
  // Chromium gives QuotaExceededError an empty message.
  if (name === 'QuotaExceededError') return 'its storage for this site is full';
  const words = typeof name === 'string' || typeof message === 'string' ? [name, message].filter((w) => typeof w === 'string' && w) : [String(err)];
  return `it could not be written (${words.join(': ')})`;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * What one page wrote. `sync` makes the database hold exactly the page's current unsaved
 * results, rewriting a record only when its masks or figures changed (a long loop's masks are
 * megabytes). Every database operation of the page runs in turn on one chain.
 */
export class BrowserKeptStore {
  /** The masks and figures each record was last written with. */
  private readonly written = new Map<string, { masks: unknown; frames: unknown }>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Why writing stopped; undefined while it goes on. */
  private notWriting: string | undefined;

  private constructor(
    private readonly db: IDBDatabase,
    readonly session: string,
  ) {}

  /**
   * Opens the database and claims this page's session lock. `onOrphans` is called with the
   * results of every session found whose page is gone, now or when it goes, and answers the id
   * under which this page holds each of them from then on.
   */
  static async open(onOrphans: OrphanHandler, onError: (err: unknown) => void): Promise<BrowserKeptStore> {
    const problem = browserStoreProblem();
    if (problem) throw new Error(problem);
    const opening = globalThis.indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: ['session', 'id'] });
    const db = await request(opening);
    const session = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const store = new BrowserKeptStore(db, session);
    const locks = (globalThis.navigator as unknown as { locks: LockManager }).locks;
    // Held until the page is gone: a pending promise keeps the lock.
    void locks.request(LOCK_PREFIX + session, () => new Promise(() => undefined));
    const others = await store.run(async () => {
      const tx = db.transaction(STORE, 'readonly');
      const all = (await request(tx.objectStore(STORE).getAll())) as KeptRecord[];
      return [...new Set(all.map((r) => r.session))];
    });
    for (const other of others) {
      // Granted once that page is gone (at once when it already is); the lock makes one page adopt them.
      void locks
        .request(LOCK_PREFIX + other, () => store.run(() => store.adopt(other, onOrphans)))
        .catch((err: unknown) => onError(new Error(writeProblem(err))));
    }
    return store;
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Moves a gone session's records under this one; records of another format stay where they are. */
  private async adopt(other: string, onOrphans: OrphanHandler): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const records = (await request(store.getAll(IDBKeyRange.bound([other, ''], [other, '\uffff'])))) as KeptRecord[];
    const readable = records.flatMap((record) => {
      const kept = keptFromRecord(record);
      return kept ? [{ record, kept }] : [];
    });
    // Synchronous: the transaction must still be active for the writes below.
    const ids = readable.length ? onOrphans(readable.map((r) => r.kept)) : [];
    readable.forEach(({ record, kept }, i) => {
      store.put(keptRecord(ids[i]!, this.session, kept));
      this.written.set(ids[i]!, { masks: kept.masks, frames: kept.frames });
      store.delete([other, record.id]);
    });
    await done(tx);
  }

  /**
   * Makes the database hold exactly these results of this page (by id). Once a write fails
   * (the browser's storage for the site full, most often), nothing more is written for the rest
   * of the page's life, but a record is still deleted as soon as it no longer matches its
   * result (edited since, saved, discarded): what the database holds is never an outdated or
   * already saved run that a later page would offer as unsaved. The first failure rejects, with
   * the reason; the syncs after it resolve.
   */
  sync(current: Map<string, KeptResult>): Promise<void> {
    return this.run(async () => {
      if (this.notWriting === undefined) {
        try {
          await this.write(current);
          return;
        } catch (err) {
          this.notWriting = writeProblem(err);
        }
        await this.deleteOutdated(current);
        throw new Error(this.notWriting);
      }
      await this.deleteOutdated(current);
    });
  }

  private async write(current: Map<string, KeptResult>): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const put = new Map<string, { masks: unknown; frames: unknown }>();
    for (const [id, kept] of current) {
      if (!changedSince(this.written.get(id), kept)) continue;
      store.put(keptRecord(id, this.session, kept));
      put.set(id, { masks: kept.masks, frames: kept.frames });
    }
    const gone = [...this.written.keys()].filter((id) => !current.has(id));
    for (const id of gone) store.delete([this.session, id]);
    // At once, not at the end of the task: a sync from beforeunload runs just before the browser's
    // modal leave-page question, and a transaction still open when the page goes is lost.
    tx.commit?.();
    // A failed transaction writes nothing, so what was written is noted only once it is done.
    await done(tx);
    for (const [id, w] of put) this.written.set(id, w);
    for (const id of gone) this.written.delete(id);
  }

  /** Deletes the records that no longer match their result, or whose result is gone (deleting takes no room). */
  private async deleteOutdated(current: Map<string, KeptResult>): Promise<void> {
    const outdated = [...this.written].filter(([id, w]) => changedSince(w, current.get(id))).map(([id]) => id);
    if (!outdated.length) return;
    const tx = this.db.transaction(STORE, 'readwrite');
    for (const id of outdated) tx.objectStore(STORE).delete([this.session, id]);
    tx.commit?.();
    await done(tx);
    for (const id of outdated) this.written.delete(id);
  }
}
