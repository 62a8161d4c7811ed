/**
 * The direct convolution that the build puts into onnxruntime-web's WASM binary
 * (scripts/ort-direct-conv.mjs), its block function alone in a module of its own, in Node: each
 * output bit for bit what MLAS's im2col + SGEMM reckon (the taps of a K block summed from +0 in
 * the order of k, a tap in the padding adding w * 0, then stored or added to C), over the kernel's
 * paths: tiles of 2, 4 and 8 filters, rows of 16, 8 and 4 pixels, blocks at the edges of a row,
 * K blocks that start and end inside a channel, N blocks that start inside a row, kernels of
 * 3x3, 3x1 and 1x3, and padding of 0 or 1 on the left; and on the last K block, MlasActivation's
 * work for identity and ReLU as it does it (bias + C, then max(x, 0)).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers/tools.js';

const PAGES = 16;
let blockModule: WebAssembly.Module;

beforeAll(() => {
  // The script is an ES module, which this CommonJS test cannot import: it writes the module out.
  const file = join(tempDir('direct-conv-'), 'block.wasm');
  const r = spawnSync(process.execPath, [resolve(__dirname, '../../scripts/ort-direct-conv.mjs'), '--standalone', file, String(PAGES)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/ort-direct-conv.mjs --standalone failed: ${r.stderr}`);
  blockModule = new WebAssembly.Module(readFileSync(file));
});

// MLAS_CONV_PARAMETERS' offsets in onnxruntime-web 1.30.0 (wasm32), as the script reads them.
const FIELD = { dimensions: 4, inputHeight: 24, inputWidth: 28, kernelHeight: 36, kernelWidth: 40, dilationHeight: 48, dilationWidth: 52, paddingTop: 60, paddingLeft: 64, strideHeight: 84, strideWidth: 88, filterCount: 96, outputHeight: 100, outputWidth: 104, inputSize: 112, outputSize: 116, k: 120 };

interface Case {
  channels: number;
  filters: number;
  height: number;
  width: number;
  kernel: [number, number];
  /** Top and left; the bottom and right make the output the size of the input. */
  pad: [number, number];
  /** [k0, countK] blocks, in order; the first is stored (or added, with `accumulate`), the rest added. */
  kBlocks?: [number, number][];
  /** [n0, countN] blocks. */
  nBlocks?: [number, number][];
  /** C holds values before the first block, which adds to them (MLAS's Beta of 1). */
  accumulate?: boolean;
  /** MlasActivation's work on the last K block: identity or ReLU, with each filter's bias unless `noBias`. */
  activation?: 'identity' | 'relu';
  noBias?: boolean;
}

/** The block function's `fuse` argument (scripts/ort-direct-conv.mjs). */
const FUSE = { identity: 1, relu: 2 } as const;

