/** Runs the Debian DICOM tools the tests use as independent encoders and validators. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'trus-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface DciodvfyReport {
  errors: string[];
  warnings: string[];
  output: string;
}

/** Validates a DICOM object with dciodvfy (dicom3tools); "Error" lines are what the tests forbid. */
export function dciodvfy(bytes: Uint8Array): DciodvfyReport {
  const dir = tempDir('dciodvfy-');
  try {
    const file = join(dir, 'object.dcm');
    writeFileSync(file, bytes);
    const result = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
    if (result.error) throw result.error;
    const output = `${result.stdout}${result.stderr}`;
    const lines = output.split('\n');
    return {
      errors: lines.filter((l) => /^Error/.test(l)),
      warnings: lines.filter((l) => /^Warning/.test(l)),
      output,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a converter `tool [...args] in out` on bytes and returns the output file's bytes. */
export function convertWith(tool: string, args: string[], bytes: Uint8Array): Uint8Array {
  const dir = tempDir('convert-');
  try {
    const input = join(dir, 'in.dcm');
    const output = join(dir, 'out.dcm');
    writeFileSync(input, bytes);
    execFileSync(tool, [...args, input, output], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Uint8Array(readFileSync(output));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
