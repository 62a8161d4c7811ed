/**
 * Node's XMLHttpRequest: xhr2, with the one thing a browser's has that it lacks, an upload that
 * reports its progress. xhr2 writes a request's body in one call and its upload object fires no
 * event, so a STOW-RS of a large SEG from the CLI could show nothing while it went, and its wait
 * for an answer could not start again as the body left. Here the body goes in parts, each
 * reported (`progress`, and `load` after the last) once Node has handed it to the connection: as
 * in a browser, what has left this process, ahead of what the server has read by no more than
 * the connection's buffers.
 */
import type { ClientRequest } from 'node:http';

/** The size of the parts a body is written in: small enough for frequent reports, large enough not to cost. */
const UPLOAD_PART_BYTES = 256 * 1024;

/** What of xhr2's upload object is used here (xhr2 0.2: `_body` is the request's body, `_startUpload` writes it). */
interface Xhr2Upload {
  _body: Buffer | null;
  _startUpload(request: ClientRequest): void;
  dispatchEvent(event: unknown): void;
}

interface Xhr2Module {
  new (): XMLHttpRequest;
  ProgressEvent: new (type: string) => { lengthComputable: boolean; loaded: number; total: number };
}

/** Writes `body` to `request` in parts, calling `sent(bytes)` as each is handed to the connection, then ends it. */
export function writeInParts(request: ClientRequest, body: Uint8Array, sent: (bytes: number) => void): void {
  let offset = 0;
  const next = (): void => {
    while (offset < body.length) {
      const part = body.subarray(offset, offset + UPLOAD_PART_BYTES);
      offset += part.length;
      const through = offset;
      // A failed write (the request aborted, the connection lost) is the request's own error: nothing more is reported.
      const room = request.write(part, (err) => {
        if (!err) sent(through);
      });
      if (!room) {
        request.once('drain', next);
        return;
      }
    }
    request.end();
  };
  next();
}

let loaded: Promise<{ new (): XMLHttpRequest }> | undefined;

/** xhr2's XMLHttpRequest, with its upload reporting progress. Loaded on first use: a browser never asks for it. */
export function nodeXmlHttpRequest(): Promise<{ new (): XMLHttpRequest }> {
  loaded ??= import('xhr2').then((mod) => {
    const Xhr2 = mod.default as unknown as Xhr2Module;
    return class ReportingXmlHttpRequest extends Xhr2 {
      constructor() {
        super();
        const upload = this.upload as unknown as Xhr2Upload;
        if (typeof upload._startUpload !== 'function' || !('_body' in upload)) {
          throw new Error('xhr2 has changed: its upload object no longer has _startUpload and _body (src/util/nodeXmlHttpRequest.ts needs updating)');
        }
        const report = (type: string, loadedBytes: number, total: number): void => {
          const event = new Xhr2.ProgressEvent(type);
          event.lengthComputable = true;
          event.loaded = loadedBytes;
          event.total = total;
          upload.dispatchEvent(event);
        };
        upload._startUpload = (request: ClientRequest) => {
          const body = upload._body;
          if (!body || body.length === 0) {
            request.end();
            return;
          }
          writeInParts(request, body, (bytes) => {
            report('progress', bytes, body.length);
            if (bytes === body.length) report('load', bytes, body.length);
          });
        };
      }
    };
  });
  return loaded;
}
