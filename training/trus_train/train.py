"""Training: `python3 -m trus_train.train --config CONFIG --data DATASET --out RUN_DIR [--resume]`.

Stages (the config's "stage"):
- teacher: U-Net on labelled static frames, BCE + Dice.
- baseline: the student's architecture trained the same way, per frame on the same labels (the
  plain 2D baseline the student is compared with).
- student: the compact network on unlabelled clips beside the frozen teacher, with the four
  signals of method.md, each switchable and weighted in the config.

Reproducible: seeds from the config, the resolved config saved beside the run, one JSON line per
epoch in log.jsonl, last.pt (resumable: model, optimiser, scheduler, RNG states) and best.pt (by
validation Dice at 0.5)."""
from __future__ import annotations

import argparse
import copy
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from . import losses
from .data import ClipDataset, FrameDataset, Loop, discover, mask_to_model, preprocess
from .flow import loop_flows
from .models import build, init_from

DEFAULTS = {
    "stage": "teacher",
    "seed": 0,
    "input": {"height": 128, "width": 128, "mean": 0.2, "std": 0.2},
    "arch": {"width": 16, "depth": 4},
    "data": {"label_every": 10, "sequence_length": 3, "frame_gap": 1, "flow_denoise": False, "val_every": 5, "flow_cache": None},
    "optim": {"lr": 1e-3, "weight_decay": 1e-4, "t0_epochs": 10, "t_mult": 2, "eta_min": 1e-6, "clip_grad_norm": 1.0},
    "batch_size": 8,
    "epochs": 50,
    "early_stopping": 10,
    "max_steps_per_epoch": None,
    "freeze_batchnorm": False,
    "select": "best",
    "augment": True,
    "teacher": None,
    "init_from_teacher": True,
    "init_checkpoint": None,
    "loss": {
        "seg": {"on": True, "weight": 3.0},
        "kd": {"on": True, "weight": 1.0, "temperature": 4.0},
        "con": {"on": True, "weight": 2.0, "alpha": 1.0},
        "proto": {"on": True, "weight": 0.1, "percentile": 0.7},
    },
}


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in override.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path: str | Path, overrides: dict | None = None) -> dict:
    cfg = merge(DEFAULTS, json.loads(Path(path).read_text()))
    return merge(cfg, overrides or {})


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def size_of(cfg) -> tuple[int, int]:
    return int(cfg["input"]["height"]), int(cfg["input"]["width"])


@torch.no_grad()
def validation_dice(model: torch.nn.Module, loops: list[Loop], cfg) -> float:
    """Mean Dice at 0.5 over every `val_every`-th labelled frame of the validation loops, at model resolution."""
    model.eval()
    size = size_of(cfg)
    dices = []
    for lp in loops:
        if lp.masks is None:
            continue
        idx = list(range(0, len(lp.frames), cfg["data"]["val_every"]))
        x = torch.from_numpy(np.stack([preprocess(lp.frames[t], lp.box, size, cfg["input"]["mean"], cfg["input"]["std"]) for t in idx]))[:, None]
        y = torch.from_numpy(np.stack([mask_to_model(lp.masks[t], lp.box, size) for t in idx]))[:, None] > 0.5
        for s in range(0, len(idx), 16):
            p = torch.sigmoid(model(x[s : s + 16])) > 0.5
            g = y[s : s + 16]
            inter = (p & g).sum((1, 2, 3)).float()
            total = (p.sum((1, 2, 3)) + g.sum((1, 2, 3))).float()
            dices.extend(torch.where(total > 0, 2 * inter / total.clamp(min=1), torch.ones_like(total)).tolist())
    model.train()
    return float(np.mean(dices)) if dices else float("nan")


def student_losses(student, teacher, batch, cfg) -> dict[str, torch.Tensor]:
    x, raw, flow = batch  # N x L x 1 x H x W, same, N x (L-1) x H x W x 2
    n, length = x.shape[:2]
    frames = x.reshape(n * length, *x.shape[2:])
    logits, dec, bott = student(frames, features=True)
    lc = cfg["loss"]
    out: dict[str, torch.Tensor] = {}
    if lc["seg"]["on"]:
        target = losses.flip_target(student, frames)
        if lc["seg"].get("binarise", False):
            target = (target > 0.5).float()
        out["seg"] = losses.bce_dice(logits, target) if lc["seg"].get("dice", True) else F.binary_cross_entropy_with_logits(logits, target)
    if lc["kd"]["on"]:
        with torch.no_grad():
            t_logits = teacher(frames)
        out["kd"] = losses.kd_loss(logits, t_logits, lc["kd"]["temperature"])
    if lc["con"]["on"] or lc["proto"]["on"]:
        prob = torch.sigmoid(logits).reshape(n, length, *logits.shape[1:])
        img = raw.reshape(n, length, *raw.shape[2:])
        dec = dec.reshape(n, length, *dec.shape[1:])
        bott = bott.reshape(n, length, *bott.shape[1:])
        con, proto = [], []
        for k in range(1, length):
            f = flow[:, k - 1]
            if lc["con"]["on"]:
                con.append(losses.consistency_loss(prob[:, k], prob[:, k - 1], img[:, k], img[:, k - 1], f, lc["con"]["alpha"]))
            if lc["proto"]["on"]:
                proto.append(losses.prototype_loss(prob[:, k], prob[:, k - 1], dec[:, k], dec[:, k - 1], bott[:, k], bott[:, k - 1], f, lc["proto"]["percentile"]))
        if con:
            out["con"] = torch.stack(con).mean()
        if proto:
            out["proto"] = torch.stack(proto).mean()
    return out


