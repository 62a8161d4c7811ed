"""bench/student_sizes.py, the speed sweep's models: the "shipped" size is the shipped student's
architecture, each file is valid ONNX with the declared input, and the multiply-accumulate count the
benchmark prints agrees with one computed independently from the ONNX graph."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

ROOT = Path(__file__).resolve().parents[2]


def _sizes_module():
    spec = importlib.util.spec_from_file_location("student_sizes", ROOT / "bench" / "student_sizes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _graph_macs(path: Path) -> int:
    model = shape_inference.infer_shapes(onnx.load(str(path)))
    g = model.graph
    weights = {i.name: numpy_helper.to_array(i).shape for i in g.initializer}
    shapes = {}
    for v in list(g.value_info) + list(g.input) + list(g.output):
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in v.type.tensor_type.shape.dim]
        shapes[v.name] = dims
    total = 0
    for node in g.node:
        if node.op_type not in ("Conv", "ConvTranspose"):
            continue
        w = weights[node.input[1]]
        per = shapes[node.input[0]] if node.op_type == "ConvTranspose" else shapes[node.output[0]]
        total += int(np.prod(per[1:])) * int(np.prod(w[1:]))
    return total


def test_sizes_are_the_students_family_with_honest_counts(tmp_path, capsys):
    module = _sizes_module()
    module.main(tmp_path)
    sizes = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["sizes"]
    shipped = json.loads((ROOT / "models" / "trus-student" / "model.json").read_text())
    assert sizes[0]["name"] == "shipped"
    assert sizes[0]["parameters"] == shipped["parameters"]
    assert sizes[0]["input"] == shipped["input"]["shape"][2:]
    for s in sizes:
        path = Path(s["dir"]) / "model.onnx"
        onnx.checker.check_model(str(path))
        manifest = json.loads((Path(s["dir"]) / "model.json").read_text())
        assert manifest["input"]["shape"] == ["N", 1, *s["input"]]
        assert "random weights" in manifest["intendedUse"].lower()
        assert s["macs"] == _graph_macs(path), s["name"]
    by_name = {s["name"]: s for s in sizes}
    assert by_name["width-4"]["macs"] < by_name["width-6"]["macs"] < by_name["shipped"]["macs"]
    assert by_name["shipped"]["channels"] == [sizes[0]["width"] * 2**i for i in range(sizes[0]["depth"] + 1)]
    taper = by_name["taper-8-12-16-24-32"]
    assert taper["channels"] == [8, 12, 16, 24, 32] and taper["depth"] == 4
    assert by_name["width-4"]["macs"] < taper["macs"] < by_name["width-6"]["macs"]
