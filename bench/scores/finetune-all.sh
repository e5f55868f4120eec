#!/usr/bin/env bash
# Fine-tunes one bertkit-pretrained model on the six tasks of the README's score table, 3 seeds each
# (and on request stsb-similarity: STS-B as a sentence-embedding model, bertkit finetune --task similarity).
# usage: bench/scores/finetune-all.sh MODEL_DIR WORK_DIR [TASK…]
#   WORK_DIR holds splits/ from `node dist/bench/scores/prepare.js ../shared WORK_DIR`;
#   each task writes FINETUNED_DIR/TASK/seeds-report.{json,md} (default FINETUNED_DIR: WORK_DIR/finetuned)
#   and is skipped when that report is already there; one that was stopped midway (its seed-S dirs, no report)
#   is resumed (finished seeds kept, the stopped one from its last checkpoint). Default: all six tasks.
#   EPOCHS_TASK (EPOCHS_SST2, EPOCHS_CONLL2003, …) replaces a task's number of epochs, LR_TASK its learning rate.
#   TUNING=1 trains and scores on the tuning splits instead (WORK_DIR/splits/tuning: carved from the training side
#   by prepare.ts; sst2, conll2003, stsb, stsb-similarity), as finetune-sweep.sh does to choose LR_TASK and EPOCHS_TASK.
set -euo pipefail
model=$1 work=$2; shift 2
tasks=("${@:-sst2 conll2003 stsb chnsenticorp people_daily srl}")
shared=${BERTKIT_SHARED:-$(dirname "$0")/../../../shared}/data
splits=$work/splits
if [ -n "${TUNING:-}" ]; then
  sst2=("$splits/tuning/sst2-train.tsv" "$splits/tuning/sst2-dev.tsv")
  stsb=("$splits/tuning/stsb-train.tsv" "$splits/tuning/stsb-dev.tsv")
  conll2003=("$splits/tuning/conll2003-train.txt" "$splits/tuning/conll2003-dev.txt")
else
  sst2=("$splits/sst2-train.tsv" "$splits/sst2-validation.tsv")
  stsb=("$splits/stsb-train.tsv" "$splits/stsb-validation.tsv")
  conll2003=("$shared/conll2003/train.txt" "$shared/conll2003/valid.txt")
fi
bertkit() { node "$(dirname "$0")/../../bin/bertkit.js" "$@"; }
common=(--model "$model" --seeds 3 --batch-size 32 --save-steps 500 --quiet ${FINETUNE_EXTRA_ARGS:-})  # extra args win: e.g. "--limit 64 --epochs 1" for a smoke run
for task in ${tasks[@]}; do
  out=${FINETUNED_DIR:-$work/finetuned}/$task
  [ -f "$out/seeds-report.json" ] && { echo "== $task: $out/seeds-report.json is there"; continue; }
  [ -f "$out/eval_results.json" ] && { echo "== $task: $out/eval_results.json is there"; continue; }  # a one-seed run (--seeds 1)
  resume=()
  compgen -G "$out/seed-*" > /dev/null && resume=(--resume)
  compgen -G "$out/checkpoint-*" > /dev/null && resume=(--resume)
  echo "== $task → $out ${resume[*]} ($(date -u +%H:%M:%S))"
  if [ -n "${TUNING:-}" ] && [[ ! $task =~ ^(sst2|conll2003|stsb|stsb-similarity)$ ]]; then echo "no tuning split for '$task'" >&2; exit 2; fi
  case $task in
    sst2) bertkit finetune --task classification --train "${sst2[0]}" --dev "${sst2[1]}" \
            --max-seq-length 64 --epochs ${EPOCHS_SST2:-3} --learning-rate ${LR_SST2:-1e-4} --output "$out" "${common[@]}" "${resume[@]}" ;;
    conll2003) bertkit finetune --task ner --train "${conll2003[0]}" --dev "${conll2003[1]}" \
            --max-seq-length 128 --epochs ${EPOCHS_CONLL2003:-5} --learning-rate ${LR_CONLL2003:-2e-4} --output "$out" "${common[@]}" "${resume[@]}" ;;
    stsb) bertkit finetune --task regression --train "${stsb[0]}" --dev "${stsb[1]}" \
            --max-seq-length 128 --epochs ${EPOCHS_STSB:-10} --learning-rate ${LR_STSB:-1e-4} --output "$out" "${common[@]}" "${resume[@]}" ;;
    stsb-similarity) bertkit finetune --task similarity --train "${stsb[0]}" --dev "${stsb[1]}" \
            --max-seq-length 128 --epochs ${EPOCHS_STSB_SIMILARITY:-${EPOCHS_STSB:-10}} --learning-rate ${LR_STSB_SIMILARITY:-${LR_STSB:-1e-4}} --output "$out" "${common[@]}" "${resume[@]}" ;;
    chnsenticorp) bertkit finetune --task classification --train "$shared/chnsenticorp/train.tsv" --dev "$shared/chnsenticorp/dev.tsv" \
            --max-seq-length 256 --epochs ${EPOCHS_CHNSENTICORP:-3} --learning-rate ${LR_CHNSENTICORP:-1e-4} --output "$out" "${common[@]}" "${resume[@]}" ;;
    people_daily) bertkit finetune --task ner --train "$shared/people_daily_ner/train.tsv" --dev "$shared/people_daily_ner/dev.tsv" \
            --max-seq-length 256 --epochs ${EPOCHS_PEOPLE_DAILY:-40} --learning-rate ${LR_PEOPLE_DAILY:-1e-3} --output "$out" "${common[@]}" "${resume[@]}" ;;
    srl) bertkit finetune --task srl --train "$splits/srl-train.conllu" --dev "$splits/srl-validation.conllu" \
            --max-seq-length 128 --epochs ${EPOCHS_SRL:-30} --learning-rate ${LR_SRL:-1e-3} --output "$out" "${common[@]}" "${resume[@]}" ;;
    *) echo "unknown task '$task'" >&2; exit 2 ;;
  esac
done
