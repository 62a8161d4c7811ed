// A direct convolution for onnxruntime-web's WASM binary (kernels up to 3 columns wide, 3x3
// unrolled), in place of MLAS's im2col + packed SGEMM: the WASM function that runs one segment of a convolution
// (MlasConvOperation) gets a new body that computes the same blocks straight from the input, and
// keeps the original, appended under a new index, for every convolution it does not take.
//
// Why: on a host whose native AVX-512 kernels run 1.5x faster than on the last (2026-12-06), the
// WASM build was 3.2-3.5x native, and 17% of its samples were im2col (10.8%) and the packing of B
// (6.6%): two copies of every input value per 3x3 tap before the kernel reads it. Here the kernel
// reads the input where it lies (unaligned 128-bit loads; lanes that fall into the left or right
// padding are masked to zero, rows in the top or bottom padding skipped).
//
// Bit for bit the original's results: the blocks of N (pixels) and K (filter taps) are those of
// MlasConvOperation (the same StrideN/StrideK rule), each output is summed over a K block from
// zero in the same order of k and then stored (the first block when Beta is 0) or added to C, as
// MLAS's WASM SGEMM kernels do; a tap in the padding adds 0 * w there and nothing here, which
// leaves a sum that starts at +0 the same. On the last K block the block function also does what
// MlasActivation would do next for identity and ReLU, as it does it (bias + C, then max(x, 0)),
// before its store, which saves a pass over the output (2.4% of the student's samples went to
// MlasActivation); any other activation still goes through MLAS's own function.
// tests/inference/ortDirectConvKernel.test.ts holds the block function to a float32 reckoning of
// im2col + SGEMM bit for bit; tests/browser/ortSgemmPatch.test.ts compares the outputs of the
// served and shipped binaries bit for bit in Chromium.
//
// Both served binaries get it. In the WebGPU build's (asyncify), MlasConvOperation and
// MlasActivation are instrumented so that the stack could unwind through them, because each makes
// a call (through a pointer, or to a function that makes one) that asyncify cannot rule out
// reaching an asynchronous import. At run time none does: the stack unwinds only at the WebGPU
// provider's asynchronous imports, which MLAS's CPU kernels never call, so that instrumentation
// never acts, and a new body without it is sound. (Were the original ever to unwind from the
// fallback call, the new body, which writes nothing before that call, would return at once and
// reach the same call again when the stack is rewound.)

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concat, functionTypeEnd, importedFunctionCount, sections, sizedEnd, sleb, uleb, ulebEnd, vectorEntries, vectorSection } from './wasm-binary.mjs';

// Offsets in MLAS_CONV_PARAMETERS as onnxruntime-web 1.30.0 lays it out (wasm32), read off the
// binary's im2col and MlasConvOperation.
const P = {
  activation: 0, dimensions: 4, inputHeight: 24, inputWidth: 28, kernelHeight: 36, kernelWidth: 40,
  dilationHeight: 48, dilationWidth: 52, paddingTop: 60, paddingLeft: 64, strideHeight: 84, strideWidth: 88,
  filterCount: 96, outputHeight: 100, outputWidth: 104, inputSize: 112, outputSize: 116, k: 120, beta: 124,
};

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** A function body under construction: named locals, and instructions as bytes. */
class Body {
  constructor(params) {
    this.params = params;
    this.names = new Map(params.map((name, i) => [name, i]));
    this.localTypes = [];
    this.code = [];
  }
  local(name, type = I32) {
    if (this.names.has(name)) throw new Error(`local ${name} declared twice`);
    this.names.set(name, this.params.length + this.localTypes.length);
    this.localTypes.push(type);
  }
  at(name) {
    const i = this.names.get(name);
    if (i === undefined) throw new Error(`no local ${name}`);
    return i;
  }
  emit(...bytes) {
    for (const b of bytes) {
      if (Array.isArray(b)) this.emit(...b);
      else this.code.push(b);
    }
    return this;
  }
  get(name) { return this.emit(0x20, uleb(this.at(name))); }
  set(name) { return this.emit(0x21, uleb(this.at(name))); }
  tee(name) { return this.emit(0x22, uleb(this.at(name))); }
  i32(n) { return this.emit(0x41, sleb(n)); }
  /** The finished entry of the code section: locals grouped by type, then the expression. */
  bytes() {
    const groups = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    return Uint8Array.from([...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), t]), ...this.code, 0x0b]);
  }
}

