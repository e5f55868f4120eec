// Using a fine-tuned model directory: which task it was trained for, scoring it on a labelled file
// (the task's metrics and loss), and predictions for new inputs as the Hugging Face pipelines shape
// them: text classification {label, score, scores}, regression {value}, token classification
// entities {entity_group, score, word, start, end} aggregated per word from its first piece by default
// (aggregation_strategy "first": what training labels and evaluation scores; see entity-grouping.ts), and
// question answering {answer, score, start, end}; semantic role labelling gives a role per word
// {words, roles} for a sentence and the index of its predicate; a similarity model gives
// {similarity}, the cosine of the pair's embeddings.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type AggregationStrategy, groupEntities } from '../data/tasks/entity-grouping.js';
import { bestQaSpan, encodeQaExamples, type EncodedQaExample } from '../data/tasks/squad.js';
import { NO_ROLE, encodeSrlInstances, srlWordPredictions } from '../data/tasks/srl.js';
import { type TaskData, type TaskFeatures, type TaskKind, type TaskLoadOptions, type TaskSpec, defaultMaxSeqLength } from '../data/tasks/task.js';
import { defaultStride, mergeWindowOutputs, windowEncoding } from '../data/tasks/windows.js';
import { type LoadedBert, loadBert } from '../model/checkpoint.js';
import { type BertConfig, sequenceLengthFor } from '../model/config.js';
import { type BatchInput, BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { TaskPredictor, taskLoss } from '../train/finetune-evaluate.js';
import { labelsOfConfig } from '../train/finetune-model.js';
import { FINETUNE_STATE_FILE } from '../train/finetune.js';
import { BertInference } from './bert-inference.js';
import type { QuantizedMatrices } from '../model/quantized-encoder-layer.js';
import { type InferenceDtype, schemeOf } from '../compress/quantize-model.js';
import { quantizeEncoderWeights } from '../compress/quantize-weights.js';
import { readJsonFile } from '../io/json-file.js';
import { type Pooling, dotProduct } from '../model/pooling.js';
import { sentenceTransformersPooling } from '../model/sentence-transformers.js';

export interface FinetunedModel {
  readonly dir: string;
  readonly model: LoadedBert;
  readonly tokenizer: BertTokenizer;
  readonly kind: TaskKind;
  /** Label names in id order ([] for regression and qa). */
  readonly labels: readonly string[];
  /** The training run's settings (finetune_state.json), when the directory has them. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** The task a model directory was fine-tuned for: finetune_state.json's, else read from its class and problem type. */
export function taskKindOf(model: Pick<LoadedBert, 'architecture' | 'config'>, recorded?: unknown): TaskKind {
  if (recorded === 'similarity' && ENCODER_CLASSES.has(model.architecture)) return 'similarity';
  const fromClass = kindOfClass(model.architecture, model.config);
  if (recorded === 'srl' && fromClass === 'ner') return 'srl';
  return fromClass;
}

/**
 * Classes whose encoder is a sentence-embedding model when pooled: a bare encoder (what finetune
 * --task similarity saves), and a pretrained one, scored before any fine-tuning (zero-shot, as
 * sentence-transformers wraps a plain checkpoint in mean pooling); their pretraining heads stay unused.
 */
const ENCODER_CLASSES: ReadonlySet<string> = new Set(['BertModel', 'ElectraModel', 'BertForPreTraining', 'BertForMaskedLM', 'ElectraForPreTraining', 'ElectraForMaskedLM']);

function kindOfClass(architecture: string, config: BertConfig): TaskKind {
  switch (architecture) {
    case 'BertForSequenceClassification':
    case 'ElectraForSequenceClassification': return config.problem_type === 'regression' ? 'regression' : 'classification';
    case 'BertForTokenClassification':
    case 'ElectraForTokenClassification': return 'ner';
    case 'BertForQuestionAnswering':
    case 'ElectraForQuestionAnswering': return 'qa';
    default: throw new Error(`the model is a ${architecture}, not a fine-tuned task model (BertForSequenceClassification, BertForTokenClassification or BertForQuestionAnswering, or a sentence-embedding model from bertkit finetune --task similarity; evaluate --task similarity scores a pretrained encoder as one)`);
  }
}

export async function loadFinetuned(dir: string, options: { kind?: TaskKind } = {}): Promise<FinetunedModel> {
  const model = await loadBert(dir, { warn: () => {} });
  if (model.report.missing.length > 0) throw new Error(`${dir}: the checkpoint lacks ${model.report.missing.slice(0, 5).join(', ')}; it is not a complete fine-tuned model`);
  const statePath = join(dir, FINETUNE_STATE_FILE);
  const state = existsSync(statePath) ? (readJsonFile(statePath) ?? {}) as { task?: unknown; settings?: Record<string, unknown> } : {};
  // A bare encoder is a similarity model when its run says so, or when asked to score it as one.
  const detected = taskKindOf(model, options.kind === 'similarity' ? 'similarity' : state.task);
  if (options.kind !== undefined && options.kind !== detected && !(options.kind === 'srl' && detected === 'ner')) {
    throw new Error(`${dir}: the model was fine-tuned for ${detected}, not ${options.kind}`);
  }
  const kind = options.kind ?? detected;
  return { dir, model, tokenizer: BertTokenizer.fromPretrained(dir), kind, labels: labelsOfConfig(model.config, kind), settings: state.settings ?? {} };
}

/** The data options its training run recorded (max length, columns, format), which scoring it reads files with unless told otherwise. */
export function trainedLoadOptions(finetuned: FinetunedModel): TaskLoadOptions {
  const picked: Record<string, unknown> = {};
  for (const key of ['maxSeqLength', 'stride', 'textColumn', 'textPairColumn', 'labelColumn', 'format', 'multiLabel']) {
    const value = finetuned.settings[key];
    if (value !== undefined && value !== null) picked[key] = value;
  }
  return picked as TaskLoadOptions;
}

export interface ScoreOptions {
  readonly batchSize?: number;
  readonly threads?: number;
  /** 'q8': the int8 model, quantized as the directory's quantization.json says (else this CPU's default); default 'fp32'. */
  readonly dtype?: InferenceDtype;
  /** Called after each batch with the sequences (inputs, or windows of long ones) done and their total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The predictor's options for `options.dtype`: threads, and for q8 the int8 weights. */
function predictorOptions(finetuned: FinetunedModel, options: ScoreOptions): { threads?: number; quantized?: QuantizedMatrices } {
  return {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.dtype === 'q8' ? { quantized: quantizeEncoderWeights(finetuned.model, schemeOf(finetuned.dir)) } : {}),
  };
}

/** What a predictor or BertInference call takes of `options` for batching and progress. */
function batchOptions(options: ScoreOptions): { batchSize?: number; onProgress?: (done: number, total: number) => void } {
  return { ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }), ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) };
}