def _checkpoint_at(path: str | Path) -> dict:
    """A run folder's best.pt, or a checkpoint file."""
    path = Path(path)
    return torch.load(path / "best.pt" if path.is_dir() else path, map_location="cpu")


def _network_of(checkpoint: dict) -> torch.nn.Module:
    net = build(checkpoint["config"]["arch"])
    net.load_state_dict(checkpoint["model"])
    return net


def stops_early(cfg: dict, stale: int, best: float) -> bool:
    """Patience runs out only once the network has segmented something: a narrow network can sit at
    validation Dice 0 (all background) for its first epochs before it starts to learn (width 4,
    seed 2 did for 16 epochs, then reached 0.974), and stopping it there leaves a dead network.
    Never with `"select": "last"`: that run ships the state at the end of its learning-rate schedule,
    not its best validation epoch, so stopping on validation would ship a mid-schedule state instead
    (a tapered student's 24-epoch cycle ended so at epoch 13, at 0.44x the initial rate)."""
    if cfg.get("select", "best") == "last":
        return False
    return bool(cfg["early_stopping"]) and stale >= int(cfg["early_stopping"]) and best > 0


def _initial_network(path: str | Path) -> torch.nn.Module:
    """The stage-1 network a student starts from; refused when it never segmented a validation frame."""
    checkpoint = _checkpoint_at(path)
    if checkpoint.get("val_dice") == 0:
        raise ValueError(f"{path}: its best validation Dice is 0 (the network never segmented a validation frame); train it for longer or with another seed before starting a student from it")
    return _network_of(checkpoint)