const OP = {
  block: [0x02, 0x40], loop: [0x03, 0x40], if: [0x04, 0x40], else: [0x05], end: [0x0b],
  br: (d) => [0x0c, ...uleb(d)], brIf: (d) => [0x0d, ...uleb(d)], return: [0x0f],
  call: (f) => [0x10, ...uleb(f)], select: [0x1b],
  i32Load: (offset) => [0x28, 0x02, ...uleb(offset)], f32Load: (offset) => [0x2a, 0x02, ...uleb(offset)],
  f32Const: (x) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
  eqz: [0x45], eq: [0x46], ne: [0x47], ltU: [0x49], gtU: [0x4b], leU: [0x4d], geU: [0x4f], f32Eq: [0x5b],
  add: [0x6a], sub: [0x6b], mul: [0x6c], divU: [0x6e], remU: [0x70], and: [0x71], or: [0x72], shl: [0x74], shrU: [0x76],
  v128Load: (offset = 0) => [0xfd, 0x00, 0x00, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 0x00, ...uleb(offset)],
  load32Splat: (offset = 0) => [0xfd, 0x09, 0x02, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array(16).fill(0)],
  lanes0123: [0xfd, 0x0c, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0],
  i32x4Splat: [0xfd, 0x11], i32x4Add: [0xfd, ...uleb(0xae)], i32x4LtU: [0xfd, 0x3a],
  v128And: [0xfd, 0x4e], f32x4Add: [0xfd, ...uleb(0xe4)], f32x4Mul: [0xfd, ...uleb(0xe6)], f32x4Max: [0xfd, ...uleb(0xe9)],
};

/** `fuse`: MLAS's activation done by the block function on the last K block (MLAS_ACTIVATION_KIND: identity 0, ReLU 1). */
const FUSE_NONE = 0;
const FUSE_IDENTITY = 1;
const FUSE_RELU = 2;

/** The block function's parameters, all i32, and its type (no results) as the type section writes it. */
const BLOCK_PARAMS = ['params', 'input', 'filter', 'k0', 'countK', 'n0', 'countN', 'c', 'zero', 'scratch', 'bias', 'fuse'];
const BLOCK_TYPE = [0x60, BLOCK_PARAMS.length, ...BLOCK_PARAMS.map(() => I32), 0];

/**
 * The block function: one K block (k0, countK) of one N block (n0, countN, output at C) for every
 * filter, straight from the input. Takes only what convOperationBody checked it can: 2-D, stride
 * and dilation 1, output the size of the input, a width and pixel range in fours, an even number
 * of filters, kernels of at most 3 wide. `scratch` (the caller's column buffer, which MLAS sizes
 * for far more) holds the masks of the blocks at the ends of a row.
 */
