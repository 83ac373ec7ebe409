#!/usr/bin/env bash
# Runs the GPU-sized phantom experiment (experiments/phantom-paper-gpu.json) on a CUDA machine through
# scripts/gpu-check.sh --run, then packs the small result files (tables, figures, logs; no scans, no
# checkpoints) into $OUT/phantom-paper-gpu.tar.xz.
set -euo pipefail
timeout "${EXPERIMENT_SECONDS:-330}" node bin/meatus.js experiment run experiments/phantom-paper-gpu.json || echo "experiment stopped (status $?)"
out=${OUT:-.gpu/out}
mkdir -p "$out"
cd experiments
find phantom-paper-gpu -type f \( -name '*.md' -o -name '*.csv' -o -name '*.json' -o -name '*.jsonl' -o -name '*.png' -o -name '*.svg' \) \
  -not -path '*/dataset/*' -not -path '*/preprocessed*' -not -path '*/reference/*' -not -path '*/predictions/*' |
  tar -cf - -T - | xz -6 >"$out/phantom-paper-gpu.tar.xz"
ls -la "$out"
