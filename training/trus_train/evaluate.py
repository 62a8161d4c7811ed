"""Evaluation on the held-out test patients, through the product's own engine:
`training/evaluate --data DATASET --run NAME=RUN_DIR ... [--ablation NAME=RUN_DIR ...] --out DIR`.
A run's best checkpoint is exported first; an exported model folder (model.json and model.onnx,
e.g. ../models/trus-student) is evaluated as it is, to re-measure a shipped model.

Each run's best checkpoint is exported to ONNX (checked against PyTorch, as for shipping) and
segmented by `trus-seg segment --ground-truth`, i.e. the engine's pre-processing, the same
post-processing (threshold 0.5, largest component, hole filling) and the TypeScript metrics the
viewer and the CLI report. So the figures are those of the exported model as users run it, and
there is one implementation of every metric. The ground-truth masks' own temporal figures are
reported beside them (`trus-seg report` of the reference SEG), because a real gland's area also
changes over a loop.

Accuracy figures are means over all test frames; temporal figures are means over test loops
(the flicker count is summed). Each test patient's transverse and sagittal loops give a prostate
volume (the engine's ellipsoid, written by the segment batch); it is compared with the volume of
the reference SEGs, computed by `trus-seg volume` over their reports. Dice@0.5 is of the final mask; "over thresholds" figures are
averaged over 256 thresholds of the probability map, as the paper's tables most likely are.

Test loops must come with a DICOM cine and reference SEG (the phantom's loops and
`trus-seg export` folders record them in loop.json); PNG frame folders are not evaluated here."""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .data import discover
from .export import export

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "cli" / "main.js"

ACCURACY = [
    ("dice", "Dice@0.5"),
    ("diceOverThresholds", "Dice (mean over thresholds)"),
    ("iou", "IoU@0.5"),
    ("sensitivity", "Sen@0.5"),
    ("sensitivityOverThresholds", "Sen (mean over thresholds)"),
    ("hd95", "HD95 (mm)"),
    ("sAlpha", "S-alpha"),
    ("ePhi", "mean E-phi"),
    ("weightedF", "weighted F-beta"),
]
VOLUME = [
    ("patients", "patients"),
    ("meanAbsoluteErrorMl", "mean absolute error (mL)"),
    ("meanErrorMl", "mean error (mL)"),
    ("meanAbsolutePercentError", "mean absolute error (%)"),
    ("maxAbsolutePercentError", "largest absolute error (%)"),
]
TEMPORAL = [
    ("meanWarpedConsistency", "warped consistency 1-MSE"),
    ("meanConsistencyNoFlow", "consistency without flow 1-MAE"),
    ("meanDicePrevious", "frame-to-frame Dice"),
    ("areaCoefficientOfVariation", "area CV"),
    ("flickerCount", "flicker count (area change > 10%)"),
]


def _resolve(loop_dir: Path, name: str | None) -> Path | None:
    if not name:
        return None
    p = Path(name)
    for candidate in ([p] if p.is_absolute() else [loop_dir / p, p]):
        if candidate.exists():
            return candidate.resolve()
    return None


def test_pairs(data_root: str | Path, split: str = "test") -> list[dict]:
    """(loop name, cine, reference SEG) of every loop of `split`; refuses loops it cannot evaluate."""
    pairs, missing = [], []
    for lp in discover(data_root):
        if lp.split != split:
            continue
        cine = _resolve(lp.folder, lp.meta.get("source")) if lp.folder else None
        seg = _resolve(lp.folder, lp.meta.get("segmentation")) if lp.folder else None
        if cine is None or seg is None:
            missing.append(lp.name)
            continue
        pairs.append({"loop": lp.name, "patientId": lp.patient_id, "cine": str(cine), "seg": str(seg), "frames": len(lp.frames)})
    if missing:
        raise ValueError(f"test loops without a DICOM cine and reference SEG (export them with trus-seg, or evaluate DICOM pairs): {', '.join(missing)}")
    if not pairs:
        raise ValueError(f"{data_root}: no {split} loops")
    return sorted(pairs, key=lambda p: p["loop"])