export function directBlockBody() {
  const b = new Body(BLOCK_PARAMS);
  for (const name of ['iw', 'ih', 'kw', 'kh', 'padT', 'padL', 'is4', 'os4', 'k4', 'fc', 'khw', 'kEnd',
    'c0', 'ky0', 'kx0', 'p', 'end', 'oy', 'ox', 'v', 'masked', 'f', 'outp', 'w0', 'wBase',
    'cc', 'ky', 'kx', 'k', 'run', 'iy', 'ptr', 'mptr', 't', 'q', 'iw4', 'whole3', 'whole3Row', 'base4', 'r1', 'r2', 'chans']) b.local(name);
  for (let i = 0; i < 8; i++) b.local(`q${i}`);
  for (let i = 0; i < 8; i++) b.local(`acc${i}`, V128);
  for (let i = 0; i < 8; i++) b.local(`a${i}`, V128);
  for (const name of ['x0', 'x1', 'x2', 'x3', 't0']) b.local(name, V128);
  const load = (field, into) => b.get('params').emit(OP.i32Load(field)).set(into);
  load(P.inputWidth, 'iw'); load(P.inputHeight, 'ih'); load(P.kernelWidth, 'kw'); load(P.kernelHeight, 'kh');
  load(P.paddingTop, 'padT'); load(P.paddingLeft, 'padL'); load(P.filterCount, 'fc');
  b.get('params').emit(OP.i32Load(P.inputSize)).i32(2).emit(OP.shl).set('is4');
  b.get('params').emit(OP.i32Load(P.outputSize)).i32(2).emit(OP.shl).set('os4');
  b.get('params').emit(OP.i32Load(P.k)).i32(2).emit(OP.shl).set('k4');
  b.get('kw').get('kh').emit(OP.mul).set('khw');
  b.get('k0').get('countK').emit(OP.add).set('kEnd');
  b.get('iw').i32(2).emit(OP.shl).set('iw4');
  // Where k0 falls: channel, kernel row, kernel column.
  b.get('k0').get('khw').emit(OP.divU).set('c0');
  b.get('k0').get('khw').emit(OP.remU).tee('q').get('kw').emit(OP.divU).set('ky0');
  b.get('q').get('kw').emit(OP.remU).set('kx0');
  b.get('n0').tee('p').get('countN').emit(OP.add).set('end');
  // Kernel rows of 3 taps with one column of padding on the left take an unrolled path.
  b.get('kw').i32(3).emit(OP.eq).get('padL').i32(1).emit(OP.eq, OP.and).set('whole3Row');

  // For each row piece of the pixel range, blocks of 16, 8 or 4 pixels.
  b.emit(OP.block, OP.loop); // pieces and blocks
  b.get('p').get('end').emit(OP.geU, OP.brIf(1));
  b.get('p').get('iw').emit(OP.divU).set('oy');
  b.get('p').get('oy').get('iw').emit(OP.mul, OP.sub).set('ox');
  // Pixels left in this row and this range.
  b.get('end').get('p').emit(OP.sub).tee('q').get('iw').get('ox').emit(OP.sub).tee('t')
    .get('q').get('t').emit(OP.ltU, OP.select).set('q');
  b.i32(4).i32(2).i32(1).get('q').i32(8).emit(OP.geU, OP.select).get('q').i32(16).emit(OP.geU, OP.select).set('v');
  // A block touches the padding when a tap of its first or last pixel falls outside the row.
  b.get('ox').get('padL').emit(OP.ltU);
  b.get('ox').get('v').i32(2).emit(OP.shl, OP.add).get('kw').emit(OP.add).get('padL').emit(OP.sub).i32(1).emit(OP.sub)
    .get('iw').emit(OP.gtU, OP.or).set('masked');
  // Masks per kernel column and vector, in the scratch buffer (64 bytes per kernel column): a lane
  // is kept when its input column lies in the row (an unsigned compare, so left of 0 fails too).
  b.get('masked').emit(OP.if);
  b.i32(0).set('kx');
  b.emit(OP.loop);
  for (let vec = 0; vec < 4; vec++) {
    b.get('scratch').get('kx').i32(6).emit(OP.shl, OP.add);
    b.get('ox').i32(vec * 4).emit(OP.add).get('kx').emit(OP.add).get('padL').emit(OP.sub).emit(OP.i32x4Splat).emit(OP.lanes0123, OP.i32x4Add);
    b.get('iw').emit(OP.i32x4Splat, OP.i32x4LtU);
    b.emit(OP.v128Store(vec * 16));
  }
  b.get('kx').i32(1).emit(OP.add).tee('kx').get('kw').emit(OP.ltU, OP.brIf(0), OP.end);
  b.emit(OP.end);

  // A 3x3 kernel whose three rows all lie in the image: whole channels take the unrolled path.
  b.get('kw').i32(3).emit(OP.eq).get('kh').i32(3).emit(OP.eq, OP.and)
    .get('oy').get('padT').emit(OP.geU, OP.and)
    .get('oy').i32(2).emit(OP.add).get('ih').get('padT').emit(OP.add, OP.ltU, OP.and)
    .get('padL').i32(1).emit(OP.eq, OP.and).set('whole3');
  b.get('oy').get('padT').emit(OP.sub).get('iw').emit(OP.mul).get('ox').emit(OP.add).get('padL').emit(OP.sub).i32(2).emit(OP.shl).set('base4');
  // Tiles of 8 accumulators: 2 filters x 16 pixels; the row's tail of 8 or 4 pixels takes 4 or 8
  // filters at once where their count allows, so that each tap still feeds 8 vectors.
  const tiles = { 4: [2], 2: [4, 2], 1: [8, 4, 2] };
  for (const vectors of [4, 2, 1]) {
    b.get('v').i32(vectors).emit(OP.eq, OP.if);
    b.get('masked').emit(OP.if);
    tileChoice(b, tiles[vectors], vectors, true);
    b.emit(OP.else);
    tileChoice(b, tiles[vectors], vectors, false);
    b.emit(OP.end, OP.end);
  }
  b.get('p').get('v').i32(2).emit(OP.shl, OP.add).set('p');
  b.emit(OP.br(0), OP.end, OP.end);
  return b;
}

