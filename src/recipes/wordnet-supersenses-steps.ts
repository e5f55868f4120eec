// The steps of the WordNet supersense story (wordnet-supersenses.ts runs them in order): the
// vocabulary, pretraining on the glosses, the naive Bayes baseline's smoothing, multi-seed
// fine-tuning, the demo predictions of the saved model, and its int8 form beside it.
import { writeFileSync } from 'node:fs';
import { glossDocuments, writeSentenceCorpus } from '../data/gloss-documents.js';
import { PretrainingDataset } from '../data/pretraining-dataset.js';
import { buildShards } from '../data/shards.js';
import { SUPERSENSE_LABELS, type SupersenseExample, randomSplit } from '../data/supersense.js';
import { classificationTask, encodeTextExamples } from '../data/tasks/classification.js';
import type { TaskData } from '../data/tasks/task.js';
import type { Synset } from '../data/wordnet.js';
import { initialParameters } from '../model/initial-parameters.js';
import { type BertConfig, withDropout } from '../model/config.js';
import { quantizeModel } from '../compress/quantize-model.js';
import { BertInference } from '../serve/bert-inference.js';
import { type ComparisonRow, compareModels } from '../serve/compare-models.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { BERT_UNCASED } from '../tokenizer/normalizer.js';
import { saveTrainedTokenizer, trainWordPiece, type WordPieceTraining } from '../tokenizer/trainer.js';
import { balancedClassWeights } from '../train/finetune-loss.js';
import { prepareFinetuneModel } from '../train/finetune-model.js';
import { NaiveBayes } from '../train/naive-bayes.js';
import { scheduleOf } from '../train/optim/schedules.js';
import { presetConfig } from '../train/presets.js';
import { pretrain, pretrainingHeads } from '../train/pretrain.js';
import { type CompletedMultiSeedResult, finetuneSeeds } from '../train/stability/multi-seed.js';
import { type ProgressTracker, type StartProgress, trackProgress } from './progress.js';
import { count, percent } from './report-format.js';
import { SPLIT_SEED, type SupersensePlan } from './wordnet-supersenses-plan.js';

/** Synsets per pretraining document (see src/data/gloss-documents.ts). */
const SYNSETS_PER_DOCUMENT = 8;
/** Tokens a definition keeps, [CLS] and [SEP] included: 99.9 % of them fit whole (median 13, the longest 170). */
const FINETUNE_MAX_TOKENS = 64;
const NAIVE_BAYES_ALPHAS = [1, 0.3, 0.1, 0.03];
/** Held-out sequences of the pretraining's MLM evaluation, whatever its batch size. */
const EVAL_SEQUENCES = 512;

/** Where a run's account and progress go. */
export interface RecipeOutput {
  print: (line: string) => void;
  progress: StartProgress;
}

export async function trainVocabulary(synsets: readonly Synset[], vocabSize: number, dir: string, out: RecipeOutput): Promise<BertTokenizer> {
  const progress = out.progress({ label: 'vocabulary', total: vocabSize, unit: 'tokens' });
  let training: WordPieceTraining;
  try {
    const texts = synsets.flatMap((synset) => [synset.definition, ...synset.examples]);
    training = await trainWordPiece({ texts }, {
      vocabSize,
      normalizer: BERT_UNCASED,
      onProgress: (event) => {
        if (event.phase === 'merge') progress.update(event.vocabularySize);
      },
    });
    saveTrainedTokenizer(training.vocab, dir, BERT_UNCASED);
  } finally {
    progress.stop();
  }
  out.print(`  ${count(training.vocab.size)} tokens from ${count(training.words)} words (${count(training.distinctWords)} distinct)`);
  return BertTokenizer.fromPretrained(dir);
}

export interface PretrainingSummary {
  documents: number;
  heldOutDocuments: number;
  steps: number;
  finalLoss: number;
  mlmAccuracy?: number;
  nspAccuracy?: number;
  tokensPerSecond: number;
}

