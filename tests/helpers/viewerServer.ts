/**
 * Runs the README's viewer server (scripts/serve-viewer.mjs) as its own process on a free
 * loopback port, as a user would, and returns its URL.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RunningViewer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

// Tests run from the repository root (jest's rootDir; npm scripts).
export const ROOT = process.cwd();

export async function startViewer(options: { pacs?: string; pacsAuthorization?: string; isolation?: boolean } = {}): Promise<RunningViewer> {
  const args = [join(ROOT, 'scripts/serve-viewer.mjs'), '--port', '0'];
  if (options.pacs) args.push('--pacs', options.pacs);
  if (options.isolation === false) args.push('--no-isolation');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRUS_PACS_URL: '', TRUS_PACS_AUTHORIZATION: options.pacsAuthorization ?? '' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the viewer server did not start:\n${out}`)), 15000);
    const check = () => {
      const m = /^viewer: (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the viewer server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
