#!/usr/bin/env bash
# The quality-per-CPU-hour table: five ways to spend the same BUDGET of this machine before fine-tuning,
# each fine-tuned on SST-2, CoNLL-2003 and STS-B (as a cross-encoder's regression, as a bi-encoder's
# similarity, and as a cross-encoder on gold plus silver pairs that a bi-encoder scored) over 3 seeds, next to
# the simple baselines.
#   pytorch-mlm   (a) plain PyTorch, the usual masked-LM recipe (pytorch_corpus_pretrain.py: dropout 0.1, 80/10/10,
#                 linear decay), on bertkit-mlm's shards, 8k vocabulary, batch and peak learning rate
#   bertkit-mlm   (b) bertkit pretrain, masked LM with the CLI's default schedule (linear decay); trains the 8k vocabulary
#   bertkit-mlm-v16k-curriculum  (c) bertkit's best recipe: bertkit-mlm's with a 16k vocabulary trained on the same corpus
#                 (--vocab-size 16000) and a sequence-length curriculum, 64-token sequences for the first
#                 CURRICULUM_STEPS updates (default 10,000 per hour of BUDGET, as measured: docs/quality-study.md, "The 16k vocabulary
#                 with the 64-token curriculum")
#   none          (d) no pretraining: the initial weights (8k vocabulary), fine-tuned the same way
#   none-v16k     (d) for (c)'s vocabulary: pytorch_corpus_pretrain.py --time-budget 0 on its shards
# (ELECTRA, measured with this recipe for 60 minutes, stayed below masked LM: docs/quality-study.md, "ELECTRA does not pay".)
# Further arms enter the table when WORK_DIR/pretrained/NAME is there (quality-table.ts's optional rows), e.g.
#   bertkit-wsd      the bertkit-mlm recipe with --lr-scheduler warmup-stable-decay (this script's (c) until 2026-12-07)
#   bertkit-mlm-nsp  the bertkit-mlm recipe without --no-nsp (trains [CLS] and the pooler), --vocab WORK_DIR/pretrained/bertkit-mlm,
#                    then FINETUNED_DIR=WORK_DIR/finetuned/bertkit-mlm-nsp and finetune-all.sh as below
#   bertkit-mlm-halves[-w03|-w01]  the bertkit-mlm recipe plus --contrastive-weight 1 [0.3|0.1] --contrastive-views halves
#   bertkit-mlm-mask25  the bertkit-mlm recipe with --masked-lm-prob 0.25
#   bertkit-mlm-curriculum  the bertkit-mlm recipe with --curriculum-seq-length 64 --curriculum-steps 10000
#   bertkit-mlm-ramp    the bertkit-mlm recipe with --gradient-accumulation-steps 2 --batch-size-ramp-steps 6000
#   bertkit-mlm-v16k    the bertkit-mlm recipe with --vocab V16K, V16K from `bertkit vocab train --corpus WORK_DIR/corpus --vocab-size 16000`
#   bertkit-mlm-v16k-curriculum-2h  (c)'s recipe for 2 hours (--curriculum-steps 20000) with (c)'s vocabulary: the headline model
#   bertkit-mlm-v16k-curriculum-nsptail  (c)'s recipe step-matched to its 60-minute run on the Zen 5 (--max-steps 23634 with the
#                       curriculum, no --time-budget), then --init from it without --no-nsp, --learning-rate 5e-4 --max-steps 3000
#                       (next-sentence prediction for the last 11 % of the updates: docs/quality-study.md, "Next-sentence prediction as a last phase")
#   bertkit-mlm-v16k-curriculum-sop  (c)'s recipe without --no-nsp and with --sentence-order (ALBERT's sentence-order prediction for
#                       the whole run), step-matched as nsptail is (--max-steps 26634, --vocab: (c)'s vocabulary); its -seed43 with
#                       --seed 43 --max-steps 26569 (the updates of (c)'s seed-43 hour) and --vocab-size 16000 (which trains (c)'s vocabulary again)
#   english-v16k-curriculum-1h|-2h  (c)'s recipe on the English text alone (WORK_DIR/corpus without
#                       chnsenticorp.txt and people_daily.txt) with --vocab-size 16000 (a vocabulary trained on it; the 1h run reads the 2h
#                       run's), --time-budget 60m|2h, --curriculum-steps 10000|20000; none-en16k their row (d), as none-v16k is made
# usage: [PRETRAINING_SEEDS=N] bench/scores/quality-per-hour.sh BUDGET WORK_DIR [TASK…]   (BUDGET as --time-budget takes it: 60m, 1h30m)
#   TASK… (default: sst2 conll2003 stsb stsb-similarity stsb-silver) as finetune-all.sh names them; adding chnsenticorp people_daily srl
#   gives the table the score table's other three columns (with their finetune-all.sh settings).
#   PRETRAINING_SEEDS (default 1) pretrains each of the five arms above N times, with seeds 42 (NAME), 43 (NAME-seed43), …: two seeds of
#   one bertkit hour differed by more than its fine-tuning seeds (docs/quality-study.md, "PyTorch's hour at its own speed"), so an arm
#   is judged by its mean over pretraining seeds (quality-table.ts prints it). Every run reads bertkit-mlm's vocabulary
#   but (c)'s, which read bertkit-mlm-v16k-curriculum's; a seed draws its own held-out documents, and PyTorch's runs of a
#   seed read the shards of bertkit's run of it with the same vocabulary.
#   quality-table.ts counts WORK_DIR/pretrained/NAME-seedS as seed S of arm NAME, the optional arms' too.
#   Needs `npm run build`, ../shared (or $BERTKIT_SHARED) and Debian's python3-torch ($BERTKIT_PYTHON) with
#   libopenblas0-pthread (without it torch's matrix products fall back to the reference BLAS: 14 times slower here).
#   Every stage is skipped when its result is there and a bertkit pretraining run resumes from its
#   checkpoint, so the script can be run again after an interruption (a PyTorch run starts over).
#   Pretraining runs alone (all cores, one at a time: the budget is wall time); fine-tuning runs LANES
#   models at once, --threads 1 each (default 2), dropout 0.1 for every model (the pretraining ran
#   without), with the learning rates and epochs that finetune-sweep.sh chose on the tuning splits (best mean over the initial weights
#   and a 25-minute masked LM): SST-2 2 epochs (of 55k phrases) at 3e-4, CoNLL-2003 12 at 1e-3, STS-B as a
#   cross-encoder 5 at 1e-4, as a bi-encoder 10 at 3e-4, on silver pairs (10 nearest + 6 random partners) 3 at 1e-3 (set by
#   hand on the tuning split: 3 × 3e-4 reached 23.6 from the initial weights, 1e-3 71.5–72.9; finetune-all.sh's comment),
#   their teacher a bi-encoder trained 20 epochs at 3e-4 (earlier silver tables: the bi-encoder column's first seed, 10 epochs),
#   the student started from the teacher's weights (tables before 2026-12-05, late: from the pretrained model)
#   (EPOCHS_TASK and LR_TASK change them; the tables made before 2026-12-04 used SST-2 2 × 1e-4, CoNLL-2003 3 × 2e-4,
#   STS-B 5 × 1e-4 both ways, which starved some models).
#   Writes WORK_DIR/pretrained/NAME (models + logs, NAME.stsb-zero-shot.json: STS-B validation scored by the pretrained
#   model's mean-pooled cosines, no fine-tuning), WORK_DIR/finetuned/NAME/TASK, and prints the table
#   (WORK_DIR/quality-table.{md,json}).
set -euo pipefail
budget=$1 work=$2; shift 2
tasks=("${@:-sst2 conll2003 stsb stsb-similarity stsb-silver}")
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
shared=${BERTKIT_SHARED:-$root/../shared}
python=${BERTKIT_PYTHON:-/usr/bin/python3}
lanes=${LANES:-2}
bertkit() { node "$root/bin/bertkit.js" "$@"; }
pre=$work/pretrained
mkdir -p "$pre"
[ -f "$work/splits/sst2-validation.tsv" ] || node "$root/dist/bench/scores/prepare.js" "$shared" "$work"

