#!/usr/bin/env bash
# Chooses fine-tuning learning rates and epochs without looking at validation: fine-tunes MODEL_DIR once
# (seed 42) for every learning rate × epochs of a grid on the tuning splits (WORK_DIR/splits/tuning, carved
# from the training side by prepare.ts), through finetune-all.sh with TUNING=1, and prints the dev metric of
# every cell. Run it for every model a table compares: a recipe short enough for one model can starve another.
# usage: bench/scores/finetune-sweep.sh MODEL_DIR WORK_DIR [TASK…]   (sst2 conll2003 stsb stsb-similarity; default all)
#   LEARNING_RATES (default "1e-4 3e-4 1e-3"); EPOCHS_GRID_SST2 ("2 4"), EPOCHS_GRID_CONLL2003 ("3 6"),
#   EPOCHS_GRID_STSB and EPOCHS_GRID_STSB_SIMILARITY ("5 10"); SWEEP_DIR (default WORK_DIR/sweep/BASENAME);
#   FINETUNE_EXTRA_ARGS as finetune-all.sh's (e.g. "--threads 1 --dropout 0.1"). Cells already run are kept.
set -euo pipefail
model=$1 work=$2; shift 2
tasks=("${@:-sst2 conll2003 stsb stsb-similarity}")
here=$(cd "$(dirname "$0")" && pwd)
sweep=${SWEEP_DIR:-$work/sweep/$(basename "$model")}
[ -f "$work/splits/tuning/sst2-dev.tsv" ] || { echo "no $work/splits/tuning: run node dist/bench/scores/prepare.js SHARED_DIR $work" >&2; exit 2; }
for task in ${tasks[@]}; do
  key=$(echo "$task" | tr 'a-z-' 'A-Z_')
  grid_name=EPOCHS_GRID_$key
  case $task in sst2) default="2 4" ;; conll2003) default="3 6" ;; *) default="5 10" ;; esac
  for lr in ${LEARNING_RATES:-1e-4 3e-4 1e-3}; do
    for epochs in ${!grid_name:-$default}; do
      env TUNING=1 "LR_$key=$lr" "EPOCHS_$key=$epochs" FINETUNED_DIR="$sweep/lr-$lr-epochs-$epochs" \
        FINETUNE_EXTRA_ARGS="--seeds 1 ${FINETUNE_EXTRA_ARGS:-}" "$here/finetune-all.sh" "$model" "$work" "$task"
    done
  done
done
node "$here/../../dist/bench/scores/sweep-table.js" "$sweep"