function run(c: Case): { got: Uint32Array; expected: Uint32Array } {
  const [kh, kw] = c.kernel;
  const k = c.channels * kh * kw;
  const size = c.height * c.width;
  const kBlocks = c.kBlocks ?? [[0, k]];
  const nBlocks = c.nBlocks ?? [[0, size]];
  // Parameters at 0; input, weights, output and the masks' scratch after it, each 4 KiB apart.
  const input = 4096;
  const weights = input + 4 * c.channels * size + 4096;
  const output = weights + 4 * c.filters * k + 4096;
  const scratch = output + 4 * c.filters * size + 4096;
  const bias = scratch + 4096;
  const end = bias + 4 * c.filters + 4096;
  if (end > PAGES * 65536) throw new RangeError(`case too large for the module's ${PAGES} pages`);
  const instance = new WebAssembly.Instance(blockModule);
  const exports = instance.exports as { block: (...args: number[]) => void; memory: WebAssembly.Memory };
  const i32 = new Int32Array(exports.memory.buffer);
  const f32 = new Float32Array(exports.memory.buffer);
  const set = (offset: number, v: number) => (i32[offset >> 2] = v);
  set(FIELD.dimensions, 2);
  set(FIELD.inputHeight, c.height);
  set(FIELD.inputWidth, c.width);
  set(FIELD.kernelHeight, kh);
  set(FIELD.kernelWidth, kw);
  for (const f of [FIELD.dilationHeight, FIELD.dilationWidth, FIELD.strideHeight, FIELD.strideWidth]) set(f, 1);
  set(FIELD.paddingTop, c.pad[0]);
  set(FIELD.paddingLeft, c.pad[1]);
  set(FIELD.filterCount, c.filters);
  set(FIELD.outputHeight, c.height);
  set(FIELD.outputWidth, c.width);
  set(FIELD.inputSize, size);
  set(FIELD.outputSize, size);
  set(FIELD.k, k);
  // Values of both signs, some exactly zero, and NaN just outside the input (the kernel reads a
  // float before and after a row, and must mask what it reads there).
  f32[(input >> 2) - 1] = NaN;
  f32[(input >> 2) + c.channels * size] = NaN;
  for (let i = 0; i < c.channels * size; i++) f32[(input >> 2) + i] = i % 7 === 3 ? 0 : Math.sin(i * 0.731) * 3;
  for (let i = 0; i < c.filters * k; i++) f32[(weights >> 2) + i] = Math.cos(i * 0.377) * 0.5;
  const before = new Float32Array(c.filters * size).map((_, i) => (c.accumulate ? Math.sin(i * 0.05) : 12345));
  f32.set(before, output >> 2);
  // Biases of both signs, so that ReLU zeroes some sums and not others.
  for (let f = 0; f < c.filters; f++) f32[(bias >> 2) + f] = Math.cos(f * 1.7) * 0.8;
  const withBias = c.activation !== undefined && !c.noBias;

  for (const [n0, countN] of nBlocks) {
    kBlocks.forEach(([k0, countK], i) => {
      const fuse = c.activation && i === kBlocks.length - 1 ? FUSE[c.activation] : 0;
      exports.block(0, input, weights, k0, countK, n0, countN, output + 4 * n0, i === 0 && !c.accumulate ? 1 : 0, scratch, withBias ? bias : 0, fuse);
    });
  }

  const expected = Float32Array.from(before);
  const x = (ch: number, iy: number, ix: number) => (iy < 0 || iy >= c.height || ix < 0 || ix >= c.width ? 0 : f32[(input >> 2) + ch * size + iy * c.width + ix]!);
  for (const [n0, countN] of nBlocks) {
    for (let f = 0; f < c.filters; f++) {
      for (let n = n0; n < n0 + countN; n++) {
        const [oy, ox] = [Math.floor(n / c.width), n % c.width];
        kBlocks.forEach(([k0, countK], i) => {
          let acc = 0;
          for (let t = k0; t < k0 + countK; t++) {
            const ch = Math.floor(t / (kh * kw));
            const r = t % (kh * kw);
            const product = Math.fround(f32[(weights >> 2) + f * k + t]! * x(ch, oy + Math.floor(r / kw) - c.pad[0], ox + (r % kw) - c.pad[1]));
            acc = Math.fround(acc + product);
          }
          const at = f * size + n;
          expected[at] = i === 0 && !c.accumulate ? acc : Math.fround(expected[at]! + acc);
        });
        // Then MlasActivation: bias + C, and max(x, 0) for ReLU.
        const at = f * size + n;
        if (withBias) expected[at] = Math.fround(f32[(bias >> 2) + f]! + expected[at]!);
        if (c.activation === 'relu') expected[at] = Math.max(expected[at]!, 0);
      }
    }
  }
  const got = new Float32Array(c.filters * size);
  got.set(f32.subarray(output >> 2, (output >> 2) + c.filters * size));
  return { got: new Uint32Array(got.buffer), expected: new Uint32Array(expected.buffer) };
}

