/**
 * A stand-in for a PACS that caps its QIDO-RS answers, in front of a real Orthanc: the matches are
 * Orthanc's, the paging is the proxy's. Orthanc cannot be made to do this for real: with
 * LimitFindResults it truncates without the Warning header PS3.18 asks for, and Orthanc 1.10.1
 * answers `offset` with no matches at all for a ModalitiesInStudy search (both measured). So the
 * proxy asks Orthanc for every match, then answers the requested window as a capping PACS does:
 * at most `cap` matches from `offset`, with the Warning when the cap left out matches of the window asked for.
 * Everything else (retrievals, STOW) passes through untouched.
 */
import type { IncomingMessage } from 'node:http';
import { forward, startLoopbackServer, type LoopbackServer } from './loopbackServer.js';

export const CAPPED_WARNING = '299 pacs: "The number of results exceeded the maximum supported by the server. Additional results can be requested."';

export interface CappingProxyOptions {
  cap: number;
  /** A server that answers every page from the first match on (ignores `offset`). */
  ignoreOffset?: boolean;
}

export interface CappingProxy extends LoopbackServer {
  /** The QIDO-RS requests it answered, path and query as sent. */
  searches: string[];
}

const QIDO_PATH = /\/(studies|series|instances)$/;

function body(answer: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => resolve(Buffer.concat(chunks)));
    answer.on('error', reject);
  });
}

export async function cappingQidoProxy(target: string, options: CappingProxyOptions): Promise<CappingProxy> {
  const searches: string[] = [];
  const server = await startLoopbackServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (req.method !== 'GET' || !QIDO_PATH.test(url.pathname)) return forward(req, res, target);
    searches.push(req.url ?? '');
    const window = { offset: Number(url.searchParams.get('offset') ?? 0), limit: Number(url.searchParams.get('limit') ?? Infinity) };
    url.searchParams.delete('offset');
    url.searchParams.delete('limit');
    forward(req, res, target, {
      path: url.pathname + url.search,
      onAnswer: (answer) => {
        if (answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        void body(answer).then((bytes) => {
          const all = bytes.length ? (JSON.parse(bytes.toString('utf8')) as unknown[]) : [];
          const from = options.ignoreOffset ? 0 : window.offset;
          const page = all.slice(from, from + Math.min(window.limit, options.cap));
          // A window the cap cut short gets the Warning; one answered in full does not, though more may match beyond it.
          const more = page.length < Math.min(window.limit, all.length - from);
          const text = JSON.stringify(page);
          res.writeHead(200, { 'content-type': 'application/dicom+json', 'content-length': Buffer.byteLength(text), ...(more ? { Warning: CAPPED_WARNING } : {}) });
          res.end(text);
        });
      },
    });
  });
  return { ...server, searches };
}
