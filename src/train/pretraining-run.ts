// A whole pretraining run from settings, as `bertkit pretrain` does it:
//   model      a preset, a config.json, an HF checkpoint to continue (--init), or a checkpoint to resume
//   tokenizer  the given one, else the --init model's (an --init model without one is refused), else a WordPiece vocabulary trained on the corpus
//              (OUTPUT/tokenizer); domain tokens added on request, with the embeddings resized
//   data       the corpus tokenised once into OUTPUT/shards (rebuilt when files, document cut or
//              vocabulary change), 1 % of documents held out for evaluation; or one fixed batch file
// and then the pretraining objective (pretrain.ts) in the one training run.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeStaleTemporaries } from '../io/atomic-directory.js';
import { type CorpusFormat, corpusFormatOf, expandCorpusPaths } from '../data/corpus.js';
import { type PretrainingBatch, type PretrainingDataOptions, PretrainingDataset } from '../data/pretraining-dataset.js';
import { ShardSet, buildShards } from '../data/shards.js';
import type { BertHeads } from '../model/architecture.js';
import { loadBert } from '../model/checkpoint.js';
import { type BertConfig, readBertConfig, sequenceLengthFor, withDropout } from '../model/config.js';
import { initialParameters } from '../model/initial-parameters.js';
import type { ParameterStore } from '../runtime/parameters.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { saveTrainedTokenizer, trainWordPiece } from '../tokenizer/trainer.js';
import { latestCheckpoint, readTrainerState, recordedSettingsObject } from './engine/checkpoint-dir.js';
import { checkOutputDir } from './engine/output-dir.js';
import { type TrainingRunOptions, checkIdentity } from './engine/run.js';
import type { TrainLogEntry } from './engine/training-log.js';
import { type SchedulerKind, scheduleOf } from './optim/schedules.js';
import { DEFAULT_GENERATOR_SIZE, electraConfigs, electraHeads, electraInitialParameters } from './electra.js';
import { type MlmEvalLogEntry, type PretrainResult, type PretrainingBatchSource, type ContrastiveTerm, contrastiveIdentity, pretrain, pretrainingHeads } from './pretrain.js';
import { FixedBatchSource, readPretrainingBatchFile } from './pretraining-batch-file.js';
import { presetConfig } from './presets.js';
import { addTokens, readTokenList, resizeTokenEmbeddings } from './vocab-extension.js';

/** SimCSE's temperature (Gao et al. 2021). */
export const DEFAULT_CONTRASTIVE_TEMPERATURE = 0.05;

/** google-research/bert's run_pretraining defaults where it has them; HF Trainer's otherwise. */
export const PRETRAIN_DEFAULTS = {
  vocabSize: 30522,
  maxSeqLength: 128,
  batchSize: 32,
  learningRate: 1e-4,
  warmupSteps: 0,
  lrScheduler: 'linear',
  weightDecay: 0.01,
  adamEpsilon: 1e-6,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  maxGradNorm: 1.0,
  gradientAccumulationSteps: 1,
  nsp: true,
  wholeWordMask: false,
  maskedLmProb: 0.15,
  shortSeqProb: 0.1,
  heldOutFraction: 0.01,
  maxDocumentSentences: 256,
  evalBatches: 10,
  seed: 42,
  saveSteps: 500,
  evalSteps: 500,
} as const;

