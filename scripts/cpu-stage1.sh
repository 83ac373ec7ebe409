#!/usr/bin/env bash
# A small-budget stage-1 (whole tumour) model trained on the CPU, from nothing to validated model:
# 48 phantom scans of 30 patients (the default model's data), a CPU-sized plan (1.5 × 1 × 1 mm,
# features 8 → 64, a 90 MB budget: patch 20 × 40 × 40, batch 2), nnU-Net's recipe for EPOCHS × 25
# iterations, then the final validation (every validation case predicted whole; Dice in
# <work>/stage1/validation/).
# On 2 cores (AMD EPYC) training takes about 14 minutes; see BENCHMARKS.md ("Training a stage-1
# model on 2 CPU cores").
#
#   bash scripts/cpu-stage1.sh [WORK_DIR]        (default .meatus-cache/cpu-stage1; EPOCHS=140)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.meatus-cache/cpu-stage1}
meatus() { node bin/meatus.js "$@"; }
[ -f "$work/dataset/dataset.json" ] || meatus phantom --cases 48 --patients 30 --seed 2022 --out "$work/dataset" --jobs "$(nproc)" | tail -1
[ -f "$work/plan.json" ] || meatus plan --dataset "$work/dataset" --out "$work/plan.json" --spacing 1.5,1,1 \
  --base-features 8 --max-features 64 --budget-mb 90 | tail -3
[ -f "$work/preprocessed/cases.json" ] || meatus preprocess --dataset "$work/dataset" --plan "$work/plan.json" --out "$work/preprocessed" | tail -1
# Trained first without the final validation, then the same command again (it finds the run
# finished and only validates), so that the two times are reported apart.
t0=$(date +%s.%N)
meatus train --task wholeTumour --dataset "$work/preprocessed" --out "$work/stage1" --epochs "${EPOCHS:-140}" \
  --iterations 25 --val-iterations 5 --seed 0 --no-final-validation
t1=$(date +%s.%N)
meatus train --task wholeTumour --dataset "$work/preprocessed" --out "$work/stage1" --epochs "${EPOCHS:-140}" \
  --iterations 25 --val-iterations 5 --seed 0 | tail -1
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "training %.1f min, final validation %.1f s\n", (b - a) / 60, c - b }'
