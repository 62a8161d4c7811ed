#!/usr/bin/env bash
# Packs, here, what the lent GPU machine needs for the GPU rows of the benchmarks (git-ignored; the
# device tool carries it). Kit and working tree together must stay under the device's 64 MiB.
#   bash bench/device/make-kit.sh            -> .device-kit/, for bench/device/gpu.sh there:
# Node itself (that machine has none, and no registry), onnxruntime-node with onnxruntime-common
# (its WebGPU execution provider, Dawn over Vulkan), onnxruntime-web's WebGPU build with dawn.node
# (the viewer's provider, in Node), Debian's Vulkan/EGL loader packages its image lacks, and the
# built engine (dist/, without the browser bundles and the viewer) with the packages it imports at
# run time, for a whole loop through the Node pipeline there (the loop itself is simulated there:
# 8 MB saved).
#   bash bench/device/make-kit.sh chromium   -> .chromium-kit/1 ... N, for gpu.sh chromium there:
# the same Node, engine and onnxruntime-node, plus Debian's Chromium (its binary alone is 290 MB;
# 117 MB compressed with its files) with the shared libraries it links (the machine's own are used where it has
# them), the browser bundles, playwright-core and bench/device/chromiumGpu.ts bundled. Over 64 MiB:
# one stream split into parts, each part carried by a call of its own (gpu.sh stash; the machine
# keeps /tmp while it stays warm), the last by the call that measures.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-node}
[ -d node_modules/onnxruntime-node/bin/napi-v6/linux/x64 ] || { echo "make-kit: node_modules/onnxruntime-node is missing: run scripts/setup.sh first" >&2; exit 1; }
[ -f dist/inference/engine.js ] && [ -f dist/cli/main.js ] || { echo "make-kit: dist/ is missing: run npm run build first" >&2; exit 1; }

