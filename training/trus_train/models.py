"""U-Net family networks. The teacher is a standard U-Net; the student is the same family at a
smaller width, sized for real time in the browser. Both can return, for training, the last
decoder feature map (before the head) and the bottleneck, which the prototype loss needs; the
exported ONNX graph returns the mask logits only."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    def __init__(self, width: int = 16, depth: int = 4, in_channels: int = 1, channels: list[int] | None = None):
        super().__init__()
        chans = list(channels) if channels else [width * 2**i for i in range(depth + 1)]
        depth = len(chans) - 1
        self.width, self.depth, self.channels = chans[0], depth, chans
        self.down = nn.ModuleList([_block(in_channels, chans[0])] + [_block(chans[i], chans[i + 1]) for i in range(depth)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2) for i in reversed(range(depth))])
        self.dec = nn.ModuleList([_block(chans[i] * 2, chans[i]) for i in reversed(range(depth))])
        self.head = nn.Conv2d(chans[0], 1, 1)

    def forward(self, x: torch.Tensor, features: bool = False):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        bottleneck = x
        for up, dec, skip in zip(self.up, self.dec, reversed(skips[:-1])):
            x = dec(torch.cat([up(x), skip], dim=1))
        logits = self.head(x)
        return (logits, x, bottleneck) if features else logits


def build(arch: dict) -> UNet:
    # "channels" (one count per level, top first) overrides the doubling of "width": the deep
    # levels of a doubling U-Net cost as many multiply-accumulates as the top one, and in WASM they
    # run several times slower than natively, so a student may keep its top width and taper below.
    if "channels" in arch:
        return UNet(channels=[int(c) for c in arch["channels"]])
    return UNet(width=int(arch.get("width", 16)), depth=int(arch.get("depth", 4)))


def describe(arch: dict) -> str:
    """The architecture as the model card states it."""
    if "channels" in arch:
        chans = [int(c) for c in arch["channels"]]
        return f"channels {'-'.join(map(str, chans))} from the top level down (depth {len(chans) - 1})"
    return f"width {arch['width']}, depth {arch['depth']}"


def init_from(student: nn.Module, teacher: nn.Module) -> list[str]:
    """Copies every teacher tensor whose name and shape match; returns the names copied."""
    t = teacher.state_dict()
    s = student.state_dict()
    copied = [k for k, v in t.items() if k in s and s[k].shape == v.shape]
    s.update({k: t[k] for k in copied})
    student.load_state_dict(s)
    return copied