/** The task's metrics (and loss) of the model on a labelled file, read with the model's labels. */
export async function evaluateFinetuned(finetuned: FinetunedModel, spec: TaskSpec, dataPath: string, loadOptions: TaskLoadOptions = {}, options: ScoreOptions = {}): Promise<{ metrics: Record<string, number>; data: TaskData }> {
  if (spec.kind !== finetuned.kind) throw new Error(`evaluate: the model was fine-tuned for ${finetuned.kind}, not ${spec.kind}`);
  const labels = finetuned.labels.length > 0 ? { labels: [...finetuned.labels] } : {};
  const maxSeqLength = sequenceLengthFor(finetuned.model.config, loadOptions.maxSeqLength, defaultMaxSeqLength(spec.kind));
  const data = await spec.load(dataPath, finetuned.tokenizer, { ...loadOptions, ...labels, maxSeqLength });
  if (data.features.length === 0) throw new Error(`${dataPath}: no examples`);
  const predictor = await TaskPredictor.create(finetuned.model.config, finetuned.model.heads, {
    ...predictorOptions(finetuned, options), ...(spec.kind === 'similarity' ? { similarity: similarityPooling(finetuned) } : {}),
  });
  try {
    const outputs = await predictor.predict(finetuned.model.parameters, data.features, batchOptions(options));
    return { metrics: { ...spec.evaluate(data, outputs), loss: taskLoss(data, outputs) }, data };
  } finally {
    await predictor.dispose();
  }
}

export type PredictInput =
  | { readonly text: string; readonly textPair?: string }
  | { readonly question: string; readonly context: string }
  /** srl: the sentence's words and the index of the predicate whose arguments are wanted. */
  | { readonly words: readonly string[]; readonly predicate: number };

export interface PredictOptions extends ScoreOptions {
  /** Tokens per input, special tokens included (default: the training run's, else 512 capped by the model). */
  readonly maxSeqLength?: number;
  /**
   * Tokens shared by consecutive windows of an input longer than maxSeqLength: qa contexts (default
   * 128), ner texts and srl sentences (default maxSeqLength / 4; each token is read from the window
   * where it has the most context).
   */
  readonly stride?: number;
  /** ner: how token predictions become entities (default 'first': each word from its first piece, as training labels it). */
  readonly aggregationStrategy?: AggregationStrategy;
}