export interface PretrainingRunOptions {
  /** Text files, folders or globs; or `batchFile`, one fixed batch (JSON). Exactly one of the two. */
  readonly corpus?: readonly string[];
  readonly batchFile?: string;
  /** The model: exactly one of preset, config (a config.json) and init (an HF directory), unless resuming. */
  readonly preset?: string;
  readonly config?: string;
  readonly init?: string;
  /** A tokenizer directory. */
  readonly vocab?: string;
  /** Size of a vocabulary trained on the corpus. */
  readonly vocabSize?: number;
  /** A file of domain tokens, one per line, added to the tokenizer (the embeddings grow with it). */
  readonly addTokens?: string;
  readonly outputDir: string;
  /** Optimizer updates; with timeBudget, the most the budget may fit (default: no bound but the budget). */
  readonly maxSteps?: number;
  /**
   * Seconds of training: the run times its first updates and fits the total of updates and the
   * learning-rate schedule's end to the budget; resumed runs keep the total (engine/time-budget.ts).
   */
  readonly timeBudget?: number;
  readonly onTimeBudget?: (plan: { totalSteps: number; secondsPerStep: number }) => void;
  readonly maxSeqLength?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly warmupSteps?: number;
  readonly lrScheduler?: SchedulerKind;
  readonly weightDecay?: number;
  readonly adamEpsilon?: number;
  readonly adamBeta1?: number;
  readonly adamBeta2?: number;
  readonly maxGradNorm?: number;
  readonly gradientAccumulationSteps?: number;
  /** Batch-size ramp: micro-batches per update grow from 1 to gradientAccumulationSteps over this many updates. */
  readonly batchSizeRampSteps?: number;
  /** Sequence-length curriculum: the first curriculumSteps updates train on sequences of curriculumSeqLength tokens (both or neither). */
  readonly curriculumSeqLength?: number;
  readonly curriculumSteps?: number;
  /** Hidden and attention dropout (default: the config's). */
  readonly dropout?: number;
  /** Next-sentence prediction (BertForPreTraining); false: masked LM only, sequences packed. */
  readonly nsp?: boolean;
  /** With nsp: the pair task is sentence-order prediction (ALBERT: B is the rest of A's passage, half of the pairs swapped) instead of next sentence. */
  readonly sentenceOrder?: boolean;
  /** 'mlm' (masked LM, + NSP unless nsp is false) or 'electra' (replaced-token detection; no NSP). */
  readonly objective?: 'mlm' | 'electra';
  /** ELECTRA: the generator's hidden size as a fraction of the discriminator's (default 0.25). */
  readonly generatorSize?: number;
  /**
   * Masked LM with a sentence-level term: two views of each text, and the loss adds this weight ×
   * SimCSE's in-batch contrastive loss between the two (pretrain.ts; 0 or absent: off).
   */
  readonly contrastiveWeight?: number;
  /**
   * The term's views (default 'maskings'): each text masked twice (a batch then holds half as many
   * texts), or 'halves': the first and second halves of the same documents in the two rows, which
   * share no tokens (no NSP; PretrainingDataOptions.contrastiveViews).
   */
  readonly contrastiveViews?: ContrastiveTerm['views'];
  /** The contrastive loss' temperature (default 0.05, SimCSE's). */
  readonly contrastiveTemperature?: number;
  readonly wholeWordMask?: boolean;
  /** Drop repeated sentences (exact text) from the corpus before tokenising (see buildShards). */
  readonly deduplicate?: boolean;
  /** Whole-word masking that keeps Chinese words together too, words found by Intl.Segmenter('zh') (Chinese BERT-wwm); implies wholeWordMask. */
  readonly chineseWholeWordMask?: boolean;
  readonly maskedLmProb?: number;
  /** Default ⌈0.15 × maxSeqLength⌉. */
  readonly maxPredictionsPerSeq?: number;
  readonly shortSeqProb?: number;
  readonly heldOutFraction?: number;
  readonly maxDocumentSentences?: number;
  /** How corpus files are read (default 'auto': guessed per file, see data/corpus.ts corpusFormatOf). */
  readonly corpusFormat?: CorpusFormat | 'auto';
  /** Held-out batches per evaluation (0: none). */
  readonly evalBatches?: number;
  /** A checkpoint directory, or true for the latest in outputDir. */
  readonly resume?: string | true;
  /** Train into an outputDir that already holds a model (the --init one, say), replacing it. */
  readonly overwriteOutputDir?: boolean;
  /** Another loss on the same data, evaluation and saves (general distillation; see TrainingRunOptions). */
  readonly transformObjective?: TrainingRunOptions['transformObjective'];
  /** More settings for the checkpoints' bertkit_trainer_state.json (a caller's own options, say, for its --resume). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  readonly saveSteps?: number;
  readonly evalSteps?: number;
  readonly threads?: number;
  readonly signal?: AbortSignal;
  /** Lines a person wants to read (what is being prepared, what was skipped and why). */
  readonly onMessage?: (message: string) => void;
  /** Bytes of the corpus read while building shards. */
  readonly onShardProgress?: (bytesRead: number, totalBytes: number) => void;
  readonly onStep?: (entry: TrainLogEntry) => void;
  readonly onEval?: (entry: MlmEvalLogEntry) => void;
  readonly onCheckpoint?: (dir: string) => void;
}

