/**
 * The viewer server's refusals, as `npm start` / `npm run viewer` users meet them: a port another
 * process holds (a second `npm start`) and a PACS option that is not a DICOMweb URL.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../helpers/viewerServer.js';

function serveViewer(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/serve-viewer.mjs'), ...args], { cwd: ROOT, env: { ...process.env, TRUS_PACS_URL: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('serve-viewer refuses clearly', () => {
  let holder: Server;
  let port = 0;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => holder.close(() => r())));

  test('a port in use: exit 1, naming the port and --port', async () => {
    const { code, out } = await serveViewer(['--port', String(port)]);
    expect(code).toBe(1);
    expect(out).toContain(`serve-viewer: port ${port} on 127.0.0.1 is in use (another viewer still running?): stop it, or choose another port with --port N`);
    expect(out).not.toMatch(/^viewer: /m);
  });

  test('a --pacs that is not an http(s) URL: exit 2 before anything is served', async () => {
    const { code, out } = await serveViewer(['--port', String(port), '--pacs', 'orthanc:8042']);
    expect(code).toBe(2);
    expect(out).toContain('--pacs: expected an http(s) DICOMweb root URL, got orthanc:8042');
  });
});
