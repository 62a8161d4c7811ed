#!/bin/sh
# The whole recipe of the shipped models, on CPU: every training run, the evaluation tables and
# the export to ../models. Each stage resumes from its last.pt, so an interrupted run continues
# where it stopped and a finished stage is skipped. About 1.5 hours on 2 CPU cores.
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
# Ablation rows: the student recipe with signals switched off, on a shorter schedule (6 epochs
# of 40 steps, one cosine cycle) to fit 2 CPU cores, with the full recipe re-run on that schedule
# as the last row. L_seg (flip-equivariance pseudo-labels) stays on in every row; the first row is
# the per-frame baseline the students start from.
SHORT="--set epochs=6 --set optim.t0_epochs=6"
stage ablation-kd --config configs/student.json $SHORT --set loss.con.on=false --set loss.proto.on=false
stage ablation-kd-proto --config configs/student.json $SHORT --set loss.con.on=false
stage ablation-kd-con --config configs/student.json $SHORT --set loss.proto.on=false
stage ablation-full --config configs/student.json $SHORT

./evaluate --data "$DATA" --out results \
  --run teacher=runs/teacher --run baseline=runs/baseline --run student=runs/student \
  --ablation "baseline (per-frame, labels)=runs/baseline" --ablation "+KD=runs/ablation-kd" \
  --ablation "+KD +prototypes=runs/ablation-kd-proto" --ablation "+KD +consistency=runs/ablation-kd-con" \
  --ablation "full=runs/ablation-full"

$PY -m trus_train.export --run runs/student --out ../models/trus-student --name trus-student --version 1.0.0 --metrics results/metrics-student.json
$PY -m trus_train.export --run runs/teacher --out ../models/trus-teacher --name trus-teacher --version 1.0.0 --metrics results/metrics-teacher.json
