/**
 * A proxy whose answers (and, if asked, requests) flow at a given rate at most, as over a network
 * link of that speed: a slow link's stand-in where the real server (Orthanc on loopback) takes and
 * answers at once. Used by the viewer's end-to-end tests, the CLI's transfer tests and the PACS
 * batch benchmark.
 */
import { request } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { startLoopbackServer, type LoopbackServer } from './loopbackServer.js';

/**
 * Copies `from` to `to` at `bytesPerSecond` at most (undefined: as fast as it comes), then ends
 * `to`. `stall` stops it for `ms` once `afterBytes` have passed (a link that goes quiet mid-way),
 * the rate then kept as before it.
 */
export function flow(from: Readable, to: Writable, bytesPerSecond: number | undefined, stall?: { afterBytes: number; ms: number }): void {
  let start = Date.now();
  let sent = 0;
  let stalled = false;
  let resume: NodeJS.Timeout | undefined;
  from.on('close', () => clearTimeout(resume));
  from.on('data', (chunk: Buffer) => {
    to.write(chunk);
    sent += chunk.length;
    if (stall && !stalled && sent >= stall.afterBytes) {
      stalled = true;
      start += stall.ms;
      from.pause();
      resume = setTimeout(() => from.resume(), stall.ms);
      return;
    }
    if (bytesPerSecond === undefined) return;
    const aheadMs = (1000 * sent) / bytesPerSecond - (Date.now() - start);
    if (aheadMs > 2) {
      from.pause();
      resume = setTimeout(() => from.resume(), aheadMs);
    }
  });
  from.on('end', () => to.end());
}

/**
 * A proxy to `target` whose responses flow at `bytesPerSecond` at most, and requests' bodies at
 * `uploadBytesPerSecond` (undefined: as fast as they come). `hold` holds the answers to the
 * requests it names back `ms` once the target has given them: a PACS slow to answer a STOW-RS, or
 * to begin sending a study it first fetches from its archive, where Orthanc answers at once. With
 * `afterBytes`, it holds them once that much has passed instead: a transfer stalled mid-way.
 */
export function throttlingProxy(
  target: string,
  bytesPerSecond: number | undefined,
  uploadBytesPerSecond?: number,
  hold?: { ms: number; answersTo(method: string, url: string): boolean; afterBytes?: number },
): Promise<LoopbackServer> {
  return startLoopbackServer((req, res) => {
    // No connection pool (agent: false), so nothing is left open once the proxy is closed.
    const forward = request(`${target}${req.url}`, { method: req.method, headers: req.headers, agent: false }, (answer) => {
      const held = hold?.answersTo(req.method ?? 'GET', req.url ?? '') ? hold : undefined;
      const pass = (stall?: { afterBytes: number; ms: number }) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        flow(answer, res, bytesPerSecond, stall);
      };
      if (!held) return pass();
      if (held.afterBytes) return pass({ afterBytes: held.afterBytes, ms: held.ms });
      answer.pause();
      const timer = setTimeout(() => {
        pass();
        answer.resume();
      }, held.ms);
      res.on('close', () => clearTimeout(timer));
    });
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(err.message);
    });
    flow(req, forward, uploadBytesPerSecond);
  });
}
