/**
 * The benchmark's Python scripts (bench/torch_latency.py, bench/student_sizes.py) run with the
 * system Python, the one with PyTorch, and print one JSON object as their last line.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The script's JSON, or why there is none: the last line of its stderr. An exit with `plainStatus`
 * is the script saying what it cannot measure here (no CUDA device), given as it said it; any
 * other failure is named as the script's.
 */
export function systemPythonJson<T>(root: string, script: string, args: string[], plainStatus?: number): T | string {
  try {
    const out = execFileSync('/usr/bin/python3', [join(root, script), ...args], { encoding: 'utf8', cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop()!) as T;
  } catch (err) {
    const e = err as Error & { status?: number; stderr?: string };
    const reason = e.stderr?.trim().split('\n').pop() || e.message.split('\n')[0]!;
    return plainStatus !== undefined && e.status === plainStatus ? reason : `${script} failed: ${reason}`;
  }
}
