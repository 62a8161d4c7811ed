"""Loop folders -> tensors.

A loop folder holds frames.npy (T x H x W, uint8), optionally masks.npy (same shape, 0/1) and
loop.json with at least `patientId` and `inputBox` ({x0, y0, x1, y1}, x1/y1 exclusive): the box
the engine feeds to the model. The phantom writes such folders, `trus-seg export` turns DICOM
cine + SEG pairs into them, and PNG frame folders (TRUS-V style) are read directly, with the
non-black fan as the box, as the engine does when a file has no calibration.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

SPLITS = ("train", "val", "test")


@dataclass
class Loop:
    name: str
    patient_id: str
    frames: np.ndarray  # T x H x W uint8
    masks: np.ndarray | None  # T x H x W uint8 (0/1) or None
    box: tuple[int, int, int, int]  # x0, y0, x1, y1
    split: str | None = None
    meta: dict = field(default_factory=dict)
    folder: Path | None = None


def non_black_box(frame: np.ndarray, level: float = 0.02 * 255) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(frame > level)
    if len(xs) == 0:
        return 0, 0, frame.shape[1], frame.shape[0]
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _read_npy_loop(folder: Path) -> Loop:
    meta = json.loads((folder / "loop.json").read_text())
    frames = np.load(folder / "frames.npy")
    masks = np.load(folder / "masks.npy") if (folder / "masks.npy").exists() else None
    if frames.ndim != 3 or frames.dtype != np.uint8:
        raise ValueError(f"{folder}/frames.npy: expected a T x H x W uint8 array, got {frames.dtype} {frames.shape}")
    if masks is not None and masks.shape != frames.shape:
        raise ValueError(f"{folder}/masks.npy: shape {masks.shape} differs from frames {frames.shape}")
    b = meta["inputBox"]
    return Loop(folder.name, str(meta["patientId"]), frames, masks, (b["x0"], b["y0"], b["x1"], b["y1"]), meta=meta, folder=folder)


def _read_png_loop(folder: Path, patient_id: str) -> Loop:
    names = sorted(p.name for p in (folder / "frames").glob("*.png"))
    if not names:
        raise ValueError(f"{folder}/frames: no PNG frames")
    frames = np.stack([cv2.imread(str(folder / "frames" / n), cv2.IMREAD_GRAYSCALE) for n in names])
    masks = None
    if (folder / "masks").is_dir():
        masks = np.stack([(cv2.imread(str(folder / "masks" / n), cv2.IMREAD_GRAYSCALE) > 127).astype(np.uint8) for n in names])
    return Loop(folder.name, patient_id, frames, masks, non_black_box(frames[0]), folder=folder)


def _hash_split(patient_id: str, fractions=(0.7, 0.1, 0.2)) -> str:
    """A patient's split from its ID alone: stable across runs and machines, never mixing a patient."""
    h = int(hashlib.sha256(patient_id.encode()).hexdigest()[:8], 16) / 2**32
    if h < fractions[0]:
        return "train"
    return "val" if h < fractions[0] + fractions[1] else "test"


def discover(root: str | os.PathLike) -> list[Loop]:
    """Every loop under root. Splits: the phantom manifest's when present, else train/val/test
    folders, else a hash of the patient ID. Splits are patient-level in all three cases."""
    root = Path(root)
    manifest = root / "manifest.json"
    split_of: dict[str, str] = {}
    if manifest.exists():
        m = json.loads(manifest.read_text())
        for split, patients in m.get("splits", {}).items():
            for p in patients:
                split_of[p] = split
    loops: list[Loop] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        d = Path(dirpath)
        if "frames.npy" in filenames and "loop.json" in filenames:
            loop = _read_npy_loop(d)
        elif "frames" in dirnames and (d / "frames").is_dir() and any((d / "frames").glob("*.png")):
            rel = d.relative_to(root).parts
            loop = _read_png_loop(d, rel[-2] if len(rel) >= 2 and rel[-2] not in SPLITS else d.name)
            dirnames.clear()
        else:
            continue
        parts = d.relative_to(root).parts
        loop.split = split_of.get(loop.patient_id) or next((p for p in parts if p in SPLITS), None) or _hash_split(loop.patient_id)
        loops.append(loop)
    if not loops:
        raise FileNotFoundError(f"{root}: no loop folders (frames.npy + loop.json, or frames/*.png)")
    patients: dict[str, set[str]] = {}
    for lp in loops:
        patients.setdefault(lp.patient_id, set()).add(lp.split or "")
    mixed = [p for p, s in patients.items() if len(s) > 1]
    if mixed:
        raise ValueError(f"patients in more than one split: {', '.join(sorted(mixed))}")
    return loops


