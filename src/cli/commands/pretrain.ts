// `bertkit pretrain`: masked-LM (+ NSP) or ELECTRA pretraining from a corpus, HF Trainer-style options, over
// the library's runPretraining (train/pretraining-run.ts); this file parses flags and shows progress.
//   model:      --preset NAME | --config FILE | --init DIR (continue an HF checkpoint: domain-adaptive pretraining)
//   tokenizer:  --vocab DIR, else the --init model's (an --init model has to come with one), else one trained on the corpus; --add-tokens FILE extends it
//   data:       --corpus PATH… (tokenised once into OUTPUT/shards, 1% of documents held out), or --batch FILE.json
//   resume:     --resume [CHECKPOINT] continues bit for bit from OUTPUT's latest checkpoint (or the one named), with the run's recorded settings for the flags not given
import { type Command, Option } from 'commander';
import { PRETRAIN_DEFAULTS as D, runPretraining } from '../../train/pretraining-run.js';
import type { ContrastiveTerm, MlmEvalLogEntry } from '../../train/pretrain.js';
import { duration, integerAtLeast, lrSchedulerOption, maxLengthAlias, number } from '../args.js';
import { stoppableBySignals } from '../interruption.js';
import { optionsGiven } from '../resume-options.js';
import { ProgressBar } from '../progress.js';
import { type SchedulerKind } from '../../train/optim/schedules.js';

interface PretrainCliOptions {
  corpus?: string[];
  batch?: string;
  preset?: string;
  config?: string;
  init?: string;
  vocab?: string;
  vocabSize: number;
  addTokens?: string;
  output: string;
  maxSeqLength: number;
  batchSize: number;
  maxSteps?: number;
  timeBudget?: number;
  objective: 'mlm' | 'electra';
  generatorSize?: number;
  learningRate: number;
  warmupSteps: number;
  lrScheduler: SchedulerKind;
  weightDecay: number;
  adamEpsilon: number;
  adamBeta1: number;
  adamBeta2: number;
  maxGradNorm: number;
  gradientAccumulationSteps: number;
  batchSizeRampSteps?: number;
  curriculumSeqLength?: number;
  curriculumSteps?: number;
  dropout?: number;
  nsp: boolean;
  sentenceOrder?: boolean;
  wholeWordMask: boolean;
  chineseWholeWordMask?: boolean;
  contrastiveWeight?: number;
  contrastiveTemperature?: number;
  contrastiveViews?: ContrastiveTerm['views'];
  deduplicate?: boolean;
  maskedLmProb: number;
  maxPredictionsPerSeq?: number;
  shortSeqProb: number;
  heldOutFraction: number;
  maxDocumentSentences: number;
  corpusFormat: 'auto' | 'sentences' | 'paragraphs' | 'jsonl';
  evalBatches: number;
  resume?: string | true;
  overwriteOutputDir?: boolean;
  seed: number;
  saveSteps: number;
  evalSteps: number;
  threads?: number;
  quiet?: boolean;
}

