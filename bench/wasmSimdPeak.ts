/**
 * The most multiply-accumulates a second that 128-bit WASM SIMD gives on this host, one thread:
 * the ceiling against which onnxruntime-web's convolutions are judged ("Where the time goes").
 *
 * The module is assembled here, byte by byte, so that what it runs is known exactly: the inner
 * loop of a GEMM micro-kernel, a tile of accumulators updated from vectors loaded out of a 4 KiB
 * buffer (in L1), as a convolution's GEMM does at best. Two variants: multiply then add (what
 * onnxruntime-web's WASM build has) and relaxed SIMD's fused multiply-add (which it has not).
 *
 * Beside them, not part of the ceiling, the loop of onnxruntime-web's WASM SGEMM kernel as its
 * package ships it (read with wabt's wasm-objdump, 1.30.0: 2 rows of 16 columns, two steps of k an
 * iteration, the 8 vectors of B loaded for the first row and kept for the second): the same
 * arithmetic as the 2x4 tile, with more vectors live than x64's 16 registers hold. The build
 * serves that loop reordered (scripts/patch-ort-sgemm.mjs), also timed here (REORDERED_LOOP).
 */

/** One kernel of the module: `rows` x `cols` accumulators of 4 lanes each. */
export interface PeakKernel {
  name: string;
  rows: number;
  cols: number;
  fused: boolean;
  /**
   * Steps of k an iteration (default 1). With more than one, B's vectors of every step are loaded
   * while the first row is updated and kept for the rows after it, as onnxruntime's kernel does.
   */
  kSteps?: number;
  /**
   * With steps of k: all of A's broadcasts first, then column by column every row, so that only
   * that column's B vectors are live (the order scripts/patch-ort-sgemm.mjs gives the loop).
   */
  byColumn?: boolean;
}

/** Tiles that keep every accumulator, the loaded vectors and the broadcast in x64's 16 registers. */
export const PEAK_KERNELS: PeakKernel[] = [
  { name: 'mulAdd4x2', rows: 4, cols: 2, fused: false },
  { name: 'mulAdd2x4', rows: 2, cols: 4, fused: false },
  { name: 'fma4x2', rows: 4, cols: 2, fused: true },
  { name: 'fma2x4', rows: 2, cols: 4, fused: true },
];

/** onnxruntime-web's WASM SGEMM loop (see the top of this file); measured beside the ceiling, not part of it. */
export const ONNXRUNTIME_LOOP: PeakKernel = { name: 'onnxruntimeLoop2x4k2', rows: 2, cols: 4, fused: false, kSteps: 2 };
/** The same loop in the order the build serves it (scripts/patch-ort-sgemm.mjs): same arithmetic, same order per accumulator. */
export const REORDERED_LOOP: PeakKernel = { ...ONNXRUNTIME_LOOP, name: 'reorderedLoop2x4k2', byColumn: true };

export const macsPerIteration = (k: PeakKernel): number => k.rows * k.cols * 4 * (k.kSteps ?? 1);

/** Bytes each iteration moves the pointer on: past what it read, wrapped at 4 KiB. */
export const STRIDE = 80;
const WRAP = 4095;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const simd = (op: number) => [0xfd, ...uleb(op)];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];

const OP = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  f32Add: 0x92,
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4RelaxedMadd: 0x105,
};

/** Where an iteration reads b[k][c] (a vector) and a[r][k] (a float, broadcast), from its pointer p. */
const bOffset = (k: PeakKernel, step: number, c: number) => 16 * (k.cols * step + c);
const aOffset = (k: PeakKernel, r: number, step: number) => 16 * k.cols * (k.kSteps ?? 1) + 4 * (r * (k.kSteps ?? 1) + step);

/**
 * (func (param $n i32) (result f32)): $n iterations of acc[r][c] += a[r][k] * b[k][c] for each step
 * k; the result, the sum of every accumulator's first lane, keeps the work from being optimised
 * away and lets a test check it.
 */
