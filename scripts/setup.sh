#!/usr/bin/env bash
# One-time set-up of a fresh machine: Debian packages the tests and tools use, then the npm
# dependencies from package-lock.json. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  dicom3tools      # dciodvfy: independent validator of every SEG we write
  dcmtk            # dcmdump, and dcmcjpeg/dcmcjpls/dcmcrle as independent encoders in tests
  libgdcm-tools    # gdcmconv: JPEG 2000 encoder/decoder for tests
  orthanc          # the PACS the integration tests start on loopback
  orthanc-dicomweb # QIDO/WADO/STOW for Orthanc
  chromium         # headless browser for the browser tests
  python3-torch    # the training framework (training/), run with /usr/bin/python3
  python3-opencv   # Farneback flow and image resizing for training
  python3-numpy
  python3-pytest   # the training framework's tests
  python3-onnx     # ONNX graph checks in the training tests (test_student_sizes.py)
  libvulkan1       # Vulkan loader for onnxruntime-node's WebGPU provider (tests on SwiftShader's Vulkan driver)
  python3-matplotlib  # the evaluation's per-frame area plot
  ca-certificates
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install: ${missing[*]} (run with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
node scripts/fetch-ohif-app.mjs   # the prebuilt OHIF viewer the main job serves