/** The first of `filterCounts` that divides the number of filters (the last, 2, always does). */
function tileChoice(b, filterCounts, vectors, masked) {
  const [filters, ...rest] = filterCounts;
  if (!rest.length) return filterGroups(b, filters, vectors, masked);
  b.get('fc').i32(filters - 1).emit(OP.and, OP.eqz, OP.if);
  filterGroups(b, filters, vectors, masked);
  b.emit(OP.else);
  tileChoice(b, rest, vectors, masked);
  b.emit(OP.end);
}

/** Every group of `filters` filters over one block of `vectors` x 4 pixels at (oy, ox). */
function filterGroups(b, filters, vectors, masked) {
  const acc = (f, v) => `acc${f * vectors + v}`;
  const all = (fn) => { for (let f = 0; f < filters; f++) for (let v = 0; v < vectors; v++) fn(f, v); };
  // Each filter's weights for this tap: w0, then one filter's K further on each.
  const weights = () => {
    for (let f = 1; f < filters; f++) b.get(`q${f - 1}`).get('k4').emit(OP.add).set(`q${f}`);
  };
  const tap = (f) => `a${f}`;
  // One tap for the whole tile: `pixels(v)` pushes vector v of the input (masked where it must
  // be), `splat(f)` filter f's weight broadcast. The vectors first, then each weight broadcast just
  // before its accumulators take it, so that one broadcast is live at a time: with all of them
  // broadcast first, the 8-filter tile (rows 12 wide) kept 8 beside its 8 accumulators, more than
  // x64's 16 vector registers, and V8 spilled them (the 8x12 level ran at 14 GMAC/s against 20-24
  // elsewhere; 19 so). Each accumulator's sum is the same either way.
  const tapStep = (splat, pixels) => {
    for (let v = 0; v < vectors; v++) {
      pixels(v);
      b.set(`x${v}`);
    }
    for (let f = 0; f < filters; f++) {
      splat(f);
      b.set('t0');
      for (let v = 0; v < vectors; v++) b.get(acc(f, v)).get('t0').get(`x${v}`).emit(OP.f32x4Mul, OP.f32x4Add).set(acc(f, v));
    }
  };
  b.i32(0).set('f');
  b.get('c').get('p').get('n0').emit(OP.sub).i32(2).emit(OP.shl, OP.add).set('outp');
  b.get('filter').get('k0').i32(2).emit(OP.shl, OP.add).set('wBase');
  b.emit(OP.loop); // filter groups
  all((f, v) => b.emit(OP.v128Zero).set(acc(f, v)));
  b.get('wBase').set('w0');
  b.get('k0').set('k'); b.get('c0').set('cc'); b.get('ky0').set('ky'); b.get('kx0').set('kx');
  b.emit(OP.loop); // kernel rows of the K block
  b.emit(OP.block);
  // Whole channels of a 3x3 kernel inside the image: nine taps each, unrolled, in a loop of their
  // own that only moves its pointers on (the K block's bookkeeping, done once for the run of
  // channels, had been a sixth of the instructions a channel took).
  b.get('whole3').get('kx').get('ky').emit(OP.or, OP.eqz, OP.and).get('k').i32(9).emit(OP.add).get('kEnd').emit(OP.leU, OP.and, OP.if);
  b.get('input').get('cc').get('is4').emit(OP.mul, OP.add).get('base4').emit(OP.add).tee('ptr').get('iw4').emit(OP.add).tee('r1').get('iw4').emit(OP.add).set('r2');
  b.get('w0').set('q0');
  weights();
  b.get('kEnd').get('k').emit(OP.sub).i32(9).emit(OP.divU).set('chans');
  b.get('k').get('chans').i32(9).emit(OP.mul, OP.add).set('k');
  b.get('cc').get('chans').emit(OP.add).set('cc');
  b.get('w0').get('chans').i32(36).emit(OP.mul, OP.add).set('w0');
  b.emit(OP.loop); // whole channels
  for (let ky = 0; ky < 3; ky++) {
    for (let kx = 0; kx < 3; kx++) {
      tapStep((f) => b.get(`q${f}`).emit(OP.load32Splat((ky * 3 + kx) * 4)), (v) => {
        b.get(['ptr', 'r1', 'r2'][ky]).emit(OP.v128Load(kx * 4 + v * 16));
        // With one column of padding on the left, only the first pixel's left tap can fall outside
        // the row, and only the last pixel's right tap: the other masks are all ones.
        if (masked && ((kx === 0 && v === 0) || (kx === 2 && v === vectors - 1))) b.get('scratch').emit(OP.v128Load(kx * 64 + v * 16), OP.v128And);
      });
    }
  }
  for (const r of ['ptr', 'r1', 'r2']) b.get(r).get('is4').emit(OP.add).set(r);
  for (let f = 0; f < filters; f++) b.get(`q${f}`).i32(36).emit(OP.add).set(`q${f}`);
  b.get('chans').i32(1).emit(OP.sub).tee('chans').emit(OP.brIf(0), OP.end);
  b.emit(OP.br(1), OP.end);
  // Any other run of taps along one kernel row: run = min(kw - kx, kEnd - k).
  b.get('kw').get('kx').emit(OP.sub).tee('run').get('kEnd').get('k').emit(OP.sub).tee('t')
    .get('run').get('t').emit(OP.ltU, OP.select).set('run');
  b.get('oy').get('ky').emit(OP.add).get('padT').emit(OP.sub).tee('iy').get('ih').emit(OP.ltU, OP.if);
  // ptr = input + 4 * (cc * inputSize + iy * iw + ox - padL + kx)
  b.get('input').get('cc').get('is4').emit(OP.mul, OP.add)
    .get('iy').get('iw').emit(OP.mul).get('ox').emit(OP.add).get('padL').emit(OP.sub).get('kx').emit(OP.add).i32(2).emit(OP.shl, OP.add).set('ptr');
  b.get('w0').set('q0');
  weights();
  // A whole kernel row of 3 taps (the partial channels at the ends of a K block, the rows at the
  // top and bottom of the image): unrolled, with the masks placed as in the whole channel.
  b.get('whole3Row').get('run').i32(3).emit(OP.eq, OP.and, OP.if);
  for (let kx = 0; kx < 3; kx++) {
    tapStep((f) => b.get(`q${f}`).emit(OP.load32Splat(kx * 4)), (v) => {
      b.get('ptr').emit(OP.v128Load(kx * 4 + v * 16));
      if (masked && ((kx === 0 && v === 0) || (kx === 2 && v === vectors - 1))) b.get('scratch').emit(OP.v128Load(kx * 64 + v * 16), OP.v128And);
    });
  }
  b.emit(OP.else);
  if (masked) b.get('scratch').get('kx').i32(6).emit(OP.shl, OP.add).set('mptr');
  b.get('run').set('t');
  b.emit(OP.loop); // taps of the row
  tapStep((f) => b.get(`q${f}`).emit(OP.load32Splat()), (v) => {
    b.get('ptr').emit(OP.v128Load(v * 16));
    if (masked) b.get('mptr').emit(OP.v128Load(v * 16), OP.v128And);
  });
  b.get('ptr').i32(4).emit(OP.add).set('ptr');
  for (let f = 0; f < filters; f++) b.get(`q${f}`).i32(4).emit(OP.add).set(`q${f}`);
  if (masked) b.get('mptr').i32(64).emit(OP.add).set('mptr');
  b.get('t').i32(1).emit(OP.sub).tee('t').emit(OP.brIf(0), OP.end);
  b.emit(OP.end); // 3 taps or any
  b.emit(OP.end); // if the row is in the image
  b.get('w0').get('run').i32(2).emit(OP.shl, OP.add).set('w0');
  b.get('k').get('run').emit(OP.add).set('k');
  b.i32(0).set('kx');
  b.get('ky').i32(1).emit(OP.add).tee('ky').get('kh').emit(OP.eq, OP.if);
  b.i32(0).set('ky');
  b.get('cc').i32(1).emit(OP.add).set('cc');
  b.emit(OP.end);
  b.emit(OP.end); // the row
  b.get('k').get('kEnd').emit(OP.ltU, OP.brIf(0), OP.end);
  // Added to C unless this is the first K block and Beta is 0, as MLAS's two SGEMM kernels do
  // (C + sum, in that order).
  b.get('outp').set('q0');
  for (let f = 1; f < filters; f++) b.get(`q${f - 1}`).get('os4').emit(OP.add).set(`q${f}`);
  b.get('zero').emit(OP.eqz, OP.if);
  all((f, v) => b.get(`q${f}`).emit(OP.v128Load(v * 16)).get(acc(f, v)).emit(OP.f32x4Add).set(acc(f, v)));
  b.emit(OP.end);
  // On the last K block, MlasActivation's work for identity and ReLU, as it does it: the filter's
  // bias added (bias + C, in that order, when there is a bias), then max(x, 0) for ReLU.
  b.get('fuse').emit(OP.if);
  b.get('bias').emit(OP.if);
  for (let f = 0; f < filters; f++) b.get('bias').get('f').i32(f).emit(OP.add).i32(2).emit(OP.shl, OP.add).emit(OP.load32Splat()).set(tap(f));
  all((f, v) => b.get(tap(f)).get(acc(f, v)).emit(OP.f32x4Add).set(acc(f, v)));
  b.emit(OP.end);
  b.get('fuse').i32(FUSE_RELU).emit(OP.eq, OP.if);
  all((f, v) => b.get(acc(f, v)).emit(OP.v128Zero, OP.f32x4Max).set(acc(f, v)));
  b.emit(OP.end);
  b.emit(OP.end);
  all((f, v) => b.get(`q${f}`).get(acc(f, v)).emit(OP.v128Store(v * 16)));
  b.get('outp').get('os4').i32(filters).emit(OP.mul, OP.add).set('outp');
  b.get('wBase').get('k4').i32(filters).emit(OP.mul, OP.add).set('wBase');
  b.get('f').i32(filters).emit(OP.add).tee('f').get('fc').emit(OP.ltU, OP.brIf(0), OP.end);
}