interface PreparedModel {
  readonly config: BertConfig;
  readonly parameters: ParameterStore;
  readonly tokenizer: BertTokenizer | undefined;
}

export async function runPretraining(given: PretrainingRunOptions): Promise<PretrainResult> {
  const resumeDir = given.resume === undefined ? undefined : given.resume === true ? latestCheckpoint(given.outputDir) : given.resume;
  if (given.resume === true && resumeDir === undefined) throw new Error(`--resume: ${given.outputDir} holds no checkpoint-STEP directory with a bertkit_trainer_state.json`);
  // A resumed run repeats the recorded settings it is not given (those it is given still meet the identity check).
  const options: PretrainingRunOptions = resumeDir === undefined ? given : { ...recordedRunOptions(resumeDir), ...definedOnly(given), outputDir: given.outputDir };
  // ELECTRA has no next-sentence task: its sequences are packed as with --no-nsp.
  const electra = options.objective === 'electra';
  const settings = { ...PRETRAIN_DEFAULTS, ...definedOnly(options), ...(electra ? { nsp: false } : {}) } as Settings;
  if (options.maxSteps === undefined && options.timeBudget === undefined) throw new Error('pretrain: give the number of updates (--max-steps) or a time budget (--time-budget)');
  const maxSteps = options.maxSteps ?? UNBOUNDED_STEPS;
  const message = options.onMessage ?? (() => {});
  const sources = [options.preset, options.config, options.init].filter((source) => source !== undefined);
  if ((options.corpus === undefined) === (options.batchFile === undefined)) throw new Error('pretrain: give either a corpus (--corpus) or one batch (--batch)');
  if (resumeDir === undefined && sources.length !== 1) throw new Error('pretrain: give exactly one of --preset, --config and --init (or --resume)');
  // Before a vocabulary or shards are built into OUTPUT (runTraining checks again for other callers).
  checkOutputDir(options.outputDir, { resume: resumeDir !== undefined, overwrite: options.overwriteOutputDir === true });
  if (electra && options.init !== undefined) throw new Error('pretrain: --objective electra trains a new discriminator and generator (--preset or --config); --init continues a masked-LM model');
  const contrastive: ContrastiveTerm | undefined = (options.contrastiveWeight ?? 0) > 0
    ? { weight: options.contrastiveWeight!, temperature: options.contrastiveTemperature ?? DEFAULT_CONTRASTIVE_TEMPERATURE, views: options.contrastiveViews ?? 'maskings' }
    : undefined;
  if (options.contrastiveViews !== undefined && !contrastive) throw new Error('pretrain: --contrastive-views chooses the views of --contrastive-weight; give the weight too');
  if (contrastive?.views === 'halves' && settings.nsp) throw new Error('pretrain: --contrastive-views halves packs single segments; add --no-nsp');
  const sentenceOrder = options.sentenceOrder === true;
  if (sentenceOrder && electra) throw new Error('pretrain: --objective electra has no pair task for --sentence-order to change');
  if (sentenceOrder && !settings.nsp) throw new Error('pretrain: --sentence-order is a task on segment pairs; drop --no-nsp');
  if (sentenceOrder && options.batchFile !== undefined) throw new Error('pretrain: --sentence-order makes segment pairs from a corpus (--corpus); a --batch file brings its own nsp_labels');
  if (contrastive && electra) throw new Error('pretrain: --contrastive-weight adds to masked LM; --objective electra does not take it');
  if (contrastive && options.batchFile !== undefined) throw new Error('pretrain: --contrastive-weight needs a corpus (--corpus) to serve two views of each text, not one fixed batch');
  const heads = electra ? electraHeads() : pretrainingHeads(settings.nsp);
  const prepared = resumeDir !== undefined ? await fromCheckpoint(resumeDir, heads) : await newModel(settings, heads, message);
  const { tokenizer } = prepared;
  // ELECTRA trains the discriminator of the config and a generator beside it (a resumed run's weights come from its checkpoint).
  const electraModels = electra ? electraConfigs(prepared.config, settings.generatorSize ?? DEFAULT_GENERATOR_SIZE) : undefined;
  const config = electraModels?.discriminator ?? prepared.config;
  const parameters = electraModels ? electraInitialParameters(electraModels, settings.seed) : prepared.parameters;
  // A batch file fixes its own length (checked against the model as it is read).
  if (options.batchFile === undefined) sequenceLengthFor(config, settings.maxSeqLength, settings.maxSeqLength, '--max-seq-length');
  if (tokenizer !== undefined && tokenizer.vocab.size > config.vocab_size) {
    throw new Error(`the tokenizer has ${tokenizer.vocab.size} tokens, the model's vocab_size is ${config.vocab_size}`);
  }

  let data: PretrainingBatchSource;
  let evalBatches: PretrainingBatch[] = [];
  let batchSize = settings.batchSize, maxSeqLength = settings.maxSeqLength;
  let close = (): void => {};
  let curriculum: { data: PretrainingBatchSource; steps: number } | undefined;
  if ((options.curriculumSeqLength === undefined) !== (options.curriculumSteps === undefined)) {
    throw new Error('pretrain: a sequence-length curriculum needs both --curriculum-seq-length and --curriculum-steps');
  }
  if (options.curriculumSeqLength !== undefined && options.batchFile !== undefined) throw new Error('pretrain: a sequence-length curriculum needs a corpus (--corpus), not one fixed batch');
  if (options.curriculumSeqLength !== undefined && options.curriculumSeqLength >= maxSeqLength) {
    throw new Error(`pretrain: --curriculum-seq-length ${options.curriculumSeqLength} must be below --max-seq-length ${maxSeqLength}`);
  }
  let corpusIdentity: Readonly<Record<string, unknown>> = {};
  const chineseWords = options.chineseWholeWordMask === true;
  // Recorded only when on, so that checkpoints written before the option existed still resume.
  const maskingIdentity = { whole_word_mask: settings.wholeWordMask || chineseWords, ...(chineseWords ? { chinese_whole_word_mask: true } : {}) };
  // Recorded for every pair-task run since the option exists (a missing key is not checked: older checkpoints resume).
  const pairIdentity = settings.nsp && !electra ? { sentence_order: sentenceOrder } : {};
  if (options.batchFile !== undefined) {
    const batch = readPretrainingBatchFile(options.batchFile, config, settings.nsp);
    data = new FixedBatchSource(batch);
    batchSize = batch.batchSize;
    maxSeqLength = batch.seqLength;
  } else {
    if (tokenizer === undefined) throw new Error('pretrain: no tokenizer (give --vocab, or --init a model directory with vocab.txt or tokenizer.json)');
    const files = expandCorpusPaths([...options.corpus!]);
    // What fixes the shards: a resumed run must be refused before they are rebuilt for another corpus.
    corpusIdentity = {
      corpus: files.map((file) => resolve(file)).join(', '), max_document_sentences: settings.maxDocumentSentences, corpus_format: settings.corpusFormat ?? 'auto',
      ...(options.deduplicate ? { deduplicate: true } : {}), // recorded only when on: older checkpoints still resume
    };
    if (resumeDir !== undefined) checkIdentity(readTrainerState(resumeDir), { ...corpusIdentity, max_seq_length: maxSeqLength, ...maskingIdentity, ...pairIdentity }, resumeDir);
    const shards = await openShards(settings, files, tokenizer, message, options.onShardProgress);
    const dataOptions = {
      maxSeqLength,
      shortSeqProb: settings.shortSeqProb,
      maskedLmProb: settings.maskedLmProb,
      maxPredictionsPerSeq: settings.maxPredictionsPerSeq ?? Math.ceil(0.15 * maxSeqLength),
      nsp: settings.nsp,
      pairTask: sentenceOrder ? 'order' as const : 'next' as const,
      wholeWordMask: settings.wholeWordMask || chineseWords,
      chineseWords,
      seed: settings.seed,
      vocab: tokenizer.vocab,
    };
    // Training batches carry the contrastive views; held-out ones are scored as masked LM and have none.
    const trainOptions: PretrainingDataOptions = { ...dataOptions, contrastiveViews: contrastive?.views ?? 'none' };
    const train = await PretrainingDataset.open(shards, trainOptions);
    data = train;
    close = () => train.close();
    if (options.curriculumSeqLength !== undefined) {
      const length = options.curriculumSeqLength;
      const early = await PretrainingDataset.open(shards, { ...trainOptions, maxSeqLength: length, maxPredictionsPerSeq: Math.ceil((dataOptions.maxPredictionsPerSeq * length) / maxSeqLength) });
      curriculum = { data: early, steps: options.curriculumSteps! };
      close = () => { train.close(); early.close(); };
    }
    const heldOutDocuments = shards.split('heldOut').documentCount;
    if (settings.evalBatches > 0 && heldOutDocuments === 0) {
      message(`no held-out documents in ${shards.dir} (raise --held-out-fraction, or lower --max-document-sentences); evaluation skipped`);
    }
    if (settings.evalBatches > 0 && heldOutDocuments > 0) {
      const heldOut = await PretrainingDataset.open(shards, { ...dataOptions, split: 'heldOut' });
      evalBatches = heldOut.batchesWithinEpoch(settings.evalBatches, batchSize);
      heldOut.close();
      if (evalBatches.length < settings.evalBatches) {
        message(`the held-out split of ${shards.dir} holds ${evalBatches.length} full batches of ${batchSize} sequences, not --eval-batches ${settings.evalBatches}; evaluating on those ${evalBatches.length} (more would repeat sequences)`);
      }
    }
  }

  const schedule = scheduleOf(settings.lrScheduler, settings.learningRate, settings.warmupSteps, maxSteps);
  try {
    return await pretrain({
      model: { config, heads, parameters, ...(tokenizer ? { tokenizer } : {}) },
      ...(electraModels ? { electra: { generatorSize: settings.generatorSize ?? DEFAULT_GENERATOR_SIZE } } : {}),
      ...(contrastive ? { contrastive } : {}),
      ...(sentenceOrder ? { pairTask: 'order' as const } : {}),
      data,
      evalBatches,
      batchSize,
      gradientAccumulationSteps: settings.gradientAccumulationSteps,
      ...(options.batchSizeRampSteps === undefined ? {} : { batchSizeRampSteps: options.batchSizeRampSteps }),
      maxSteps,
      // With a curriculum, step times are measured once the full-length sequences come.
      ...(options.timeBudget === undefined ? {} : { timeBudget: { seconds: options.timeBudget, ...(curriculum ? { warmupSteps: curriculum.steps + 3 } : {}) } }),
      ...(curriculum ? { curriculum } : {}),
      ...(options.onTimeBudget === undefined ? {} : { onTimeBudget: options.onTimeBudget }),
      update: {
        optimizer: { kind: 'adamw', beta1: settings.adamBeta1, beta2: settings.adamBeta2, epsilon: settings.adamEpsilon, weightDecay: settings.weightDecay },
        schedule,
        maxGradNorm: settings.maxGradNorm,
      },
      seed: settings.seed,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      outputDir: options.outputDir,
      saveSteps: settings.saveSteps,
      evalSteps: settings.evalSteps,
      ...(resumeDir === undefined ? {} : { resume: resumeDir }),
      settings: {
        corpus: options.corpus ?? null, batch: options.batchFile ?? null, max_seq_length: maxSeqLength, batch_size: batchSize,
        gradient_accumulation_steps: settings.gradientAccumulationSteps, max_steps: options.maxSteps ?? null, time_budget_s: options.timeBudget ?? null, batch_size_ramp_steps: options.batchSizeRampSteps ?? 0, learning_rate: settings.learningRate,
        warmup_steps: settings.warmupSteps, lr_scheduler: settings.lrScheduler, weight_decay: settings.weightDecay, adam_epsilon: settings.adamEpsilon,
        max_grad_norm: settings.maxGradNorm, nsp: settings.nsp, ...pairIdentity, ...maskingIdentity, seed: settings.seed,
        objective: electra ? 'electra' : 'mlm', ...(electraModels ? { generator_size: settings.generatorSize ?? DEFAULT_GENERATOR_SIZE } : {}),
        ...(contrastive ? contrastiveIdentity(contrastive) : {}),
        [RUN_OPTIONS_KEY]: runOptionsRecord(options),
        ...options.settings,
      },
      // With batch_size, gradient_accumulation_steps, seed and nsp: what fixes the data stream and the dropout draws.
      identity: { max_seq_length: maxSeqLength, ...maskingIdentity, ...pairIdentity, ...corpusIdentity, ...(curriculum ? { curriculum_seq_length: options.curriculumSeqLength } : {}) },
      ...(options.overwriteOutputDir === undefined ? {} : { overwriteOutputDir: options.overwriteOutputDir }),
      ...(options.transformObjective === undefined ? {} : { transformObjective: options.transformObjective }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
      ...(options.onEval === undefined ? {} : { onEval: options.onEval }),
      ...(options.onCheckpoint === undefined ? {} : { onCheckpoint: options.onCheckpoint }),
    });
  } finally {
    close();
  }
}

/** Where settings record the run's options, which a resumed run takes up. */
const RUN_OPTIONS_KEY = 'run_options';
/** Options that are not the run's (where it writes, how it is resumed, the callbacks). Threads are: ONNX Runtime's sums may round differently on another count. */
const UNRECORDED_OPTIONS = new Set(['outputDir', 'resume', 'overwriteOutputDir', 'transformObjective', 'signal', 'settings']);
/** Paths recorded absolute, so that a run resumes from another working directory. */
const PATH_OPTIONS = new Set(['batchFile', 'config', 'init', 'vocab', 'addTokens']);

/** The options that decide the run, as JSON (absolute paths). */
function runOptionsRecord(options: PretrainingRunOptions): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || typeof value === 'function' || UNRECORDED_OPTIONS.has(name)) continue;
    record[name] = name === 'corpus' ? (value as string[]).map((path) => resolve(path)) : PATH_OPTIONS.has(name) ? resolve(value as string) : value;
  }
  return record;
}

