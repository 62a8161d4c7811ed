/**
 * A DICOMweb stand-in on loopback, for server behaviour Orthanc cannot be made to show (an XML
 * answer, silence, a pause mid-answer): `url` is its DICOMweb root; `close` ends it with any
 * request it still holds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, type LoopbackServer } from './loopbackServer.js';

export type StandInServer = LoopbackServer;

export async function startStandInServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<StandInServer> {
  const server = await startLoopbackServer(handler);
  return { url: `${server.url}/dicom-web`, close: server.close };
}
