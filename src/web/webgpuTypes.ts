/**
 * The few WebGPU objects the provider choice touches. TypeScript's DOM library does not declare
 * WebGPU, and a dependency on @webgpu/types for five members is not worth it.
 */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface GpuDeviceLostInfoLike {
  reason: string;
  message: string;
}

export interface GpuDeviceLike {
  readonly lost: Promise<GpuDeviceLostInfoLike>;
  destroy(): void;
}

export interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  /** Older Chromium: on the adapter itself. */
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  requestDevice(descriptor?: unknown): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}

export function navigatorGpu(): GpuLike | undefined {
  return (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
}

export function describeAdapter(adapter: GpuAdapterLike): string {
  const i = adapter.info ?? {};
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s && s.length > 0).join(' ') || 'unnamed adapter';
}

export function isFallbackAdapter(adapter: GpuAdapterLike): boolean {
  return adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
}