# compression-study.sh's recipe (tiny, 8k vocabulary, packed 128-token sequences, batch 32, peak 1e-3, no
# dropout), with the schedule fitted to the budget.
recipe=(--corpus "$work/corpus" --preset tiny --no-nsp --max-seq-length 128 --batch-size 32 --learning-rate 1e-3
        --warmup-steps 300 --dropout 0 --max-steps 1000000 --time-budget "$budget" --held-out-fraction 0.02
        --eval-batches 20 --eval-steps 1000 --save-steps 1000 --quiet)
pretrain() {  # NAME FLAGS…: pretrain into $pre/NAME unless its model is there, resuming a checkpointed run
  local name=$1; shift
  [ -f "$pre/$name/model.safetensors" ] && { echo "== $name: pretrained"; return; }
  local resume=()
  compgen -G "$pre/$name/checkpoint-*" >/dev/null && resume=(--resume)
  echo "== pretrain $name for $budget ($(date -u +%H:%M:%S))"
  bertkit pretrain "${recipe[@]}" "$@" --output "$pre/$name" "${resume[@]}" 2>&1 | tee -a "$pre/$name.log"
}
count=${PRETRAINING_SEEDS:-1}
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "quality-per-hour.sh: PRETRAINING_SEEDS must be a whole number from 1, not '$count'" >&2; exit 2; }
default_seed=42  # both engines' default: its runs keep the arm's own name
seeds=($(seq $default_seed $((default_seed - 1 + count))))
run_name() { [ "$2" = $default_seed ] && echo "$1" || echo "$1-seed$2"; }  # ARM SEED → the run's directory name
# (c)'s curriculum keeps its share of any budget: 10,000 updates of 64 tokens in an hour (the budget read as --time-budget reads it)
curriculum_steps=${CURRICULUM_STEPS:-$(node --input-type=module -e "import { pathToFileURL } from 'node:url'; const { duration } = await import(pathToFileURL(process.argv[1]).href); console.log(Math.round(duration(process.argv[2]) * 10000 / 3600))" \
  "$root/dist/src/cli/args.js" "$budget")}
