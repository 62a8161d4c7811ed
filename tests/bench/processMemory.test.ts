/**
 * The memory figures of the benchmark's rows: summed PSS against summed RSS for processes that
 * share pages, a watcher's peak of a process that has since exited, and a Node loop's peak RSS as
 * its own, not that of the process that launched it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { descendantsPssMb, descendantsRssMb, proportionalMemoryAvailable, watchPeakMemory } from '../../bench/processMemory.js';
import { browserPipeline, nodePipeline } from '../../bench/pipeline.js';

const ROOT = join(__dirname, '..', '..');

function idleNode(code = 'setTimeout(() => {}, 30000)'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `${code}; console.log('up')`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('error', reject);
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

test('this kernel gives PSS, and three Node processes sharing their binary hold less than their summed RSS says', async () => {
  expect(proportionalMemoryAvailable()).toBe(true);
  // Against what this process's other children (a suite's server, say) hold already.
  const rssBefore = descendantsRssMb();
  const pssBefore = descendantsPssMb();
  const children = await Promise.all([idleNode(), idleNode(), idleNode()]);
  try {
    const rss = descendantsRssMb() - rssBefore;
    const pss = descendantsPssMb() - pssBefore;
    expect(rss).toBeGreaterThan(3 * 20);
    expect(pss).toBeGreaterThan(0);
    // Each maps the same node binary and libraries: counted three times in summed RSS, once in PSS.
    expect(pss).toBeLessThan(0.9 * rss);
  } finally {
    for (const c of children) c.kill();
    await Promise.all(children.map(exited));
  }
});

test("a watcher keeps the peak of a child's memory after the child has freed it and exited", async () => {
  const pssBefore = descendantsPssMb();
  const peak = watchPeakMemory({ everyMs: 50, pssEveryMs: 200 });
  // 300 MiB written (resident), held for a second, then the process ends.
  const child = await idleNode("const b = Buffer.alloc(300 * 2 ** 20, 1); setTimeout(() => b[0]++, 1000)");
  await exited(child);
  const { rssMb, pssMb } = peak.stop();
  expect(rssMb).toBeGreaterThan(300);
  expect(pssMb).toBeGreaterThan(280);
  expect(descendantsPssMb()).toBeLessThan(pssBefore + 50);
});

test("a Node loop's peak RSS is its own, not that of the bigger process that launched it", async () => {
  // This process made bigger than the demo loop's pipeline ever gets (about 200 MiB).
  const ballast = Buffer.alloc(700 * 2 ** 20, 1);
  expect(process.memoryUsage().rss / 2 ** 20).toBeGreaterThan(700);
  const r = await nodePipeline(ROOT, join(ROOT, 'demo', 'trus-demo-axial.dcm'), join(ROOT, 'models', 'trus-student'), true, { proportionalMemory: true });
  ballast[0]++;
  expect(r.frames).toBeGreaterThan(0);
  // process.resourceUsage().maxRSS in the child gave at least this process's RSS.
  expect(r.peakRssMb).toBeGreaterThan(50);
  expect(r.peakRssMb).toBeLessThan(500);
  expect(r.peakPssMb).toBeGreaterThan(0);
  expect(r.peakPssMb!).toBeLessThanOrEqual(r.peakRssMb + 1);
}, 120000);

test("a Chromium loop's memory row: its processes' PSS with the page loaded, then at its peak, both under their summed RSS", async () => {
  const r = await browserPipeline(ROOT, join(ROOT, 'demo', 'trus-demo-axial.dcm'), join(ROOT, 'models', 'trus-student'), { isolated: true, proportionalMemory: true });
  if (typeof r === 'string') throw new Error(r);
  expect(r.frames).toBe(72);
  expect(r.idlePssMb).toBeGreaterThan(50);
  // The engine, its workers, onnxruntime-web's memory and the loop come on top of the page.
  expect(r.peakPssMb!).toBeGreaterThan(r.idlePssMb! + 20);
  // A dozen processes sharing Chromium's binary and libraries: PSS well under the summed RSS.
  expect(r.peakPssMb!).toBeLessThan(0.8 * r.peakRssMb);
}, 120000);
