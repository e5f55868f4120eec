#!/usr/bin/env bash
# Chinese whole-word masking against masked LM by character (docs/quality-study.md, "Chinese whole-word masking"):
# the tiny recipe of quality-per-hour.sh on the Chinese text of the score corpus alone (ChnSentiCorp's and
# People's Daily's training text), with an 8k vocabulary trained on it, pretrained for BUDGET each way side
# by side (one thread each, so both see the same machine), plus the initial weights as a control; each
# fine-tuned on ChnSentiCorp and People's Daily NER over 3 seeds (one thread per lane, dropout 0.1).
# usage: bench/scores/chinese-wwm.sh BUDGET WORK_DIR   (BUDGET as --time-budget takes it: 20m, 1h)
#   Needs `npm run build`, ../shared (or $BERTKIT_SHARED) and, for the control's initial weights, Debian's
#   python3-torch ($BERTKIT_PYTHON). Every stage is skipped when its result is there, and a stopped
#   pretraining or fine-tuning resumes from its checkpoint, so the script can be run again.
#   Writes WORK_DIR/zh/pretrained/{char,wwm,none}, WORK_DIR/zh/finetuned/NAME/TASK and prints the table.
set -euo pipefail
budget=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
shared=${BERTKIT_SHARED:-$root/../shared}
python=${BERTKIT_PYTHON:-/usr/bin/python3}
bertkit() { node "$root/bin/bertkit.js" "$@"; }
zh=$work/zh pre=$work/zh/pretrained
[ -f "$work/splits/sst2-validation.tsv" ] || node "$root/dist/bench/scores/prepare.js" "$shared" "$work"
mkdir -p "$pre" "$zh/corpus"
ln -sf "$(cd "$work/corpus" && pwd)/chnsenticorp.txt" "$(cd "$work/corpus" && pwd)/people_daily.txt" "$zh/corpus/"
[ -f "$zh/vocab/vocab.txt" ] || bertkit vocab train --corpus "$zh/corpus" --vocab-size 8000 --output "$zh/vocab" --quiet

recipe=(--corpus "$zh/corpus" --vocab "$zh/vocab" --preset tiny --no-nsp --max-seq-length 128 --batch-size 32
        --learning-rate 1e-3 --warmup-steps 300 --dropout 0 --max-steps 1000000 --time-budget "$budget"
        --held-out-fraction 0.02 --eval-batches 20 --eval-steps 1000 --save-steps 1000 --threads 1 --quiet)
pretrain() {  # NAME FLAGS…
  local name=$1; shift
  [ -f "$pre/$name/model.safetensors" ] && return
  local resume=()
  compgen -G "$pre/$name/checkpoint-*" >/dev/null && resume=(--resume)
  echo "== pretrain $name for $budget ($(date -u +%H:%M:%S))"
  bertkit pretrain "${recipe[@]}" "$@" --output "$pre/$name" "${resume[@]}" >> "$pre/$name.log" 2>&1
}
pretrain char & char=$!
pretrain wwm --chinese-whole-word-mask & wwm=$!
wait $char && wait $wwm  # either failing stops the script (a bare wait would not)
if [ ! -f "$pre/none/model.safetensors" ]; then
  "$python" "$here/pytorch_corpus_pretrain.py" --shards "$pre/char/shards" --tokenizer "$pre/char" --batch 32 --warmup 300 \
    --lr 1e-3 --eval-batches 20 --output "$pre/none" --time-budget 0 > "$pre/none.json" 2>> "$pre/none.log"
fi

echo "== fine-tune ($(date -u +%H:%M:%S))"
for name in char wwm none; do
  EPOCHS_CHNSENTICORP=3 EPOCHS_PEOPLE_DAILY=40 FINETUNED_DIR=$zh/finetuned/$name \
  FINETUNE_EXTRA_ARGS="--threads 1 --dropout 0.1" BERTKIT_SHARED=$shared \
    "$here/finetune-all.sh" "$pre/$name" "$work" chnsenticorp people_daily > "$zh/finetune-$name.log" 2>&1 &
  [ $name = wwm ] && wait  # two lanes, then the control
done
wait

node --input-type=module - "$zh" <<'JS'
import { existsSync, readFileSync } from 'node:fs';
const zh = process.argv[2];
const cell = (name, task) => {
  const file = `${zh}/finetuned/${name}/${task}/seeds-report.json`;
  if (!existsSync(file)) return '–';
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const { mean, std } = report.metrics[report.primaryMetric];
  return `${(100 * mean).toFixed(1)} ± ${(100 * std).toFixed(1)}`;
};
const lastEval = (name) => {
  const file = `${zh}/pretrained/${name}/log.jsonl`;
  if (!existsSync(file)) return { step: '–', acc: '–' };
  const evals = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((entry) => entry.kind === 'eval');
  const last = evals.at(-1);
  return last === undefined ? { step: '–', acc: '–' } : { step: last.step, acc: (100 * last.mlm_accuracy).toFixed(1) };
};
console.log('| Tiny BERT, Chinese text | updates | held-out MLM acc | ChnSentiCorp acc | People\'s Daily F1 |\n|---|---|---|---|---|');
for (const [name, label] of [['none', 'no pretraining (initial weights)'], ['char', 'masked LM, characters'], ['wwm', 'masked LM, whole words']]) {
  const { step, acc } = name === 'none' ? { step: '–', acc: '–' } : lastEval(name);
  console.log(`| ${label} | ${step} | ${acc} | ${cell(name, 'chnsenticorp')} | ${cell(name, 'people_daily')} |`);
}
JS