/** Pretrains on the glosses for `plan.pretrainSteps`, or fewer when `budget` (training seconds, asked once the data is ready) holds fewer. */
export async function pretrainOnGlosses(
  synsets: readonly Synset[], tokenizer: BertTokenizer, plan: SupersensePlan,
  paths: { corpus: string; shards: string; pretrained: string }, model: { tiny: boolean; threads: number | undefined }, out: RecipeOutput,
  budget?: () => number,
): Promise<PretrainingSummary> {
  const documents = glossDocuments(synsets, SYNSETS_PER_DOCUMENT);
  writeSentenceCorpus(paths.corpus, documents);
  const shards = await trackProgress(out.progress, { label: 'tokenising', unit: 'bytes' }, (onProgress) =>
    buildShards([paths.corpus], tokenizer, paths.shards, { format: 'sentences', heldOutFraction: 0.02, seed: SPLIT_SEED, onProgress }));
  const heads = pretrainingHeads(plan.pretrainNsp);
  const base = withDropout(presetConfig(plan.preset, tokenizer.vocab.size), plan.pretrainDropout);
  const config: BertConfig = model.tiny ? { ...base, num_hidden_layers: 1, hidden_size: 64, num_attention_heads: 1, intermediate_size: 256 } : base;
  const { parameters } = initialParameters(config, heads, SPLIT_SEED);
  const dataOptions = {
    maxSeqLength: plan.pretrainSeqLength, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: Math.ceil(0.15 * plan.pretrainSeqLength),
    nsp: plan.pretrainNsp, wholeWordMask: plan.wholeWordMask, seed: SPLIT_SEED, vocab: tokenizer.vocab,
  };
  const data = await PretrainingDataset.open(shards, dataOptions);
  const heldOut = await PretrainingDataset.open(shards, { ...dataOptions, split: 'heldOut' });
  const evalBatches = Array.from({ length: Math.max(1, Math.round(EVAL_SEQUENCES / plan.pretrainBatchSize)) }, () => heldOut.nextBatch(plan.pretrainBatchSize));
  heldOut.close();
  const trainDocuments = shards.split('train').documentCount, heldOutDocuments = shards.split('heldOut').documentCount;
  out.print(`  ${count(trainDocuments)} documents of ${SYNSETS_PER_DOCUMENT} consecutive senses of one lexicographer file (${count(heldOutDocuments)} held out for the MLM/NSP evaluation)`);
  const progress = out.progress({ label: 'pretraining', total: plan.pretrainSteps, unit: 'steps' });
  const evalEvery = Math.max(1, Math.round(plan.pretrainSteps / 3));
  const budgetSeconds = budget?.();
  let announced = false;
  try {
    const result = await pretrain({
      model: { config, heads, parameters, tokenizer },
      data, evalBatches, batchSize: plan.pretrainBatchSize, maxSteps: plan.pretrainSteps,
      update: {
        optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01 },
        schedule: scheduleOf('warmup-stable-decay', plan.pretrainLearningRate, Math.round(plan.pretrainSteps / 10), plan.pretrainSteps),
        maxGradNorm: 1,
      },
      seed: SPLIT_SEED, outputDir: paths.pretrained, evalSteps: evalEvery,
      ...(model.threads === undefined ? {} : { threads: model.threads }),
      ...(budgetSeconds === undefined ? {} : {
        timeBudget: { seconds: budgetSeconds },
        onTimeBudget: ({ totalSteps, secondsPerStep }: { totalSteps: number; secondsPerStep: number }) => {
          if (announced || totalSteps >= plan.pretrainSteps) return;
          announced = true;
          out.print(`  ${budgetSeconds.toFixed(0)} s of the run's time budget hold ${count(totalSteps)} steps at ${secondsPerStep.toFixed(2)} s each on this machine; the schedule ends there`);
        },
      }),
      onStep: (entry, totalSteps) => {
        progress.setTotal(totalSteps);
        progress.update(entry.step);
      },
      onEval: (entry) => out.print(
        `  step ${entry.step}: held-out MLM accuracy ${percent(entry.mlm_accuracy)} (loss ${entry.mlm_loss.toFixed(3)})` +
          (entry.nsp_accuracy === undefined ? '' : `, NSP accuracy ${percent(entry.nsp_accuracy)}`),
      ),
    });
    return {
      documents: trainDocuments, heldOutDocuments, steps: result.step, finalLoss: meanOfLast(result.losses, 50), tokensPerSecond: result.tokensPerSecond,
      ...(result.evaluation === undefined ? {} : { mlmAccuracy: result.evaluation.mlmAccuracy, ...(result.evaluation.nspAccuracy === undefined ? {} : { nspAccuracy: result.evaluation.nspAccuracy }) }),
    };
  } finally {
    progress.stop();
    data.close();
  }
}

/**
 * The naive Bayes smoothing that scores best on a validation tenth of the training split (never the
 * held-out synsets), so the baseline is as strong as its own tuning makes it: α = 1 (Laplace) loses
 * about 5 points to α ≈ 0.1 on these short texts.
 */
export function naiveBayesAlpha(train: readonly SupersenseExample[]): number {
  const { train: fit, heldOut: validation } = randomSplit(train, 0.1, SPLIT_SEED + 1);
  const scored = NAIVE_BAYES_ALPHAS.map((alpha) => ({ alpha, accuracy: NaiveBayes.train(fit, SUPERSENSE_LABELS.length, { alpha }).accuracy(validation) }));
  return scored.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)).alpha;
}

/**
 * The library's multi-seed fine-tuning (finetuneSeeds) of the pretrained encoder with a fresh
 * classifier per seed. The held-out synsets are its dev set, scored once after the last update:
 * no checkpoint or epoch count is picked on them, so each seed's score is that of its final model
 * (only which seed's model is saved as `best` looks at them).
 */