export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description('pretrain a BERT (masked LM + next-sentence prediction) on a text corpus, or continue a Hugging Face checkpoint on one')
    .option('--corpus <paths...>', 'text files or folders (one sentence per line with blank lines between documents, paragraphs, or .jsonl)')
    .option('--batch <file.json>', 'train on this one batch instead of a corpus: input_ids, token_type_ids, attention_mask, mlm_labels (-100 = ignore), nsp_labels')
    .option('--preset <name>', 'a new model: tiny (2/128), mini (4/256), small (4/512), medium (8/512), base (12/768) layers/hidden')
    .option('--config <file>', 'a new model from this config.json')
    .option('--init <dir>', 'continue from this Hugging Face model directory')
    .option('--vocab <dir>', 'tokenizer directory (default: the --init model\'s, else one trained on the corpus)')
    .option('--vocab-size <n>', 'size of a vocabulary trained on the corpus', integerAtLeast(6), D.vocabSize)
    .option('--add-tokens <file>', 'add these domain tokens (one per line) to the tokenizer and resize the embeddings')
    .requiredOption('--output <dir>', 'where checkpoints, log.jsonl, training_curve.svg and the final model go')
    .option('--max-seq-length <n>', 'tokens per sequence', integerAtLeast(5), D.maxSeqLength)
    .addOption(maxLengthAlias(integerAtLeast(5)))
    .option('--batch-size <n>', 'sequences per micro-batch', integerAtLeast(1), D.batchSize)
    .option('--max-steps <n>', 'optimizer updates (with --time-budget: the most it may fit)', integerAtLeast(1))
    .option('--time-budget <duration>', "train for this long ('60m', '2h', '1h30m'): the run times its first updates, then fits the number of updates and the learning-rate schedule's end to the budget (kept on --resume)", duration)
    .addOption(new Option('--objective <kind>', 'mlm: masked LM (BERT); electra: replaced-token detection, a small generator filling the masks and the model judging every token (ELECTRA); the model is saved as a plain BERT, the generator in OUTPUT/generator').choices(['mlm', 'electra']).default('mlm'))
    .option('--generator-size <fraction>', "electra: the generator's hidden size as a fraction of the model's (default 0.25)", number({ above: 0, max: 1 }))
    .option('--contrastive-weight <w>', "mlm: add SimCSE's in-batch contrastive loss, times w, between two views of each text (mean-pooled last states): a sentence-level term", number({ above: 0 }))
    .addOption(new Option('--contrastive-views <kind>', "the contrastive term's views: maskings (each text masked twice; --batch-size rows then hold half as many texts) or halves (the first and second halves of the same documents, sharing no tokens, after DeCLUTR; needs --no-nsp)").choices(['maskings', 'halves']))
    .option('--contrastive-temperature <t>', 'the contrastive loss\' temperature (default 0.05)', number({ above: 0 }))
    .option('--learning-rate <lr>', 'peak learning rate', number({ min: 0 }), D.learningRate)
    .option('--warmup-steps <n>', 'linear warm-up updates', integerAtLeast(0), D.warmupSteps)
    .addOption(lrSchedulerOption(D.lrScheduler))
    .option('--weight-decay <w>', 'AdamW weight decay (none on biases and LayerNorm)', number({ min: 0 }), D.weightDecay)
    .option('--adam-epsilon <eps>', 'AdamW epsilon', number({ above: 0 }), D.adamEpsilon)
    .option('--adam-beta1 <b>', 'AdamW beta1', number({ min: 0, max: 0.999999 }), D.adamBeta1)
    .option('--adam-beta2 <b>', 'AdamW beta2', number({ min: 0, max: 0.999999 }), D.adamBeta2)
    .option('--max-grad-norm <n>', 'clip the global gradient norm to this', number({ above: 0 }), D.maxGradNorm)
    .option('--gradient-accumulation-steps <n>', 'micro-batches per update', integerAtLeast(1), D.gradientAccumulationSteps)
    .option('--curriculum-seq-length <n>', 'a sequence-length curriculum: the first --curriculum-steps updates train on sequences this long (e.g. 64 before 128)', integerAtLeast(5))
    .option('--curriculum-steps <n>', 'updates at --curriculum-seq-length', integerAtLeast(1))
    .option('--batch-size-ramp-steps <n>', 'grow the micro-batches per update from 1 to --gradient-accumulation-steps over this many updates (a batch-size ramp)', integerAtLeast(1))
    .option('--dropout <p>', 'hidden and attention dropout (default: the config\'s)', number({ min: 0, max: 0.999 }))
    .option('--no-nsp', 'masked LM only (BertForMaskedLM): sequences packed across sentences and documents')
    .option('--sentence-order', "the pair task is sentence-order prediction (ALBERT): B is the rest of A's passage and half of the pairs are swapped (label 1; a one-sentence passage still takes a random B, as in ALBERT), in place of next-sentence prediction's random B; not with --no-nsp, --objective electra or --batch")
    .option('--whole-word-mask', 'mask all pieces of a word together', D.wholeWordMask)
    .option('--deduplicate', 'drop every sentence whose exact text came earlier in the corpus, before tokenising')
    .option('--chinese-whole-word-mask', "whole-word masking that also masks a Chinese word's characters together, words found by Node's Intl.Segmenter('zh') (Chinese BERT-wwm)")
    .option('--masked-lm-prob <p>', 'share of tokens predicted', number({ min: 0, max: 1 }), D.maskedLmProb)
    .option('--max-predictions-per-seq <n>', 'most predictions per sequence (default ⌈0.15 × max-seq-length⌉, 20 at 128)', integerAtLeast(1))
    .option('--short-seq-prob <p>', 'probability of a shorter sequence (NSP data)', number({ min: 0, max: 1 }), D.shortSeqProb)
    .option('--held-out-fraction <f>', 'share of corpus documents held out for evaluation', number({ min: 0, max: 0.99 }), D.heldOutFraction)
    .addOption(new Option('--corpus-format <format>', 'how to read corpus files: sentences (one per line, blank lines between documents), paragraphs (hard-wrapped text), jsonl, or auto (guessed per file from its first 256 KB)').choices(['auto', 'sentences', 'paragraphs', 'jsonl']).default('auto'))
    .option('--max-document-sentences <n>', 'hard-wrapped books: start a new document at the first paragraph end after n sentences (so books can be held out in parts)', integerAtLeast(1), D.maxDocumentSentences)
    .option('--eval-batches <n>', 'held-out batches per evaluation', integerAtLeast(0), D.evalBatches)
    .option('--resume [checkpoint]', 'continue from the latest checkpoint in --output, or from this checkpoint directory')
    .option('--overwrite-output-dir', 'train into an --output that already holds a model (the --init one included), replacing it')
    .option('--seed <n>', 'seed of initialisation, data order, masking and dropout', integerAtLeast(0), D.seed)
    .option('--save-steps <n>', 'write OUTPUT/checkpoint-STEP every n updates (0: only the final model)', integerAtLeast(0), D.saveSteps)
    .option('--eval-steps <n>', 'evaluate on held-out data every n updates (0: only at the end)', integerAtLeast(0), D.evalSteps)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar')
    .action(async (options: PretrainCliOptions, command: Command) => {
      // Resumed: the settings not given take the checkpoint's recorded ones (runPretraining), not the flags' defaults.
      await runPretrain(options.resume === undefined ? options : optionsGiven(command, options) as PretrainCliOptions);
    });
}

