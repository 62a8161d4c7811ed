// What a WebGPU row measured through onnxruntime-node ran on, for the scripts that run on the lent
// GPU machine without the project's install (plain JavaScript). onnxruntime-node does not name its
// adapter, so the Vulkan driver the loader was pointed at decides "software" (SwiftShader,
// lavapipe), and nvidia-smi names the GPU otherwise.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

export function gpuName() {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}

/** The Vulkan driver the loader was pointed at, if any: its library's path as the ICD file names it. */
function vulkanDriver() {
  const files = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES;
  if (!files) return undefined;
  const first = files.split(':')[0];
  try {
    const library = JSON.parse(readFileSync(first, 'utf8')).ICD?.library_path;
    return typeof library === 'string' ? resolve(dirname(first), library) : first;
  } catch {
    return first;
  }
}

/** { device, softwareAdapter }: a software driver is never named as the GPU. */
export function webgpuDevice() {
  const driver = vulkanDriver();
  if (driver && /swiftshader|lvp|lavapipe|llvmpipe/i.test(basename(driver))) return { device: `software Vulkan (${basename(driver)}, CPU)`, softwareAdapter: true };
  return { device: gpuName() ?? (driver ? `Vulkan driver ${driver}` : 'unnamed adapter'), softwareAdapter: false };
}
