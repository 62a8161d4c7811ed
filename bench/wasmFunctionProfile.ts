/**
 * Where onnxruntime-web's WASM time goes inside its kernels: Chromium's sampling profiler (the
 * DevTools protocol's Profiler domain) while a session runs, self time per function. onnxruntime's
 * own profiler stops at the kernel (a Conv); this shows how a Conv's time splits between the SGEMM
 * kernel, the im2col that feeds it and the packing of its B matrix, or, in the binary the build
 * serves, the direct convolution that takes most 3x3 convolutions instead (scripts/ort-direct-conv.mjs).
 *
 * The binary carries no function names. The functions that matter in onnxruntime-web 1.30.0's
 * binary are named by ROLES, from which models call them (tests/bench/wasmFunctionProfile.test.ts
 * checks each): the SGEMM kernels (the two that scripts/patch-ort-sgemm.mjs reorders) in a MatMul
 * and in every convolution MLAS computes, 1422 (C = AB) alone when K fits one of the SGEMM's
 * blocks and 2415 (C += AB) beside it when K spans more; im2col (1709) in 3x3 convolutions that
 * MLAS computes only, never in a MatMul or a 1x1 convolution; the packing of B (1001) in all of
 * them; bias and activation (1226) in convolutions that MLAS computes, not in a MatMul, nor, in the
 * served binary, in a convolution the direct path takes with identity or ReLU; in the served binary, the
 * direct convolution's block (17389, appended) in the 3x3 convolutions it takes. Other functions
 * keep their index.
 */
import type { BrowserContext, Page } from 'playwright-core';

/** The part of a DevTools CPU profile read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
}

export interface FunctionShare {
  /** "wasm-function[1422]", or "JavaScript, the rest" for everything outside the WASM binary. */
  name: string;
  role?: string;
  /** Fraction of the samples with this function on top of the stack. */
  share: number;
}

export interface WasmFunctionProfile {
  model: string;
  samples: number;
  /** Whether the served binary was one whose functions ROLES names. */
  knownBinary: boolean;
  /** By share, largest first: the WASM functions of at least MIN_SHARE, then the rest together. */
  functions: FunctionShare[];
}

/** The roles of the functions that matter in onnxruntime-web 1.30.0's WASM build's binary (see the top). */
export const ROLES: Record<string, string> = {
  'wasm-function[1422]': 'SGEMM kernel (C = AB)',
  'wasm-function[2415]': 'SGEMM kernel (C += AB)',
  'wasm-function[1709]': 'im2col',
  'wasm-function[1001]': 'packing of B',
  'wasm-function[1226]': 'bias and activation',
  'wasm-function[17389]': 'direct convolution',
};

/**
 * The same roles in the WebGPU build's binary (ort-wasm-simd-threaded.asyncify.wasm, whose WASM
 * provider runs a loop after WebGPU falls back): other indices, found by the same calls from
 * MlasConvOperation, and checked by the same models in tests/bench/wasmFunctionProfile.test.ts.
 */
export const WEBGPU_BUILD_ROLES: Record<string, string> = {
  'wasm-function[1386]': 'SGEMM kernel (C = AB)',
  'wasm-function[2139]': 'SGEMM kernel (C += AB)',
  'wasm-function[1717]': 'im2col',
  'wasm-function[1043]': 'packing of B',
  'wasm-function[1253]': 'bias and activation',
  'wasm-function[15740]': 'direct convolution',
};

/**
 * The binaries whose functions have roles here, by SHA-256: the WASM build's as shipped and as the
 * build serves it (its SGEMM loop reordered, the direct convolution's two functions appended after
 * the others: the same indices for the functions they share, so the same roles), and the WebGPU
 * build's as the build serves it.
 */
export const KNOWN_BINARIES: Record<string, Record<string, string>> = {
  '3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2': ROLES,
  'cb02bda9625b39acc86aa215fb356e93e3a2e21de6edd631ca9d632590c4db69': ROLES,
  '127c86388b1789e3afc26e092d69baf11806f34dd16031bf84d2b991f9f09b96': WEBGPU_BUILD_ROLES,
};

const MIN_SHARE = 0.005;
export const OUTSIDE_WASM = 'JavaScript, the rest';
const OTHER_WASM = 'other WASM functions';

/**
 * Self-time shares by function from a CPU profile: WASM functions of the binary at `wasmUrl`,
 * everything else as one, each named with its role in `roles` (the binary's KNOWN_BINARIES entry;
 * none for a binary not known). Functions under `minShare` go together as "other WASM functions" (the
 * report's table); 0 keeps each, with its role (whether a role runs at all, however little).
 */
export function functionShares(profile: CpuProfile, wasmUrl: string, roles: Record<string, string> | undefined, minShare = MIN_SHARE): FunctionShare[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = nodes.get(id)?.callFrame;
    const name = frame && frame.url === wasmUrl && frame.functionName ? frame.functionName : OUTSIDE_WASM;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const total = profile.samples.length;
  if (!total) return [];
  const shares = [...counts.entries()].map(([name, n]) => ({ name, share: n / total })).sort((a, b) => b.share - a.share);
  const kept = shares.filter((s) => s.name !== OUTSIDE_WASM && s.share >= minShare);
  const otherWasm = shares.filter((s) => s.name !== OUTSIDE_WASM && s.share < minShare).reduce((sum, s) => sum + s.share, 0);
  const outside = counts.get(OUTSIDE_WASM) ?? 0;
  return [
    ...kept.map((s) => (roles?.[s.name] ? { ...s, role: roles[s.name] } : s)),
    ...(otherWasm > 0 ? [{ name: OTHER_WASM, share: otherWasm }] : []),
    ...(outside ? [{ name: OUTSIDE_WASM, share: outside / total }] : []),
  ];
}

/** Samples the page while `run` runs (every `intervalUs` microseconds) and returns the profile. */
export async function sampledProfile(context: BrowserContext, page: Page, run: () => Promise<unknown>, intervalUs = 200): Promise<CpuProfile> {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await cdp.send('Profiler.start');
    await run();
    const { profile } = await cdp.send('Profiler.stop');
    return profile as CpuProfile;
  } finally {
    await cdp.detach();
  }
}

/** The share a role's functions take together (both SGEMM kernels under "SGEMM kernel"). */
export function roleShare(functions: FunctionShare[], role: string): number {
  return functions.filter((f) => f.role?.startsWith(role)).reduce((sum, f) => sum + f.share, 0);
}