def train(cfg: dict, data_root: str | Path, out_dir: str | Path, resume: bool = False, log=print) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    seed_everything(int(cfg["seed"]))
    size = size_of(cfg)
    loops = discover(data_root)
    train_loops = [lp for lp in loops if lp.split == "train"]
    val_loops = [lp for lp in loops if lp.split == "val"]
    if not train_loops:
        raise ValueError(f"{data_root}: no training loops")
    model = build(cfg["arch"])
    stage = cfg["stage"]
    teacher = None
    generator = torch.Generator().manual_seed(int(cfg["seed"]))
    if stage in ("teacher", "baseline"):
        dataset = FrameDataset(train_loops, size, cfg["input"]["mean"], cfg["input"]["std"], cfg["data"]["label_every"], cfg["augment"])
    elif stage == "student":
        if not cfg["teacher"]:
            raise ValueError('stage "student" needs "teacher": the teacher run folder or checkpoint')
        teacher = _network_of(_checkpoint_at(cfg["teacher"]))
        teacher.eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        if cfg["init_checkpoint"]:
            # The reference starts the student from a stage-1 network; at a smaller width than the
            # teacher that is the stage-1 network of the student's own size (the per-frame baseline).
            copied = init_from(model, _initial_network(cfg["init_checkpoint"]))
            log(f"student initialised from {cfg['init_checkpoint']}: {len(copied)} of {len(model.state_dict())} tensors had matching shapes")
        elif cfg["init_from_teacher"]:
            copied = init_from(model, teacher)
            log(f"student initialised from the teacher: {len(copied)} of {len(model.state_dict())} tensors had matching shapes")
        # Flows depend only on the frames and the input size: runs on the same data can share them.
        cache = Path(cfg["data"]["flow_cache"]) if cfg["data"].get("flow_cache") else out / "flow-cache"
        flows = {lp.name: loop_flows(lp, size, cache, cfg["data"]["flow_denoise"]) for lp in train_loops}
        dataset = ClipDataset(train_loops, size, flows, cfg["input"]["mean"], cfg["input"]["std"], cfg["data"]["sequence_length"], cfg["data"]["frame_gap"])
    else:
        raise ValueError(f'unknown stage "{stage}" (teacher, baseline or student)')
    if len(dataset) == 0:
        raise ValueError(f"{data_root}: no training samples for stage {stage}")
    loader = DataLoader(dataset, batch_size=int(cfg["batch_size"]), shuffle=True, generator=generator, drop_last=len(dataset) > int(cfg["batch_size"]))
    o = cfg["optim"]
    optimiser = torch.optim.AdamW(model.parameters(), lr=o["lr"], weight_decay=o["weight_decay"])
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimiser, T_0=int(o["t0_epochs"]), T_mult=int(o["t_mult"]), eta_min=o["eta_min"])
    start_epoch, best, stale = 0, -1.0, 0
    if resume and (out / "last.pt").exists():
        ck = torch.load(out / "last.pt", map_location="cpu")
        model.load_state_dict(ck["model"])
        optimiser.load_state_dict(ck["optimiser"])
        scheduler.load_state_dict(ck["scheduler"])
        torch.set_rng_state(ck["torch_rng"])
        np.random.set_state(ck["numpy_rng"])
        random.setstate(ck["python_rng"])
        generator.set_state(ck["loader_rng"])
        start_epoch, best, stale = ck["epoch"] + 1, ck["best"], ck["stale"]
        log(f"resumed from {out / 'last.pt'} at epoch {start_epoch + 1}")
        if stops_early(cfg, stale, best):
            log(f"already stopped early (no validation improvement for {stale} epochs): nothing to do")
            return {"best_val_dice": best, "run": str(out)}
    weights = {k: v["weight"] for k, v in cfg["loss"].items()}
    max_steps = cfg["max_steps_per_epoch"]
    steps_per_epoch = max(1, len(loader) if max_steps is None else min(len(loader), max_steps))
    for epoch in range(start_epoch, int(cfg["epochs"])):
        model.train()
        if cfg.get("freeze_batchnorm"):
            for mod in model.modules():
                if isinstance(mod, torch.nn.BatchNorm2d):
                    mod.eval()
        started = time.time()
        sums: dict[str, float] = {}
        steps = 0
        for step, batch in enumerate(loader):
            if max_steps is not None and step >= max_steps:
                break
            if stage == "student":
                parts = student_losses(model, teacher, batch, cfg)
                total = sum(weights[k] * v for k, v in parts.items())
            else:
                x, y = batch
                parts = {"seg": losses.bce_dice(model(x), y)}
                total = parts["seg"]
            optimiser.zero_grad(set_to_none=True)
            total.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), o["clip_grad_norm"])
            optimiser.step()
            scheduler.step(epoch + (step + 1) / steps_per_epoch)
            for k, v in {**{k: float(v) for k, v in parts.items()}, "total": float(total)}.items():
                sums[k] = sums.get(k, 0.0) + v
            steps += 1
        val = validation_dice(model, val_loops, cfg) if val_loops else float("nan")
        record = {"epoch": epoch + 1, "steps": steps, "lr": optimiser.param_groups[0]["lr"], "val_dice": val, "seconds": round(time.time() - started, 2), **{f"loss_{k}": v / max(1, steps) for k, v in sums.items()}}
        with open(out / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
        log(json.dumps(record))
        improved = not np.isnan(val) and val > best
        if improved or best < 0:
            best = val if not np.isnan(val) else best
            stale = 0
            torch.save({"model": model.state_dict(), "config": cfg, "epoch": epoch, "val_dice": val}, out / "best.pt")
        else:
            stale += 1
        torch.save(
            {"model": model.state_dict(), "optimiser": optimiser.state_dict(), "scheduler": scheduler.state_dict(), "epoch": epoch, "val_dice": val, "best": best, "stale": stale,
             "torch_rng": torch.get_rng_state(), "numpy_rng": np.random.get_state(), "python_rng": random.getstate(), "loader_rng": generator.get_state(), "config": cfg},
            out / "last.pt.partial",
        )
        (out / "last.pt.partial").replace(out / "last.pt")
        if stops_early(cfg, stale, best):
            log(f"early stop: no validation improvement for {stale} epochs")
            break
    if best == 0:
        log(f"warning: {out}: the network never segmented a validation frame (best validation Dice 0)")
    return {"best_val_dice": best, "run": str(out)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--data", required=True, help="dataset root (phantom dataset, exported DICOM pairs, or PNG folders)")
    ap.add_argument("--out", required=True, help="run folder")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help='override a config value, e.g. --set epochs=2 --set loss.kd.on=false')
    args = ap.parse_args(argv)
    overrides: dict = {}
    for item in args.set:
        key, _, value = item.partition("=")
        node = overrides
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = json.loads(value)
    cfg = load_config(args.config, overrides)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    result = train(cfg, args.data, args.out, args.resume)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
