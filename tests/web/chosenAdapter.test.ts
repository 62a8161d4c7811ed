/**
 * The web backend hands onnxruntime-web the very adapter its provider choice requested (with a
 * high-performance preference), checked and named. Before, onnxruntime-web requested one of its own
 * without a preference: another adapter on a machine with two GPUs, or none where that request is
 * refused, and then the loop fell back to WASM although the choice had found the GPU. Here a
 * refusal is imitated on dawn.node (SwiftShader's Vulkan driver), since no machine of ours refuses.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTinySegmentationModel } from '../helpers/onnxModel.js';
import { writeModelFolder } from '../helpers/modelDir.js';

const ROOT = resolve(__dirname, '../..');
const RUN = join(ROOT, 'tests/helpers/chosenAdapterRun.mjs');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

jest.setTimeout(120000);

test('a WebGPU session runs on the adapter the provider choice found when a request without a preference gets none', () => {
  if (!existsSync(join(ROOT, 'dist/web/webBackend.js'))) throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
  const dir = mkdtempSync(join(tmpdir(), 'trus-chosen-adapter-'));
  try {
    const model = writeModelFolder(join(dir, 'model'), buildTinySegmentationModel({ height: 32, width: 48 }), ['N', 1, 32, 48]);
    const r = spawnSync(process.execPath, [RUN, model.dir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, VK_DRIVER_FILES: SWIFTSHADER_ICD }, timeout: 110000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { provider: string; fallbackReason: string | null; adapterName: string | null; requests: string[] };
    expect(out.fallbackReason).toBeNull();
    expect(out.provider).toBe('webgpu');
    expect(out.adapterName).toMatch(/swiftshader/i);
    // The choice's request first; onnxruntime-web made none without a preference (its WASM side
    // asks for a high-performance adapter when it creates the device).
    expect(out.requests[0]).toBe('high-performance');
    expect(out.requests.filter((r) => r !== 'high-performance')).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