async function runPretrain(options: PretrainCliOptions): Promise<void> {
  let shardProgress: ProgressBar | undefined;
  const progress = new StepProgress(options.maxSteps ?? 0, options.quiet === true);
  let budgetAnnounced = false;
  try {
    const { output, batch, quiet, ...settings } = options;
    const announce = 'bertkit pretrain: interrupted; stopping after this step (a checkpoint is written when --save-steps is set)';
    const result = await stoppableBySignals(announce, (signal) => runPretraining({
      ...settings,
      outputDir: output,
      ...(batch === undefined ? {} : { batchFile: batch }),
      signal,
      onMessage: (message) => progress.log(`bertkit pretrain: ${message}`),
      onShardProgress: (bytesRead, totalBytes) => {
        shardProgress ??= new ProgressBar({ label: 'tokenising', unit: 'bytes', total: totalBytes }, { quiet: quiet === true });
        shardProgress.update(bytesRead);
        if (bytesRead >= totalBytes) shardProgress.stop();
      },
      onStep: (entry) => progress.update(entry.step, entry.loss, entry.tokens_per_second),
      onEval: (entry) => progress.log(`step ${entry.step}: held-out MLM loss ${entry.mlm_loss.toFixed(4)} (perplexity ${entry.mlm_perplexity.toFixed(1)}), MLM accuracy ${(100 * entry.mlm_accuracy).toFixed(2)}%${pairTaskSummary(entry)}${discriminatorSummary(entry)}`),
      onCheckpoint: (dir) => progress.log(`saved ${dir}`),
      onTimeBudget: ({ totalSteps, secondsPerStep }) => {
        // Said once; later fits (the pace changing) only move the bar's end.
        if (!budgetAnnounced) progress.log(`bertkit pretrain: ${secondsPerStep.toFixed(3)} s per update: the time budget holds ${totalSteps} updates`);
        budgetAnnounced = true;
        progress.setTotal(totalSteps);
      },
    }));
    progress.stop();
    const summary = result.interrupted ? `interrupted at step ${result.step}` : `trained to step ${result.step}; model saved in ${options.output}`;
    process.stderr.write(`bertkit pretrain: ${summary} (${Math.round(result.tokensPerSecond).toLocaleString('en')} tokens/s)\n`);
  } finally {
    shardProgress?.stop();
    progress.stop();
  }
}

/** Steps, loss, tokens/s and ETA on stderr: a bar on a terminal, a line now and then elsewhere (progress.ts). */
class StepProgress {
  private readonly bar: ProgressBar;

  constructor(total: number, quiet: boolean) {
    this.bar = new ProgressBar({ label: 'pretrain', total, unit: 'steps' }, { quiet });
  }

  setTotal(total: number): void {
    this.bar.setTotal(total);
  }

  update(step: number, loss: number, tokensPerSecond: number): void {
    this.bar.update(step, `loss ${loss.toFixed(4)} | ${Math.round(tokensPerSecond).toLocaleString('en')} tokens/s`);
  }

  /** A line of its own (above the bar on a terminal). */
  log(message: string): void {
    this.bar.log(message);
  }

  stop(): void {
    this.bar.stop();
  }
}

/** The pair head's held-out accuracy for the eval line, under its task's name ('' without a pair head). */
function pairTaskSummary(entry: MlmEvalLogEntry): string {
  if (entry.nsp_accuracy !== undefined) return `, NSP accuracy ${(100 * entry.nsp_accuracy).toFixed(2)}%`;
  if (entry.sentence_order_accuracy !== undefined) return `, sentence-order accuracy ${(100 * entry.sentence_order_accuracy).toFixed(2)}%`;
  return '';
}

/** ELECTRA's held-out discriminator scores for the eval line ('' for a masked LM). */
function discriminatorSummary(entry: MlmEvalLogEntry): string {
  if (entry.disc_auc === undefined) return '';
  const percent = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '–' : `${(100 * value).toFixed(2)}%`);
  const auc = Number.isNaN(entry.disc_auc) ? '–' : entry.disc_auc.toFixed(4);
  return `; discriminator AUC ${auc}, accuracy ${percent(entry.disc_accuracy)}, precision ${percent(entry.disc_precision)}, recall ${percent(entry.disc_recall)}`;
}
