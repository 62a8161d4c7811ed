/**
 * Headless Debian Chromium driven by playwright-core, and a loopback static server for the
 * browser bundle, as the tests use them (flags from design.md: no network chatter, fresh profile).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from './tools.js';
import { rmSync, existsSync } from 'node:fs';

/** Debian's Chromium; TRUS_CHROMIUM names another (the lent GPU machine's unpacked copy, bench/device/). */
export const CHROMIUM = process.env.TRUS_CHROMIUM || '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.dcm': 'application/dicom',
  '.map': 'application/json',
  '.json': 'application/json',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Headers that make a page cross-origin isolated (needed for WASM threads). */
export const CROSS_ORIGIN_ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * Serves `root`, plus in-memory `extra` files (path -> body), on 127.0.0.1. `answer` may answer a
 * request itself first (a test's faulty server), returning whether it did; close() also closes
 * the connections of answers it left hanging.
 */
export async function serveStatic(root: string, extra: Record<string, string | Uint8Array> = {}, headers: Record<string, string> = {}, answer?: (path: string, res: ServerResponse, req: IncomingMessage) => boolean): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (answer?.(path, res, req)) return;
    const body = extra[path];
    try {
      const data = body ?? (await readFile(join(root, normalize(path).replace(/^(\.\.[/\\])+/, ''))));
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', ...headers });
      res.end(data);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launched and not yet closed. A test that jest timed out is not stopped: its browser stays open,
 * and an open browser keeps jest from exiting (CI then waits for its own limit, with no summary).
 */
const open = new Set<Browser>();

/** Closes every browser still open (a suite's afterAll, after a test timed out); returns how many there were. */
export async function closeBrowsersLeftOpen(): Promise<number> {
  const left = [...open];
  await Promise.all(left.map((b) => b.close()));
  return left.length;
}

export interface LaunchOptions {
  /** Let Chromium use the machine's GPU (WebGPU on a real adapter); otherwise it runs with --disable-gpu. */
  gpu?: boolean;
}

export async function launchChromium(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  const profile = tempDir('chromium-profile-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      ...(options.gpu ? [] : ['--disable-gpu']),
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  const browser: Browser = {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      open.delete(browser);
    },
  };
  open.add(browser);
  return browser;
}