/**
 * MlasConvOperation's new body: the original's loops over N and K blocks, each block computed by
 * the block function, then bias and activation per N block; anything the block function does not
 * take goes to the original, unchanged.
 */
export function convOperationBody(site, original, block) {
  const b = new Body(['params', 'input', 'filter', 'bias', 'buffer', 'output', 'start', 'count']);
  for (const name of ['k', 'strideN', 'strideK', 'n', 'countN', 'kk', 'countK', 'c', 'zero', 'os', 'fuse']) b.local(name);
  b.local('beta', F32);
  const field = (offset) => b.get('params').emit(OP.i32Load(offset));
  // Taken: MLAS's GEMM not overridden, 2-D, stride and dilation 1, the output the size of the
  // input, kernels at most 3 wide, widths and pixel ranges in fours, an even number of filters,
  // Beta 0 or 1. (The masks need 64 bytes per kernel column of the column buffer, of which MLAS
  // gives every thread at least 16384 floats.)
  b.i32(site.overridePointer).emit(OP.i32Load(0), OP.eqz);
  field(P.dimensions).i32(2).emit(OP.eq, OP.and);
  for (const f of [P.strideHeight, P.strideWidth, P.dilationHeight, P.dilationWidth]) field(f).i32(1).emit(OP.eq, OP.and);
  field(P.outputHeight).get('params').emit(OP.i32Load(P.inputHeight), OP.eq, OP.and);
  field(P.outputWidth).get('params').emit(OP.i32Load(P.inputWidth), OP.eq, OP.and);
  field(P.kernelWidth).i32(4).emit(OP.ltU, OP.and);
  field(P.inputWidth).get('start').emit(OP.or).get('count').emit(OP.or);
  b.i32(3).emit(OP.and, OP.eqz, OP.and);
  field(P.filterCount).i32(1).emit(OP.and, OP.eqz, OP.and);
  b.get('params').emit(OP.f32Load(P.beta)).tee('beta').emit(OP.f32Const(0), OP.f32Eq);
  b.get('beta').emit(OP.f32Const(1), OP.f32Eq, OP.or, OP.and);
  b.emit(OP.eqz, OP.if);
  for (const name of b.params) b.get(name);
  b.emit(OP.call(original), OP.return, OP.end);
  field(P.k).set('k');
  field(P.outputSize).set('os');
  // Identity and ReLU are done on the last K block's store; any other activation by MlasActivation.
  b.i32(FUSE_RELU).i32(FUSE_IDENTITY);
  field(P.activation).emit(OP.i32Load(0)).tee('fuse').i32(1).emit(OP.eq, OP.select);
  b.i32(FUSE_NONE).get('fuse').i32(2).emit(OP.ltU, OP.select).set('fuse');
  // MlasConvOperation's strides, as the binary computes them. SegmentCountN >= K: StrideK halves
  // (from 128) while its half still covers K, StrideN doubling.
  b.get('count').get('k').emit(OP.geU, OP.if);
  b.i32(128).set('strideN');
  b.i32(128).set('strideK');
  b.emit(OP.block, OP.loop);
  b.get('strideK').i32(1).emit(OP.shrU).get('k').emit(OP.ltU, OP.brIf(1));
  b.get('strideN').i32(1).emit(OP.shl).set('strideN');
  b.get('strideK').i32(1).emit(OP.shrU).set('strideK');
  b.emit(OP.br(0), OP.end, OP.end);
  b.emit(OP.else);
  // SegmentCountN < K: StrideN halves (from 128, not under 16) while its half still covers the segment.
  b.i32(128).set('strideN');
  b.i32(128).set('strideK');
  b.emit(OP.block, OP.loop);
  b.get('strideN').i32(16).emit(OP.leU, OP.brIf(1));
  b.get('strideN').i32(1).emit(OP.shrU).get('count').emit(OP.ltU, OP.brIf(1));
  b.get('strideN').i32(1).emit(OP.shrU).set('strideN');
  b.get('strideK').i32(1).emit(OP.shl).set('strideK');
  b.emit(OP.br(0), OP.end, OP.end);
  b.emit(OP.end);
  b.i32(0).set('n');
  b.emit(OP.block, OP.loop);
  b.get('n').get('count').emit(OP.geU, OP.brIf(1));
  b.get('count').get('n').emit(OP.sub).tee('countN').get('strideN').get('countN').get('strideN').emit(OP.ltU, OP.select).set('countN');
  b.get('output').get('start').get('n').emit(OP.add).i32(2).emit(OP.shl, OP.add).set('c');
  b.i32(0).set('kk');
  b.emit(OP.loop);
  b.get('k').get('kk').emit(OP.sub).tee('countK').get('strideK').get('countK').get('strideK').emit(OP.ltU, OP.select).set('countK');
  b.get('kk').emit(OP.eqz).get('beta').emit(OP.f32Const(0), OP.f32Eq, OP.and).set('zero');
  for (const name of ['params', 'input', 'filter', 'kk', 'countK']) b.get(name);
  b.get('start').get('n').emit(OP.add);
  for (const name of ['countN', 'c', 'zero', 'buffer', 'bias']) b.get(name);
  b.get('fuse').i32(FUSE_NONE).get('kk').get('countK').emit(OP.add).get('k').emit(OP.eq, OP.select);
  b.emit(OP.call(block));
  b.get('kk').get('countK').emit(OP.add).tee('kk').get('k').emit(OP.ltU, OP.brIf(0), OP.end);
  b.get('fuse').emit(OP.eqz, OP.if);
  field(P.activation).get('c').get('bias');
  field(P.filterCount).get('countN').get('os').emit(OP.call(site.activation));
  b.emit(OP.end);
  b.get('n').get('countN').emit(OP.add).set('n');
  b.emit(OP.br(0), OP.end, OP.end);
  return b;
}

