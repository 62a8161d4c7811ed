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

from .models import build, describe

CHECK_SCRIPT = Path(__file__).resolve().parent / "onnx_check.cjs"
TOLERANCE = 1e-4


class _LogitsOnly(torch.nn.Module):
    """The inference graph: the mask logits only, no training features."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def load_selected(run: Path) -> dict:
    """The checkpoint the run's config selects: best.pt (best validation Dice, the default) or, with
    "select": "last", the state at the end of the schedule (last.pt)."""
    best = torch.load(run / "best.pt", map_location="cpu")
    if best["config"].get("select", "best") != "last":
        return best
    last = torch.load(run / "last.pt", map_location="cpu")
    return {"model": last["model"], "config": last["config"], "epoch": last["epoch"], "val_dice": last.get("val_dice", best["val_dice"]), "selected": "last"}


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
    ckpt = load_selected(run)
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
        "trainingRecipe": {"stage": cfg["stage"], "config": cfg, "checkpoint": ckpt.get("selected", "best"), "epochOfBest": ckpt["epoch"] + 1, "validationDice": ckpt["val_dice"]},
        "exportCheck": {"maxAbsDifferenceVsPyTorch": diff, "runtime": "onnxruntime-node"},
        "metrics": metrics or {},
    }
    partial.replace(out / "model.onnx")
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(model_card(manifest))
    return manifest


def _fmt(v, digits=4) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _initialisation(cfg: dict) -> str:
    if cfg.get("init_checkpoint"):
        return (f"Initialised from `{cfg['init_checkpoint']}`, the stage-1 network of the student's own size trained on the labelled frames (the per-frame "
                "baseline), as the reference initialises its student from its stage-1 network; the video stage then adds the temporal signals.")
    if cfg.get("init_from_teacher"):
        return "Initialised from the teacher's tensors whose shapes match (at a narrower width only a few bias and counter tensors do)."
    return "Initialised at random."


def model_card(manifest: dict) -> str:
    """The model card beside model.json, generated from it so the two never disagree."""
    recipe = manifest["trainingRecipe"]
    cfg = recipe["config"]
    m = manifest.get("metrics") or {}
    gt = m.get("groundTruthReference") or {}
    h, w = manifest["input"]["shape"][2:]
    lines = [
        f"# {manifest['name']} {manifest['version']}",
        "",
        "**Research use only, not for clinical use. Trained on simulated TRUS cine loops, transverse and sagittal (the trus-cine-seg phantom), not on patient data.**",
        "",
        "## What it is",
        f"- Prostate segmentation of one transrectal ultrasound frame: input `{manifest['input']['name']}` [N, 1, {h}, {w}], "
        f"the frame's ultrasound region (US region calibration, else the non-black fan) in grey, scaled to [0, 1], resized to {h} x {w} by pixel-area averaging (OpenCV's INTER_AREA, in training and in the engine alike) and normalised "
        f"`(x - {manifest['normalisation']['mean']}) / {manifest['normalisation']['std']}`; output `{manifest['output']['name']}` (mask logits, threshold {manifest['threshold']} on the sigmoid).",
        "- 1-channel grey input (the reference implementation feeds 3 ImageNet-normalised copies of the grey frame).",
        f"- U-Net, {describe(cfg['arch'])}, {manifest['parameters']:,} parameters; ONNX opset 17; "
        f"export checked against PyTorch with onnxruntime-node (max |difference| {manifest['exportCheck']['maxAbsDifferenceVsPyTorch']:.1e}).",
    ]
    if recipe["stage"] == "student":
        lc = cfg["loss"]
        on = [f"{k} x{v['weight']}" for k, v in lc.items() if v["on"]]
        lines += [
            f"- Stage 2 student (DTC-TRUS method, `../shared/method.md` in the project): trained on unlabelled clips of {cfg['data']['sequence_length']} frames "
            f"beside the frozen teacher, losses {', '.join(on)} (KD temperature {lc['kd']['temperature']}, consistency alpha {lc['con']['alpha']} on [0,1] grey, "
            f"prototype percentile {lc['proto']['percentile']}); no ground-truth labels in this stage. " + _initialisation(cfg),
            f"- Schedule: AdamW lr {cfg['optim']['lr']}, weight decay {cfg['optim']['weight_decay']}, cosine annealing (T0 {cfg['optim']['t0_epochs']} epochs), "
            f"batch {cfg['batch_size']} clips, {cfg['epochs']} epochs of at most {cfg['max_steps_per_epoch']} steps (sized for 2 CPU cores), BatchNorm statistics frozen; "
            + (f"the state at the end of the cycle (epoch {recipe['epochOfBest']}; chosen over the best-validation-Dice checkpoint for its stability on the validation patients)." if recipe.get("checkpoint") == "last" else f"best of epoch {recipe['epochOfBest']} by validation Dice."),
        ]
    else:
        lines += [
            f"- Stage 1 ({recipe['stage']}): labelled static frames (every {cfg['data']['label_every']}th frame of the training loops), BCE + Dice, horizontal flips; "
            f"AdamW lr {cfg['optim']['lr']}, cosine warm restarts (T0 {cfg['optim']['t0_epochs']}), batch {cfg['batch_size']}, {cfg['epochs']} epochs, best of epoch {recipe['epochOfBest']} by validation Dice.",
        ]
    lines += [f"- Validation Dice at model resolution: {_fmt(recipe['validationDice'])}.", ""]
    if m:
        ts = m.get("testSet", {})
        lines += [
            "## Measured on held-out simulated patients",
            f"Test set: {ts.get('loops')} loops, {ts.get('frames')} frames, patients {', '.join(ts.get('patients', []))}; the exported file run by the "
            "product's engine (threshold 0.5, largest component, hole filling). Full tables: `training/results/evaluation.md`.",
            "",
            "| Dice@0.5 | Dice (mean over thresholds) | IoU@0.5 | Sen@0.5 | HD95 (mm) | S-alpha | mean E-phi | weighted F-beta |",
            "|---|---|---|---|---|---|---|---|",
            "| " + " | ".join(_fmt(m.get(k), 2 if k == "hd95" else 4) for k in ("dice", "diceOverThresholds", "iou", "sensitivity", "hd95", "sAlpha", "ePhi", "weightedF")) + " |",
            "",
            "| | warped consistency | consistency without flow | frame-to-frame Dice | area CV | flicker count |",
            "|---|---|---|---|---|---|",
            "| this model | " + " | ".join(_fmt(m.get(k), 5) for k in ("meanWarpedConsistency", "meanConsistencyNoFlow", "meanDicePrevious", "areaCoefficientOfVariation", "flickerCount")) + " |",
            "| ground truth | " + " | ".join(_fmt(gt.get(k), 5) for k in ("meanWarpedConsistency", "meanConsistencyNoFlow", "meanDicePrevious", "areaCoefficientOfVariation", "flickerCount")) + " |",
            "",
        ]
    lines += [
        "## Limits",
        "- Simulated data only: real TRUS (other probes, gains, pathologies, artefacts) will differ; retrain or fine-tune on real DICOM cine + SEG pairs or PNG "
        "folders with `training/` before drawing any conclusion.",
        "- One structure (the whole gland); no zones, no lesions. Not a medical device.",
        "",
    ]
    return "\n".join(lines)


def record_metrics(model_dir: str | Path, metrics: dict) -> dict:
    """Records re-measured metrics in an exported model's manifest and card; the ONNX file is not
    touched (its sha256 is checked against the manifest first)."""
    out = Path(model_dir)
    manifest = json.loads((out / "model.json").read_text())
    actual = hashlib.sha256((out / manifest["file"]).read_bytes()).hexdigest()
    if actual != manifest["sha256"]:
        raise RuntimeError(f"{out / manifest['file']}: sha256 {actual} is not the manifest's {manifest['sha256']}: nothing written")
    manifest["metrics"] = metrics
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(model_card(manifest))
    return manifest


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", help="the run to export (its selected checkpoint)")
    ap.add_argument("--out", required=True, help="the model folder to write (with --record-metrics: the exported folder to update)")
    ap.add_argument("--name")
    ap.add_argument("--version")
    ap.add_argument("--metrics", help="JSON file of measured metrics to record in the manifest")
    ap.add_argument("--record-metrics", action="store_true", help="only record --metrics in the exported model at --out (after evaluate re-measured it), keeping its ONNX file")
    args = ap.parse_args(argv)
    if args.record_metrics:
        if not args.metrics:
            ap.error("--record-metrics needs --metrics FILE")
        m = record_metrics(args.out, json.loads(Path(args.metrics).read_text()))
        print(json.dumps({"written": str(Path(args.out) / "model.json"), "sha256": m["sha256"]}))
        return
    if not (args.run and args.name and args.version):
        ap.error("--run, --name and --version are required to export")
    metrics = json.loads(Path(args.metrics).read_text()) if args.metrics else None
    m = export(args.run, args.out, args.name, args.version, metrics)
    print(json.dumps({"written": str(Path(args.out) / "model.json"), "maxAbsDifferenceVsPyTorch": m["exportCheck"]["maxAbsDifferenceVsPyTorch"]}))


if __name__ == "__main__":
    main()
