#!/usr/bin/env bash
# The README's compressed-models table and faithfulness study: a tiny BERT pretrained here for 20 minutes
# (8k vocabulary, no dropout), fine-tuned once on SST-2 and CoNLL-2003, then quantized (fp32 vs q8 on
# the dev set), checked against transformers.js q8 (int8-agreement.ts), distilled to one layer (the
# teacher, the student and the int8 student on the dev set), and the SST-2 model's explanations
# put through the deletion study (faithfulness.ts).
# usage: bench/scores/compression-study.sh WORK_DIR   (needs `npm run build` and ../shared or $BERTKIT_SHARED)
#   Every stage is skipped when its result is there, and the pretraining resumes from its checkpoint.
set -euo pipefail
work=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
shared=${BERTKIT_SHARED:-$root/../shared}
data=$shared/data
pre=$work/pretrained/v8k
b() { node "$root/bin/bertkit.js" "$@"; }
stamp() { echo "== $* ($(date -u +%H:%M:%S))"; }
[ -f "$work/splits/sst2-validation.tsv" ] || node "$root/dist/bench/scores/prepare.js" "$shared" "$work"
if [ ! -f "$pre/model.safetensors" ]; then
  stamp pretrain
  resume=(); compgen -G "$pre/checkpoint-*" >/dev/null && resume=(--resume)
  b pretrain --corpus "$work/corpus" --preset tiny --no-nsp --vocab-size 8000 --max-seq-length 128 --batch-size 32 \
    --learning-rate 1e-3 --warmup-steps 300 --dropout 0 --max-steps 1000000 --time-budget 20m --held-out-fraction 0.02 \
    --eval-batches 20 --eval-steps 500 --save-steps 500 --output "$pre" --quiet "${resume[@]}"
fi
sst2=(--train "$work/splits/sst2-train.tsv" --dev "$work/splits/sst2-validation.tsv" --max-seq-length 64)
conll=(--train "$data/conll2003/train.txt" --dev "$data/conll2003/valid.txt" --max-seq-length 128)
[ -f "$work/sst2/model.safetensors" ] || { stamp finetune sst2; b finetune --task classification --model "$pre" "${sst2[@]}" --epochs 2 --learning-rate 1e-4 --batch-size 32 --output "$work/sst2" --quiet; }
[ -f "$work/conll/model.safetensors" ] || { stamp finetune conll; b finetune --task ner --model "$pre" "${conll[@]}" --epochs 3 --learning-rate 2e-4 --batch-size 32 --output "$work/conll" --quiet; }
[ -f "$work/sst2-q8/quantization.json" ] || { stamp quantize sst2; b quantize --model "$work/sst2" --output "$work/sst2-q8" --data "$work/splits/sst2-validation.tsv"; }
[ -f "$work/conll-q8/quantization.json" ] || { stamp quantize conll; b quantize --model "$work/conll" --output "$work/conll-q8" --data "$data/conll2003/valid.txt"; }
[ -f "$work/sst2-agreement.json" ] || { stamp agreement sst2; node "$root/dist/bench/scores/int8-agreement.js" "$work/sst2-q8" "$work/splits/sst2-validation.tsv" > "$work/sst2-agreement.json"; }
[ -f "$work/conll-agreement.json" ] || { stamp agreement conll; node "$root/dist/bench/scores/int8-agreement.js" "$work/conll-q8" "$data/conll2003/valid.txt" > "$work/conll-agreement.json"; }
[ -f "$work/sst2-student/model.safetensors" ] || { stamp distill sst2; b distill --teacher "$work/sst2" --student-layers 1 --task classification "${sst2[@]}" --epochs 1 --learning-rate 1e-4 --output "$work/sst2-student" --quiet > "$work/sst2-student.json"; }
[ -f "$work/conll-student/model.safetensors" ] || { stamp distill conll; b distill --teacher "$work/conll" --student-layers 1 --task ner "${conll[@]}" --epochs 3 --learning-rate 2e-4 --output "$work/conll-student" --quiet > "$work/conll-student.json"; }
[ -f "$work/faithfulness/faithfulness.json" ] || { stamp faithfulness; node "$root/dist/bench/scores/faithfulness.js" "$work/sst2" "$work/splits/sst2-validation.tsv" "$work/faithfulness" 200; }
stamp done
