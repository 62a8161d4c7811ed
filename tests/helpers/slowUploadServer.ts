/**
 * A STOW-RS server's stand-in for uploads over a slow link: it takes a request's body at a set
 * rate, as a server behind a slow link does (loopback alone takes it at once), then answers that
 * the instance is stored. Used by the STOW tests in Node and in Chromium.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { flow } from './throttlingProxy.js';

/** The SOP Instance UID every answer names as stored. */
export const STORED_UID = '1.2.826.0.1.3680043.8.498.1';

/** Takes the request's body at about `bytesPerSecond`, then answers (DICOM JSON) that STORED_UID is stored. */
export function takeSlowly(req: IncomingMessage, res: ServerResponse, bytesPerSecond: number): void {
  flow(req, new Writable({ write: (_chunk, _encoding, done) => done() }), bytesPerSecond);
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
    res.end(JSON.stringify({ '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [STORED_UID] } }] } }));
  });
}

/** Takes the request's first bytes and no more: a server that stops reading an upload. */
export function stopTaking(req: IncomingMessage): void {
  req.once('data', () => req.pause());
}
