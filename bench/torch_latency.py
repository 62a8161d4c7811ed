"""PyTorch latency of the student and teacher architectures: on CPU the reference the paper's FPS
figures come from, on CUDA the GPU reference beside WebGPU. The architectures are built from
training/configs (random weights: a convolutional network does the same work whatever its
weights), float32 as exported, in eval mode under no_grad.
Prints one JSON object; `npm run bench` runs this with the system Python and puts it in its table.
It needs only PyTorch and training/, so it also runs on a GPU machine without Node.
Usage: python3 bench/torch_latency.py [--device cpu|cuda] [--seconds S] [--threads 1,2]
Exit status 3 (reason on stderr) when --device cuda finds no CUDA device."""
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
    # CUDA launches return before the kernels finish: wait for them inside each timed call.
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        sync()
        samples: list[float] = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(samples) < 20:
            t = time.perf_counter()
            model(x)
            sync()
            samples.append((time.perf_counter() - t) * 1000)
    return samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", default="1,2", help="CPU threads to measure (CPU only)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = parser.parse_args()
    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        print(f"no CUDA device: PyTorch {torch.__version__} sees none", file=sys.stderr)
        sys.exit(3)
    device = torch.device(args.device)
    # On CUDA the CPU threads hardly matter: one row per batch, its threads reported as 0.
    thread_counts = [0] if cuda else [int(t) for t in args.threads.split(",")]
    rows = []
    for stage in ("student", "teacher"):
        cfg = json.loads((ROOT / "training/configs" / f"{stage}.json").read_text())
        model = build(cfg["arch"]).eval().to(device)
        h, w = cfg["input"]["height"], cfg["input"]["width"]
        for threads in thread_counts:
            if threads:
                torch.set_num_threads(threads)
            for batch in (1, 4):
                x = torch.randn(batch, 1, h, w, device=device)
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
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(device) if cuda else "CPU", "rows": rows}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