function kernelBody(k: PeakKernel): number[] {
  const steps = k.kSteps ?? 1;
  const accumulators = k.rows * k.cols;
  const pointer = 1 + accumulators;
  const b = pointer + 1;
  const a = b + k.cols * steps;
  // The broadcasts' locals: one per step (reused by each row), or one per row and step (byColumn).
  const aLocal = (r: number, step: number) => a + (k.byColumn ? r * steps : 0) + step;
  const get = (i: number) => [OP.localGet, ...uleb(i)];
  const set = (i: number) => [OP.localSet, ...uleb(i)];
  const tee = (i: number) => [OP.localTee, ...uleb(i)];
  const code: number[] = [OP.loop, 0x40];
  if (steps === 1) {
    for (let c = 0; c < k.cols; c++) code.push(...get(pointer), ...simd(OP.v128Load), 4, ...uleb(bOffset(k, 0, c)), ...set(b + c));
    for (let r = 0; r < k.rows; r++) {
      code.push(...get(pointer), ...simd(OP.v128Load32Splat), 2, ...uleb(aOffset(k, r, 0)), ...set(a));
      for (let c = 0; c < k.cols; c++) {
        const acc = 1 + r * k.cols + c;
        if (k.fused) code.push(...get(a), ...get(b + c), ...get(acc), ...simd(OP.f32x4RelaxedMadd));
        else code.push(...get(acc), ...get(a), ...get(b + c), ...simd(OP.f32x4Mul), ...simd(OP.f32x4Add));
        code.push(...set(acc));
      }
    }
  } else if (k.byColumn) {
    if (k.fused) throw new Error(`${k.name}: steps of k are built multiply then add only`);
    for (let r = 0; r < k.rows; r++) {
      for (let step = 0; step < steps; step++) code.push(...get(pointer), ...simd(OP.v128Load32Splat), 2, ...uleb(aOffset(k, r, step)), ...set(aLocal(r, step)));
    }
    for (let c = 0; c < k.cols; c++) {
      for (let r = 0; r < k.rows; r++) {
        const acc = 1 + r * k.cols + c;
        code.push(...get(acc));
        for (let step = 0; step < steps; step++) {
          const bv = b + k.cols * step + c;
          code.push(...get(aLocal(r, step)));
          code.push(...(r === 0 ? [...get(pointer), ...simd(OP.v128Load), 4, ...uleb(bOffset(k, step, c)), ...tee(bv)] : get(bv)));
          code.push(...simd(OP.f32x4Mul), ...simd(OP.f32x4Add));
        }
        code.push(...set(acc));
      }
    }
  } else {
    if (k.fused) throw new Error(`${k.name}: steps of k are built multiply then add only`);
    for (let r = 0; r < k.rows; r++) {
      for (let step = 0; step < steps; step++) code.push(...get(pointer), ...simd(OP.v128Load32Splat), 2, ...uleb(aOffset(k, r, step)), ...set(a + step));
      for (let c = 0; c < k.cols; c++) {
        const acc = 1 + r * k.cols + c;
        code.push(...get(acc));
        for (let step = 0; step < steps; step++) {
          const bv = b + k.cols * step + c;
          code.push(...get(a + step));
          // B is read from memory by the first row only; the rows after it take the kept vectors.
          code.push(...(r === 0 ? [...get(pointer), ...simd(OP.v128Load), 4, ...uleb(bOffset(k, step, c)), ...tee(bv)] : get(bv)));
          code.push(...simd(OP.f32x4Mul), ...simd(OP.f32x4Add));
        }
        code.push(...set(acc));
      }
    }
  }
  code.push(...get(pointer), OP.i32Const, ...sleb(STRIDE), OP.i32Add, OP.i32Const, ...sleb(WRAP), OP.i32And, ...set(pointer));
  code.push(...get(0), OP.i32Const, 1, OP.i32Sub, OP.localTee, 0, OP.brIf, 0, OP.end);
  code.push(OP.f32Const, 0, 0, 0, 0);
  for (let i = 0; i < accumulators; i++) code.push(...get(1 + i), ...simd(OP.f32x4ExtractLane), 0, OP.f32Add);
  code.push(OP.end);
  const V128 = 0x7b;
  const I32 = 0x7f;
  const locals = vec([[...uleb(accumulators), V128], [1, I32], [...uleb(k.cols * steps + (k.byColumn ? k.rows : 1) * steps), V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** A module exporting `memory` (one 64 KiB page; the kernels read its first 4 KiB and at most 144 bytes beyond) and the kernels. */
export function peakModule(kernels: PeakKernel[]): Uint8Array<ArrayBuffer> {
  const F32 = 0x7d;
  const I32 = 0x7f;
  const types = section(1, vec([[0x60, 1, I32, 1, F32]]));
  const functions = section(3, vec(kernels.map(() => [0])));
  const memory = section(5, vec([[0, 1]]));
  const exports = section(7, vec([[...name('memory'), 2, 0], ...kernels.map((k, i) => [...name(k.name), 0, ...uleb(i)])]));
  const code = section(10, vec(kernels.map(kernelBody)));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...functions, ...memory, ...exports, ...code]);
}

/** What a kernel returns after `n` iterations over `memory`, multiply then add, in float32. */
export function expectedSum(k: PeakKernel, memory: Float32Array, n: number): number {
  const acc = new Float32Array(k.rows * k.cols);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < k.rows; r++) {
      for (let c = 0; c < k.cols; c++) {
        for (let step = 0; step < (k.kSteps ?? 1); step++) {
          const a = memory[(p + aOffset(k, r, step)) / 4]!;
          acc[r * k.cols + c] = Math.fround(acc[r * k.cols + c]! + Math.fround(a * memory[(p + bOffset(k, step, c)) / 4]!));
        }
      }
    }
    p = (p + STRIDE) & WRAP;
  }
  return acc.reduce((s, x) => Math.fround(s + x), 0);
}

