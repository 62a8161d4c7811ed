/**
 * The whole answer to a QIDO-RS search from a server that caps its answers. PS3.18 lets a server
 * return fewer matches than it has, saying so in a Warning header ("The number of results exceeded
 * the maximum supported by the server. Additional results can be requested."); the rest are asked
 * for with `offset` and `limit`. A batch that stopped at the cap would leave loops unsegmented
 * without anyone noticing, so the search goes on page by page.
 */
import type { NaturalDataset } from 'dcmjs';

/** One answer of the server: its matches, and its Warning header if it sent one. */
export interface SearchPage {
  found: NaturalDataset[];
  warning?: string;
}

export interface SearchNotes {
  /**
   * The server said it returned only some matches and the rest could not be had: it gave no
   * new ones when asked for the next page (a server that ignores `offset`).
   */
  onWarning?: (warning: string) => void;
  /** The server capped its answer and the rest came page by page: how many requests, of how many matches each. */
  onPaged?: (requests: number, pageSize: number) => void;
}

/** A match's identity at any level: its study, series and instance UIDs, as far as the level has them. */
function matchKey(d: NaturalDataset): string {
  return [d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID].map((uid) => String(uid ?? '')).join('|');
}

/** More pages than any PACS holds matches for at the smallest sensible cap: a guard against a server that pages for ever. */
const MAX_REQUESTS = 10_000;

/**
 * Every match of `queryParams`. A search that names its own `limit` or `offset` asked for that
 * window and gets it, Warning and all. Otherwise, after a first answer that carries a Warning,
 * the next pages are asked for with the first answer's size as `limit` (the server's cap), until a
 * page is short or empty. Matches met twice (a server whose order shifts as studies arrive) count once.
 */
export async function pagedSearch(queryParams: Record<string, string>, fetchPage: (queryParams: Record<string, string>) => Promise<SearchPage>, notes: SearchNotes = {}): Promise<NaturalDataset[]> {
  const first = await fetchPage(queryParams);
  const windowAsked = Object.keys(queryParams).some((key) => /^(limit|offset)$/i.test(key));
  if (!first.warning || windowAsked || first.found.length === 0) {
    if (first.warning) notes.onWarning?.(first.warning);
    return first.found;
  }
  const pageSize = first.found.length;
  const seen = new Set(first.found.map(matchKey));
  const all = [...first.found];
  let offset = pageSize;
  let requests = 1;
  for (;;) {
    if (requests >= MAX_REQUESTS) {
      notes.onWarning?.(`${first.warning} (still more after ${requests} requests of ${pageSize}; stopped there)`);
      break;
    }
    const page = await fetchPage({ ...queryParams, offset: String(offset), limit: String(pageSize) });
    requests++;
    const fresh = page.found.filter((d) => !seen.has(matchKey(d)));
    for (const d of fresh) seen.add(matchKey(d));
    all.push(...fresh);
    if (page.found.length > 0 && fresh.length === 0) {
      notes.onWarning?.(`${first.warning} (asked for the matches from offset ${offset} on, it answered none that were new)`);
      break;
    }
    if (page.found.length < pageSize) break;
    offset += page.found.length;
  }
  notes.onPaged?.(requests, pageSize);
  return all;
}
