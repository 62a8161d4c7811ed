"""PyTorch CPU latency of the student and teacher architectures: the reference the paper's FPS
figures come from. The architectures are built from training/configs (random weights: a
convolutional network does the same work whatever its weights), in eval mode under no_grad.
Prints one JSON object; `npm run bench` runs this with the system Python and puts it in its table.
Usage: python3 bench/torch_cpu.py [--seconds S] [--threads 1,2]"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from trus_train.models import build  # noqa: E402


def latency(model: torch.nn.Module, x: torch.Tensor, seconds: float, warmup: int = 5) -> list[float]:
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        samples: list[float] = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(samples) < 20:
            t = time.perf_counter()
            model(x)
            samples.append((time.perf_counter() - t) * 1000)
    return samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    rows = []
    for stage in ("student", "teacher"):
        cfg = json.loads((ROOT / "training/configs" / f"{stage}.json").read_text())
        model = build(cfg["arch"]).eval()
        h, w = cfg["input"]["height"], cfg["input"]["width"]
        for threads in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(threads)
            for batch in (1, 4):
                x = torch.randn(batch, 1, h, w)
                samples = latency(model, x, args.seconds)
                per_frame = [s / batch for s in samples]
                rows.append({
                    "model": f"trus-{stage}",
                    "threads": threads,
                    "batch": batch,
                    "input": [batch, 1, h, w],
                    "samples": len(samples),
                    "medianMsPerFrame": statistics.median(per_frame),
                    "p95MsPerFrame": p95(per_frame),
                })
    print(json.dumps({"torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