/**
 * `bytes` with MlasConvOperation's direct path (see the top of this file). `site`: the indices of
 * MlasConvOperation and MlasActivation and the address of MLAS's GEMM override pointer in this
 * binary (scripts/patch-ort-sgemm.mjs's BINARIES, which checks the binary first).
 */
export function patchDirectConv(bytes, site) {
  const all = sections(bytes);
  const types = all.find((s) => s.id === 1);
  const functions = all.find((s) => s.id === 3);
  const code = all.find((s) => s.id === 10);
  const imports = importedFunctionCount(bytes, all.find((s) => s.id === 2));
  const typeEntries = vectorEntries(bytes, types, functionTypeEnd);
  const functionEntries = vectorEntries(bytes, functions, ulebEnd);
  const codeEntries = vectorEntries(bytes, code, sizedEnd);
  const at = site.convOperation - imports;
  const convType = functionEntries[at];
  const blockType = typeEntries.length;
  typeEntries.push(Uint8Array.from(BLOCK_TYPE));
  const original = imports + functionEntries.length;
  const block = original + 1;
  functionEntries.push(convType, Uint8Array.from(uleb(blockType)));
  const entry = (body) => { const b = body.bytes(); return concat([Uint8Array.from(uleb(b.length)), b]); };
  codeEntries.push(codeEntries[at], entry(directBlockBody()));
  codeEntries[at] = entry(convOperationBody(site, original, block));
  const parts = [bytes.subarray(0, 8)];
  for (const s of all) {
    if (s.id === 1) parts.push(...vectorSection(1, typeEntries));
    else if (s.id === 3) parts.push(...vectorSection(3, functionEntries));
    else if (s.id === 10) parts.push(...vectorSection(10, codeEntries));
    else parts.push(bytes.subarray(s.headerAt, s.end));
  }
  return concat(parts);
}

/**
 * The block function alone in a module of its own (exports `block` and `memory`): for tests and
 * measurements of the kernel apart from onnxruntime. `pages` of 64 KiB.
 */
export function standaloneBlockModule(pages) {
  const section = (id, content) => [id, ...uleb(content.length), ...content];
  const vector = (items) => [...uleb(items.length), ...items.flat()];
  const name = (s) => [...uleb(s.length), ...new TextEncoder().encode(s)];
  const body = directBlockBody().bytes();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([BLOCK_TYPE])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...section(7, vector([[...name('block'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // node scripts/ort-direct-conv.mjs --standalone OUT.wasm PAGES: the block function's own module,
  // for tests (jest's CommonJS cannot import this file).
  const [flag, output, pages] = process.argv.slice(2);
  if (flag !== '--standalone' || !output || !(Number(pages) > 0)) {
    console.error('usage: node scripts/ort-direct-conv.mjs --standalone OUT.wasm PAGES');
    process.exit(2);
  }
  writeFileSync(output, standaloneBlockModule(Number(pages)));
}
