// `bertkit pretrain`: masked-LM (+ NSP) pretraining from a corpus, HF Trainer-style options.
//   model:      --preset NAME | --config FILE | --init DIR (continue an HF checkpoint: domain-adaptive pretraining)
//   tokenizer:  --vocab DIR, else the --init model's, else one trained on the corpus; --add-tokens FILE extends it
//   data:       --corpus PATH… (tokenised once into OUTPUT/shards, 1% of documents held out), or --batch FILE.json
//   resume:     --resume [CHECKPOINT] continues bit for bit from OUTPUT's latest checkpoint (or the one named)
import type { PretrainingBatch } from '../../data/pretraining-dataset.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { expandCorpusPaths } from '../../data/corpus.js';
import { PretrainingDataset } from '../../data/pretraining-dataset.js';
import { ShardSet, buildShards } from '../../data/shards.js';
import { bertParameterShapes } from '../../model/bert.js';
import { loadBert } from '../../model/checkpoint.js';
import { type BertConfig, readBertConfig } from '../../model/config.js';
import { initializeParameters } from '../../runtime/init.js';
import type { ParameterStore } from '../../runtime/parameters.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import { saveTrainedTokenizer, trainWordPiece } from '../../tokenizer/trainer.js';
import { latestCheckpoint, readTrainerState } from '../../train/checkpoint-dir.js';
import type { ScheduleConfig } from '../../train/optim/schedules.js';
import { type PretrainingBatchSource, pretrain, pretrainingHeads } from '../../train/pretrain.js';
import { FixedBatchSource, readPretrainingBatchFile } from '../../train/pretraining-batch-file.js';
import { presetConfig } from '../../train/presets.js';
import { addTokens, readTokenList, resizeTokenEmbeddings } from '../../train/vocab-extension.js';
import { integerAtLeast } from './vocab.js';

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
  maxSteps: number;
  learningRate: number;
  warmupSteps: number;
  lrScheduler: 'constant' | 'linear' | 'cosine';
  weightDecay: number;
  adamEpsilon: number;
  adamBeta1: number;
  adamBeta2: number;
  maxGradNorm: number;
  gradientAccumulationSteps: number;
  dropout?: number;
  nsp: boolean;
  wholeWordMask: boolean;
  maskedLmProb: number;
  maxPredictionsPerSeq?: number;
  shortSeqProb: number;
  heldOutFraction: number;
  maxDocumentSentences: number;
  evalBatches: number;
  resume?: string | true;
  seed: number;
  saveSteps: number;
  evalSteps: number;
  threads?: number;
  quiet?: boolean;
}