/** The options recorded in a checkpoint's settings ({} for checkpoints written before they were). */
function recordedRunOptions(dir: string): Partial<PretrainingRunOptions> {
  return Object.fromEntries(Object.entries(recordedSettingsObject(dir, RUN_OPTIONS_KEY)).filter(([name]) => !UNRECORDED_OPTIONS.has(name)));
}

/** The bound on updates of a time-budgeted run without --max-steps: its linear schedule barely decays before the budget fixes the end. */
const UNBOUNDED_STEPS = 100_000_000;

/** The options with every default filled in. */
type Settings = PretrainingRunOptions & { readonly [K in keyof typeof PRETRAIN_DEFAULTS]-?: NonNullable<PretrainingRunOptions[K]> };

/** The options that are set (so that an explicit undefined does not hide a default). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function hasTokenizerFiles(dir: string): boolean {
  return ['tokenizer.json', 'vocab.txt'].some((name) => existsSync(join(dir, name)));
}

async function fromCheckpoint(dir: string, heads: BertHeads): Promise<PreparedModel> {
  const model = await loadBert(dir, { heads, warn: () => {} });
  return { config: model.config, parameters: model.parameters, tokenizer: hasTokenizerFiles(dir) ? BertTokenizer.fromPretrained(dir) : undefined };
}

async function newModel(settings: Settings, heads: BertHeads, message: (text: string) => void): Promise<PreparedModel> {
  if (settings.init !== undefined) checkInitModel(settings.init, settings.vocab !== undefined || settings.corpus === undefined);
  let tokenizer = settings.vocab !== undefined ? BertTokenizer.fromPretrained(settings.vocab)
    : settings.init !== undefined && hasTokenizerFiles(settings.init) ? BertTokenizer.fromPretrained(settings.init)
      : settings.corpus !== undefined ? await trainTokenizer(settings, settings.corpus, message) : undefined;
  let config: BertConfig, parameters: ParameterStore;
  if (settings.init !== undefined) {
    ({ config, parameters } = await loadBert(settings.init, { heads, seed: settings.seed }));
  } else {
    config = settings.preset !== undefined ? presetConfig(settings.preset, tokenizer?.vocab.size ?? PRETRAIN_DEFAULTS.vocabSize) : readBertConfig(settings.config!);
    ({ parameters } = initialParameters(config, heads, settings.seed));
  }
  config = withDropout(config, settings.dropout);
  if (settings.addTokens !== undefined) {
    if (tokenizer === undefined) throw new Error('--add-tokens needs a tokenizer (--vocab, or an --init model with one)');
    const extended = addTokens(tokenizer, readTokenList(settings.addTokens));
    tokenizer = extended.tokenizer;
    message(`added ${extended.added.length} tokens to the vocabulary (now ${tokenizer.vocab.size})`);
    ({ config, parameters } = await resizeTokenEmbeddings({ config, heads, parameters }, Math.max(config.vocab_size, tokenizer.vocab.size), settings.seed));
  }
  return { config, parameters, tokenizer };
}

/**
 * Refuses an --init directory that cannot be continued before anything is built: one that is not there,
 * and (unless `vocabularyGiven`) one without its tokenizer files, whose embedding rows belong to a
 * vocabulary that a newly trained one would not match (row 1996 is "the" in BERT's, something else in a new one).
 */