best=bertkit-mlm-v16k-curriculum best_flags=(--curriculum-seq-length 64 --curriculum-steps "$curriculum_steps")
pretrain bertkit-mlm --vocab-size 8000  # trains the vocabulary the other arms share
pretrain $best --vocab-size 16000 "${best_flags[@]}"  # trains (c)'s vocabulary
for seed in "${seeds[@]}"; do
  [ "$seed" = $default_seed ] && continue
  pretrain "$(run_name bertkit-mlm "$seed")" --vocab "$pre/bertkit-mlm" --seed "$seed"
  pretrain "$(run_name $best "$seed")" --vocab "$pre/$best" "${best_flags[@]}" --seed "$seed"
done
for seed in "${seeds[@]}"; do for arm in pytorch-mlm none none-v16k; do
  name=$(run_name $arm "$seed")
  [ -f "$pre/$name/model.safetensors" ] && { echo "== $name: pretrained"; continue; }
  [ $arm = pytorch-mlm ] && seconds=$budget || seconds=0
  [ $arm = none-v16k ] && vocabulary=$best || vocabulary=bertkit-mlm
  echo "== pretrain $name for $seconds ($(date -u +%H:%M:%S))"
  # as the benchmarks' peers run (bench/peer-process.ts): without this machine's OpenBLAS overrides (Haswell kernels for older
  # builds: with them PyTorch's one-thread hour ran its first 300 updates at 15k tokens/s on the Zen 5, without them 22k), and with
  # torch's OpenMP threads passive, not spinning on the cores OpenBLAS's threads need (on both cores of the Zen 5, (c)'s 16k
  # vocabulary: 7.8k tokens/s spinning, 14.5k passive, 12.1k on one thread; docs/quality-study.md, "Both cores")
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE "$python" "$here/pytorch_corpus_pretrain.py" --shards "$pre/$(run_name $vocabulary "$seed")/shards" --tokenizer "$pre/$vocabulary" \
    --batch 32 --warmup 300 --lr 1e-3 --eval-batches 20 --seed "$seed" --output "$pre/$name" --time-budget "$seconds" \
    > "$pre/$name.json" 2> >(tee -a "$pre/$name.log" >&2)
done; done

node "$root/dist/bench/scores/baselines.js" "$work/splits" > "$work/baselines.json"
models=($(for seed in "${seeds[@]}"; do for arm in none none-v16k pytorch-mlm bertkit-mlm $best; do run_name $arm "$seed"; done; done))
for name in "${models[@]}"; do  # zero-shot STS-B: each pretrained model as it is, cosine of mean-pooled states
  [ -f "$pre/$name.stsb-zero-shot.json" ] || bertkit evaluate --task similarity --model "$pre/$name" --data "$work/splits/stsb-validation.tsv" \
    --threads 1 --quiet --output "$pre/$name.stsb-zero-shot.json" > /dev/null
done
running=0
for name in "${models[@]}"; do
  EPOCHS_SST2=${EPOCHS_SST2:-2} LR_SST2=${LR_SST2:-3e-4} EPOCHS_CONLL2003=${EPOCHS_CONLL2003:-12} LR_CONLL2003=${LR_CONLL2003:-1e-3} \
  EPOCHS_STSB=${EPOCHS_STSB:-5} LR_STSB=${LR_STSB:-1e-4} EPOCHS_STSB_SIMILARITY=${EPOCHS_STSB_SIMILARITY:-10} LR_STSB_SIMILARITY=${LR_STSB_SIMILARITY:-3e-4} \
  FINETUNED_DIR=$work/finetuned/$name FINETUNE_EXTRA_ARGS="--threads 1 --dropout 0.1 ${FINETUNE_EXTRA_ARGS:-}" \
    "$here/finetune-all.sh" "$pre/$name" "$work" ${tasks[@]} > "$work/finetune-$name.log" 2>&1 &
  running=$((running + 1))
  if [ $running -ge "$lanes" ]; then wait -n; running=$((running - 1)); fi
done
wait
node "$root/dist/bench/scores/quality-table.js" "$work" "$budget"