const number = (min: number, max = Infinity) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number in [${min}, ${max}]`);
  return n;
};

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
    .option('--vocab-size <n>', 'size of a vocabulary trained on the corpus', integerAtLeast(6), 30522)
    .option('--add-tokens <file>', 'add these domain tokens (one per line) to the tokenizer and resize the embeddings')
    .requiredOption('--output <dir>', 'where checkpoints, log.jsonl, training_curve.svg and the final model go')
    .option('--max-seq-length <n>', 'tokens per sequence', integerAtLeast(5), 128)
    .option('--batch-size <n>', 'sequences per micro-batch', integerAtLeast(1), 32)
    .requiredOption('--max-steps <n>', 'optimizer updates', integerAtLeast(1))
    .option('--learning-rate <lr>', 'peak learning rate', number(0), 1e-4)
    .option('--warmup-steps <n>', 'linear warm-up updates', integerAtLeast(0), 0)
    .addOption(new Option('--lr-scheduler <kind>', 'learning-rate schedule after warm-up').choices(['constant', 'linear', 'cosine']).default('linear'))
    .option('--weight-decay <w>', 'AdamW weight decay (none on biases and LayerNorm)', number(0), 0.01)
    .option('--adam-epsilon <eps>', 'AdamW epsilon', number(Number.MIN_VALUE), 1e-6)
    .option('--adam-beta1 <b>', 'AdamW beta1', number(0, 0.999999), 0.9)
    .option('--adam-beta2 <b>', 'AdamW beta2', number(0, 0.999999), 0.999)
    .option('--max-grad-norm <n>', 'clip the global gradient norm to this', number(Number.MIN_VALUE), 1.0)
    .option('--gradient-accumulation-steps <n>', 'micro-batches per update', integerAtLeast(1), 1)
    .option('--dropout <p>', 'hidden and attention dropout (default: the config\'s)', number(0, 0.999))
    .option('--no-nsp', 'masked LM only (BertForMaskedLM): sequences packed across sentences and documents')
    .option('--whole-word-mask', 'mask all pieces of a word together', false)
    .option('--masked-lm-prob <p>', 'share of tokens predicted', number(0, 1), 0.15)
    .option('--max-predictions-per-seq <n>', 'most predictions per sequence (default ⌈0.15 × max-seq-length⌉, 20 at 128)', integerAtLeast(1))
    .option('--short-seq-prob <p>', 'probability of a shorter sequence (NSP data)', number(0, 1), 0.1)
    .option('--held-out-fraction <f>', 'share of corpus documents held out for evaluation', number(0, 0.99), 0.01)
    .option('--max-document-sentences <n>', 'hard-wrapped books: start a new document at the first paragraph end after n sentences (so books can be held out in parts)', integerAtLeast(1), 256)
    .option('--eval-batches <n>', 'held-out batches per evaluation', integerAtLeast(0), 10)
    .option('--resume [checkpoint]', 'continue from the latest checkpoint in --output, or from this checkpoint directory')
    .option('--seed <n>', 'seed of initialisation, data order, masking and dropout', integerAtLeast(0), 42)
    .option('--save-steps <n>', 'write OUTPUT/checkpoint-STEP every n updates (0: only the final model)', integerAtLeast(0), 500)
    .option('--eval-steps <n>', 'evaluate on held-out data every n updates (0: only at the end)', integerAtLeast(0), 500)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar')
    .action(async (options: PretrainCliOptions) => {
      await runPretrain(options);
    });
}

interface PreparedModel {
  config: BertConfig;
  parameters: ParameterStore;
  tokenizer: BertTokenizer | undefined;
}

async function runPretrain(options: PretrainCliOptions): Promise<void> {
  const sources = [options.preset, options.config, options.init].filter((source) => source !== undefined);
  if ((options.corpus === undefined) === (options.batch === undefined)) throw new Error('pretrain: give either --corpus or --batch');
  const resumeDir = options.resume === undefined ? undefined : options.resume === true ? latestCheckpoint(options.output) : options.resume;
  if (options.resume === true && resumeDir === undefined) throw new Error(`--resume: ${options.output} holds no checkpoint-STEP directory with a bertkit_trainer_state.json`);
  if (resumeDir === undefined && sources.length !== 1) throw new Error('pretrain: give exactly one of --preset, --config and --init (or --resume)');
  const heads = pretrainingHeads(options.nsp);
  const prepared = resumeDir !== undefined ? await fromCheckpoint(resumeDir, heads) : await newModel(options, heads);
  const { config, parameters, tokenizer } = prepared;
  if (options.maxSeqLength > config.max_position_embeddings) {
    throw new Error(`--max-seq-length ${options.maxSeqLength} exceeds the model's max_position_embeddings ${config.max_position_embeddings}`);
  }
  if (tokenizer !== undefined && tokenizer.vocab.size > config.vocab_size) {
    throw new Error(`the tokenizer has ${tokenizer.vocab.size} tokens, the model's vocab_size is ${config.vocab_size}`);
  }

  let data: PretrainingBatchSource;
  let evalBatches: PretrainingBatch[] = [];
  let close = (): void => {};
  if (options.batch !== undefined) {
    const batch = readPretrainingBatchFile(options.batch, config, options.nsp);
    data = new FixedBatchSource(batch);
    options.batchSize = batch.batchSize;
  } else {
    if (tokenizer === undefined) throw new Error('pretrain: no tokenizer (give --vocab, or --init a model directory with vocab.txt or tokenizer.json)');
    const shards = await openShards(options, tokenizer);
    const dataOptions = {
      maxSeqLength: options.maxSeqLength,
      shortSeqProb: options.shortSeqProb,
      maskedLmProb: options.maskedLmProb,
      maxPredictionsPerSeq: options.maxPredictionsPerSeq ?? Math.ceil(0.15 * options.maxSeqLength),
      nsp: options.nsp,
      wholeWordMask: options.wholeWordMask,
      seed: options.seed,
      vocab: tokenizer.vocab,
    };
    const train = await PretrainingDataset.open(shards, dataOptions);
    data = train;
    close = () => train.close();
    if (options.evalBatches > 0 && shards.split('heldOut').documentCount === 0) {
      process.stderr.write(`bertkit pretrain: no held-out documents in ${shards.dir} (raise --held-out-fraction, or lower --max-document-sentences); evaluation skipped\n`);
    }
    if (options.evalBatches > 0 && shards.split('heldOut').documentCount > 0) {
      const heldOut = await PretrainingDataset.open(shards, { ...dataOptions, split: 'heldOut' });
      evalBatches = heldOut.batchesWithinEpoch(options.evalBatches, options.batchSize);
      heldOut.close();
      if (evalBatches.length < options.evalBatches) {
        process.stderr.write(`bertkit pretrain: the held-out split of ${shards.dir} holds ${evalBatches.length} full batches of ${options.batchSize} sequences, not --eval-batches ${options.evalBatches}; evaluating on those ${evalBatches.length} (more would repeat sequences)\n`);
      }
    }
  }

  const schedule: ScheduleConfig = options.lrScheduler === 'constant'
    ? { kind: 'constant', peak: options.learningRate, warmupSteps: options.warmupSteps }
    : { kind: options.lrScheduler, peak: options.learningRate, warmupSteps: options.warmupSteps, totalSteps: options.maxSteps };
  const settings = {
    corpus: options.corpus ?? null, batch: options.batch ?? null, max_seq_length: options.maxSeqLength, batch_size: options.batchSize,
    gradient_accumulation_steps: options.gradientAccumulationSteps, max_steps: options.maxSteps, learning_rate: options.learningRate,
    warmup_steps: options.warmupSteps, lr_scheduler: options.lrScheduler, weight_decay: options.weightDecay, adam_epsilon: options.adamEpsilon,
    max_grad_norm: options.maxGradNorm, nsp: options.nsp, whole_word_mask: options.wholeWordMask, seed: options.seed,
  };
  if (resumeDir !== undefined) checkResumable(resumeDir, settings);
  const progress = new StepProgress(options.maxSteps, options.quiet === true);
  const abort = new AbortController();
  const onSignal = (): void => {
    process.stderr.write('\nbertkit pretrain: interrupted; stopping after this step (a checkpoint is written when --save-steps is set)\n');
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  try {
    const result = await pretrain({
      model: { config, heads, parameters, ...(tokenizer ? { tokenizer } : {}) },
      data,
      evalBatches,
      batchSize: options.batchSize,
      gradientAccumulationSteps: options.gradientAccumulationSteps,
      maxSteps: options.maxSteps,
      update: {
        optimizer: { kind: 'adamw', beta1: options.adamBeta1, beta2: options.adamBeta2, epsilon: options.adamEpsilon, weightDecay: options.weightDecay },
        schedule,
        maxGradNorm: options.maxGradNorm,
      },
      seed: options.seed,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      outputDir: options.output,
      saveSteps: options.saveSteps,
      evalSteps: options.evalSteps,
      ...(resumeDir === undefined ? {} : { resume: resumeDir }),
      settings,
      signal: abort.signal,
      onStep: (entry) => progress.update(entry.step, entry.loss, entry.tokens_per_second),
      onEval: (entry) => progress.log(`step ${entry.step}: held-out MLM loss ${entry.mlm_loss.toFixed(4)} (perplexity ${entry.mlm_perplexity.toFixed(1)}), MLM accuracy ${(100 * entry.mlm_accuracy).toFixed(2)}%${entry.nsp_accuracy === undefined ? '' : `, NSP accuracy ${(100 * entry.nsp_accuracy).toFixed(2)}%`}`),
      onCheckpoint: (dir) => progress.log(`saved ${dir}`),
    });
    progress.stop();
    const summary = result.interrupted ? `interrupted at step ${result.step}` : `trained to step ${result.step}; model saved in ${options.output}`;
    process.stderr.write(`bertkit pretrain: ${summary} (${Math.round(result.tokensPerSecond).toLocaleString('en')} tokens/s)\n`);
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSignal);
    close();
  }
}

