#!/usr/bin/env node
// Reorders the inner loop of onnxruntime-web's WASM SGEMM kernels so that V8 keeps it in
// registers, and gives each binary a direct convolution (scripts/ort-direct-conv.mjs):
// the one change to a dependency this build makes, applied by webpack.config.js to the copies of
// the binaries it serves, never to node_modules.
//
// Why: the kernel's loop (2 rows of 16 columns, two steps of k an iteration) loads the 8 vectors
// of B while it updates the first row and keeps all 8 for the second, beside 8 accumulators and
// the broadcasts of A: more than x64's 16 vector registers, so V8 spills. The loop assembled with
// that shape runs at about 60% of a 2x4 tile that fits (bench/wasmSimdPeak.ts, ONNXRUNTIME_LOOP).
// Here each column's two B vectors serve both rows at once, so 8 accumulators, 4 broadcasts and
// 2 B vectors are live, and the loop so assembled runs as fast as the tile (REORDERED_LOOP). Every accumulator gets the same products added in the same order, so the
// results are bit for bit the original's (tests/browser/ortSgemmPatch.test.ts runs both binaries).
// The temporaries of the new loop are locals of their own; the original's (broadcasts, B vectors,
// the second row's pointer) are each written before they are read after the loop (checked in
// the disassembly), so what the loop leaves in them does not matter.
//
// Only onnxruntime-web 1.30.0's binaries are patched: the WASM build's and the WebGPU build's
// (asyncify), whose WASM provider runs the model when WebGPU falls back (a lost device, a failed
// self-check). Each file's SHA-256 is checked first, and the bytes of each loop (and of
// MlasConvOperation) before they are replaced. Any other file is left as it is, with the reason.
//
//   node scripts/patch-ort-sgemm.mjs IN.wasm OUT.wasm
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { patchDirectConv } from './ort-direct-conv.mjs';
import { concat, importedFunctionCount, readUleb, sections, uleb, vectorSection } from './wasm-binary.mjs';

/**
 * The two functions that have this loop (MLAS's SGEMM kernel, built twice). `locals`: the function's
 * declared locals as (count, type) pairs; `first`: the accumulator its loop body starts with;
 * `loopSha256`: the loop body's bytes as shipped; `address`: the local that holds the second
 * row's A pointer; `columns`: per column of 4 floats, B's offsets for the two steps of k and the
 * two rows' accumulators, and whether the second row's first product is written b * a (it is in
 * the original for the last column; multiplication commutes exactly, the order is kept anyway).
 * Both binaries hold these functions byte for byte alike (leaf functions: asyncify leaves them as
 * they are), under other indices.
 */
const KERNELS = [
  {
    locals: [[19, 0x7b], [3, 0x7f], [1, 0x7d]],
    first: 16,
    loopSha256: '415827a1069478af634b5c7d607c6c231277108bfe95944350fe032d5db89b78',
    address: 30,
    columns: [[48, 112, 16, 11, false], [32, 96, 17, 12, false], [16, 80, 18, 10, false], [0, 64, 19, 14, true]],
  },
  {
    locals: [[18, 0x7b], [3, 0x7f], [1, 0x7d]],
    first: 19,
    loopSha256: 'dd648115fb507462cc00f101530d0be988a9bcf52a2777e291e7de62b05a20f9',
    address: 29,
    columns: [[48, 112, 19, 14, false], [32, 96, 20, 11, false], [16, 80, 21, 12, false], [0, 64, 22, 16, true]],
  },
];

