"""Student sizes for the speed sweep (`npm run bench -- --only sizes`): the shipped student's
U-Net family at smaller widths, one level less, and a smaller input, exported as ONNX the way
training/trus_train/export.py exports a trained run, with random weights. A convolutional network
does the same work whatever its weights, so these time what a retrained student of that size
would cost; they segment nothing, and their manifests say so.
Usage: python3 bench/student_sizes.py OUT_DIR   (prints one JSON object: the models written)"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from trus_train.models import build  # noqa: E402

SHIPPED = json.loads((ROOT / "models/trus-student/model.json").read_text())
_, _, H, W = SHIPPED["input"]["shape"]
WIDTH, DEPTH = SHIPPED["trainingRecipe"]["config"]["arch"]["width"], SHIPPED["trainingRecipe"]["config"]["arch"]["depth"]

# name, architecture (as a training config's "arch"), input height, input width; the first is the
# shipped student's own shape. The tapered one keeps the top width and narrows the deep levels,
# which cost as much as the top one in a doubling U-Net and run furthest from native speed in WASM.
SIZES = [
    ("shipped", {"width": WIDTH, "depth": DEPTH}, H, W),
    ("width-6", {"width": 6, "depth": DEPTH}, H, W),
    ("width-4", {"width": 4, "depth": DEPTH}, H, W),
    ("depth-3", {"width": WIDTH, "depth": 3}, H, W),
    ("input-96x144", {"width": WIDTH, "depth": DEPTH}, 96, 144),
    ("taper-8-12-16-24-32", {"channels": [8, 12, 16, 24, 32]}, H, W),
]


def conv_macs(model: torch.nn.Module, h: int, w: int) -> int:
    total = 0

    def count(module, inputs, output):
        nonlocal total
        # Conv2d: each output value sums (in / groups) x kh x kw products; ConvTranspose2d: each
        # input value is spread over out x kh x kw outputs. weight[0] has that size in both.
        per = inputs[0][0] if isinstance(module, torch.nn.ConvTranspose2d) else output[0]
        total += per.numel() * module.weight[0].numel()

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.no_grad():
        model(torch.zeros(1, 1, h, w))
    for hook in hooks:
        hook.remove()
    return total


def main(out: Path) -> None:
    written = []
    for name, arch, h, w in SIZES:
        torch.manual_seed(0)
        model = build(arch).eval()
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        onnx_path = folder / "model.onnx"
        torch.onnx.export(model, torch.zeros(1, 1, h, w), str(onnx_path), opset_version=17, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
        manifest = {
            "name": f"student-size-{name}",
            "version": "random-weights",
            "file": "model.onnx",
            "sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
            "input": {"name": "input", "shape": ["N", 1, h, w]},
            "output": {"name": "logits", "kind": "logits"},
            "normalisation": SHIPPED["normalisation"],
            "intendedUse": "Benchmark only: random weights, segments nothing.",
        }
        (folder / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
        written.append({"name": name, "dir": str(folder), "width": model.width, "depth": model.depth, "channels": model.channels, "input": [h, w], "parameters": sum(p.numel() for p in model.parameters()), "macs": conv_macs(model, h, w)})
    print(json.dumps({"torch": torch.__version__, "sizes": written}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 bench/student_sizes.py OUT_DIR")
    main(Path(sys.argv[1]))
