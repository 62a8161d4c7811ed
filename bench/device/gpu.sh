#!/usr/bin/env bash
# On the lent GPU machine, in one device call, after bench/device/make-kit.sh here:
#   run(command="bash bench/device/gpu.sh", carry=[".device-kit"], timeout_s=420)
# Writes into $OUT: webgpu.json (the student and teacher through onnxruntime's WebGPU execution
# provider, onnxruntime-node over Dawn/Vulkan, checked against its CPU provider), node-loop.json
# (the benchmark's 300-frame loop through the whole Node pipeline, the model on that provider),
# webgpu-web.json and node-loop-web.json (the same through onnxruntime-web's WebGPU provider, the
# viewer's backend, WebGPU from dawn.node), cuda.json (bench/torch_latency.py --device cuda), their
# logs and nvidia-smi's view. Back here:
#   npm run bench -- --webgpu-node webgpu.json --webgpu-web webgpu-web.json --node-loop-gpu node-loop.json \
#     --node-loop-gpu node-loop-web.json --torch-cuda cuda.json
# One failing part does not stop the others.
set -uo pipefail
cd "$(dirname "$0")/../.."
kit=.device-kit
out=${OUT:-/tmp/trus-gpu-out}
mkdir -p "$out" /tmp/trus-kit
[ -f "$kit/node.xz" ] || { echo "gpu.sh: $kit is missing: run bench/device/make-kit.sh and carry .device-kit" >&2; exit 1; }
for f in "$kit"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
xz -dc "$kit/node.xz" >/tmp/trus-kit/node && chmod +x /tmp/trus-kit/node
# onnxruntime, the built engine and its packages where dist/ resolves them (none travels with the
# tree: dist/ and node_modules/ are ignored).
tar -xJf "$kit/ort.tar.xz" && tar -xJf "$kit/app.tar.xz" && tar -xJf "$kit/web.tar.xz"
nvidia-smi >"$out/nvidia-smi.txt" 2>&1
/tmp/trus-kit/node bench/webgpu_node_latency.mjs --ort node_modules/onnxruntime-node models/trus-student models/trus-teacher >"$out/webgpu.json" 2>"$out/webgpu.log"
echo "webgpu: exit $?"
# The benchmark's loop, simulated here: the same bytes as bench/loops.ts's jpeg-300 (same seed and
# patient; checked with cmp on 2026-12-02), 8 MB that need not travel.
/tmp/trus-kit/node dist/cli/main.js phantom loop --out /tmp/trus-loop --seed bench --patient BENCH01 --view axial --frames 300 --width 400 --jpeg >"$out/node-loop.log" 2>&1 &&
  /tmp/trus-kit/node bench/nodeLoopChild.mjs /tmp/trus-loop/BENCH01_axial/cine.dcm models/trus-student worker default webgpu >"$out/node-loop.json" 2>>"$out/node-loop.log"
echo "node loop: exit $?"
# The viewer's provider: onnxruntime-web's WebGPU build through the engine's web backend, WebGPU
# from dawn.node (no Chromium there); model only, then the same loop with the model on it.
/tmp/trus-kit/node bench/webgpu_web_latency.mjs models/trus-student models/trus-teacher >"$out/webgpu-web.json" 2>"$out/webgpu-web.log"
echo "webgpu (onnxruntime-web): exit $?"
[ -f /tmp/trus-loop/BENCH01_axial/cine.dcm ] &&
  /tmp/trus-kit/node bench/nodeLoopChild.mjs /tmp/trus-loop/BENCH01_axial/cine.dcm models/trus-student worker default web-webgpu >"$out/node-loop-web.json" 2>"$out/node-loop-web.log"
echo "node loop (onnxruntime-web): exit $?"
PYTHONUNBUFFERED=1 python3 bench/torch_latency.py --device cuda >"$out/cuda.json" 2>"$out/cuda.log"
echo "cuda: exit $?"
tail -n 3 "$out/webgpu.log" "$out/node-loop.log" "$out/webgpu-web.log" "$out/node-loop-web.log" "$out/cuda.log"
cat "$out/webgpu.json" "$out/node-loop.json" "$out/webgpu-web.json" "$out/node-loop-web.json" "$out/cuda.json"