function checkInitModel(dir: string, vocabularyGiven: boolean): void {
  if (!existsSync(dir)) throw new Error(`pretrain: --init ${dir}: no such directory`);
  if (!existsSync(join(dir, 'config.json'))) throw new Error(`pretrain: --init ${dir}: no config.json; give a Hugging Face BERT model directory`);
  if (!vocabularyGiven && !hasTokenizerFiles(dir)) {
    throw new Error(`pretrain: --init ${dir} has no vocab.txt or tokenizer.json, and its embeddings belong to the vocabulary it was trained with; `
      + 'give that vocabulary with --vocab (a vocab.txt, tokenizer.json or tokenizer directory)');
  }
}

async function trainTokenizer(settings: Settings, corpus: readonly string[], message: (text: string) => void): Promise<BertTokenizer> {
  const dir = join(settings.outputDir, 'tokenizer');
  if (!existsSync(join(dir, 'tokenizer.json'))) {
    message(`training a ${settings.vocabSize}-token WordPiece vocabulary on the corpus`);
    const training = await trainWordPiece({ files: expandCorpusPaths([...corpus]) }, { vocabSize: settings.vocabSize });
    saveTrainedTokenizer(training.vocab, dir);
  }
  return BertTokenizer.fromPretrained(dir);
}

