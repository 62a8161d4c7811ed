/**
 * bench/device/profile_summary.py over real V8 profiles: a process whose engine thread and one
 * worker each burn time in a named function, profiled by node --cpu-prof on every thread.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'bench/device/profile_summary.py');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trus-prof-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each thread spins in its own function for a fixed time, so each must lead its own thread's list.
const PROGRAM = `
const { Worker, isMainThread } = require('node:worker_threads');
function spin(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
function engineThreadWork() { return spin(600); }
function workerThreadWork() { return spin(300); }
if (isMainThread) {
  const w = new Worker(__filename);
  engineThreadWork();
  w.on('exit', () => undefined);
} else {
  workerThreadWork();
}
`;

test('each thread gets its busy and idle time and its own hottest function, busiest thread first', () => {
  const program = join(dir, 'two-threads.cjs');
  writeFileSync(program, PROGRAM);
  const profiles = join(dir, 'profiles');
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, program]);
  expect(readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(2);
  const text = execFileSync('python3', [SCRIPT, profiles, '15'], { encoding: 'utf8' });
  const threads = text.trim().split('\n\n');
  expect(threads).toHaveLength(2);
  const busy = threads.map((t) => Number(/busy (\d+) ms/.exec(t)![1]));
  expect(busy[0]).toBeGreaterThanOrEqual(busy[1]!);
  // The engine thread spun about 600 ms, the worker about 300 ms: the first and hottest is each one's own.
  expect(busy[0]).toBeGreaterThan(400);
  const firstSelf = (t: string) => t.split('\n')[2]!;
  expect(firstSelf(threads[0]!)).toMatch(/spin two-threads\.cjs:3/);
  expect(threads[0]).toMatch(/engineThreadWork two-threads\.cjs:4/);
  expect(threads[0]).not.toMatch(/workerThreadWork/);
  expect(threads[1]).toMatch(/workerThreadWork two-threads\.cjs:5/);
});

test('a folder without profiles is an error, not an empty summary', () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  let message = '';
  try {
    execFileSync('python3', [SCRIPT, empty], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    message = String((err as { stderr?: string }).stderr);
  }
  expect(message).toMatch(/no \.cpuprofile files in/);
});