export async function finetuneOnSupersenses(
  tokenizer: BertTokenizer, train: readonly SupersenseExample[], heldOut: readonly SupersenseExample[], plan: SupersensePlan,
  dirs: { pretrained: string; output: string }, threads: number | undefined, out: RecipeOutput,
  budget?: (index: number) => number,
): Promise<CompletedMultiSeedResult> {
  const labels = [...SUPERSENSE_LABELS];
  const taskData = (examples: readonly SupersenseExample[]): TaskData => encodeTextExamples(
    examples.map((example) => ({ text: example.text, label: SUPERSENSE_LABELS[example.label]! })), tokenizer, 'classification', { maxSeqLength: FINETUNE_MAX_TOKENS, labels },
  );
  const trainData = taskData(train), heldOutData = taskData(heldOut);
  let progress: ProgressTracker | undefined;
  let runStarted = 0;
  const padding = String(plan.seeds).length;
  const allEpochs = plan.finetuneEpochs * Math.ceil(trainData.features.length / plan.finetuneBatchSize);
  try {
    const result = await finetuneSeeds({
      task: classificationTask, train: trainData, dev: heldOutData, tokenizer, outputDir: dirs.output,
      model: (seed) => prepareFinetuneModel(dirs.pretrained, { kind: 'classification', labels }, seed),
      seeds: Array.from({ length: plan.seeds }, (_, i) => i + 1),
      epochs: plan.finetuneEpochs, batchSize: plan.finetuneBatchSize, learningRate: plan.finetuneLearningRate, dropout: plan.finetuneDropout, groupByLength: true,
      ...(plan.classWeightPower > 0 ? { classWeights: balancedClassWeights(trainData).map((weight) => weight ** plan.classWeightPower) } : {}),
      evalSteps: Number.MAX_SAFE_INTEGER, evalBatchSize: 256,
      settings: { command: 'start', plan },
      ...(threads === undefined ? {} : { threads }),
      ...(budget === undefined ? {} : { timeBudget: budget }),
      onRunStart: (seed) => {
        runStarted = performance.now();
        progress = out.progress({ label: `seed ${String(seed).padStart(padding)}/${plan.seeds}`, total: 1, unit: 'steps' });
      },
      onStep: (entry, totalSteps) => {
        progress?.setTotal(totalSteps);
        progress?.update(entry.step);
      },
      onRunEnd: (seed, result) => {
        progress?.stop();
        const seconds = (performance.now() - runStarted) / 1000;
        const metrics = result.bestMetrics ?? {};
        out.print(
          `  seed ${seed}: ${percent(metrics.accuracy ?? NaN)} accuracy, ${percent(metrics.macro_f1 ?? NaN)} macro-F1 on ${count(heldOut.length)} held-out synsets ` +
            `(${count(result.steps)} updates${result.steps < allEpochs ? ` of ${count(allEpochs)}: what its time budget held` : ''}, final loss ${meanOfLast(result.trainLosses, 50).toFixed(3)}, ${count(Math.round(result.examplesPerSecond))} definitions/s, ${seconds.toFixed(0)} s)`,
        );
      },
    });
    // No signal is given, so nothing interrupts the runs.
    if (result.interrupted) throw new Error('finetuneOnSupersenses: the fine-tuning runs were interrupted');
    return result;
  } finally {
    (progress as ProgressTracker | undefined)?.stop();
  }
}

/** Definitions written for this demo (not WordNet's), classified by the saved model reloaded from disk. */
export async function demoPredictions(modelDir: string, naiveBayes: NaiveBayes): Promise<string[]> {
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

/** The int8 form of the saved classifier next to its fp32 one on the held-out synsets (bertkit quantize, then bertkit compare's rows). */
export interface Int8Comparison {
  readonly fp32: ComparisonRow;
  readonly q8: ComparisonRow;
  /** Held-out synsets given the same label by both. */
  readonly agreement: number;
  readonly weights: string;
}

/** Quantizes `modelDir` in place (onnx/model_quantized.onnx + quantization.json) and compares both forms on the held-out synsets, written to `heldOutFile`. */
export async function quantizeAndCompare(modelDir: string, heldOut: readonly SupersenseExample[], heldOutFile: string, threads: number | undefined): Promise<Int8Comparison> {
  const { record } = await quantizeModel(modelDir);
  writeFileSync(heldOutFile, `sentence\tlabel\n${heldOut.map((example) => `${example.text.replace(/[\t\n]/g, ' ')}\t${SUPERSENSE_LABELS[example.label]}`).join('\n')}\n`);
  const options = { latencyInputs: 200, ...(threads === undefined ? {} : { threads }) };
  const [fp32, q8] = await compareModels([{ dir: modelDir, dtype: 'fp32' }, { dir: modelDir, dtype: 'q8' }], 'classification', heldOutFile, options);
  const labels = async (dtype: 'fp32' | 'q8'): Promise<string[]> => {
    const inference = await BertInference.load(modelDir, { dtype, warn: () => {}, ...(threads === undefined ? {} : { threads }) });
    try {
      return (await inference.classify(heldOut.map((example) => example.text))).map((prediction) => prediction.label);
    } finally {
      await inference.dispose();
    }
  };
  const [fp32Labels, q8Labels] = [await labels('fp32'), await labels('q8')];
  const agreement = fp32Labels.filter((label, index) => label === q8Labels[index]).length / Math.max(1, heldOut.length);
  return { fp32: fp32!, q8: q8!, agreement, weights: record.weights };
}