/** onnxruntime-web 1.30.0's binaries (dist/), by SHA-256, with the index of each kernel's function in KERNELS' order. */
export const BINARIES = [
  {
    name: 'ort-wasm-simd-threaded.wasm',
    sha256: '3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2',
    functions: [2415, 1422],
    // scripts/ort-direct-conv.mjs: MlasConvOperation, MlasActivation, and where MLAS keeps its GEMM
    // override (a function pointer, null in this build), read off the binary.
    conv: { convOperation: 2702, activation: 1226, overridePointer: 1052020, bodySha256: '495a286b53968b5f935891dd8c1844e4bc1cbcd9a3abc076079660f0fd323a5f' },
  },
  {
    name: 'ort-wasm-simd-threaded.asyncify.wasm',
    sha256: '39f9f0894d478800487ed9f7dbe92618498db320cf55c8e3d89adff8dce658da',
    functions: [2139, 1386],
    // The same functions, found by the same loads, calls and constants (MlasActivation at the
    // same two calls, the override pointer 84 bytes into the same block of statics). Here
    // asyncify has instrumented MlasConvOperation and MlasActivation; see ort-direct-conv.mjs
    // for why a new body without that instrumentation is sound.
    conv: { convOperation: 2596, activation: 1253, overridePointer: 1283048, bodySha256: 'bb7f64e9f7559961695cfd8c3889bdf43e8b75a63839262cef04c76ecdc3ab55' },
  },
];
const PARAMS = 9;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const op = {
  get: (i) => [0x20, ...uleb(i)],
  set: (i) => [0x21, ...uleb(i)],
  tee: (i) => [0x22, ...uleb(i)],
  i32Const: (n) => [0x41, ...uleb(n)], // small non-negative constants only (2, 4)
  i32Shl: [0x74],
  i32Add: [0x6a],
  // memarg: log2 of the alignment, then the offset.
  v128Load: (offset) => [0xfd, 0x00, 0x00, ...uleb(offset)],
  load32Splat: (offset) => [0xfd, 0x09, 0x02, ...uleb(offset)],
  mul: [0xfd, ...uleb(0xe6)],
  add: [0xfd, ...uleb(0xe4)],
};

/** `loop` with no result, then the body's first instructions: local.get first; local.get 4; v128.load32_splat; local.tee 9. */
const loopStart = (k) => [0x03, 0x40, ...op.get(k.first), ...op.get(4), ...op.load32Splat(0), ...op.tee(9)];
/** What follows the body: B's pointer moved on by 128 bytes (local.get 1; i32.const 128; i32.add; local.set 1). */
const LOOP_REST = [...op.get(1), 0x41, 0x80, 0x01, ...op.i32Add, ...op.set(1)];

/** The reordered body: A's four broadcasts first, then per column both rows (locals `fresh`.. hold the temporaries). */
function reorderedBody(k, fresh) {
  const [a00, a01, a10, a11, b0, b1] = [0, 1, 2, 3, 4, 5].map((i) => fresh + i);
  const code = [
    ...op.get(4), ...op.load32Splat(0), ...op.set(a00),
    ...op.get(4), ...op.load32Splat(4), ...op.set(a01),
    ...op.get(4), ...op.get(6), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.tee(k.address), ...op.load32Splat(0), ...op.set(a10),
    ...op.get(k.address), ...op.i32Const(4), ...op.i32Add, ...op.load32Splat(0), ...op.set(a11),
  ];
  for (const [offset0, offset1, acc0, acc1, swapped] of k.columns) {
    code.push(...op.get(acc0), ...op.get(a00), ...op.get(1), ...op.v128Load(offset0), ...op.tee(b0), ...op.mul, ...op.add);
    code.push(...op.get(a01), ...op.get(1), ...op.v128Load(offset1), ...op.tee(b1), ...op.mul, ...op.add, ...op.set(acc0));
    code.push(...op.get(acc1), ...(swapped ? [...op.get(b0), ...op.get(a10)] : [...op.get(a10), ...op.get(b0)]), ...op.mul, ...op.add);
    code.push(...op.get(a11), ...op.get(b1), ...op.mul, ...op.add, ...op.set(acc1));
  }
  return code;
}

function indexOf(haystack, needle, from) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Each code entry's body (locals and expression) as a slice of `bytes`. */
function codeEntries(bytes, section) {
  let { value: count, next: at } = readUleb(bytes, section.start);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const { value: size, next } = readUleb(bytes, at);
    entries.push(bytes.subarray(next, next + size));
    at = next + size;
  }
  return entries;
}

