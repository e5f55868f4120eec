#!/usr/bin/env bash
# Fine-tunes one bertkit-pretrained model on the six tasks of the README's score table, 3 seeds each
# (and on request stsb-similarity: STS-B as a sentence-embedding model, bertkit finetune --task similarity; and
# stsb-silver: STS-B as a cross-encoder trained on the gold pairs plus silver pairs that a teacher scores, bertkit
# silver-pairs; the teacher is a bi-encoder of its own, FINETUNED_DIR/stsb-silver-teacher, seed 42, 20 epochs at 3e-4, and the
# student starts from the teacher's weights, not from MODEL_DIR).
# usage: bench/scores/finetune-all.sh MODEL_DIR WORK_DIR [TASK…]
#   WORK_DIR holds splits/ from `node dist/bench/scores/prepare.js ../shared WORK_DIR`;
#   each task writes FINETUNED_DIR/TASK/seeds-report.{json,md} (default FINETUNED_DIR: WORK_DIR/finetuned)
#   and is skipped when that report is already there; one that was stopped midway (its seed-S dirs, no report)
#   is resumed (finished seeds kept, the stopped one from its last checkpoint). Default: all six tasks.
#   EPOCHS_TASK (EPOCHS_SST2, EPOCHS_CONLL2003, …) replaces a task's number of epochs, LR_TASK its learning rate.
#   TUNING=1 trains and scores on the tuning splits instead (WORK_DIR/splits/tuning: carved from the training side
#   by prepare.ts; sst2, conll2003, stsb, stsb-similarity, stsb-silver), as finetune-sweep.sh does to choose LR_TASK and EPOCHS_TASK.
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
common=(--seeds 3 --batch-size 32 --save-steps 500 --quiet ${FINETUNE_EXTRA_ARGS:-})  # extra args win: e.g. "--limit 64 --epochs 1" for a smoke run
for task in ${tasks[@]}; do
  out=${FINETUNED_DIR:-$work/finetuned}/$task
  [ -f "$out/seeds-report.json" ] && { echo "== $task: $out/seeds-report.json is there"; continue; }
  [ -f "$out/eval_results.json" ] && { echo "== $task: $out/eval_results.json is there"; continue; }  # a one-seed run (--seeds 1)
  resume=() start=$model
  compgen -G "$out/seed-*" > /dev/null && resume=(--resume)
  compgen -G "$out/checkpoint-*" > /dev/null && resume=(--resume)
  echo "== $task → $out ${resume[*]} ($(date -u +%H:%M:%S))"
  if [ -n "${TUNING:-}" ] && [[ ! $task =~ ^(sst2|conll2003|stsb|stsb-similarity|stsb-silver)$ ]]; then echo "no tuning split for '$task'" >&2; exit 2; fi
  # the task's kind, train and dev files, max sequence length, and its default epochs and learning rate
  case $task in
    sst2) spec=(classification "${sst2[@]}" 64 3 1e-4) ;;
    conll2003) spec=(ner "${conll2003[@]}" 128 5 2e-4) ;;
    stsb) spec=(regression "${stsb[@]}" 128 10 1e-4) ;;
    stsb-similarity) spec=(similarity "${stsb[@]}" 128 "${EPOCHS_STSB:-10}" "${LR_STSB:-1e-4}") ;;
    stsb-silver)
      # The teacher: the model fine-tuned as a bi-encoder on the gold pairs, seed 42, 20 epochs at 3e-4 (SILVER_TEACHER_EPOCHS,
      # SILVER_TEACHER_LR; the dev set picks its best epoch). On the tuning split its students beat those of the bi-encoder
      # column's 10 epochs on each of 3 seeds, 61.0 against 57.8 on average (docs/quality-study.md, "A teacher trained longer").
      teacher=${FINETUNED_DIR:-$work/finetuned}/stsb-silver-teacher teacher_resume=()
      compgen -G "$teacher/checkpoint-*" > /dev/null && teacher_resume=(--resume)
      [ -f "$teacher/model.safetensors" ] || bertkit finetune --task similarity --model "$model" --train "${stsb[0]}" --dev "${stsb[1]}" \
        --max-seq-length 128 --epochs "${SILVER_TEACHER_EPOCHS:-20}" --learning-rate "${SILVER_TEACHER_LR:-3e-4}" --seed 42 --batch-size 32 \
        --save-steps 500 --quiet ${FINETUNE_EXTRA_ARGS:-} --output "$teacher" "${teacher_resume[@]}"
      # 10 nearest and 6 random partners (SILVER_NEIGHBOURS, SILVER_RANDOM_PARTNERS), 3 epochs: chosen on the tuning split over
      # 3 + 2 partners and 8 epochs (about as many updates), for the initial weights and the bertkit hour together (docs/quality-study.md);
      # the file is named by its partners and rebuilt when older than its teacher
      neighbours=${SILVER_NEIGHBOURS:-10} partners=${SILVER_RANDOM_PARTNERS:-6}
      pairs=$out.pairs-$neighbours+$partners.tsv
      [ "$pairs" -nt "$teacher/model.safetensors" ] || bertkit silver-pairs --teacher "$teacher" --pairs "${stsb[0]}" --output "$pairs" \
        --neighbours "$neighbours" --random-partners "$partners" --threads 1 --quiet
      # The student starts from its teacher: on the tuning split +3.5 over the pretrained model's start (3 seeds, every one higher), on
      # validation 66.6 against 64.7 (bertkit's hour) and 67.1 against 66.2 (PyTorch's) (docs/quality-study.md, "Starting the silver student from its teacher")
      start=$teacher
      spec=(regression "$pairs" "${stsb[1]}" 128 3 1e-3) ;;
    chnsenticorp) spec=(classification "$shared/chnsenticorp/train.tsv" "$shared/chnsenticorp/dev.tsv" 256 3 1e-4) ;;
    people_daily) spec=(ner "$shared/people_daily_ner/train.tsv" "$shared/people_daily_ner/dev.tsv" 256 40 1e-3) ;;
    srl) spec=(srl "$splits/srl-train.conllu" "$splits/srl-validation.conllu" 128 30 1e-3) ;;
    *) echo "unknown task '$task'" >&2; exit 2 ;;
  esac
  key=$(echo "$task" | tr 'a-z-' 'A-Z_')
  epochs=EPOCHS_$key lr=LR_$key
  bertkit finetune --task "${spec[0]}" --train "${spec[1]}" --dev "${spec[2]}" --max-seq-length "${spec[3]}" \
    --epochs "${!epochs:-${spec[4]}}" --learning-rate "${!lr:-${spec[5]}}" --model "$start" --output "$out" "${common[@]}" "${resume[@]}"
done