/** One prediction per input, in input order (see the file comment for their shapes). */
export async function predictFinetuned(finetuned: FinetunedModel, inputs: readonly PredictInput[], options: PredictOptions = {}): Promise<unknown[]> {
  const { model, tokenizer, kind } = finetuned;
  const trainedLength = finetuned.settings.maxSeqLength;
  const maxLength = sequenceLengthFor(model.config, options.maxSeqLength, typeof trainedLength === 'number' ? trainedLength : 512);
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const batch = batchOptions(options);
  if (kind === 'classification' || kind === 'regression') {
    const texts = inputs.map((input, index): BatchInput => {
      if (!('text' in input)) throw new Error(`input ${index + 1}: a ${kind} model needs {"text": …}`);
      return input.textPair === undefined ? input.text : [input.text, input.textPair];
    });
    const inference = BertInference.create(model, tokenizer, { maxLength, ...threads, ...(options.dtype === 'q8' ? { dtype: 'q8', quantization: schemeOf(finetuned.dir) } : {}) });
    const predictions = await inference.classify(texts, batch);
    return kind === 'regression' ? predictions.map((p) => ({ value: p.scores[0]!.score })) : predictions;
  }
  if (kind === 'similarity') {
    const pairs = inputs.map((input, index): [string, string] => {
      if (!('text' in input) || input.textPair === undefined) throw new Error(`input ${index + 1}: a similarity model needs {"text": …, "text_pair": …}`);
      return [input.text, input.textPair];
    });
    const inference = BertInference.create(model, tokenizer, { maxLength, ...threads, ...(options.dtype === 'q8' ? { dtype: 'q8', quantization: schemeOf(finetuned.dir) } : {}) });
    const embeddings = await inference.embed(pairs.flat(), { pooling: similarityPooling(finetuned), normalize: true, ...batch });
    return pairs.map((_, index) => ({ similarity: dotProduct(embeddings[2 * index]!, embeddings[2 * index + 1]!) }));
  }
  const predictor = await TaskPredictor.create(model.config, model.heads, predictorOptions(finetuned, options));
  try {
    const weights = model.parameters;
    if (kind === 'qa') {
      const examples = inputs.map((input, index) => {
        if (!('question' in input)) throw new Error(`input ${index + 1}: a question-answering model needs {"question": …, "context": …}`);
        return { id: String(index), question: input.question, context: input.context, answers: [] };
      });
      const data = encodeQaExamples(examples, tokenizer, { maxSeqLength: maxLength, ...(options.stride === undefined ? {} : { stride: options.stride }) });
      const outputs = await predictor.predict(weights, data.features, batch);
      return (data.examples as EncodedQaExample[]).map((example) => {
        const span = bestQaSpan(example, outputs.startLogits!, outputs.endLogits!);
        return { answer: span.text, score: span.probability, start: span.start, end: span.end };
      });
    }
    if (kind === 'srl') {
      const instances = inputs.map((input, index) => {
        if (!('words' in input)) throw new Error(`input ${index + 1}: a semantic-role model needs {"words": […], "predicate": word index}`);
        if (!Number.isInteger(input.predicate) || input.predicate < 0 || input.predicate >= input.words.length) {
          throw new Error(`input ${index + 1}: "predicate" must be a word index in [0, ${input.words.length - 1}], got ${input.predicate}`);
        }
        return { sentenceId: String(index), words: [...input.words], predicateIndex: input.predicate, sense: '', roles: input.words.map(() => NO_ROLE), source: `input ${index + 1}` };
      });
      const data = encodeSrlInstances(instances, tokenizer, { maxSeqLength: maxLength, labels: [...finetuned.labels], ...(options.stride === undefined ? {} : { stride: options.stride }) });
      const roles = srlWordPredictions(data, await predictor.predict(weights, data.features, batch));
      return instances.map((instance, index) => ({ words: instance.words, predicate: instance.predicateIndex, roles: roles[index] }));
    }
    // Texts longer than maxLength are cut into windows overlapping by `stride` tokens; each token is read from its max-context window.
    const stride = options.stride ?? defaultStride(maxLength);
    const texts = inputs.map((input, index) => {
      if (!('text' in input)) throw new Error(`input ${index + 1}: a ${kind} model needs {"text": …}`);
      const encoding = tokenizer.encode(input.text, null, { truncation: false });
      return { encoding, windows: windowEncoding(encoding, maxLength, stride, `input ${index + 1}`) };
    });
    const features = texts.flatMap(({ windows }, exampleIndex) => windows.map((window): TaskFeatures => ({ inputIds: window.inputIds, tokenTypeIds: window.tokenTypeIds, exampleIndex })));
    const logits = (await predictor.predict(weights, features, batch)).logits!;
    let next = 0;
    return texts.map(({ encoding, windows }) => {
      const merged = mergeWindowOutputs(windows, windows.map(() => logits[next++]!), finetuned.labels.length, encoding.ids.length);
      return { entities: groupEntities(encoding, merged, finetuned.labels, options.aggregationStrategy ?? 'first') };
    });
  } finally {
    await predictor.dispose();
  }
}

/** A similarity model pools as its 1_Pooling/config.json says (bertkit writes it; hub sentence-transformers models have it), else by the mean. */
function similarityPooling(finetuned: FinetunedModel): Pooling {
  return sentenceTransformersPooling(finetuned.dir) ?? 'mean';
}
