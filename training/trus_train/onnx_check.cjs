// Runs an ONNX file with onnxruntime-node on a raw float32 input; the export check compares the
// result with PyTorch. Usage: node onnx_check.cjs MODEL INPUT.f32 N,C,H,W OUTPUT.f32
const fs = require('node:fs');
const path = require('node:path');
const ort = require(require.resolve('onnxruntime-node', { paths: [path.resolve(__dirname, '../..')] }));

async function main() {
  const [model, input, shape, output] = process.argv.slice(2);
  const dims = shape.split(',').map(Number);
  const buf = fs.readFileSync(input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const session = await ort.InferenceSession.create(model);
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(data), dims) });
  const out = result[session.outputNames[0]].data;
  fs.writeFileSync(output, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
