/**
 * A DICOMweb stand-in on loopback, for server behaviour Orthanc cannot be made to show (an XML
 * answer, silence, a pause mid-answer): `url` is its DICOMweb root; `close` ends it with any
 * request it still holds.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInServer {
  url: string;
  close(): Promise<void>;
}

export async function startStandInServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<StandInServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
