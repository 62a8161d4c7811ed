#!/usr/bin/env bash
# On the lent GPU machine, in one device call, after bench/device/make-kit.sh here:
#   run(command="bash bench/device/gpu.sh", carry=[".device-kit"], timeout_s=420)
# Writes into $OUT: webgpu.json (the student and teacher through onnxruntime's WebGPU execution
# provider, onnxruntime-node over Dawn/Vulkan, checked against its CPU provider), node-loop.json
# (the benchmark's 300-frame loop through the whole Node pipeline, the model on that provider),
# webgpu-web.json and node-loop-web.json (the same through onnxruntime-web's WebGPU provider, the
# viewer's backend, WebGPU from dawn.node), cuda.json (bench/torch_latency.py --device cuda),
# machine.txt (nvidia-smi, lscpu, the cgroup's CPU limit) and logs.txt (every part's log): the
# device tool brings back at most 8 files. Back here:
#   npm run bench -- --webgpu-node webgpu.json --webgpu-web webgpu-web.json --node-loop-gpu node-loop.json \
#     --node-loop-gpu node-loop-web.json --torch-cuda cuda.json
# One failing part does not stop the others.
#   bash bench/device/gpu.sh profile
# instead profiles that loop (node --cpu-prof, every thread) and writes profile.txt
# (bench/device/profile_summary.py), profile-loop.json (the profiled loop) and loops.jsonl (the
# loop unprofiled, twice), with machine.txt and logs.txt.
#   bash bench/device/gpu.sh sweep "12:2 10:3"
# runs that loop with other metrics:frame worker counts instead, three rounds (sweep.jsonl).
#   bash bench/device/gpu.sh stash        (carry .chromium-kit/K, for each part K but the last)
#   bash bench/device/gpu.sh chromium ["FLAG ..."]   (carry the last part, in the next call, while the machine is warm)
# after make-kit.sh chromium here: the kit's parts come in calls of their own and wait in /tmp;
# chromium then unpacks Debian's Chromium and measures onnxruntime-web's WebGPU provider in it on
# the GPU (bench/device/chromiumGpu.ts: model only, then three tries of the loop through the browser
# pipeline, each with the engine's frame workers and without them, then the same with a stand-in model
# that costs almost nothing (bench/standInModel.ts: what the pipeline around the model allows there),
# chromium-gpu.json; FLAGS, a set of Chromium flags tried before the usual ones) and the Node loop on onnxruntime-node's provider, three tries
# (node-loop.json), on the same machine. Back here: npm run bench -- --chromium-gpu
# chromium-gpu.json --node-loop-gpu node-loop.json.
set -uo pipefail
cd "$(dirname "$0")/../.."
kit=.device-kit
out=${OUT:-/tmp/trus-gpu-out}
mode=${1:-all}
logs=/tmp/trus-logs
parts=/tmp/trus-chromium-parts
mkdir -p "$out" /tmp/trus-kit "$logs"
if [ "$mode" = stash ] || [ "$mode" = chromium ]; then
  # The parts of .chromium-kit this call carried, beside those earlier calls left in /tmp.
  mkdir -p "$parts"
  cp .chromium-kit/*/part-* "$parts/" 2>/dev/null
  echo "chromium kit parts here: $(cd "$parts" && ls | tr '\n' ' ')"
  [ "$mode" = stash ] && exit 0
  kit=/tmp/trus-chromium-kit
  mkdir -p "$kit"
  (cd "$parts" && cat part-* | tar -C "$kit" -xf -) && (cd "$kit" && sha256sum --quiet -c SHA256SUMS) ||
    { echo "gpu.sh: the kit's parts do not make the whole kit (a part missing, or the machine was not the one that kept them)" >&2; exit 1; }
fi
[ -f "$kit/node.xz" ] || { echo "gpu.sh: $kit is missing: run bench/device/make-kit.sh and carry .device-kit" >&2; exit 1; }
for f in "$kit"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
xz -dc "$kit/node.xz" >/tmp/trus-kit/node && chmod +x /tmp/trus-kit/node
# onnxruntime, the built engine and its packages where dist/ resolves them (none travels with the
# tree: dist/ and node_modules/ are ignored); the browser bundles and playwright-core for chromium.
for t in ort app web browser; do
  [ -f "$kit/$t.tar.xz" ] && tar -xJf "$kit/$t.tar.xz"
done
{ nvidia-smi; lscpu; echo "nproc: $(nproc)"; echo "cgroup cpu.max: $(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo none)"; } >"$out/machine.txt" 2>&1
# Every part's log in one file at the end, whatever fails on the way.
trap 'for f in "$logs"/*.log; do echo "== $(basename "$f")"; cat "$f"; done >"$out/logs.txt"' EXIT
loop() {
  /tmp/trus-kit/node dist/cli/main.js phantom loop --out /tmp/trus-loop --seed bench --patient BENCH01 --view axial --frames 300 --width 400 --jpeg >"$logs/phantom.log" 2>&1
}
cine=/tmp/trus-loop/BENCH01_axial/cine.dcm
# That loop through the whole Node pipeline, the student on PROVIDER, the metrics in workers:
#   segment_loop [NODE_FLAGS...] -- PROVIDER [METRICS_WORKERS FRAME_WORKERS]
segment_loop() {
  local flags=()
  while [ "$1" != -- ]; do flags+=("$1"); shift; done
  shift
  /tmp/trus-kit/node ${flags[@]+"${flags[@]}"} bench/nodeLoopChild.mjs "$cine" models/trus-student worker default "$@"
}
if [ "$mode" = chromium ]; then
  tar -C /tmp -xJf "$kit/chromium.tar.xz"
  cr=/tmp/chromium
  # The kit's libraries only where the machine has none of that name.
  mkdir -p "$cr/use-lib"
  for f in "$cr"/lib/*; do
    n=$(basename "$f")
    ldconfig -p | grep -qF $'\t'"$n (" || ln -sf "$f" "$cr/use-lib/$n"
  done
  printf '#!/bin/sh\nexport LD_LIBRARY_PATH=%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\nexec %s "$@"\n' "$cr/use-lib" "$cr/chromium" >"$cr/run.sh"
  chmod +x "$cr/run.sh"
  { echo "the kit's libraries used: $(ls "$cr/use-lib" | tr '\n' ' ')"; LD_LIBRARY_PATH=$cr/use-lib ldd "$cr/chromium" | grep 'not found'; "$cr/run.sh" --version; } >"$logs/chromium-libs.log" 2>&1
  cat "$logs/chromium-libs.log"
  export TRUS_CHROMIUM=$cr/run.sh
  loop || { echo "gpu.sh: the loop could not be made (logs.txt)" >&2; exit 1; }
  # Chromium's own log (its GPU process's errors) through playwright's.
  DEBUG=pw:browser /tmp/trus-kit/node dist/chromiumGpu.mjs "$cine" --tries 3 --stand-in ${2:+--flags "$2"} >"$out/chromium-gpu.json" 2>"$logs/chromium-gpu.log"
  echo "chromium: exit $?"
  for try in 1 2 3; do
    segment_loop -- webgpu >>"$out/node-loop.json" 2>>"$logs/node-loop.log"
  done
  echo "node loop: exit $?"
  tail -n 5 "$logs"/*.log
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(d.get("chromium"), d.get("gpu"), d.get("flags"), d.get("failure"))
for m in d.get("models", []): print(m["model"], m["runtime"], "b1 %.2f ms, b4 %.2f ms" % (m["batch1"]["medianMs"], m["batch4"]["medianMs"]))
for p in d.get("pipeline", []): print(p["where"], "%.1f FPS, first mask %.0f ms" % (1000*p["frames"]/p["totalMs"], p["firstMaskMs"]))
print((d.get("gpuPage") or "")[:4000])' "$out/chromium-gpu.json"
  cat "$out/node-loop.json"
  exit 0
fi
if [ "$mode" = sweep ]; then
  # The loop with other worker counts, "METRICS:FRAME" pairs in ${2}, three rounds of every pair in
  # turn (a slow spell of the machine falls on all alike): sweep.jsonl, one line a loop, each
  # naming its counts.
  loop || { echo "gpu.sh: the loop could not be made (logs.txt)" >&2; exit 1; }
  for round in 1 2 3; do
    for pair in ${2:-12:2}; do
      segment_loop -- webgpu "${pair%%:*}" "${pair##*:}" >>"$out/sweep.jsonl" 2>>"$logs/sweep.log"
    done
  done
  python3 -c 'import json,sys,statistics as st
rows={}
for l in open(sys.argv[1]):
    d=json.loads(l); rows.setdefault((d["metricsWorkers"],d["frameWorkers"]),[]).append(1000*d["frames"]/d["totalMs"])
for k,v in rows.items(): print("metrics workers %d, frame workers %d: median %.1f FPS, tries %s" % (k[0],k[1],st.median(v)," ".join("%.1f"%x for x in v)))' "$out/sweep.jsonl"
  exit 0
fi
if [ "$mode" = profile ]; then
  loop || { echo "gpu.sh: the loop could not be made (logs.txt)" >&2; exit 1; }
  for try in 1 2; do
    segment_loop -- webgpu >>"$out/loops.jsonl" 2>>"$logs/loops.log"
  done
  segment_loop --cpu-prof --cpu-prof-dir=/tmp/trus-prof -- webgpu >"$out/profile-loop.json" 2>"$logs/profile-loop.log"
  echo "profiled loop: exit $?"
  python3 bench/device/profile_summary.py /tmp/trus-prof 15 >"$out/profile.txt" 2>>"$logs/profile-loop.log"
  cat "$out/loops.jsonl" "$out/profile-loop.json"
  head -c 6000 "$out/profile.txt"
  exit 0
fi
/tmp/trus-kit/node bench/webgpu_node_latency.mjs --ort node_modules/onnxruntime-node models/trus-student models/trus-teacher >"$out/webgpu.json" 2>"$logs/webgpu.log"
echo "webgpu: exit $?"
# The benchmark's loop, simulated here: the same bytes as bench/loops.ts's jpeg-300 (same seed and
# patient; checked with cmp on 2026-12-02), 8 MB that need not travel.
# Three tries, one JSON line each: the import takes the median try (the machine's pace varied by
# a fifth between two calls on 2026-12-04).
loop; rc=$?
for try in 1 2 3; do
  [ "$rc" = 0 ] || break
  segment_loop -- webgpu >>"$out/node-loop.json" 2>>"$logs/node-loop.log"
  rc=$?
done
echo "node loop: exit $rc"
# The viewer's provider: onnxruntime-web's WebGPU build through the engine's web backend, WebGPU
# from dawn.node (no Chromium there); model only, then the same loop with the model on it.
/tmp/trus-kit/node bench/webgpu_web_latency.mjs models/trus-student models/trus-teacher >"$out/webgpu-web.json" 2>"$logs/webgpu-web.log"
echo "webgpu (onnxruntime-web): exit $?"
[ -f "$cine" ] &&
  segment_loop -- web-webgpu >"$out/node-loop-web.json" 2>"$logs/node-loop-web.log"
echo "node loop (onnxruntime-web): exit $?"
PYTHONUNBUFFERED=1 python3 bench/torch_latency.py --device cuda >"$out/cuda.json" 2>"$logs/cuda.log"
echo "cuda: exit $?"
tail -n 3 "$logs"/*.log
# The per-frame samples make these long: the reply shows the end of the output only.
for f in webgpu webgpu-web; do head -c 1500 "$out/$f.json"; echo; done
cat "$out/node-loop.json" "$out/node-loop-web.json" "$out/cuda.json"
