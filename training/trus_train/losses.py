"""The training signals of method.md: BCE + Dice, flip-equivariance pseudo-labels, knowledge
distillation with temperature, confidence-weighted temporal consistency, and dual-scale
prototype alignment."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .flow import confidence, warp


def bce_dice(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """BCE with logits + soft Dice loss; `target` may be soft (pseudo-labels)."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    dims = (1, 2, 3)
    dice = (2 * (p * target).sum(dims) + eps) / (p.sum(dims) + target.sum(dims) + eps)
    return bce + (1 - dice).mean()


@torch.no_grad()
def flip_target(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The student's own prediction on the horizontally flipped frame, flipped back: a soft map,
    not averaged with the unflipped prediction and not thresholded (as the reference code does)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    p = torch.sigmoid(model(torch.flip(x, dims=[3])))
    # Restore each module's own mode (frozen BatchNorm layers stay in eval mode).
    for m, training in modes:
        m.training = training
    return torch.flip(p, dims=[3])


def kd_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float = 4.0) -> torch.Tensor:
    """MSE between sigmoid(student/T) and sigmoid(teacher/T), times T^2."""
    t = temperature
    return F.mse_loss(torch.sigmoid(student_logits / t), torch.sigmoid(teacher_logits / t)) * t * t


def consistency_loss(prob_t: torch.Tensor, prob_prev: torch.Tensor, image_t: torch.Tensor, image_prev: torch.Tensor, flow: torch.Tensor, alpha: float) -> torch.Tensor:
    """1 - mean[ M * (1 - |P_t - [warp(P_{t-1}) > 0.5]|) ]; the binarised warped map carries no gradient."""
    with torch.no_grad():
        warped = (warp(prob_prev, flow) > 0.5).float()
        m = confidence(image_t, warp(image_prev, flow), alpha)
    return 1 - (m * (1 - (prob_t - warped).abs())).mean()


def _masked_mean(features: torch.Tensor, mask: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    return (features * mask).sum((2, 3)) / (mask.sum((2, 3)) + eps)


def prototype_loss(prob_t, prob_prev, dec_t, dec_prev, bott_t, bott_prev, flow, percentile: float = 0.7) -> torch.Tensor:
    """Dual-scale prototype alignment between consecutive frames.

    Foreground = pixels above the batch-averaged 70th percentile of the current probability map.
    Local (boundary) prototype: last decoder features, previous frame's map warped by the flow,
    mask = current AND warped previous foreground. Global (scene) prototype: bottleneck features,
    no warping, background masks resized by nearest neighbour. Combined as
    w_bg * L_local + w_fg * L_global with w_fg the mean foreground probability of the current frame.
    """
    n = prob_t.shape[0]
    thr = torch.quantile(prob_t.detach().reshape(n, -1), percentile, dim=1).mean()
    fg_t = (prob_t.detach() > thr).float()
    fg_prev = (prob_prev.detach() > thr).float()
    warped_fg_prev = (warp(fg_prev, flow) > 0.5).float()
    warped_dec_prev = warp(dec_prev, flow)
    local_mask = fg_t * warped_fg_prev
    # An empty mask has no prototype: its term is left out (a zero vector would count as total
    # disagreement, e.g. when the coarse bottleneck grid samples no background pixel).
    local_ok = (local_mask.sum((1, 2, 3)) > 0).float()
    local = local_ok * (1 - F.cosine_similarity(_masked_mean(dec_t, local_mask), _masked_mean(warped_dec_prev, local_mask), dim=1))
    size = bott_t.shape[-2:]
    bg_t = F.interpolate(1 - fg_t, size=size, mode="nearest")
    bg_prev = F.interpolate(1 - fg_prev, size=size, mode="nearest")
    glob_ok = ((bg_t.sum((1, 2, 3)) > 0) & (bg_prev.sum((1, 2, 3)) > 0)).float()
    glob = glob_ok * (1 - F.cosine_similarity(_masked_mean(bott_t, bg_t), _masked_mean(bott_prev, bg_prev), dim=1))
    w_fg = prob_t.detach().mean((1, 2, 3))
    w_bg = 1 - w_fg
    return (w_bg * local + w_fg * glob).mean()
