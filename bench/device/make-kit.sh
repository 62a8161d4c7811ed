#!/usr/bin/env bash
# Packs, here, what the lent GPU machine needs for the GPU rows of the benchmarks, into .device-kit/
# (git-ignored; the device tool carries it): Node itself (that machine has none, and no registry),
# onnxruntime-node with onnxruntime-common (its WebGPU execution provider, Dawn over Vulkan), and
# Debian's Vulkan/EGL loader packages its image lacks. Kit and working tree together must stay
# under the device's 64 MiB. Then: bench/device/gpu.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=.device-kit
[ -d node_modules/onnxruntime-node/bin/napi-v6/linux/x64 ] || { echo "make-kit: node_modules/onnxruntime-node is missing: run scripts/setup.sh first" >&2; exit 1; }
rm -rf "$kit"
mkdir -p "$kit/debs"
xz -T0 -6 -c "$(command -v node)" >"$kit/node.xz"
tar -cJf "$kit/ort.tar.xz" node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist \
  node_modules/onnxruntime-node/bin/napi-v6/linux/x64 node_modules/onnxruntime-common
(cd "$kit/debs" && apt-get download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
echo "make-kit: $(du -sh "$kit" | cut -f1) in $kit; tracked files $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes"
