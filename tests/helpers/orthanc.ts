/**
 * Starts Debian's Orthanc with the DICOMweb plugin on loopback, with a temporary config and
 * storage, for the PACS integration tests; stop() kills it and removes the storage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tools.js';

export interface RunningOrthanc {
  httpUrl: string;
  dicomwebUrl: string;
  stop(): Promise<void>;
}

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const ORTHANC_PLUGINS = '/usr/share/orthanc/plugins';

export function orthancAvailable(): boolean {
  return existsSync(ORTHANC_BINARY) && existsSync(ORTHANC_PLUGINS);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string, headers: Record<string, string>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/system`, { headers });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Orthanc did not answer within ${timeoutMs} ms:\n${log()}`);
}

/** HTTP Basic credentials, as a client sends them in an Authorization header. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * `users` (name -> password) turns Orthanc's HTTP Basic authentication on: every request then needs
 * one of them. `config` adds or replaces top-level configuration options (e.g. LimitFindResults).
 */
export async function startOrthanc(options: { users?: Record<string, string>; config?: Record<string, unknown> } = {}): Promise<RunningOrthanc> {
  const dir = tempDir('orthanc-');
  const port = await freePort();
  const config = {
    Name: 'trus-cine-seg-test',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    HttpPort: port,
    HttpBindAddress: '127.0.0.1',
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: !!options.users,
    ...(options.users ? { RegisteredUsers: options.users } : {}),
    Plugins: [ORTHANC_PLUGINS],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    ...options.config,
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  let output = '';
  const child = spawn(ORTHANC_BINARY, [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    const [user, password] = Object.entries(options.users ?? {})[0] ?? [];
    await waitUntilUp(httpUrl, child, () => output, user !== undefined ? { Authorization: basicAuthorization(user, password!) } : {});
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    httpUrl,
    dicomwebUrl: `${httpUrl}/dicom-web`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
