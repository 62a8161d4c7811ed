"""Training framework tests: data discovery and splits, each loss on constructed cases, and a
smoke run of every stage (a few steps), resume, ONNX export checked against PyTorch, and the
exported model run by the engine's CLI. Needs the built CLI (npm run build)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from trus_train import losses
from trus_train.data import FrameDataset, ClipDataset, discover, labelled_indices, preprocess
from trus_train.flow import farneback, loop_flows, warp
from trus_train.models import UNet, build, describe, init_from
from trus_train.train import DEFAULTS, merge, train
from trus_train.export import export

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "cli" / "main.js"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(CLI), *args], capture_output=True, text=True)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> Path:
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: run npm run build first")
    out = tmp_path_factory.mktemp("phantom") / "data"
    r = cli("phantom", "dataset", "--out", str(out), "--train", "2", "--val", "1", "--test", "1", "--frames", "8", "--width", "96", "--workers", "1")
    assert r.returncode == 0, r.stderr
    return out


def tiny_cfg(**over) -> dict:
    base = {"input": {"height": 32, "width": 48}, "arch": {"width": 4, "depth": 2}, "batch_size": 2, "epochs": 1, "max_steps_per_epoch": 2, "data": {"label_every": 4, "val_every": 4}}
    return merge(merge(DEFAULTS, base), over)


def test_discovers_loops_with_patient_level_splits(dataset):
    loops = discover(dataset)
    assert len(loops) == 8
    by_patient = {}
    for lp in loops:
        by_patient.setdefault(lp.patient_id, set()).add(lp.split)
        assert lp.frames.shape == lp.masks.shape and lp.frames.dtype == np.uint8
        x0, y0, x1, y1 = lp.box
        assert 0 <= x0 < x1 <= lp.frames.shape[2] and 0 <= y0 < y1 <= lp.frames.shape[1]
    assert all(len(s) == 1 for s in by_patient.values())
    assert sorted(s.pop() for s in by_patient.values()) == ["test", "train", "train", "val"]
    assert labelled_indices(25, 10) == [0, 10, 20]


def test_refuses_a_patient_in_two_splits(dataset, tmp_path):
    import shutil
    shutil.copytree(dataset / "train", tmp_path / "train")
    patient = next(p for p in (tmp_path / "train").iterdir())
    shutil.copytree(patient, tmp_path / "test" / patient.name)
    with pytest.raises(ValueError, match="patients in more than one split"):
        discover(tmp_path)


def test_reads_png_frame_folders(tmp_path):
    import cv2
    for t in range(3):
        for kind, value in (("frames", 40 + t), ("masks", 255)):
            (tmp_path / "P9" / "loop1" / kind).mkdir(parents=True, exist_ok=True)
            img = np.zeros((20, 30), np.uint8)
            img[5:15, 8:22] = value
            cv2.imwrite(str(tmp_path / "P9" / "loop1" / kind / f"{t:04d}.png"), img)
    [lp] = discover(tmp_path)
    assert lp.patient_id == "P9" and lp.frames.shape == (3, 20, 30)
    assert lp.box == (8, 5, 22, 15)
    assert lp.masks.sum() == 3 * 10 * 14


def test_preprocess_crops_resizes_and_normalises():
    frame = np.zeros((10, 20), np.uint8)
    frame[2:6, 4:12] = 255
    x = preprocess(frame, (4, 2, 12, 6), (4, 8), mean=0.5, std=0.25)
    assert x.shape == (4, 8) and np.allclose(x, 2.0)


def test_warp_moves_content_by_the_flow():
    img = torch.zeros(1, 1, 8, 8)
    img[0, 0, 3, 2] = 1
    flow = torch.zeros(1, 8, 8, 2)
    flow[..., 0] = 1  # content moves one pixel right
    out = warp(img, flow)
    assert out[0, 0, 3, 3] == pytest.approx(1) and out[0, 0, 3, 2] == pytest.approx(0)


def test_farneback_recovers_a_shift():
    rng = np.random.default_rng(0)
    base = cv2_blur(rng.random((64, 64)).astype(np.float32))
    moved = np.roll(base, 2, axis=1)
    f = farneback(base, moved)
    assert np.median(f[16:48, 16:48, 0]) == pytest.approx(2, abs=0.3)
    assert abs(np.median(f[16:48, 16:48, 1])) < 0.3


def cv2_blur(a):
    import cv2
    b = cv2.GaussianBlur(a, (0, 0), 2)
    return (b - b.min()) / (b.max() - b.min())


def test_losses_on_constructed_cases():
    logits = torch.randn(2, 1, 8, 8)
    assert losses.kd_loss(logits, logits).item() == pytest.approx(0)
    # KD: sigmoid(0/4)=0.5 vs sigmoid(8/4)=0.8808 -> (0.3808)^2 * 16
    assert losses.kd_loss(torch.zeros(1, 1, 1, 1), torch.full((1, 1, 1, 1), 8.0)).item() == pytest.approx(0.380797 ** 2 * 16, rel=1e-4)
    p = (torch.rand(2, 1, 8, 8) > 0.5).float()
    img = torch.rand(2, 1, 8, 8)
    zero = torch.zeros(2, 8, 8, 2)
    assert losses.consistency_loss(p, p, img, img, zero, 1.0).item() == pytest.approx(0, abs=1e-6)
    # Same images (M = 1) and a flipped mask: every pixel disagrees fully.
    assert losses.consistency_loss(1 - p, p, img, img, zero, 1.0).item() == pytest.approx(1, abs=1e-6)
    # Confidence: image differs by 0.5 everywhere -> M = exp(-0.5) on every pixel, masks agree -> 1 - exp(-0.5).
    assert losses.consistency_loss(p, p, img + 0.5, img, zero, 1.0).item() == pytest.approx(1 - np.exp(-0.5), abs=1e-5)
    feat = torch.rand(2, 4, 8, 8)
    bott = torch.rand(2, 6, 2, 2)
    prob = torch.rand(2, 1, 8, 8)
    assert losses.prototype_loss(prob, prob, feat, feat, bott, bott, zero).item() == pytest.approx(0, abs=1e-5)
    # Background everywhere but on the 2x2 grid the bottleneck samples: no global prototype, no penalty.
    on_grid = torch.zeros(2, 1, 8, 8)
    on_grid[:, :, ::4, ::4] = 1.0
    assert losses.prototype_loss(on_grid, on_grid, feat, feat, bott, bott, zero).item() == pytest.approx(0, abs=1e-5)
    assert losses.prototype_loss(prob, prob, feat, torch.rand(2, 4, 8, 8), bott, torch.rand(2, 6, 2, 2), zero).item() > 0.01
    target = torch.ones(1, 1, 4, 4)
    assert losses.bce_dice(torch.full((1, 1, 4, 4), 20.0), target).item() == pytest.approx(0, abs=1e-6)


def test_flip_target_is_the_flipped_prediction_and_keeps_the_mode():
    model = UNet(width=4, depth=2)
    model.train()
    x = torch.rand(2, 1, 16, 16)
    t = losses.flip_target(model, x)
    assert model.training
    model.eval()
    expected = torch.flip(torch.sigmoid(model(torch.flip(x, dims=[3]))), dims=[3])
    assert torch.allclose(t, expected, atol=1e-6)
    assert not t.requires_grad


def test_a_tapered_unet_has_the_channels_it_was_given_at_each_level():
    model = build({"width": 8, "depth": 4, "channels": [4, 6, 10]}).eval()
    assert model.depth == 2
    assert [block[3].out_channels for block in model.down] == [4, 6, 10]
    assert [block[3].out_channels for block in model.dec] == [6, 4]
    with torch.no_grad():
        logits, last, bottleneck = model(torch.rand(1, 1, 16, 24), features=True)
    assert logits.shape == (1, 1, 16, 24) and last.shape[1] == 4 and bottleneck.shape[1:] == (10, 4, 6)
    assert describe({"width": 8, "depth": 4, "channels": [4, 6, 10]}) == "channels 4-6-10 from the top level down (depth 2)"
    assert describe({"width": 8, "depth": 4}) == "width 8, depth 4"
    assert [b[3].out_channels for b in build({"width": 8, "depth": 2}).down] == [8, 16, 32]


def test_student_initialisation_copies_matching_tensors_only():
    teacher, same, smaller = UNet(width=8, depth=2), UNet(width=8, depth=2), UNet(width=4, depth=2)
    assert len(init_from(same, teacher)) == len(teacher.state_dict())
    assert torch.equal(same.head.weight, teacher.head.weight)
    assert len(init_from(smaller, teacher)) < len(teacher.state_dict())


def test_every_stage_trains_resumes_and_exports(dataset, tmp_path):
    teacher = train(tiny_cfg(stage="teacher"), dataset, tmp_path / "teacher", log=lambda *_: None)
    assert (tmp_path / "teacher" / "best.pt").exists()
    # Long enough to segment something: a student does not start from a network that segments nothing.
    base = train(tiny_cfg(stage="baseline", epochs=4, max_steps_per_epoch=4), dataset, tmp_path / "baseline", log=lambda *_: None)
    assert base["best_val_dice"] > 0
    cfg = tiny_cfg(stage="student", teacher=str(tmp_path / "teacher"), init_checkpoint=str(tmp_path / "baseline"))
    messages = []
    train(cfg, dataset, tmp_path / "student", log=messages.append)
    n = len(UNet(4, 2).state_dict())
    assert f"initialised from {tmp_path / 'baseline'}: {n} of {n} tensors" in messages[0]
    log = [json.loads(line) for line in (tmp_path / "student" / "log.jsonl").read_text().splitlines()]
    assert len(log) == 1
    for k in ("loss_seg", "loss_kd", "loss_con", "loss_proto", "loss_total"):
        assert np.isfinite(log[0][k]), k
    assert list((tmp_path / "student" / "flow-cache").glob("*.npy"))
    # Resume: a second epoch continues from last.pt.
    train(merge(cfg, {"epochs": 2}), dataset, tmp_path / "student", resume=True, log=lambda *_: None)
    log = [json.loads(line) for line in (tmp_path / "student" / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2]
    # A signal switched off is absent from the log.
    train(merge(cfg, {"loss": {"proto": {"on": False}, "kd": {"on": False}}}), dataset, tmp_path / "no-proto", log=lambda *_: None)
    rec = json.loads((tmp_path / "no-proto" / "log.jsonl").read_text().splitlines()[0])
    assert "loss_proto" not in rec and "loss_kd" not in rec and "loss_con" in rec
    manifest = export(tmp_path / "student", tmp_path / "model", "smoke-student", "0.0.1")
    assert manifest["trainingRecipe"]["checkpoint"] == "best"
    # "select": "last" ships the state at the end of the schedule instead.
    train(merge(cfg, {"select": "last", "epochs": 2}), dataset, tmp_path / "student-last", log=lambda *_: None)
    last = export(tmp_path / "student-last", tmp_path / "model-last", "smoke-last", "0.0.1")
    assert last["trainingRecipe"]["checkpoint"] == "last" and last["trainingRecipe"]["epochOfBest"] == 2
    assert manifest["exportCheck"]["maxAbsDifferenceVsPyTorch"] < 1e-4
    assert manifest["input"]["shape"] == ["N", 1, 32, 48]
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text()
    assert "not for clinical use" in card and "simulated" in card and "1-channel grey input" in card and "unlabelled clips" in card
    assert "the per-frame baseline" in card
    cine = next(dataset.glob("test/*/cine.dcm"))
    r = cli("segment", str(cine), "--model", str(tmp_path / "model"), "--out", str(tmp_path / "seg-out"))
    assert r.returncode == 0, r.stderr
    assert list((tmp_path / "seg-out").glob("*.seg.dcm"))
    assert teacher["run"] and base["run"]


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else 2.0 * float((a & b).sum()) / float(s)


def test_evaluate_runs_the_exported_model_through_the_engine(dataset, tmp_path):
    from trus_train.evaluate import evaluate, test_pairs

    run = tmp_path / "baseline"
    train(tiny_cfg(stage="baseline", arch={"width": 2, "depth": 2}), dataset, run, log=lambda *_: None)
    results = evaluate(dataset, [("baseline", run), ("student", run)], [("full", run)], tmp_path / "eval", log=lambda *_: None)
    test_loops = [lp for lp in discover(dataset) if lp.split == "test"]
    assert sorted(results["testLoops"]) == sorted(lp.name for lp in test_loops)
    s = results["models"]["baseline"]
    assert s["frames"] == sum(len(lp.frames) for lp in test_loops)
    for key in ("dice", "diceOverThresholds", "iou", "sensitivity", "sAlpha", "ePhi", "weightedF", "meanWarpedConsistency", "meanDicePrevious"):
        assert 0.0 <= s[key] <= 1.0, key
    assert results["ablation"]["full"] == s
    # The reference row, computed by the engine from the SEGs, must match the masks.npy the phantom wrote.
    gt = results["groundTruth"]
    f2f = np.mean([np.mean([_dice(lp.masks[t] > 0, lp.masks[t - 1] > 0) for t in range(1, len(lp.frames))]) for lp in test_loops])
    cv = np.mean([lp.masks.reshape(len(lp.frames), -1).sum(1).std() / lp.masks.reshape(len(lp.frames), -1).sum(1).mean() for lp in test_loops])
    assert gt["meanDicePrevious"] == pytest.approx(f2f, abs=1e-9)
    assert gt["areaCoefficientOfVariation"] == pytest.approx(cv, abs=1e-9)
    # The test patient's two views give one volume per model, against the reference SEGs' own.
    assert results["volume"]["ground truth (reference)"]["patients"] == len({lp.patient_id for lp in test_loops})
    vol = results["volume"]["baseline"]
    assert vol["patients"] + vol["missing"] == results["volume"]["ground truth (reference)"]["patients"]
    if vol["patients"]:
        assert vol["meanAbsoluteErrorMl"] >= 0 and vol["maxAbsolutePercentError"] >= vol["meanAbsolutePercentError"]
    # Per loop: the loops' own figures add up to the means over frames and the summed flicker.
    loops = results["perLoop"]["baseline"]
    assert sorted(loops) == sorted(results["testLoops"])
    assert sum(v["flickerCount"] for v in loops.values()) == s["flickerCount"]
    assert sum(v["dice"] * v["frames"] for v in loops.values()) / s["frames"] == pytest.approx(s["dice"], abs=1e-9)
    md = (tmp_path / "eval" / "evaluation.md").read_text()
    assert "## Prostate volume" in md
    per_loop_md = md.split("## Per loop", 1)[1]
    for loop in results["testLoops"]:
        assert f"| {loop} | {loops[loop]['dice']:.4f} |" in per_loop_md
    assert "| baseline |" in md and "## Ablation" in md and "ground truth (reference)" in md
    assert (tmp_path / "eval" / "area-per-frame.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "eval" / "evaluation.json").read_text())["models"]["baseline"]["dice"] == s["dice"]
    # An exported model folder is evaluated as it is (a shipped model re-measured), not exported again.
    exported = run / "onnx"
    onnx_before = (exported / "model.onnx").read_bytes()
    again = evaluate(dataset, [("shipped", exported)], [], tmp_path / "eval-exported", log=lambda *_: None)
    assert (exported / "model.onnx").read_bytes() == onnx_before
    assert again["models"]["shipped"]["dice"] == s["dice"] and again["models"]["shipped"]["flickerCount"] == s["flickerCount"]
    # Its figures recorded in the manifest and card; a manifest whose ONNX file changed is refused.
    from trus_train.export import record_metrics
    metrics = json.loads((tmp_path / "eval-exported" / "metrics-shipped.json").read_text())
    manifest = record_metrics(exported, metrics)
    assert json.loads((exported / "model.json").read_text())["metrics"]["dice"] == s["dice"] == manifest["metrics"]["dice"]
    assert f"{s['dice']:.4f}" in (exported / "MODEL_CARD.md").read_text()
    (exported / "model.onnx").write_bytes(onnx_before + b"\0")
    with pytest.raises(RuntimeError, match="is not the manifest's"):
        record_metrics(exported, metrics)
    # A test loop without its DICOM pair cannot be evaluated through the engine: refused by name.
    import shutil
    shutil.copytree(dataset, tmp_path / "copy")
    victim = tmp_path / "copy" / "test" / test_loops[0].name
    (victim / "cine.dcm").unlink()
    with pytest.raises(ValueError, match=test_loops[0].name):
        test_pairs(tmp_path / "copy")


def test_a_run_that_stopped_early_is_not_extended_by_resume(dataset, tmp_path, monkeypatch):
    # A validation plateau on demand (real training makes it non-deterministic): the score is fixed,
    # so patience 1 ends the run after epoch 2.
    import trus_train.train as train_module
    monkeypatch.setattr(train_module, "validation_dice", lambda *_: 0.5)
    cfg = tiny_cfg(stage="baseline", arch={"width": 2, "depth": 2}, epochs=5, early_stopping=1)
    train(cfg, dataset, tmp_path / "run", log=lambda *_: None)
    lines = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2]
    messages = []
    train(cfg, dataset, tmp_path / "run", resume=True, log=messages.append)
    assert (tmp_path / "run" / "log.jsonl").read_text().splitlines() == lines
    assert any("already stopped early" in m for m in messages)


def test_a_run_selecting_its_last_state_runs_its_whole_schedule(dataset, tmp_path, monkeypatch):
    # The same plateau as above: patience 1 would end the run after epoch 2, but a run that ships
    # its last state ("select": "last") must reach the end of its schedule.
    import trus_train.train as train_module
    monkeypatch.setattr(train_module, "validation_dice", lambda *_: 0.5)
    cfg = tiny_cfg(stage="baseline", arch={"width": 2, "depth": 2}, epochs=4, early_stopping=1, select="last")
    messages = []
    train(cfg, dataset, tmp_path / "run", log=messages.append)
    lines = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2, 3, 4]
    assert not any("early stop" in m for m in messages)


def test_patience_waits_for_a_network_that_has_not_segmented_anything_yet(dataset, tmp_path, monkeypatch):
    # Validation Dice 0 on demand (a width-4 network sat at 0 for 16 epochs with one seed; which seed
    # does so at this tiny size cannot be chosen): patience 1 must not end the run while nothing was
    # segmented, and the run ends with a warning instead of a silent dead network.
    import trus_train.train as train_module
    monkeypatch.setattr(train_module, "validation_dice", lambda *_: 0.0)
    cfg = tiny_cfg(stage="baseline", arch={"width": 2, "depth": 2}, epochs=3, early_stopping=1)
    messages = []
    result = train(cfg, dataset, tmp_path / "run", log=messages.append)
    lines = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2, 3]
    assert result["best_val_dice"] == 0
    assert any("never segmented a validation frame" in m for m in messages)


def test_a_student_does_not_start_from_a_network_that_segments_nothing(dataset, tmp_path):
    from trus_train.data import discover as find_loops
    from trus_train.train import validation_dice
    cfg = tiny_cfg(stage="teacher")
    train(cfg, dataset, tmp_path / "teacher", log=lambda *_: None)
    base_cfg = tiny_cfg(stage="baseline", epochs=4, max_steps_per_epoch=4)
    assert train(base_cfg, dataset, tmp_path / "baseline", log=lambda *_: None)["best_val_dice"] > 0
    # A really dead network: the trained baseline with its head biased to background everywhere,
    # its validation Dice measured as training measures it.
    checkpoint = torch.load(tmp_path / "baseline" / "best.pt", map_location="cpu")
    net = build(base_cfg["arch"])
    net.load_state_dict(checkpoint["model"])
    with torch.no_grad():
        net.head.bias.fill_(-1e3)
    val = validation_dice(net, [lp for lp in find_loops(dataset) if lp.split == "val"], base_cfg)
    assert val == 0
    (tmp_path / "dead").mkdir()
    torch.save({**checkpoint, "model": net.state_dict(), "val_dice": val}, tmp_path / "dead" / "best.pt")
    student = tiny_cfg(stage="student", teacher=str(tmp_path / "teacher"), init_checkpoint=str(tmp_path / "dead"))
    with pytest.raises(ValueError, match="never segmented a validation frame"):
        train(student, dataset, tmp_path / "student", log=lambda *_: None)
    assert not (tmp_path / "student" / "log.jsonl").exists()
    train(merge(student, {"init_checkpoint": str(tmp_path / "baseline")}), dataset, tmp_path / "student-ok", log=lambda *_: None)
    assert (tmp_path / "student-ok" / "best.pt").exists()
