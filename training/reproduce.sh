#!/bin/sh
# The whole recipe of the shipped models, on CPU: every training run, the evaluation tables and
# the export to ../models. Each stage resumes from its last.pt, so an interrupted run continues
# where it stopped and a finished stage is skipped. About 2 hours on 2 CPU cores.
#   DATA=../data/phantom sh reproduce.sh      (make the data first: npm run phantom:dataset)
set -eu
cd "$(dirname "$0")"
DATA=${DATA:-../data/phantom}
PY=/usr/bin/python3
export PYTHONPATH="$(pwd)"

stage() {
  name=$1
  shift
  echo "== $name"
  $PY -m trus_train.train --data "$DATA" --out "runs/$name" --resume "$@"
}

stage teacher --config configs/teacher.json
stage baseline --config configs/baseline.json
stage student --config configs/student.json
# Ablation rows: the student recipe with signals switched off (L_seg, the flip-equivariance
# pseudo-label loss, stays on in every row; the first row is the per-frame baseline).
stage student-kd --config configs/student.json --set loss.con.on=false --set loss.proto.on=false
stage student-kd-proto --config configs/student.json --set loss.con.on=false
stage student-kd-con --config configs/student.json --set loss.proto.on=false

./evaluate --data "$DATA" --out results \
  --run teacher=runs/teacher --run baseline=runs/baseline --run student=runs/student \
  --ablation "baseline (per-frame, labels)=runs/baseline" --ablation "+KD=runs/student-kd" \
  --ablation "+KD +prototypes=runs/student-kd-proto" --ablation "+KD +consistency=runs/student-kd-con" \
  --ablation "full (shipped student)=runs/student"

$PY -m trus_train.export --run runs/student --out ../models/trus-student --name trus-student --version 1.0.0 --metrics results/metrics-student.json
$PY -m trus_train.export --run runs/teacher --out ../models/trus-teacher --name trus-teacher --version 1.0.0 --metrics results/metrics-teacher.json
