// The node test environment with the host realm's typed-array constructors. onnxruntime-node's
// native addon creates its output arrays in the host realm, and onnxruntime-common then checks
// them with `instanceof Float32Array` in the test's VM realm, which fails ("A float32 tensor's
// data must be type of function Float32Array()"). Plain Node, where the product runs, has one realm.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