/** One line saying how auto-detection reads the corpus files, e.g. "corpus format (auto-detected): sentences (3 files), paragraphs (book.txt)". */
function detectedFormats(files: readonly string[]): string {
  const byFormat = new Map<CorpusFormat, string[]>();
  for (const file of files) {
    const format = corpusFormatOf(file);
    byFormat.set(format, [...(byFormat.get(format) ?? []), file]);
  }
  const parts = [...byFormat].map(([format, named]) => `${format} (${named.length === 1 ? named[0] : `${named.length} files`})`);
  return `corpus format (auto-detected): ${parts.join(', ')}; --corpus-format overrides it`;
}

/** OUTPUT/shards, built once; rebuilt when the corpus files, the document cut, the corpus format or the vocabulary changed. */
async function openShards(
  settings: Settings, files: string[], tokenizer: BertTokenizer, message: (text: string) => void,
  onProgress: ((bytesRead: number, totalBytes: number) => void) | undefined,
): Promise<ShardSet> {
  const dir = join(settings.outputDir, 'shards');
  removeStaleTemporaries(dir);
  if (existsSync(join(dir, 'shards.json'))) {
    const shards = ShardSet.open(dir);
    const { corpus: built } = shards.manifest;
    const sameCorpus = built.maxDocumentSentences === settings.maxDocumentSentences && built.format === (settings.corpusFormat ?? 'auto')
      && JSON.stringify(built.files) === JSON.stringify(files.map((file) => resolve(file))) && (built.deduplicate ?? false) === (settings.deduplicate ?? false);
    try {
      shards.checkVocab(tokenizer.vocab);
      if (sameCorpus) return shards;
      message(`${dir} was built from other corpus files, --max-document-sentences, --corpus-format or --deduplicate; rebuilding`);
    } catch {
      message(`${dir} was built with another vocabulary; rebuilding`);
    }
  }
  if ((settings.corpusFormat ?? 'auto') === 'auto') message(detectedFormats(files));
  const shards = await buildShards(files, tokenizer, dir, {
    heldOutFraction: settings.heldOutFraction, maxDocumentSentences: settings.maxDocumentSentences, seed: settings.seed,
    ...(settings.corpusFormat === undefined ? {} : { format: settings.corpusFormat }),
    ...(settings.deduplicate ? { deduplicate: true } : {}),
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  const { corpus: { duplicates }, splits } = shards.manifest;
  if (duplicates !== undefined) {
    const read = duplicates + splits.train.sentences + splits.heldOut.sentences;
    message(`--deduplicate: dropped ${duplicates.toLocaleString('en')} repeated sentences of ${read.toLocaleString('en')} (${(100 * duplicates / Math.max(read, 1)).toFixed(1)} %)`);
  }
  return shards;
}
