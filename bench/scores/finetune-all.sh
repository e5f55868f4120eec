#!/usr/bin/env bash
# Fine-tunes one bertkit-pretrained model on the six tasks of the README's score table, 3 seeds each
# (and on request stsb-similarity: STS-B as a sentence-embedding model, bertkit finetune --task similarity).
# usage: bench/scores/finetune-all.sh MODEL_DIR WORK_DIR [TASK…]
#   WORK_DIR holds splits/ from `node dist/bench/scores/prepare.js ../shared WORK_DIR`;
#   each task writes FINETUNED_DIR/TASK/seeds-report.{json,md} (default FINETUNED_DIR: WORK_DIR/finetuned)
#   and is skipped when that report is already there; one that was stopped midway (its seed-S dirs, no report)
#   is resumed (finished seeds kept, the stopped one from its last checkpoint). Default: all six tasks.
#   EPOCHS_TASK (EPOCHS_SST2, EPOCHS_CONLL2003, …) replaces a task's number of epochs.
set -euo pipefail
model=$1 work=$2; shift 2
tasks=("${@:-sst2 conll2003 stsb chnsenticorp people_daily srl}")
shared=${BERTKIT_SHARED:-$(dirname "$0")/../../../shared}/data
splits=$work/splits
bertkit() { node "$(dirname "$0")/../../bin/bertkit.js" "$@"; }
common=(--model "$model" --seeds 3 --batch-size 32 --save-steps 500 --quiet ${FINETUNE_EXTRA_ARGS:-})  # extra args win: e.g. "--limit 64 --epochs 1" for a smoke run
for task in ${tasks[@]}; do
  out=${FINETUNED_DIR:-$work/finetuned}/$task
  [ -f "$out/seeds-report.json" ] && { echo "== $task: $out/seeds-report.json is there"; continue; }
  resume=()
  compgen -G "$out/seed-*" > /dev/null && resume=(--resume)
  echo "== $task → $out ${resume[*]} ($(date -u +%H:%M:%S))"
  case $task in
    sst2) bertkit finetune --task classification --train "$splits/sst2-train.tsv" --dev "$splits/sst2-validation.tsv" \
            --max-seq-length 64 --epochs ${EPOCHS_SST2:-3} --learning-rate 1e-4 --output "$out" "${common[@]}" "${resume[@]}" ;;
    conll2003) bertkit finetune --task ner --train "$shared/conll2003/train.txt" --dev "$shared/conll2003/valid.txt" \
            --max-seq-length 128 --epochs ${EPOCHS_CONLL2003:-5} --learning-rate 2e-4 --output "$out" "${common[@]}" "${resume[@]}" ;;
    stsb) bertkit finetune --task regression --train "$splits/stsb-train.tsv" --dev "$splits/stsb-validation.tsv" \
            --max-seq-length 128 --epochs ${EPOCHS_STSB:-10} --learning-rate 1e-4 --output "$out" "${common[@]}" "${resume[@]}" ;;
    stsb-similarity) bertkit finetune --task similarity --train "$splits/stsb-train.tsv" --dev "$splits/stsb-validation.tsv" \
            --max-seq-length 128 --epochs ${EPOCHS_STSB:-10} --learning-rate 1e-4 --output "$out" "${common[@]}" "${resume[@]}" ;;
    chnsenticorp) bertkit finetune --task classification --train "$shared/chnsenticorp/train.tsv" --dev "$shared/chnsenticorp/dev.tsv" \
            --max-seq-length 256 --epochs ${EPOCHS_CHNSENTICORP:-3} --learning-rate 1e-4 --output "$out" "${common[@]}" "${resume[@]}" ;;
    people_daily) bertkit finetune --task ner --train "$shared/people_daily_ner/train.tsv" --dev "$shared/people_daily_ner/dev.tsv" \
            --max-seq-length 256 --epochs ${EPOCHS_PEOPLE_DAILY:-40} --learning-rate 1e-3 --output "$out" "${common[@]}" "${resume[@]}" ;;
    srl) bertkit finetune --task srl --train "$splits/srl-train.conllu" --dev "$splits/srl-validation.conllu" \
            --max-seq-length 128 --epochs ${EPOCHS_SRL:-30} --learning-rate 1e-3 --output "$out" "${common[@]}" "${resume[@]}" ;;
    *) echo "unknown task '$task'" >&2; exit 2 ;;
  esac
done