def _cli(args: list[str]) -> subprocess.CompletedProcess:
    if not CLI.exists():
        raise FileNotFoundError(f"{CLI} is missing: run `npm run build` first")
    r = subprocess.run(["node", str(CLI), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"trus-seg {args[0]} failed ({r.returncode}):\n{r.stderr[-4000:]}")
    return r


def segment_reports(model_dir: Path, pairs: list[dict], work: Path) -> dict[str, dict]:
    """One engine run over every test cine with its reference; the report of each loop by name."""
    out = work / "segment"
    args = ["segment", *[p["cine"] for p in pairs], "--model", str(model_dir), "--out", str(out), "--overwrite"]
    for p in pairs:
        args += ["--ground-truth", p["seg"]]
    _cli(args)
    written = [json.loads(f.read_text()) for f in out.glob("*.report.json")]
    reports = {}
    for p in pairs:
        hit = [r for r in written if Path(r["source"]).resolve() == Path(p["cine"])]
        if len(hit) != 1 or "groundTruth" not in hit[0]["summary"]:
            raise RuntimeError(f"{p['loop']}: no report with ground truth from the engine run")
        reports[p["loop"]] = hit[0]
    return reports


def reference_reports(pairs: list[dict]) -> dict[str, dict]:
    """Temporal figures of the ground-truth masks themselves."""
    return {p["loop"]: json.loads(_cli(["report", p["seg"], "--source", p["cine"]]).stdout) for p in pairs}


def batch_volumes(folder: Path) -> dict[str, float]:
    """The prostate volume (mL) of each study a segment batch wrote into `folder`, by StudyInstanceUID."""
    return {v["studyInstanceUID"]: v["volumeMl"] for v in (json.loads(f.read_text()) for f in folder.glob("*.volume.json"))}


def reference_volumes(reference: dict[str, dict], work: Path) -> dict[str, float]:
    """The reference SEGs' volumes, by `trus-seg volume` over their reports (the one implementation of the formula)."""
    folder = work / "reference-reports"
    folder.mkdir(parents=True, exist_ok=True)
    for loop, report in reference.items():
        (folder / f"{loop}.report.json").write_text(json.dumps(report))
    return {v["studyInstanceUID"]: v["volumeMl"] for v in json.loads(_cli(["volume", str(folder)]).stdout)["volumes"]}


def volume_errors(model: dict[str, float], reference: dict[str, float]) -> dict:
    """A model's volumes against the reference's, over the studies both have; a study the model gave none for counts as missing."""
    both = sorted(set(model) & set(reference))
    errors = np.array([model[s] - reference[s] for s in both])
    percent = np.array([100.0 * (model[s] - reference[s]) / reference[s] for s in both])
    out = {"patients": len(both), "missing": len(set(reference) - set(model)), "meanReferenceMl": float(np.mean([reference[s] for s in reference])) if reference else None}
    if both:
        out.update(
            meanAbsoluteErrorMl=float(np.mean(np.abs(errors))),
            meanErrorMl=float(np.mean(errors)),
            meanAbsolutePercentError=float(np.mean(np.abs(percent))),
            maxAbsolutePercentError=float(np.max(np.abs(percent))),
        )
    return out


def summarise(reports: dict[str, dict]) -> dict:
    frames = [f for r in reports.values() for f in r["frames"]]
    out: dict = {"loops": len(reports), "frames": len(frames)}
    if all("groundTruth" in f for f in frames):
        for key, _ in ACCURACY:
            values = [f["groundTruth"][key] for f in frames if f["groundTruth"][key] is not None]
            out[key] = float(np.mean(values)) if values else None
        out["hd95Undefined"] = sum(1 for f in frames if f["groundTruth"]["hd95"] is None)
    for key, _ in TEMPORAL:
        values = [r["summary"][key] for r in reports.values() if r["summary"][key] is not None]
        out[key] = int(np.sum(values)) if key == "flickerCount" else float(np.mean(values))
    out["unstableFrames"] = int(sum(len(r["summary"]["unstableFrames"]) for r in reports.values()))
    out["areaUnit"] = next(iter(reports.values()))["summary"]["areaUnit"]
    return out


def per_loop(reports: dict[str, dict]) -> dict[str, dict]:
    """Each loop's own figures: a mean over a few hundred frames can hide one loop where a model fails."""
    out = {}
    for loop, r in reports.items():
        gt = r["summary"].get("groundTruth") or {}
        out[loop] = {"frames": len(r["frames"]), "dice": gt.get("dice"), "hd95": gt.get("hd95"), "flickerCount": r["summary"]["flickerCount"]}
    return out


def per_loop_table(per: dict[str, dict[str, dict]], loops: list[str]) -> str:
    names = list(per)
    head = "| loop | " + " | ".join(f"{n} Dice@0.5 | {n} HD95 (mm) | {n} flicker" for n in names) + " |"
    rule = "|---|" + "---|---|---|" * len(names)
    body = ["| " + loop + " | " + " | ".join(f"{_fmt(per[n][loop]['dice'], 'dice')} | {_fmt(per[n][loop]['hd95'], 'hd95')} | {_fmt(per[n][loop]['flickerCount'], 'flickerCount')}" for n in names) + " |" for loop in loops]
    return "\n".join([head, rule, *body])


def per_frame_areas(reports: dict[str, dict], loop: str) -> list[float]:
    return [f["area"] for f in reports[loop]["frames"]]


def _fmt(v, key: str) -> str:
    if v is None:
        return "n/a"
    if key in ("flickerCount", "patients"):
        return str(int(v))
    if key in ("meanAbsoluteErrorMl", "meanErrorMl", "meanAbsolutePercentError", "maxAbsolutePercentError"):
        return f"{v:.2f}"
    if key == "hd95":
        return f"{v:.2f}"
    return f"{v:.4f}"


def markdown_table(rows: list[tuple[str, dict]], columns: list[tuple[str, str]]) -> str:
    head = "| model | " + " | ".join(label for _, label in columns) + " |"
    rule = "|---|" + "---|" * len(columns)
    body = ["| " + name + " | " + " | ".join(_fmt(s.get(k), k) for k, _ in columns) + " |" for name, s in rows]
    return "\n".join([head, rule, *body])


def area_plot(series: dict[str, list[float]], unit: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=110)
    styles = {"ground truth": dict(color="black", lw=1.2, ls="--")}
    for name, areas in series.items():
        ax.plot(range(1, len(areas) + 1), areas, label=name, **styles.get(name, dict(lw=1.4)))
    ax.set_xlabel("frame number")
    ax.set_ylabel(f"mask area ({'mm²' if unit == 'mm2' else 'pixels'})")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path.with_suffix(".partial.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


def _named(items: list[str], flag: str) -> list[tuple[str, Path]]:
    out = []
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"{flag} expects NAME=RUN_DIR or NAME=MODEL_DIR, got {item!r}")
        if not (Path(path) / "best.pt").exists() and not _is_exported(Path(path)):
            raise FileNotFoundError(f"{flag} {item}: neither a run ({Path(path) / 'best.pt'}) nor an exported model (model.json and model.onnx) (train the run first)")
        out.append((name, Path(path)))
    return out


def _is_exported(path: Path) -> bool:
    """An exported model folder (models/trus-student): evaluated as it is, not exported again."""
    return (path / "model.json").exists() and (path / "model.onnx").exists()


def evaluate(data_root, runs: list[tuple[str, Path]], ablation: list[tuple[str, Path]], out_dir, plot: tuple[str, str] = ("baseline", "student"), log=print, split: str = "test") -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs = test_pairs(data_root, split)
    log(f"{len(pairs)} {split} loops, {sum(p['frames'] for p in pairs)} frames, patients {', '.join(sorted({p['patientId'] for p in pairs}))}")
    results: dict = {"split": split, "testLoops": [p["loop"] for p in pairs], "models": {}, "ablation": {}}
    reports: dict[str, dict] = {}
    volumes: dict[str, dict[str, float]] = {}
    done: dict[Path, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for group, named in (("models", runs), ("ablation", ablation)):
            for name, run in named:
                if run.resolve() in done:
                    # The same run under another name (the full student is the ablation's last row).
                    first = done[run.resolve()]
                    reports[name] = reports[first]
                    volumes[name] = volumes[first]
                    results[group][name] = results["models"].get(first) or results["ablation"][first]
                    continue
                done[run.resolve()] = name
                if _is_exported(run):
                    model_dir = run
                    manifest = json.loads((run / "model.json").read_text())
                    log(f"{name}: the exported model {run} (sha256 {manifest['sha256'][:12]}); segmenting")
                else:
                    model_dir = run / "onnx"
                    manifest = export(run, model_dir, name, "eval")
                    log(f"{name}: exported {run} (epoch {manifest['trainingRecipe']['epochOfBest']}, ONNX vs PyTorch {manifest['exportCheck']['maxAbsDifferenceVsPyTorch']:.1e}); segmenting")
                reports[name] = segment_reports(model_dir, pairs, Path(tmp) / name)
                volumes[name] = batch_volumes(Path(tmp) / name / "segment")
                s = summarise(reports[name])
                s["parameters"] = manifest["parameters"]
                s["epochOfBest"] = manifest["trainingRecipe"]["epochOfBest"]
                results[group][name] = s
                log(f"{name}: Dice@0.5 {s['dice']:.4f}, warped consistency {s['meanWarpedConsistency']:.5f}, area CV {s['areaCoefficientOfVariation']:.4f}, flicker {s['flickerCount']}")
        reference = reference_reports(pairs)
        reference_volume = reference_volumes(reference, Path(tmp))
    results["groundTruth"] = summarise(reference)
    results["perLoop"] = {name: per_loop(reports[name]) for name, _ in runs}
    results["volume"] = {name: volume_errors(volumes[name], reference_volume) for name, _ in runs}
    results["volume"]["ground truth (reference)"] = {"patients": len(reference_volume), "meanReferenceMl": float(np.mean(list(reference_volume.values()))) if reference_volume else None}
    (out / "evaluation.json").write_text(json.dumps(results, indent=2) + "\n")
    test_set = {"dataset": str(data_root), "loops": len(pairs), "frames": sum(p["frames"] for p in pairs), "patients": sorted({p["patientId"] for p in pairs})}
    for name, _ in runs:
        # What export --metrics records in the shipped model's manifest.
        (out / f"metrics-{name}.json").write_text(json.dumps({"testSet": test_set, **results["models"][name], "groundTruthReference": results["groundTruth"]}, indent=2) + "\n")

    plot_loop = pairs[0]["loop"]
    series = {name: per_frame_areas(reports[name], plot_loop) for name in plot if name in reports}
    series["ground truth"] = per_frame_areas(reference, plot_loop)
    area_plot(series, results["groundTruth"]["areaUnit"], f"Per-frame prostate area, test loop {plot_loop} (first test loop by name)", out / "area-per-frame.png")

    rows = [(name, results["models"][name]) for name, _ in runs]
    gt_row = [("ground truth (reference)", results["groundTruth"])]
    text = [
        f"# Evaluation on the held-out {split} patients",
        "",
        f"Generated by `training/evaluate`: {len(pairs)} {split} loops ({sum(p['frames'] for p in pairs)} frames) of patients "
        f"{', '.join(sorted({p['patientId'] for p in pairs}))}, simulated data (the trus-cine-seg phantom). Every model is the exported "
        "ONNX file run by the product's engine (onnxruntime-node, threshold 0.5, largest component, hole filling); the metrics are the "
        "engine's. Accuracy: mean over frames. Temporal: mean over loops; flicker count summed over loops.",
        "",
        "## Accuracy",
        "",
        markdown_table(rows, ACCURACY),
        "",
        "## Temporal stability",
        "",
        markdown_table(rows + gt_row, TEMPORAL),
        "",
        "## Prostate volume",
        "",
        "Each test patient's transverse and sagittal loops give one volume (ellipsoid π/6 × transverse × antero-posterior × length, "
        "each diameter the loop's median), compared with the same formula on the reference SEGs"
        + (f" (mean reference volume {results['volume']['ground truth (reference)']['meanReferenceMl']:.1f} mL)." if reference_volume else "."),
        "",
        markdown_table([(name, results["volume"][name]) for name, _ in runs], VOLUME),
        "",
        "## Per loop",
        "",
        "Each loop's mean Dice@0.5 and HD95 over its frames, and its flicker count: where the means above come from.",
        "",
        per_loop_table(results["perLoop"], results["testLoops"]),
    ]
    if ablation:
        ab_rows = [(name, results["ablation"][name]) for name, _ in ablation]
        cols = [ACCURACY[0], ACCURACY[1], ACCURACY[5], *TEMPORAL]
        text += ["", "## Ablation", "", markdown_table(ab_rows + gt_row, cols)]
    text += ["", f"![per-frame area](area-per-frame.png)", ""]
    (out / "evaluation.md").write_text("\n".join(text))
    return results


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--run", action="append", default=[], metavar="NAME=RUN_DIR", help="a model of the main table (repeatable): a run (its best checkpoint, exported first) or an exported model folder, evaluated as it is")
    ap.add_argument("--ablation", action="append", default=[], metavar="NAME=RUN_DIR", help="a row of the ablation table (repeatable; a name already in --run is reused)")
    ap.add_argument("--plot", default="baseline,student", help="the two models whose per-frame areas are plotted (default baseline,student)")
    ap.add_argument("--split", default="test", choices=["test", "val"], help="which held-out patients (default test; val for choices made before looking at the test set)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    runs = _named(args.run, "--run")
    if not runs:
        ap.error("at least one --run NAME=RUN_DIR")
    ablation = _named(args.ablation, "--ablation")
    evaluate(args.data, runs, ablation, args.out, tuple(args.plot.split(",")), split=args.split)


if __name__ == "__main__":
    main()
