/**
 * Memory of this process's descendants (the Chromium processes, or the Node child, a benchmark
 * launched), from /proc: resident (RSS) and proportional (PSS).
 *
 * Summed RSS counts a page once for every process that maps it: Chromium's processes share its
 * binary, its libraries and shared-memory segments, so an idle headless Chromium of a dozen
 * processes summed 1,049 MiB of RSS against 395 MiB of PSS on the 12-06 host (2026-12-07). PSS
 * splits each shared page among the processes mapping it, so a tree's sum is what it holds. It costs
 * more to read (the kernel walks every mapping: 20-25 ms for Chromium's dozen processes), so a
 * watcher samples it less often than RSS.
 */
import { readFileSync, readdirSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    // Field 4 of /proc/PID/stat, after the parenthesised command name (which may contain spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function kbField(path: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    // Gone between listing and reading: it holds nothing now.
    return 0;
  }
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid)) {
      const parent = parentOf(pid);
      if (parent !== undefined) parents.set(pid, parent);
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 64; p = parents.get(p), hops++) if (p === root) return true;
    return false;
  };
  return [...parents.keys()].filter(inTree);
}

const sumMb = (pids: number[], file: string, field: string) => pids.reduce((kb, pid) => kb + kbField(`/proc/${pid}/${file}`, field), 0) / 1024;

/** Sum of VmRSS (MiB) over every descendant of `root` (default: this process). */
export function descendantsRssMb(root = process.pid): number {
  return sumMb(descendants(root), 'status', 'VmRSS');
}

/** Whether this kernel gives a process's PSS in one file (Linux 4.14 on). */
export function proportionalMemoryAvailable(): boolean {
  return kbField(`/proc/${process.pid}/smaps_rollup`, 'Pss') > 0;
}

/** Sum of PSS (MiB) over every descendant of `root` (default: this process). */
export function descendantsPssMb(root = process.pid): number {
  return sumMb(descendants(root), 'smaps_rollup', 'Pss');
}

export interface PeakMemory {
  rssMb: number;
  /** Absent when the watcher was not asked for PSS, or the kernel gives none. */
  pssMb?: number;
}

/**
 * Samples the descendants' summed RSS every `everyMs`, and with `pssEveryMs` their summed PSS that
 * often, until stopped; `atStart` is the first sample, and stop() returns the peaks seen (the last
 * sample taken at the stop).
 */
export function watchPeakMemory(options: { everyMs?: number; pssEveryMs?: number } = {}): { atStart: PeakMemory; stop(): PeakMemory } {
  const pss = options.pssEveryMs !== undefined && proportionalMemoryAvailable();
  // One listing of the tree for both sums, when a sample takes both.
  const sample = (withPss: boolean): PeakMemory => {
    const pids = descendants(process.pid);
    return { rssMb: sumMb(pids, 'status', 'VmRSS'), ...(withPss ? { pssMb: sumMb(pids, 'smaps_rollup', 'Pss') } : {}) };
  };
  const atStart = sample(pss);
  const peak = { ...atStart };
  const take = (s: PeakMemory) => {
    peak.rssMb = Math.max(peak.rssMb, s.rssMb);
    if (s.pssMb !== undefined) peak.pssMb = Math.max(peak.pssMb ?? 0, s.pssMb);
  };
  const timers = [setInterval(() => take(sample(false)), options.everyMs ?? 100)];
  if (pss) timers.push(setInterval(() => take(sample(true)), options.pssEveryMs));
  return {
    atStart,
    stop() {
      timers.forEach(clearInterval);
      take(sample(pss));
      return { ...peak };
    },
  };
}
