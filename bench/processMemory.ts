/** Resident memory of this process's descendants (the Chromium processes a benchmark launched), from /proc. */
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

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of VmRSS (MiB) over every descendant of `root` (default: this process). */
export function descendantsRssMb(root = process.pid): number {
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
  let kb = 0;
  for (const pid of parents.keys()) if (inTree(pid)) kb += rssKb(pid);
  return kb / 1024;
}

/** Samples descendantsRssMb every `everyMs` until stopped; returns the peak seen. */
export function watchPeakRss(everyMs = 100): { stop(): number } {
  let peak = descendantsRssMb();
  const timer = setInterval(() => {
    peak = Math.max(peak, descendantsRssMb());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, descendantsRssMb());
    },
  };
}
