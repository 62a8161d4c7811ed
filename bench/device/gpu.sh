#!/usr/bin/env bash
# On the lent GPU machine, in one device call, after bench/device/make-kit.sh here:
#   run(command="bash bench/device/gpu.sh", carry=[".device-kit"], timeout_s=420)
# Writes into $OUT: webgpu.json (the student and teacher through onnxruntime's WebGPU execution
# provider, onnxruntime-node over Dawn/Vulkan, checked against its CPU provider), cuda.json
# (bench/torch_latency.py --device cuda), their logs and nvidia-smi's view. Back here:
#   npm run bench -- --only models --webgpu-node webgpu.json --torch-cuda cuda.json
# One failing half does not stop the other.
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
tar -xJf "$kit/ort.tar.xz" -C /tmp/trus-kit
nvidia-smi >"$out/nvidia-smi.txt" 2>&1
/tmp/trus-kit/node bench/webgpu_node_latency.mjs --ort /tmp/trus-kit/node_modules/onnxruntime-node models/trus-student models/trus-teacher >"$out/webgpu.json" 2>"$out/webgpu.log"
echo "webgpu: exit $?"
PYTHONUNBUFFERED=1 python3 bench/torch_latency.py --device cuda >"$out/cuda.json" 2>"$out/cuda.log"
echo "cuda: exit $?"
tail -n 3 "$out/webgpu.log" "$out/cuda.log"
cat "$out/webgpu.json" "$out/cuda.json"