const cases: [string, Case][] = [
  ['3x3, 8 filters over rows of 16 (2-filter tiles), one K block', { channels: 8, filters: 8, height: 6, width: 32, kernel: [3, 3], pad: [1, 1] }],
  ['3x3, rows of 28 (16 + 8 + 4 pixels: tiles of 2, 4 and 8 filters)', { channels: 5, filters: 16, height: 5, width: 28, kernel: [3, 3], pad: [1, 1] }],
  ['3x3, 12 filters (the 4-pixel tail takes 4 at once, not 8)', { channels: 3, filters: 12, height: 4, width: 12, kernel: [3, 3], pad: [1, 1] }],
  ['3x3, 6 filters (every tail in 2-filter tiles)', { channels: 3, filters: 6, height: 5, width: 4, kernel: [3, 3], pad: [1, 1] }],
  [
    '3x3, K blocks that start and end inside a channel, added to C',
    { channels: 16, filters: 8, height: 7, width: 24, kernel: [3, 3], pad: [1, 1], kBlocks: [[0, 128], [128, 16]] },
  ],
  [
    '3x3, K blocks of odd sizes, N blocks that start inside a row',
    { channels: 9, filters: 4, height: 6, width: 20, kernel: [3, 3], pad: [1, 1], kBlocks: [[0, 40], [40, 1], [41, 40]], nBlocks: [[0, 28], [28, 44], [72, 48]] },
  ],
  ['3x3, Beta 1: the first block adds to what C holds', { channels: 4, filters: 4, height: 5, width: 16, kernel: [3, 3], pad: [1, 1], accumulate: true, kBlocks: [[0, 20], [20, 16]] }],
  ['3x3, one row: every kernel row but the middle one in the padding', { channels: 4, filters: 2, height: 1, width: 16, kernel: [3, 3], pad: [1, 1] }],
  ['3x1 (no padding on the left or right)', { channels: 5, filters: 4, height: 7, width: 8, kernel: [3, 1], pad: [1, 0] }],
  ['1x3 (no padding at the top or bottom)', { channels: 4, filters: 2, height: 6, width: 16, kernel: [1, 3], pad: [0, 1] }],
  ['3x3 padded 2 on the right and 0 on the left', { channels: 6, filters: 4, height: 8, width: 12, kernel: [3, 3], pad: [1, 0] }],
  ['2x2 padded 1 at the top and left, 0 at the bottom and right', { channels: 3, filters: 2, height: 5, width: 8, kernel: [2, 2], pad: [1, 1] }],
  ['3x3, bias and ReLU on the last of three K blocks, rows of 28 (all tiles)', { channels: 9, filters: 16, height: 5, width: 28, kernel: [3, 3], pad: [1, 1], kBlocks: [[0, 40], [40, 1], [41, 40]], activation: 'relu' }],
  ['3x3, bias and ReLU over N blocks inside rows, one K block', { channels: 4, filters: 12, height: 6, width: 20, kernel: [3, 3], pad: [1, 1], nBlocks: [[0, 28], [28, 44], [72, 48]], activation: 'relu' }],
  ['3x3, ReLU without a bias', { channels: 5, filters: 6, height: 4, width: 16, kernel: [3, 3], pad: [1, 1], activation: 'relu', noBias: true }],
  ['3x3, bias without an activation (identity), Beta 1', { channels: 4, filters: 4, height: 5, width: 16, kernel: [3, 3], pad: [1, 1], accumulate: true, kBlocks: [[0, 20], [20, 16]], activation: 'identity' }],
];

describe('the direct convolution block, against im2col + SGEMM reckoned in float32', () => {
  it.each(cases)('%s', (_, c) => {
    const { got, expected } = run(c);
    const differing = got.findIndex((v, i) => v !== expected[i]);
    expect({ firstDifference: differing, at: differing < 0 ? null : [got[differing], expected[differing]] }).toEqual({ firstDifference: -1, at: null });
  });

  it('would see a difference: summed in another order, the outputs are not bit for bit the same', () => {
    // The kernel with one K block against the reckoning with two: the sums differ in their last
    // bits, so the comparison above sees the order in which taps are added.
    const c: Case = { channels: 16, filters: 8, height: 7, width: 24, kernel: [3, 3], pad: [1, 1] };
    const { got } = run(c);
    const { expected } = run({ ...c, kBlocks: [[0, 72], [72, 72]] });
    expect(got.some((v, i) => v !== expected[i])).toBe(true);
  });

  it('ReLU on the last K block leaves some outputs zero and others not, where without it some are negative', () => {
    const c: Case = { channels: 4, filters: 12, height: 6, width: 20, kernel: [3, 3], pad: [1, 1], activation: 'relu' };
    const values = (r: Uint32Array) => Array.from(new Float32Array(r.buffer));
    const fused = values(run(c).got);
    expect(fused.filter((v) => v === 0).length).toBeGreaterThan(fused.length / 10);
    expect(fused.filter((v) => v > 0).length).toBeGreaterThan(fused.length / 10);
    expect(fused.every((v) => v >= 0)).toBe(true);
    expect(values(run({ ...c, activation: undefined }).got).some((v) => v < 0)).toBe(true);
  });
});