# Node, onnxruntime-node and the engine with its run-time packages, into $1.
pack_node_engine() {
  xz -T0 -6 -c "$(command -v node)" >"$1/node.xz"
  tar -cJf "$1/ort.tar.xz" node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist \
    node_modules/onnxruntime-node/bin/napi-v6/linux/x64 node_modules/onnxruntime-common
  # The engine's run-time packages: the production dependency tree less what only the browser
  # (onnxruntime-web, React) or onnxruntime-node's installer needs, and less onnxruntime (above).
  local packages
  packages=$(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' |
    grep -v -E '^node_modules/(onnxruntime-web|onnxruntime-node|onnxruntime-common|react|react-dom|scheduler|loose-envify|js-tokens|@rollup|@types|undici-types|protobufjs|@protobufjs|flatbuffers|guid-typescript|platform|long|adm-zip|global-agent|matcher|serialize-error|globalthis|define-properties|define-data-property|object-keys|es-define-property|es-errors|gopd|has-property-descriptors|roarr|boolean|detect-node|escape-string-regexp|semver-compare|sprintf-js|json-stringify-safe|semver|type-fest)(/|$)' |
    awk -F/ '{ if ($2 ~ /^@/) print $1"/"$2"/"$3; else print $1"/"$2 }' | sort -u)
  # Less the packages' own test data (5 MB before compression).
  tar -cJf "$1/app.tar.xz" --exclude='*.map' --exclude='*.d.ts' --exclude='node_modules/*/tests' --exclude='node_modules/*/test' \
    --exclude='node_modules/*/testData' dist/*.js dist/cli dist/dicom dist/image dist/inference \
    dist/phantom dist/report dist/temporal dist/util dist/web $packages
}

# Debian's Vulkan loader and GL/EGL dispatch, which the machine's image lacks (its NVIDIA driver's
# Vulkan ICD needs them), into $1.
fetch_loader_debs() {
  mkdir -p "$1"
  (cd "$1" && apt-get download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
}

if [ "$mode" = chromium ]; then
  kit=.chromium-kit
  [ -x /usr/lib/chromium/chromium ] || { echo "make-kit: Debian's chromium is not installed here" >&2; exit 1; }
  [ -f dist/browser/trus-cine-seg.mjs ] || { echo "make-kit: dist/browser is missing: run npm run build first" >&2; exit 1; }
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  pack_node_engine "$stage"
  fetch_loader_debs "$stage/debs"
  # Chromium's files, less its Vulkan validation layer, mock driver and SwiftShader (28 MB), and
  # every locale but en-US.
  cr="$stage/chromium"
  mkdir -p "$cr/lib" "$cr/locales"
  (cd /usr/lib/chromium && cp chromium chrome_crashpad_handler icudtl.dat ./*.pak snapshot_blob.bin v8_context_snapshot.bin \
    libEGL.so libGLESv2.so libvulkan.so.1 "$cr/" && cp locales/en-US.pak "$cr/locales/")
  # The libraries they link, less glibc's own; NSS's modules, which it opens by name.
  { for f in chromium libEGL.so libGLESv2.so chrome_crashpad_handler libvulkan.so.1; do ldd "/usr/lib/chromium/$f"; done |
      awk '$3 ~ /^\// {print $3}'
    dpkg -L libnss3 | grep '\.so$'
  } | sort -u | grep -v -E '/(libc|libm|libdl|libpthread|librt|libresolv|ld-linux-x86-64)\.so' | xargs -I{} cp -L {} "$cr/lib/"
  tar -C "$stage" -cf - chromium | xz -T0 -9 >"$stage/chromium.tar.xz"
  rm -rf "$cr"
  # The browser bundles (no source maps), playwright-core, and the measuring script bundled (the
  # machine has no tsx); dist/ is where the script's imports resolve.
  npx --no-install esbuild bench/device/chromiumGpu.ts --bundle --platform=node --format=esm --target=node20 \
    --external:playwright-core --external:onnxruntime-node --log-level=warning --outfile=dist/chromiumGpu.mjs
  tar -cJf "$stage/browser.tar.xz" --exclude='*.map' dist/chromiumGpu.mjs dist/browser/*.mjs dist/browser/*.wasm dist/browser/*.txt \
    dist/browser/ort node_modules/playwright-core
  (cd "$stage" && sha256sum node.xz ort.tar.xz app.tar.xz chromium.tar.xz browser.tar.xz >SHA256SUMS)
  rm -rf "$kit"
  mkdir -p "$kit"
  # One stream, cut into parts that fit beside the working tree (47 MiB: the tree is about 16 MB).
  tar -C "$stage" -cf - SHA256SUMS debs node.xz ort.tar.xz app.tar.xz chromium.tar.xz browser.tar.xz | split -b 47M -d -a 2 - "$kit/part-"
  n=0
  for part in "$kit"/part-*; do
    n=$((n + 1))
    mkdir -p "$kit/$n"
    mv "$part" "$kit/$n/"
  done
  echo "$n" >"$kit/parts"
  echo "make-kit: $(du -sh "$kit" | cut -f1) in $n parts under $kit (carry .chromium-kit/1 ... .chromium-kit/$n, one a call); tracked files $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes"
  exit 0
fi

kit=.device-kit
rm -rf "$kit"
mkdir -p "$kit"
pack_node_engine "$kit"
fetch_loader_debs "$kit/debs"
# onnxruntime-web's WebGPU build (the viewer's provider; it runs WASM too) and dawn.node for
# WebGPU in Node (bench/webgpu_web_latency.mjs, nodeLoopChild.mjs web-webgpu).
tar -cJf "$kit/web.tar.xz" node_modules/onnxruntime-web/package.json node_modules/onnxruntime-web/dist/ort.node.min.js \
  node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs \
  node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm node_modules/webgpu/package.json \
  node_modules/webgpu/index.js node_modules/webgpu/dist/linux-x64/dawn.node
echo "make-kit: $(du -sh "$kit" | cut -f1) in $kit; tracked files $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes"
