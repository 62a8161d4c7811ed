/**
 * A PACS behind OpenID Connect, as a hospital puts one: a gateway in front of a real Orthanc that
 * lets through only requests carrying `Authorization: Bearer <token>`, and answers 401 otherwise.
 * Orthanc itself knows HTTP Basic only, so the check is the gateway's; the data are Orthanc's.
 */
import { forward, startLoopbackServer, type LoopbackServer } from './loopbackServer.js';

export interface BearerGateway extends LoopbackServer {
  /** Method and path of every request refused for want of the token. */
  refused: string[];
  /** Method and path of every request let through. */
  passed: string[];
}

export async function bearerGateway(target: string, token: string): Promise<BearerGateway> {
  const refused: string[] = [];
  const passed: string[] = [];
  const server = await startLoopbackServer((req, res) => {
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
    forward(req, res, target, { headers });
  });
  return { ...server, refused, passed };
}
