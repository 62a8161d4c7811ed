#!/usr/bin/env bash
# Packs, here, what the lent GPU machine needs for the GPU rows of the benchmarks, into .device-kit/
# (git-ignored; the device tool carries it): Node itself (that machine has none, and no registry),
# onnxruntime-node with onnxruntime-common (its WebGPU execution provider, Dawn over Vulkan),
# onnxruntime-web's WebGPU build with dawn.node (the viewer's provider, in Node),
# Debian's Vulkan/EGL loader packages its image lacks, and the built engine (dist/, without the
# browser bundles and the viewer) with the packages it imports at run time, for a whole loop
# through the Node pipeline there (the loop itself is simulated there: 8 MB saved). Kit and
# working tree together must stay under the device's 64 MiB. Then: bench/device/gpu.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=.device-kit
[ -d node_modules/onnxruntime-node/bin/napi-v6/linux/x64 ] || { echo "make-kit: node_modules/onnxruntime-node is missing: run scripts/setup.sh first" >&2; exit 1; }
[ -f dist/inference/engine.js ] && [ -f dist/cli/main.js ] || { echo "make-kit: dist/ is missing: run npm run build first" >&2; exit 1; }
rm -rf "$kit"
mkdir -p "$kit/debs"
xz -T0 -6 -c "$(command -v node)" >"$kit/node.xz"
tar -cJf "$kit/ort.tar.xz" node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist \
  node_modules/onnxruntime-node/bin/napi-v6/linux/x64 node_modules/onnxruntime-common
# The engine's run-time packages: the production dependency tree less what only the browser
# (onnxruntime-web, React) or onnxruntime-node's installer needs, and less onnxruntime (above).
packages=$(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' |
  grep -v -E '^node_modules/(onnxruntime-web|onnxruntime-node|onnxruntime-common|react|react-dom|scheduler|loose-envify|js-tokens|@rollup|@types|undici-types|protobufjs|@protobufjs|flatbuffers|guid-typescript|platform|long|adm-zip|global-agent|matcher|serialize-error|globalthis|define-properties|define-data-property|object-keys|es-define-property|es-errors|gopd|has-property-descriptors|roarr|boolean|detect-node|escape-string-regexp|semver-compare|sprintf-js|json-stringify-safe|semver|type-fest)(/|$)' |
  awk -F/ '{ if ($2 ~ /^@/) print $1"/"$2"/"$3; else print $1"/"$2 }' | sort -u)
# Less the packages' own test data (5 MB before compression).
tar -cJf "$kit/app.tar.xz" --exclude='*.map' --exclude='*.d.ts' --exclude='node_modules/*/tests' --exclude='node_modules/*/test' \
  --exclude='node_modules/*/testData' dist/*.js dist/cli dist/dicom dist/image dist/inference \
  dist/phantom dist/report dist/temporal dist/util dist/web $packages
# onnxruntime-web's WebGPU build (the viewer's provider; it runs WASM too) and dawn.node for
# WebGPU in Node (bench/webgpu_web_latency.mjs, nodeLoopChild.mjs web-webgpu).
tar -cJf "$kit/web.tar.xz" node_modules/onnxruntime-web/package.json node_modules/onnxruntime-web/dist/ort.node.min.js \
  node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs \
  node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm node_modules/webgpu/package.json \
  node_modules/webgpu/index.js node_modules/webgpu/dist/linux-x64/dawn.node
(cd "$kit/debs" && apt-get download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
echo "make-kit: $(du -sh "$kit" | cut -f1) in $kit; tracked files $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes"