function patchedEntry(k, functionIndex, body) {
  let { value: groups, next: at } = readUleb(body, 0);
  const locals = [];
  for (let i = 0; i < groups; i++) {
    const { value: n, next } = readUleb(body, at);
    locals.push([n, body[next]]);
    at = next + 1;
  }
  if (JSON.stringify(locals) !== JSON.stringify(k.locals)) throw new Error(`function ${functionIndex}: locals ${JSON.stringify(locals)}, not the kernel's`);
  const expr = body.subarray(at);
  const start = indexOf(expr, loopStart(k), 0);
  if (start < 0) throw new Error(`function ${functionIndex}: the kernel's loop was not found`);
  const bodyStart = start + 2;
  const bodyEnd = indexOf(expr, LOOP_REST, bodyStart);
  if (bodyEnd < 0) throw new Error(`function ${functionIndex}: the end of the kernel's loop was not found`);
  const found = sha256(expr.subarray(bodyStart, bodyEnd));
  if (found !== k.loopSha256) throw new Error(`function ${functionIndex}: the loop's bytes are not those of onnxruntime-web 1.30.0 (SHA-256 ${found})`);
  const fresh = PARAMS + k.locals.reduce((n, [count]) => n + count, 0);
  const declared = [...uleb(groups + 1), ...k.locals.flatMap(([n, type]) => [...uleb(n), type]), 6, 0x7b];
  return Uint8Array.from([...declared, ...expr.subarray(0, bodyStart), ...reorderedBody(k, fresh), ...expr.subarray(bodyEnd)]);
}

/**
 * `bytes` with both kernels' loops reordered (and, where BINARIES names its site, the direct
 * convolution), and what was done; a file that is not one of onnxruntime-web 1.30.0's known
 * binaries comes back as it is, with the reason.
 */
export function patchOrtSgemm(bytes) {
  const digest = sha256(bytes);
  const binary = BINARIES.find((b) => b.sha256 === digest);
  if (!binary) return { bytes, patched: [], skipped: `not one of the binaries this script patches (onnxruntime-web 1.30.0's ${BINARIES.map((b) => b.name).join(', ')}): SHA-256 ${digest}` };
  const all = sections(bytes);
  const imports = all.find((s) => s.id === 2);
  const code = all.find((s) => s.id === 10);
  const functionImports = importedFunctionCount(bytes, imports);
  const entries = codeEntries(bytes, code);
  const patched = [];
  KERNELS.forEach((k, n) => {
    const index = binary.functions[n];
    entries[index - functionImports] = patchedEntry(k, index, entries[index - functionImports]);
    patched.push(`SGEMM loop reordered in function ${index}`);
  });
  // The code section again, its sizes re-encoded: 13 MB, so written part by part.
  const sized = entries.map((entry) => concat([Uint8Array.from(uleb(entry.length)), entry]));
  let out = concat([bytes.subarray(0, code.headerAt), ...vectorSection(10, sized), bytes.subarray(code.end)]);
  if (binary.conv) {
    const found = sha256(entries[binary.conv.convOperation - functionImports]);
    if (found !== binary.conv.bodySha256) throw new Error(`function ${binary.conv.convOperation}: not onnxruntime-web 1.30.0's MlasConvOperation (SHA-256 ${found})`);
    out = patchDirectConv(out, binary.conv);
    patched.push(`direct convolution in function ${binary.conv.convOperation}`);
  }
  return { bytes: out, binary: binary.name, patched };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node scripts/patch-ort-sgemm.mjs IN.wasm OUT.wasm');
    process.exit(2);
  }
  const result = patchOrtSgemm(readFileSync(input));
  writeFileSync(output, result.bytes);
  console.log(result.skipped ? `patch-ort-sgemm: ${input} left as it is: ${result.skipped}` : `patch-ort-sgemm: ${output} (${result.binary}): ${result.patched.join('; ')}`);
}
