/**
 * A proxy whose answers flow at a given rate at most, as over a network link of that speed: a
 * slow link's stand-in where the real server (Orthanc on loopback) answers at once. Used by the
 * viewer's end-to-end tests and the PACS batch benchmark.
 */
import { request } from 'node:http';
import { startLoopbackServer, type LoopbackServer } from './loopbackServer.js';

/** A proxy to `target` whose responses flow at `bytesPerSecond` at most (undefined: as fast as they come). */
export function throttlingProxy(target: string, bytesPerSecond: number | undefined): Promise<LoopbackServer> {
  return startLoopbackServer((req, res) => {
    // No connection pool (agent: false), so nothing is left open once the proxy is closed.
    const forward = request(`${target}${req.url}`, { method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const start = Date.now();
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        res.write(chunk);
        if (bytesPerSecond === undefined) return;
        sent += chunk.length;
        const aheadMs = (1000 * sent) / bytesPerSecond - (Date.now() - start);
        if (aheadMs > 2) {
          answer.pause();
          setTimeout(() => answer.resume(), aheadMs);
        }
      });
      answer.on('end', () => res.end());
    });
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(err.message);
    });
    req.pipe(forward);
  });
}
