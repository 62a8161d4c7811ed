"""One product for the profile's GEMM row (`npm run bench -- --only profile`): an ONNX MatMul of a
constant M x K matrix by an input K x N one, which onnxruntime runs as one SGEMM, natively and in
WASM, so its speed can be set beside its convolutions' and beside WASM SIMD's ceiling.
Usage: python3 bench/gemm_model.py OUT.onnx M K N   (prints one JSON object: path and MACs)"""
from __future__ import annotations

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(out: str, m: int, k: int, n: int) -> None:
    a = numpy_helper.from_array(np.random.default_rng(0).standard_normal((m, k)).astype(np.float32), "A")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "x"], ["y"])],
        "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [k, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [a],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)
    print(json.dumps({"path": out, "input": [k, n], "macs": m * k * n}))


if __name__ == "__main__":
    main(sys.argv[1], *(int(x) for x in sys.argv[2:5]))