/** Settings that fix the data stream and the dropout draws: a resumed run must keep them to continue exactly. */
const RESUME_FIXED = ['batch_size', 'max_seq_length', 'gradient_accumulation_steps', 'seed', 'nsp', 'whole_word_mask'] as const;

function checkResumable(dir: string, settings: Record<string, unknown>): void {
  const saved = readTrainerState(dir).settings;
  for (const key of RESUME_FIXED) {
    if (saved[key] !== undefined && saved[key] !== settings[key]) {
      throw new Error(`--resume: ${dir} was trained with ${key} = ${JSON.stringify(saved[key])}, this run asks for ${JSON.stringify(settings[key])} (--${key.replaceAll('_', '-')})`);
    }
  }
}

async function fromCheckpoint(dir: string, heads: ReturnType<typeof pretrainingHeads>): Promise<PreparedModel> {
  const model = await loadBert(dir, { heads, warn: () => {} });
  const hasTokenizer = ['tokenizer.json', 'vocab.txt'].some((name) => existsSync(join(dir, name)));
  return { config: model.config, parameters: model.parameters, tokenizer: hasTokenizer ? BertTokenizer.fromPretrained(dir) : undefined };
}

async function newModel(options: PretrainCliOptions, heads: ReturnType<typeof pretrainingHeads>): Promise<PreparedModel> {
  let tokenizer = options.vocab !== undefined ? BertTokenizer.fromPretrained(options.vocab)
    : options.init !== undefined && ['tokenizer.json', 'vocab.txt'].some((name) => existsSync(join(options.init!, name))) ? BertTokenizer.fromPretrained(options.init)
      : options.corpus !== undefined ? await trainTokenizer(options) : undefined;
  let model: PreparedModel;
  if (options.init !== undefined) {
    const loaded = await loadBert(options.init, { heads, seed: options.seed });
    model = { config: loaded.config, parameters: loaded.parameters, tokenizer };
  } else {
    const config = options.preset !== undefined
      ? presetConfig(options.preset, tokenizer?.vocab.size ?? 30522)
      : readBertConfig(options.config!);
    const parameters = initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: options.seed, initializerRange: config.initializer_range });
    model = { config, parameters, tokenizer };
  }
  if (options.dropout !== undefined) model.config = { ...model.config, hidden_dropout_prob: options.dropout, attention_probs_dropout_prob: options.dropout };
  if (options.addTokens !== undefined) {
    if (tokenizer === undefined) throw new Error('--add-tokens needs a tokenizer (--vocab, or an --init model with one)');
    const extended = addTokens(tokenizer, readTokenList(options.addTokens));
    tokenizer = extended.tokenizer;
    process.stderr.write(`bertkit pretrain: added ${extended.added.length} tokens to the vocabulary (now ${tokenizer.vocab.size})\n`);
    const resized = await resizeTokenEmbeddings({ config: model.config, heads, parameters: model.parameters }, Math.max(model.config.vocab_size, tokenizer.vocab.size), options.seed);
    model = { config: resized.config, parameters: resized.parameters, tokenizer };
  }
  return model;
}

