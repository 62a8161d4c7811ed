/**
 * A PACS behind OpenID Connect, as a hospital puts one: a gateway in front of a real Orthanc that
 * lets through only requests carrying `Authorization: Bearer <token>`, and answers 401 otherwise.
 * Orthanc itself knows HTTP Basic only, so the check is the gateway's; the data are Orthanc's.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerGateway {
  url: string;
  /** Method and path of every request refused for want of the token. */
  refused: string[];
  /** Method and path of every request let through. */
  passed: string[];
  close(): Promise<void>;
}

export async function bearerGateway(target: string, token: string): Promise<BearerGateway> {
  const refused: string[] = [];
  const passed: string[] = [];
  const server = createServer((req, res) => {
    const what = `${req.method} ${req.url}`;
    if (req.headers.authorization !== `Bearer ${token}`) {
      refused.push(what);
      req.resume();
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      res.end('a bearer token is required');
      return;
    }
    passed.push(what);
    const headers = { ...req.headers };
    delete headers.authorization;
    // No connection pool (agent: false), so nothing is left open once the test closes the gateway.
    const forward = httpRequest(`${target}${req.url}`, { method: req.method, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (err) => {
      res.writeHead(502);
      res.end(err.message);
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    passed,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
