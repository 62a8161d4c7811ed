/**
 * What a smaller student would buy: the shipped student's U-Net family at other sizes
 * (bench/student_sizes.py, random weights), timed model only in onnxruntime-node and in Chromium's
 * WASM, one thread, batch 1, as the shipped models are in the "Model only" table. Speed only: none of
 * these is trained, so their accuracy is unknown until one is trained (training/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumLatency, nodeLatency } from './modelLatency.js';
import type { LatencyStats } from './stats.js';
import { systemPythonJson } from './systemPython.js';

export interface StudentSizeRow {
  name: string;
  width: number;
  depth: number;
  /** Channels at each level, top first. */
  channels: number[];
  input: [number, number];
  parameters: number;
  /** Multiply-accumulates of the convolutions and transposed convolutions, one frame. */
  macs: number;
  node1: LatencyStats;
  wasm1?: LatencyStats;
}

interface ExportedSize extends Omit<StudentSizeRow, 'node1' | 'wasm1'> {
  dir: string;
}

export async function studentSizes(root: string, log: (line: string) => void): Promise<StudentSizeRow[] | string> {
  const out = mkdtempSync(join(tmpdir(), 'trus-student-sizes-'));
  try {
    const exported = systemPythonJson<{ sizes: ExportedSize[] }>(root, 'bench/student_sizes.py', [out]);
    if (typeof exported === 'string') return exported;
    const rows: StudentSizeRow[] = [];
    for (const s of exported.sizes) {
      log(`student sizes: ${s.name} (channels ${s.channels.join('-')}, ${s.input.join('x')})`);
      const node = await nodeLatency(s.dir, 1);
      const wasm = await chromiumLatency(root, s.dir, { isolated: false, provider: 'wasm' });
      const { dir: _dir, ...size } = s;
      rows.push({ ...size, node1: node.batch1, ...(typeof wasm === 'string' ? {} : { wasm1: wasm.batch1 }) });
    }
    return rows;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
