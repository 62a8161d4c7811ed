"""Optical flow between consecutive frames at model resolution (computed once per dataset) and
the warping the consistency and prototype losses use.

Reference settings (method.md): OpenCV Farneback, pyramid scale 0.5, 3 levels, window 15,
3 iterations, poly_n 5, sigma 1.2, then a 3x3 median filter on each flow component; optional
bilateral + CLAHE denoising first, as the reference does.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .data import Loop, preprocess


def farneback(prev: np.ndarray, nxt: np.ndarray, denoise: bool = False) -> np.ndarray:
    """Flow F (H x W x 2, pixels) with prev(p) ~ next(p + F(p))."""
    a, b = (np.clip(img * 255, 0, 255).astype(np.uint8) for img in (prev, nxt))
    if denoise:
        clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
        a, b = (clahe.apply(cv2.bilateralFilter(img, 5, 50, 50)) for img in (a, b))
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    return np.stack([cv2.medianBlur(np.ascontiguousarray(flow[..., c]), 3) for c in range(2)], axis=-1)


def loop_flows(loop: Loop, size, cache_dir: str | Path | None = None, denoise: bool = False) -> np.ndarray:
    """(T-1) x H x W x 2 float16 flows of a loop at model size; cached on disk when cache_dir is set."""
    h, w = size
    path = Path(cache_dir) / f"{loop.name}-{h}x{w}{'-dn' if denoise else ''}.npy" if cache_dir else None
    if path and path.exists():
        cached = np.load(path)
        if cached.shape == (len(loop.frames) - 1, h, w, 2):
            return cached
    raw = [preprocess(f, loop.box, size, 0.0, 1.0) for f in loop.frames]
    flows = np.stack([farneback(raw[t], raw[t + 1], denoise) for t in range(len(raw) - 1)]).astype(np.float16)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial.npy")
        np.save(tmp, flows)
        tmp.replace(path)
    return flows


def warp(previous: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Previous map (N x C x H x W) brought to time t: sampled at p - F(p), bilinear, border padding."""
    n, _, h, w = previous.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=previous.dtype, device=previous.device), torch.arange(w, dtype=previous.dtype, device=previous.device), indexing="ij")
    x = xs[None] - flow[..., 0]
    y = ys[None] - flow[..., 1]
    grid = torch.stack([2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1], dim=-1)
    return F.grid_sample(previous, grid, mode="bilinear", padding_mode="border", align_corners=True)


def confidence(current: torch.Tensor, warped_previous: torch.Tensor, alpha: float) -> torch.Tensor:
    """M = exp(-alpha |I_t - warp(I_{t-1})|), intensities in [0, 1]."""
    return torch.exp(-alpha * (current - warped_previous).abs().sum(dim=1, keepdim=True))
