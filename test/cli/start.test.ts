import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { SUPERSENSE_LABELS } from '../../src/data/supersense.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { BertInference } from '../../src/serve/bert-inference.js';
import { bertkit } from '../helpers/cli.js';

env.allowRemoteModels = false;

interface Spread { mean: number; std: number; min: number; max: number }

test('start runs the whole story on a small sample: pretraining, seeds vs baselines, a loadable model and an ONNX export that agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-start-'));
  try {
    const run = bertkit('start', '--output', dir, '--quiet', '--tiny', '--synsets', '1500', '--vocab-size', '1500', '--pretrain-steps', '20', '--seeds', '2');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /1,500 for training, 167 held out/);
    assert.match(run.stdout, /step 20: held-out MLM accuracy [\d.]+% \(loss [\d.]+\)/);
    assert.match(run.stdout, /seed 2: [\d.]+% accuracy, [\d.]+% macro-F1 on 167 held-out synsets/);
    assert.match(run.stdout, /BERT \(tiny, pretrained here\) +accuracy [\d.]+% ± [\d.]+ \(min [\d.]+%, max [\d.]+%\) over 2 seeds/);
    assert.match(run.stdout, /naive Bayes +accuracy [\d.]+%/);
    assert.match(run.stdout, /majority class +accuracy [\d.]+%/);
    assert.match(run.stdout, /npx bertkit predict --model .*supersense\/best --input -/);
    assert.match(run.stdout, /explanations\.html +why: integrated gradients and attention maps of \d right and \d wrong held-out predictions/);
    assert.match(readFileSync(join(dir, 'explanations.html'), 'utf8'), /<script type="application\/json" id="bertkit-explanations">\[\{"text":/);

    // The report's spread is that of its seeds' scores (sample standard deviation).
    type Int8Row = { accuracy: number; sequencesPerSecond: number; megabytes: number };
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      scores: {
        bert: { accuracy: Spread; seeds: { seed: number; accuracy: number }[]; savedSeed: number }; naiveBayes: { accuracy: number; alpha: number }; majority: { accuracy: number };
        int8: { agreement: number; fp32: Int8Row; q8: Int8Row };
      };
      timings: Record<string, number>;
    };
    const seeds = report.scores.bert.seeds.map((seed) => seed.accuracy);
    assert.equal(seeds.length, 2);
    assert.ok(Math.abs(report.scores.bert.accuracy.mean - (seeds[0]! + seeds[1]!) / 2) < 1e-12);
    assert.ok(Math.abs(report.scores.bert.accuracy.std - Math.abs(seeds[0]! - seeds[1]!) / Math.SQRT2) < 1e-12);
    assert.equal(report.scores.bert.accuracy.max, Math.max(...seeds));
    for (const value of [...seeds, report.scores.naiveBayes.accuracy, report.scores.majority.accuracy]) assert.ok(value >= 0 && value <= 1);
    assert.ok([1, 0.3, 0.1, 0.03].includes(report.scores.naiveBayes.alpha));
    // The library's multi-seed report agrees with report.json; the best seed's model is supersense/best, the other stays in seed-N.
    const finetuned = join(dir, 'supersense');
    const seedsReport = readFileSync(join(finetuned, 'seeds-report.md'), 'utf8');
    assert.match(seedsReport, /# Fine-tuning over 2 seeds/);
    const otherSeed = report.scores.bert.savedSeed === 1 ? 2 : 1;
    for (const modelDir of ['best', `seed-${otherSeed}`]) assert.ok(existsSync(join(finetuned, modelDir, 'model.safetensors')), modelDir);
    assert.ok(!existsSync(join(finetuned, `seed-${report.scores.bert.savedSeed}`)));
    assert.match(seedsReport, new RegExp(`\\| accuracy \\| ${report.scores.bert.accuracy.mean.toFixed(4)} ± ${report.scores.bert.accuracy.std.toFixed(4)} \\|`));
    assert.deepEqual(Object.keys(report.timings), ['reading WordNet', 'vocabulary', 'pretraining', 'baselines', 'fine-tuning', 'saving and exporting', 'int8']);
    // The int8 step: the fp32 row scores the saved seed as fine-tuning scored it (another code path), q8 beside it.
    const { int8 } = report.scores;
    const saved = report.scores.bert.seeds.find((seed) => seed.seed === report.scores.bert.savedSeed)!;
    assert.ok(Math.abs(int8.fp32.accuracy - saved.accuracy) < 1e-9, `${int8.fp32.accuracy} vs ${saved.accuracy}`);
    assert.ok(int8.q8.accuracy >= 0 && int8.q8.accuracy <= 1 && int8.agreement > 0.5 && int8.agreement <= 1);
    assert.ok(int8.q8.sequencesPerSecond > 0 && int8.fp32.sequencesPerSecond > 0 && int8.q8.megabytes < int8.fp32.megabytes);
    assert.ok(existsSync(join(finetuned, 'best', 'onnx', 'model_quantized.onnx')));
    assert.match(run.stdout, /int8 \(saved seed\) +accuracy [\d.]+% \(fp32 [\d.]+%; same label on [\d.]+%\); \d+ seq\/s at 32 × 128/);

    // The pretrained model and the fine-tuned classifier load as Hugging Face directories.
    assert.ok(existsSync(join(dir, 'pretrained', 'training_curve.svg')));
    const pretrained = await loadBert(join(dir, 'pretrained'), { warn: () => {} });
    assert.equal(pretrained.architecture, 'BertForMaskedLM');
    const modelDir = join(finetuned, 'best');
    const loaded = await loadBert(modelDir);
    assert.equal(loaded.architecture, 'BertForSequenceClassification');
    assert.deepEqual(Object.values(loaded.config.id2label ?? {}), SUPERSENSE_LABELS);
    const text = 'a small domesticated animal kept as a pet';
    const [ours] = await BertInference.load(modelDir).then((inference) => inference.classify([text]));
    assert.ok(SUPERSENSE_LABELS.includes(ours!.label));

    // transformers.js reads the ONNX export with its own tokenizer and agrees on label and score.
    const classifier = await pipeline('text-classification', modelDir, { dtype: 'fp32' });
    const [theirs] = (await classifier(text)) as { label: string; score: number }[];
    assert.equal(theirs!.label, ours!.label);
    assert.ok(Math.abs(theirs!.score - ours!.score) < 1e-4, `${theirs!.score} vs ${ours!.score}`);
    await classifier.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
