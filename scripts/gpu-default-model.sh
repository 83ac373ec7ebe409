#!/usr/bin/env bash
# Trains the built-in default model on a CUDA machine (run through scripts/gpu-check.sh --run, which
# puts node and the CUDA addon in place). Each stage gets at most STAGE_SECONDS; the best checkpoint
# so far is kept either way. Results are copied to $OUT.
set -euo pipefail
work=/tmp/meatus-default-model
export EPOCHS=${EPOCHS:-120} ITERATIONS=${ITERATIONS:-25}
limit=${STAGE_SECONDS:-220}
meatus() { node bin/meatus.js "$@"; }
t0=$SECONDS
meatus phantom --cases 48 --patients 30 --seed 2022 --out "$work/dataset" --jobs "$(nproc)" | tail -1
meatus plan --dataset "$work/dataset" --out "$work/plan.json" --budget-mb 250 --base-features 16 --max-features 128 --spacing 1.2,0.8,0.8 | tail -3
meatus preprocess --dataset "$work/dataset" --plan "$work/plan.json" --out "$work/preprocessed" | tail -1
echo "data ready in $((SECONDS - t0)) s"
common=(--dataset "$work/preprocessed" --epochs "$EPOCHS" --iterations "$ITERATIONS" --val-iterations 5 --seed 0 --device cuda --workers "$(( $(nproc) - 2 ))")
MEATUS_QUIET=1 timeout "$limit" node bin/meatus.js train --task wholeTumour --out "$work/stage1" "${common[@]}" || echo "stage 1 stopped (status $?)"
MEATUS_QUIET=1 timeout "$limit" node bin/meatus.js train --task split --gamma 0.5 --tau 1 --out "$work/stage2" "${common[@]}" || echo "stage 2 stopped (status $?)"
out=${OUT:-.gpu/out}
mkdir -p "$out"
for s in stage1 stage2; do
  cp "$work/$s/checkpoint_best.safetensors" "$out/$s.safetensors"
  cp "$work/$s/progress.png" "$out/$s-progress.png"
  cp "$work/$s/log.jsonl" "$out/$s-log.jsonl"
done
cp "$work/plan.json" "$out/plan.json"
echo "default model trained in $((SECONDS - t0)) s"
