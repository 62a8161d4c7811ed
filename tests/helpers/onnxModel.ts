/**
 * Builds small, real ONNX models for the tests by writing the protobuf by hand (no Python in
 * the test path): a 2-layer convolutional net with fixed pseudo-random weights, input
 * [N, 1, H, W], output logits [N, 1, H, W]. onnxruntime loads and runs them like any model.
 */

class ProtoWriter {
  private bytes: number[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt(v);
    if (x < 0n) x += 1n << 64n;
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (x > 0n);
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(...b);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytesField(field, m.finish());
  }

  packedInts(field: number, values: number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;

function tensor(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT);
  t.string(8, name);
  t.bytesField(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return t;
}

function valueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, type);
}

function node(op: string, inputs: string[], outputs: string[], attrs: ProtoWriter[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op}_${outputs[0]}`);
  n.string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

function intsAttribute(name: string, values: number[]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  a.int(20, 7); // AttributeProto.INTS
  for (const v of values) a.int(8, v);
  return a;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

export interface TinyModelOptions {
  height: number;
  width: number;
  hidden?: number;
  seed?: number;
  /** Append a Sigmoid: the model outputs probabilities instead of logits. */
  sigmoid?: boolean;
  /** Fixed batch size; a symbolic 'N' when absent. */
  batch?: number;
}

/**
 * A dark-region detector with a little randomness: the first layer's kernels respond to
 * low intensities, so the output is not trivial on ultrasound-like inputs.
 */
export function buildTinySegmentationModel(o: TinyModelOptions): Uint8Array {
  const hidden = o.hidden ?? 4;
  const rand = seeded(o.seed ?? 7);
  const w1 = new Float32Array(hidden * 9).map(() => -0.15 + 0.1 * rand());
  const b1 = new Float32Array(hidden).map(() => 0.5 + 0.1 * rand());
  const w2 = new Float32Array(hidden * 9).map(() => 0.3 + 0.1 * rand());
  const b2 = new Float32Array([-1.0]);
  const pads = intsAttribute('pads', [1, 1, 1, 1]);
  const kernel = intsAttribute('kernel_shape', [3, 3]);
  const batch = o.batch ?? 'N';
  const graph = new ProtoWriter()
    .message(1, node('Conv', ['input', 'w1', 'b1'], ['h1'], [kernel, pads]))
    .message(1, node('Relu', ['h1'], ['h1r']))
    .message(1, node('Conv', ['h1r', 'w2', 'b2'], [o.sigmoid ? 'logits' : 'output'], [intsAttribute('kernel_shape', [3, 3]), intsAttribute('pads', [1, 1, 1, 1])]));
  if (o.sigmoid) graph.message(1, node('Sigmoid', ['logits'], ['output']));
  graph
    .string(2, 'tiny-segmenter')
    .message(5, tensor('w1', [hidden, 1, 3, 3], w1))
    .message(5, tensor('b1', [hidden], b1))
    .message(5, tensor('w2', [1, hidden, 3, 3], w2))
    .message(5, tensor('b2', [1], b2))
    .message(11, valueInfo('input', [batch, 1, o.height, o.width]))
    .message(12, valueInfo('output', [batch, 1, o.height, o.width]));
  const opset = new ProtoWriter().string(1, '').int(2, 17);
  return new ProtoWriter().int(1, 8).string(2, 'trus-cine-seg tests').message(7, graph).message(8, opset).finish();
}

/**
 * A 1x1 convolution, logits = scale * x + bias: with normalisation mean 0, std 1 it thresholds
 * the frame at intensity -bias/scale (0..1 of the maximum), so the expected mask of a drawn
 * scene is known without running any model code.
 */
export function buildThresholdModel(o: { height: number; width: number; scale?: number; bias?: number; batch?: number }): Uint8Array {
  const batch = o.batch ?? 'N';
  const graph = new ProtoWriter()
    .message(1, node('Conv', ['input', 'w', 'b'], ['output'], [intsAttribute('kernel_shape', [1, 1])]))
    .string(2, 'threshold')
    .message(5, tensor('w', [1, 1, 1, 1], new Float32Array([o.scale ?? 40])))
    .message(5, tensor('b', [1], new Float32Array([o.bias ?? -20])))
    .message(11, valueInfo('input', [batch, 1, o.height, o.width]))
    .message(12, valueInfo('output', [batch, 1, o.height, o.width]));
  const opset = new ProtoWriter().string(1, '').int(2, 17);
  return new ProtoWriter().int(1, 8).string(2, 'trus-cine-seg tests').message(7, graph).message(8, opset).finish();
}

/**
 * One product, y = A x, of a constant m x k matrix A (fixed pseudo-random values) by the k x n
 * input x: onnxruntime runs it as a single SGEMM, which the benchmark's profile times alone.
 */
export function buildMatMulModel(o: { m: number; k: number; n: number; seed?: number }): Uint8Array {
  const rand = seeded(o.seed ?? 11);
  const graph = new ProtoWriter()
    .message(1, node('MatMul', ['A', 'x'], ['y']))
    .string(2, 'matmul')
    .message(5, tensor('A', [o.m, o.k], new Float32Array(o.m * o.k).map(() => rand())))
    .message(11, valueInfo('x', [o.k, o.n]))
    .message(12, valueInfo('y', [o.m, o.n]));
  const opset = new ProtoWriter().string(1, '').int(2, 17);
  return new ProtoWriter().int(1, 8).string(2, 'trus-cine-seg tests').message(7, graph).message(8, opset).finish();
}

/**
 * A segmentation model made slow on purpose: `layers` 3x3 convolutions of `hidden` channels
 * between the input and the output (about layers x hidden^2 x 9 multiply-adds a pixel), for a
 * test that needs a batch to take seconds, as a large model on a slow machine does.
 */
export function buildSlowSegmentationModel(o: { height: number; width: number; hidden: number; layers: number }): Uint8Array {
  const rand = seeded(5);
  const pads = intsAttribute('pads', [1, 1, 1, 1]);
  const kernel = intsAttribute('kernel_shape', [3, 3]);
  const graph = new ProtoWriter().message(1, node('Conv', ['input', 'w0', 'b0'], ['h0'], [kernel, pads]));
  for (let l = 1; l <= o.layers; l++) {
    graph.message(1, node('Relu', [`h${l - 1}`], [`r${l - 1}`])).message(1, node('Conv', [`r${l - 1}`, `w${l}`, `b${l}`], [`h${l}`], [kernel, pads]));
  }
  graph.message(1, node('Conv', [`h${o.layers}`, 'wout', 'bout'], ['output'], [kernel, pads])).string(2, 'slow-segmenter');
  const weights = (count: number, scale: number) => new Float32Array(count).map(() => scale * rand());
  graph.message(5, tensor('w0', [o.hidden, 1, 3, 3], weights(o.hidden * 9, 0.5))).message(5, tensor('b0', [o.hidden], weights(o.hidden, 0.1)));
  for (let l = 1; l <= o.layers; l++) {
    graph.message(5, tensor(`w${l}`, [o.hidden, o.hidden, 3, 3], weights(o.hidden * o.hidden * 9, 1 / (3 * o.hidden)))).message(5, tensor(`b${l}`, [o.hidden], weights(o.hidden, 0.1)));
  }
  graph
    .message(5, tensor('wout', [1, o.hidden, 3, 3], weights(o.hidden * 9, 0.5)))
    .message(5, tensor('bout', [1], new Float32Array([0])))
    .message(11, valueInfo('input', ['N', 1, o.height, o.width]))
    .message(12, valueInfo('output', ['N', 1, o.height, o.width]));
  const opset = new ProtoWriter().string(1, '').int(2, 17);
  return new ProtoWriter().int(1, 8).string(2, 'trus-cine-seg tests').message(7, graph).message(8, opset).finish();
}

export interface ConvModelOptions {
  batch: number;
  inputChannels: number;
  filters: number;
  height: number;
  width: number;
  kernel: [number, number];
  /** Top, left, bottom, right. */
  pads: [number, number, number, number];
  strides?: [number, number];
  dilations?: [number, number];
  group?: number;
  /** A Relu after the convolution (onnxruntime fuses it into the Conv). */
  relu?: boolean;
  /** A LeakyRelu (alpha 0.1) after the convolution instead, which onnxruntime fuses too (MLAS's activation kind 2). */
  leakyRelu?: boolean;
  /** No bias input. */
  noBias?: boolean;
  /** Each convolution's input added to its output, before the Relu (onnxruntime fuses the Add into the Conv: MLAS's Beta of 1). */
  residual?: boolean;
  seed?: number;
}

/** One Conv (with bias; its input added and a Relu after it if asked), random weights, fixed shapes: for the WASM convolution's paths. */
export function buildConvModel(o: ConvModelOptions): Uint8Array {
  const rand = seeded(o.seed ?? 5);
  const group = o.group ?? 1;
  const [kh, kw] = o.kernel;
  const [st, sl] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const outH = Math.floor((o.height + o.pads[0] + o.pads[2] - dh * (kh - 1) - 1) / st) + 1;
  const outW = Math.floor((o.width + o.pads[1] + o.pads[3] - dw * (kw - 1) - 1) / sl) + 1;
  const attrs = [intsAttribute('kernel_shape', o.kernel), intsAttribute('pads', o.pads), intsAttribute('strides', [st, sl]), intsAttribute('dilations', [dh, dw])];
  if (group !== 1) attrs.push(new ProtoWriter().string(1, 'group').int(20, 2).int(3, group));
  if (o.residual && (outH !== o.height || outW !== o.width || group !== 1 || o.filters !== o.inputChannels)) {
    throw new RangeError('buildConvModel: a residual needs an output of the input\'s size and channels, in one group');
  }
  if (o.relu && o.leakyRelu) throw new RangeError('buildConvModel: a Relu or a LeakyRelu, not both');
  const activated = o.relu || o.leakyRelu;
  const channels = o.inputChannels / group;
  const convOut = o.residual ? 's' : activated ? 'c' : 'y';
  const graph = new ProtoWriter().message(1, node('Conv', o.noBias ? ['x', 'W'] : ['x', 'W', 'B'], [convOut], attrs));
  if (o.residual) graph.message(1, node('Add', [convOut, 'x'], [activated ? 'c' : 'y']));
  if (o.relu) graph.message(1, node('Relu', ['c'], ['y']));
  if (o.leakyRelu) graph.message(1, node('LeakyRelu', ['c'], ['y'], [new ProtoWriter().string(1, 'alpha').int(20, 1).float(2, 0.1)]));
  graph.message(5, tensor('W', [o.filters, channels, kh, kw], new Float32Array(o.filters * channels * kh * kw).map(() => rand())));
  // Drawn whether or not the model has it, so that the weights are the same either way.
  const bias = tensor('B', [o.filters], new Float32Array(o.filters).map(() => rand() * 0.2));
  if (!o.noBias) graph.message(5, bias);
  graph
    .string(2, 'conv')
    .message(11, valueInfo('x', [o.batch, o.inputChannels, o.height, o.width]))
    .message(12, valueInfo('y', [o.batch, o.filters, outH, outW]));
  const opset = new ProtoWriter().string(1, '').int(2, 17);
  return new ProtoWriter().int(1, 8).string(2, 'trus-cine-seg tests').message(7, graph).message(8, opset).finish();
}