async function trainTokenizer(options: PretrainCliOptions): Promise<BertTokenizer> {
  const dir = join(options.output, 'tokenizer');
  if (!existsSync(join(dir, 'tokenizer.json'))) {
    process.stderr.write(`bertkit pretrain: training a ${options.vocabSize}-token WordPiece vocabulary on the corpus\n`);
    const training = await trainWordPiece({ files: expandCorpusPaths(options.corpus!) }, { vocabSize: options.vocabSize });
    saveTrainedTokenizer(training.vocab, dir);
  }
  return BertTokenizer.fromPretrained(dir);
}

/** OUTPUT/shards, built once; rebuilt when the corpus files, the document cut or the vocabulary changed. */
async function openShards(options: PretrainCliOptions, tokenizer: BertTokenizer): Promise<ShardSet> {
  const dir = join(options.output, 'shards');
  const files = expandCorpusPaths(options.corpus!);
  if (existsSync(join(dir, 'shards.json'))) {
    const shards = ShardSet.open(dir);
    const { corpus } = shards.manifest;
    const sameCorpus = corpus.maxDocumentSentences === options.maxDocumentSentences
      && JSON.stringify(corpus.files) === JSON.stringify(files.map((file) => resolve(file)));
    try {
      shards.checkVocab(tokenizer.vocab);
      if (sameCorpus) return shards;
      process.stderr.write(`bertkit pretrain: ${dir} was built from other corpus files or --max-document-sentences; rebuilding\n`);
    } catch {
      process.stderr.write(`bertkit pretrain: ${dir} was built with another vocabulary; rebuilding\n`);
    }
  }
  return buildShards(files, tokenizer, dir, { heldOutFraction: options.heldOutFraction, maxDocumentSentences: options.maxDocumentSentences, seed: options.seed, progress: { quiet: options.quiet } });
}

/** Steps, loss, tokens/s and ETA on stderr (only on a terminal). */
class StepProgress {
  private bar: cliProgress.SingleBar | null = null;

  constructor(total: number, quiet: boolean) {
    if (quiet || !process.stderr.isTTY) return;
    this.bar = new cliProgress.SingleBar({
      stream: process.stderr,
      hideCursor: true,
      barsize: 24,
      format: 'pretrain {bar} {value}/{total} steps | loss {loss} | {tokens} tokens/s | ETA {eta_formatted}',
    });
    this.bar.start(total, 0, { loss: '-', tokens: '-' });
  }

  update(step: number, loss: number, tokensPerSecond: number): void {
    this.bar?.update(step, { loss: loss.toFixed(4), tokens: Math.round(tokensPerSecond).toLocaleString('en') });
  }

  /** A line above the bar (the bar redraws itself below it on its next tick). */
  log(message: string): void {
    process.stderr.write(this.bar ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
