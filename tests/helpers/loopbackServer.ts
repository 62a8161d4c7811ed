/**
 * HTTP servers on loopback for the tests' stand-ins and proxies: `startLoopbackServer` listens on
 * a free port and closes with any request it still holds; `forward` passes a request on to the
 * real server behind (Orthanc) and its answer back.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

export async function startLoopbackServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Writes `bytes` in `parts` equal parts `gapMs` apart, then ends the answer: a transfer that
 * pauses, as a slow or busy server's does. A client that gives up stops the rest (no timer
 * outlives the test).
 */
export function sendInParts(res: ServerResponse, bytes: Uint8Array, parts: number, gapMs: number): void {
  const size = Math.ceil(bytes.length / parts);
  let next: NodeJS.Timeout | undefined;
  res.on('close', () => clearTimeout(next));
  const part = (i: number) => {
    if (i === parts) return void res.end();
    res.write(bytes.subarray(i * size, (i + 1) * size));
    next = setTimeout(() => part(i + 1), gapMs);
  };
  part(0);
}

/**
 * Of a transfer sent by sendInParts, how many of its parts a client's progress reports were seen
 * in before the whole had come: each pause between parts gives a report within the part reached.
 */
export function partsReportedDuring(received: number[], length: number, parts: number): number {
  const size = Math.ceil(length / parts);
  return new Set(received.filter((r) => r < length).map((r) => Math.floor(r / size))).size;
}

export interface ForwardOptions {
  /** Path and query sent on (default the request's own). */
  path?: string;
  /** Headers sent on (default the request's own). */
  headers?: IncomingHttpHeaders;
  /** Answers the client from the server's answer (default: status, headers and body as they come). */
  onAnswer?: (answer: IncomingMessage, res: ServerResponse) => void;
}

export function forward(req: IncomingMessage, res: ServerResponse, target: string, options: ForwardOptions = {}): void {
  const { path = req.url ?? '/', headers = req.headers, onAnswer } = options;
  // No connection pool (agent: false), so nothing is left open once the test closes its server.
  const upstream = httpRequest(`${target}${path}`, { method: req.method, headers, agent: false }, (answer) => {
    if (onAnswer) return onAnswer(answer, res);
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(err.message);
  });
  req.pipe(upstream);
}
