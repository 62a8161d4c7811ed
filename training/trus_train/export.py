"""ONNX export with a check and the engine's manifest:
`python3 -m trus_train.export --run RUN_DIR --out models/<name> --name NAME --version V [--metrics metrics.json]`.

The exported graph takes `input` [N, 1, H, W] (normalised as the manifest says) and returns
`logits` [N, 1, H, W]. Before anything is written, onnxruntime-node (through the project's own
Node install) runs the file on a fixed input and its output must match PyTorch's within 1e-4."""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

from .models import build

CHECK_SCRIPT = Path(__file__).resolve().parent / "onnx_check.cjs"
TOLERANCE = 1e-4


class _LogitsOnly(torch.nn.Module):
    """The inference graph: the mask logits only, no training features."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def probe_input(h: int, w: int, n: int = 2) -> np.ndarray:
    rng = np.random.default_rng(1234)
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    base = np.sin(6 * xx) * np.cos(4 * yy)
    return np.stack([base + rng.normal(0, 0.5, (h, w)) for _ in range(n)])[:, None].astype(np.float32)


def run_onnx_in_node(onnx_path: Path, x: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "input.f32"
        outp = Path(tmp) / "output.f32"
        x.astype("<f4").tofile(inp)
        subprocess.run(["node", str(CHECK_SCRIPT), str(onnx_path), str(inp), ",".join(map(str, x.shape)), str(outp)], check=True, capture_output=True, text=True)
        return np.fromfile(outp, dtype="<f4").reshape(x.shape)


def export(run_dir: str | Path, out_dir: str | Path, name: str, version: str, metrics: dict | None = None, trained_on: str = "simulated TRUS cine loops (trus-cine-seg phantom)") -> dict:
    run = Path(run_dir)
    ckpt = torch.load(run / "best.pt", map_location="cpu")
    cfg = ckpt["config"]
    model = build(cfg["arch"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    h, w = int(cfg["input"]["height"]), int(cfg["input"]["width"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    partial = out / "model.onnx.partial"
    graph = _LogitsOnly(model).eval()
    torch.onnx.export(graph, torch.zeros(1, 1, h, w), str(partial), opset_version=17, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
    x = probe_input(h, w)
    # The export restores the module's previous mode: make sure the reference runs in eval mode.
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    actual = run_onnx_in_node(partial, x)
    diff = float(np.abs(actual - expected).max())
    if not diff <= TOLERANCE:
        partial.unlink()
        raise RuntimeError(f"ONNX output differs from PyTorch by {diff:.3g} (> {TOLERANCE}): nothing written")
    weights = partial.read_bytes()
    manifest = {
        "name": name,
        "version": version,
        "file": "model.onnx",
        "sha256": hashlib.sha256(weights).hexdigest(),
        "input": {"name": "input", "shape": ["N", 1, h, w]},
        "output": {"name": "logits", "kind": "logits"},
        "normalisation": {"mean": cfg["input"]["mean"], "std": cfg["input"]["std"]},
        "crop": "ultrasound-region",
        "threshold": 0.5,
        "trainedOn": trained_on,
        "intendedUse": "Research only, not for clinical use. Trained on simulated data; 1-channel grey input.",
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "trainingRecipe": {"stage": cfg["stage"], "config": cfg, "epochOfBest": ckpt["epoch"] + 1, "validationDice": ckpt["val_dice"]},
        "exportCheck": {"maxAbsDifferenceVsPyTorch": diff, "runtime": "onnxruntime-node"},
        "metrics": metrics or {},
    }
    partial.replace(out / "model.onnx")
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--metrics", help="JSON file of measured metrics to record in the manifest")
    args = ap.parse_args(argv)
    metrics = json.loads(Path(args.metrics).read_text()) if args.metrics else None
    m = export(args.run, args.out, args.name, args.version, metrics)
    print(json.dumps({"written": str(Path(args.out) / "model.json"), "maxAbsDifferenceVsPyTorch": m["exportCheck"]["maxAbsDifferenceVsPyTorch"]}))


if __name__ == "__main__":
    main()
