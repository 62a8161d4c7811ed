/**
 * A STOW-RS server's stand-in for uploads over a slow link: it takes a request's body at a set
 * rate, as a server behind a slow link does (loopback alone takes it at once), then answers that
 * the instance is stored. Used by the STOW tests in Node and in Chromium.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The SOP Instance UID every answer names as stored. */
export const STORED_UID = '1.2.826.0.1.3680043.8.498.1';

/** Takes the request's body at about `bytesPerSecond`, then answers (DICOM JSON) that STORED_UID is stored. */
export function takeSlowly(req: IncomingMessage, res: ServerResponse, bytesPerSecond: number): void {
  let taken = 0;
  const started = Date.now();
  let resume: NodeJS.Timeout | undefined;
  req.on('close', () => clearTimeout(resume));
  req.on('data', (chunk: Buffer) => {
    taken += chunk.length;
    const due = started + (taken / bytesPerSecond) * 1000;
    if (due > Date.now()) {
      req.pause();
      resume = setTimeout(() => req.resume(), due - Date.now());
    }
  });
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
    res.end(JSON.stringify({ '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [STORED_UID] } }] } }));
  });
}

/** Takes the request's first bytes and no more: a server that stops reading an upload. */
export function stopTaking(req: IncomingMessage): void {
  req.once('data', () => req.pause());
}