export interface SimdPeak {
  /** Multiply then add, the best tile (GMAC/s). */
  mulAddGmacs: number;
  /** Relaxed SIMD's fused multiply-add, the best tile; a string when the browser refused it. */
  fmaGmacs: number | string;
  /** ONNXRUNTIME_LOOP, onnxruntime-web's own kernel loop (GMAC/s); absent from results before 2026-12-05's second stop. */
  onnxruntimeLoopGmacs?: number;
  /** REORDERED_LOOP, that loop as the build serves it (GMAC/s); absent from results before 2026-12-05's second stop's last run. */
  reorderedLoopGmacs?: number;
}

/**
 * Page code (a function expression taking the modules' bytes as base64) that times each kernel
 * in the page, best of 5 calls of about 0.1 s each after 1 s of warm-up, and returns GMAC/s by name.
 */
export const PEAK_PAGE_FUNCTION = `async (modules) => {
  const out = {};
  for (const { base64, kernels } of modules) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    let instance;
    try {
      instance = (await WebAssembly.instantiate(bytes)).instance;
    } catch (e) {
      for (const k of kernels) out[k.name] = String(e.message || e);
      continue;
    }
    new Float32Array(instance.exports.memory.buffer, 0, 1100).forEach((_, i, a) => (a[i] = 1 + (i % 7) * 1e-4));
    for (const k of kernels) {
      const run = instance.exports[k.name];
      let n = 1e5;
      for (;;) {
        const t = performance.now();
        run(n);
        if (performance.now() - t > 25) break;
        n *= 4;
      }
      // WASM has no on-stack replacement: a call runs the code the function had when it began.
      // V8 starts with baseline code and swaps in optimised code compiled in the background, which
      // on a busy host came later than the first timed calls (a tile at 18 GMAC/s, then 24.6).
      for (const t0 = performance.now(); performance.now() - t0 < 1000; ) run(n);
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        run(n);
        best = Math.min(best, performance.now() - t);
      }
      out[k.name] = (n * k.macs) / best / 1e6;
    }
  }
  return out;
}`;

/** The argument PEAK_PAGE_FUNCTION takes: multiply-add and fused kernels in separate modules, so a browser without relaxed SIMD still measures the first. */
export function peakPageArgument(): { base64: string; kernels: { name: string; macs: number }[] }[] {
  return [false, true].map((fused) => {
    const kernels = [...PEAK_KERNELS, ONNXRUNTIME_LOOP, REORDERED_LOOP].filter((k) => k.fused === fused);
    return { base64: Buffer.from(peakModule(kernels)).toString('base64'), kernels: kernels.map((k) => ({ name: k.name, macs: macsPerIteration(k) })) };
  });
}

/** The best tile of each variant, from what PEAK_PAGE_FUNCTION returned. */
export function simdPeak(measured: Record<string, number | string>): SimdPeak {
  const best = (fused: boolean): number | string => {
    const values = PEAK_KERNELS.filter((k) => k.fused === fused).map((k) => measured[k.name]);
    const numbers = values.filter((v): v is number => typeof v === 'number');
    return numbers.length ? Math.max(...numbers) : String(values.find((v) => typeof v === 'string') ?? 'not measured');
  };
  const mulAdd = best(false);
  if (typeof mulAdd === 'string') throw new Error(`the WASM SIMD peak could not be measured: ${mulAdd}`);
  const loop = measured[ONNXRUNTIME_LOOP.name];
  const reordered = measured[REORDERED_LOOP.name];
  return {
    mulAddGmacs: mulAdd,
    fmaGmacs: best(true),
    ...(typeof loop === 'number' ? { onnxruntimeLoopGmacs: loop } : {}),
    ...(typeof reordered === 'number' ? { reorderedLoopGmacs: reordered } : {}),
  };
}