def preprocess(frame: np.ndarray, box, size: tuple[int, int], mean: float, std: float) -> np.ndarray:
    """Crop to the engine's box, resize to (height, width), scale to [0,1], normalise: as the engine does."""
    x0, y0, x1, y1 = box
    crop = frame[y0:y1, x0:x1].astype(np.float32) / 255.0
    h, w = size
    interp = cv2.INTER_AREA if crop.shape[0] > h or crop.shape[1] > w else cv2.INTER_LINEAR
    return (cv2.resize(crop, (w, h), interpolation=interp) - mean) / std


def mask_to_model(mask: np.ndarray, box, size: tuple[int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    h, w = size
    return cv2.resize(mask[y0:y1, x0:x1].astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def labelled_indices(n_frames: int, every: int) -> list[int]:
    """The labelled subset of a video: every `every`-th frame (the rest are unlabelled)."""
    return list(range(0, n_frames, max(1, every)))


class FrameDataset(Dataset):
    """Labelled static frames (stage 1 and the per-frame baseline)."""

    def __init__(self, loops: list[Loop], size, mean=0.0, std=1.0, label_every=10, augment=False):
        self.items = []
        for lp in loops:
            if lp.masks is None:
                continue
            for t in labelled_indices(len(lp.frames), label_every):
                self.items.append((lp, t))
        self.size, self.mean, self.std, self.augment = size, mean, std, augment

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        lp, t = self.items[i]
        x = preprocess(lp.frames[t], lp.box, self.size, self.mean, self.std)
        y = mask_to_model(lp.masks[t], lp.box, self.size)
        if self.augment and torch.rand(()) < 0.5:
            x, y = x[:, ::-1].copy(), y[:, ::-1].copy()
        return torch.from_numpy(x)[None], torch.from_numpy(y)[None]


class ClipDataset(Dataset):
    """Overlapping clips of `length` frames (gap `gap`, stride 1) with the precomputed flow between
    consecutive frames (flow k maps frame k to frame k+1 at model resolution). No labels are used
    in training; masks come along for validation only."""

    def __init__(self, loops: list[Loop], size, flows: dict[str, np.ndarray], mean=0.0, std=1.0, length=3, gap=1):
        self.items = []
        for lp in loops:
            span = (length - 1) * gap
            for s in range(0, len(lp.frames) - span):
                self.items.append((lp, s))
        self.size, self.mean, self.std, self.length, self.gap, self.flows = size, mean, std, length, gap, flows

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        lp, s = self.items[i]
        idx = [s + k * self.gap for k in range(self.length)]
        # Crop and resize once: the losses need the [0, 1] frames, the network their normalised copy.
        raw = np.stack([preprocess(lp.frames[t], lp.box, self.size, 0.0, 1.0) for t in idx])[:, None]
        x = (raw - self.mean) / self.std
        flow = self.flows[lp.name]
        # Flow between frames t and t+gap: compose is not needed for gap 1 (the default).
        f = np.stack([flow[t] for t in idx[:-1]]) if self.gap == 1 else np.stack([sum(flow[t + g] for g in range(self.gap)) for t in idx[:-1]])
        return torch.from_numpy(x), torch.from_numpy(raw), torch.from_numpy(f.astype(np.float32))
