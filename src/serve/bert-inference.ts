// Inference on a loaded model and its tokenizer: embeddings, fill-mask, classification, entities,
// question answering, token states. Texts are batched by length (sorted, each batch padded to its
// own longest row) and results come back in input order. Each kind of use gets its own ONNX
// Runtime session over a graph with only the outputs it needs and the weights as initializers.
import { type AggregationStrategy, type GroupedEntity, type TokenEntity, groupEntities } from '../data/tasks/entity-grouping.js';
import { type EncodedQaExample, bestQaSpan, encodeQaExamples } from '../data/tasks/squad.js';
import { type TokenRow, padRows, planBatches } from '../model/batching.js';
import type { BertModelState } from '../model/checkpoint.js';
import { loadBert } from '../model/checkpoint.js';
import { sequenceLengthFor } from '../model/config.js';
import { type InferenceGraphOptions, type InferenceOutput, buildInferenceGraph, inferenceOnnx } from '../model/inference-graph.js';
import { type BertBatch, batchFeeds, checkBatch } from '../model/runner.js';
import type { QuantizedMatrices } from '../model/quantized-encoder-layer.js';
import { type HostTensor, Session, type SessionThreading, threadingOf } from '../runtime/session.js';
import { INFERENCE_DTYPES, type InferenceDtype, defaultScheme, schemeOf } from '../compress/quantize-model.js';
import { type QuantizationScheme, quantizeEncoderWeights } from '../compress/quantize-weights.js';
import { type BatchInput, BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { Encoding } from '../tokenizer/encoding.js';
import { type Pooling, poolRows } from '../model/pooling.js';
import { topIndices } from './top-indices.js';

/** `threads`: ORT intra-op threads (default: all cores); `spinWait`: see SessionOptions. */
export interface BertInferenceOptions extends Readonly<SessionThreading> {
  /** Longest input in tokens, special tokens included; longer texts are truncated (default: the model's max_position_embeddings, or less when the tokenizer says so). */
  readonly maxLength?: number;
  /**
   * 'q8': int8 encoder layers, weights quantized once as `bertkit quantize` does (the directory's
   * quantization.json says how; else this CPU's default), activations at run time. Default 'fp32'.
   */
  readonly dtype?: InferenceDtype;
  /** How q8 quantizes (default: see dtype). */
  readonly quantization?: QuantizationScheme;
}

export interface BatchOptions {
  /** Most texts per ONNX Runtime run (default 32); sorted batches are cut shorter where padding would cost more than a run. */
  readonly batchSize?: number;
  /** Sort by length so batches pad little (default true); results keep the input order either way. */
  readonly sortByLength?: boolean;
  /** Called after each batch with the number of texts done. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EmbedOptions extends BatchOptions {
  /** 'cls': the [CLS] token's last hidden state; 'mean': the mean over the text's tokens (default). */
  readonly pooling?: Pooling;
  /** L2-normalise each embedding (default false). */
  readonly normalize?: boolean;
}

/** A text, a pair as [text, text_pair], or a pair as transformers.js writes it: {text, text_pair}. */
export type TextInput = BatchInput | { readonly text: string; readonly text_pair?: string | null };

/** {text, text_pair} as the tokenizer's [text, text_pair]; texts and arrays as they are. */
export function asBatchInput(input: TextInput): BatchInput {
  if (typeof input === 'string' || Array.isArray(input)) return input as BatchInput;
  const { text, text_pair: pair } = input as { text?: unknown; text_pair?: unknown };
  if (typeof text !== 'string' || (pair !== undefined && pair !== null && typeof pair !== 'string')) {
    throw new TypeError(`expected a text, a [text, text_pair] array or {text, text_pair}, got ${JSON.stringify(input)}`);
  }
  return typeof pair === 'string' ? [text, pair] : text;
}

export interface MaskPrediction {
  /** Softmax probability over the vocabulary. */
  readonly score: number;
  readonly token: number;
  /** The token as text (transformers.js's name, as its fill-mask pipeline returns it). */
  readonly token_str: string;
  /** The text with this token in the mask's place (special tokens dropped). */
  readonly sequence: string;
}

export interface FillMaskOptions extends BatchOptions {
  /** Predictions per [MASK] (default 5). */
  readonly topK?: number;
}

export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

export interface ClassifyOptions extends BatchOptions {
  /** The logits themselves instead of probabilities (TEI's raw_scores; default false). */
  readonly rawScores?: boolean;
}

export interface ClassPrediction extends LabelScore {
  /** Every label with its probability (softmax; sigmoid for multi-label models; the raw value for regression), in label-id order. */
  readonly scores: readonly LabelScore[];
}

export interface TokenPrediction extends LabelScore {
  /** Position in the encoding ([CLS] is 0). */
  readonly index: number;
  readonly token: string;
  /** UTF-16 offsets of the token in its text. */
  readonly start: number;
  readonly end: number;
}

export interface QuestionAnsweringOptions extends BatchOptions {
  /** Longest answer in tokens (default 30, as Hugging Face's SQuAD post-processing). */
  readonly maxAnswerLength?: number;
  /** Context tokens shared by consecutive windows of a long context (default 128). */
  readonly stride?: number;
}

export interface Answer {
  /** The span of the context, in the context's own characters ('' when no window offers one). */
  readonly answer: string;
  /** softmax(start) · softmax(end) within the span's window, the question-answering pipeline's score. */
  readonly score: number;
  /** UTF-16 offsets of the answer in the context. */
  readonly start: number;
  readonly end: number;
}

export interface EntityOptions extends BatchOptions {
  /** How token labels become entities (default 'first': each word from its first piece, as fine-tuning labels it). */
  readonly aggregationStrategy?: AggregationStrategy;
}

export interface TokenStatesOptions extends BatchOptions {
  /** Also return the embedding output and every layer's output (default false). */
  readonly hiddenStates?: boolean;
  /** Also return every layer's attention probabilities (default false). */
  readonly attentions?: boolean;
}

/** One text's states, padding removed: T = the text's token count. */
export interface TokenStates {
  readonly tokens: readonly string[];
  /** [T, hidden] */
  readonly lastHiddenState: Float32Array;
  /** L + 1 arrays [T, hidden] */
  readonly hiddenStates?: readonly Float32Array[];
  /** L arrays [heads, T, T] */
  readonly attentions?: readonly Float32Array[];
}

export class BertInference {
  private readonly sessions = new Map<string, Promise<Session>>();
  /** The q8 model's int8 weights, made at the first session that needs them. */
  private quantized: QuantizedMatrices | undefined;
  private readonly padId: number;
  readonly maxLength: number;

  private constructor(
    readonly model: BertModelState,
    readonly tokenizer: BertTokenizer,
    private readonly options: BertInferenceOptions,
  ) {
    const positions = model.config.max_position_embeddings;
    this.maxLength = Math.min(sequenceLengthFor(model.config, options.maxLength, positions), tokenizer.config.modelMaxLength);
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2) throw new Error(`BertInference: maxLength must be an integer ≥ 2, got ${options.maxLength}`);
    const padId = tokenizer.tokenToId(tokenizer.config.padToken);
    if (padId === undefined) throw new Error(`BertInference: the tokenizer's pad token ${tokenizer.config.padToken} is not in its vocabulary`);
    if (tokenizer.vocab.size > model.config.vocab_size) {
      throw new Error(`BertInference: the tokenizer has ${tokenizer.vocab.size} tokens, the model embeds only ${model.config.vocab_size}`);
    }
    this.padId = padId;
    if (options.dtype !== undefined && !(INFERENCE_DTYPES as readonly string[]).includes(options.dtype)) {
      throw new Error(`BertInference: dtype must be ${INFERENCE_DTYPES.join(' or ')}, got ${JSON.stringify(options.dtype)}`);
    }
  }

  /** A model and its tokenizer from a Hugging Face directory (the tokenizer from `tokenizerDir` when given). */
  static async load(dir: string, options: BertInferenceOptions & { tokenizerDir?: string; warn?: (message: string) => void } = {}): Promise<BertInference> {
    const model = await loadBert(dir, options.warn ? { warn: options.warn } : {});
    const quantization = options.dtype === 'q8' && options.quantization === undefined ? { quantization: schemeOf(dir) } : {};
    return new BertInference(model, BertTokenizer.fromPretrained(options.tokenizerDir ?? dir), { ...options, ...quantization });
  }

  static create(model: BertModelState, tokenizer: BertTokenizer, options: BertInferenceOptions = {}): BertInference {
    return new BertInference(model, tokenizer, options);
  }

  /** One embedding per text (or text pair), in input order. */
  async embed(texts: readonly TextInput[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const pooling = options.pooling ?? 'mean';
    if (pooling !== 'cls' && pooling !== 'mean') throw new Error(`embed: pooling must be 'cls' or 'mean', got ${String(pooling)}`);
    const results: Float32Array[] = new Array(texts.length);
    await this.runBatches(this.encode(texts), options, { outputs: ['last_hidden_state'] }, (batch, indices, outputs) => {
      const hidden = outputs.last_hidden_state!;
      poolRows(hidden.data as Float32Array, batch.attentionMask!, hidden.dims, pooling, options.normalize ?? false)
        .forEach((embedding, row) => { results[indices[row]!] = embedding; });
    });
    return results;
  }

  /** The top predictions for each [MASK] of `text`, one list per mask in text order. */
  async fillMask(text: TextInput, options: FillMaskOptions = {}): Promise<MaskPrediction[][]> {
    return (await this.fillMaskBatch([text], options))[0]!;
  }

  /** fillMask for many texts (or pairs), batched; every input needs at least one [MASK]. */
  async fillMaskBatch(texts: readonly TextInput[], options: FillMaskOptions = {}): Promise<MaskPrediction[][][]> {
    if (!this.model.heads.maskedLm) throw new Error('fillMask: the model has no masked-LM head (load a BertForMaskedLM or BertForPreTraining checkpoint)');
    const topK = options.topK ?? 5;
    if (!Number.isInteger(topK) || topK < 1) throw new Error(`fillMask: topK must be a positive integer, got ${topK}`);
    const maskId = this.tokenizer.tokenToId(this.tokenizer.config.maskToken);
    if (maskId === undefined) throw new Error(`fillMask: the tokenizer's mask token ${this.tokenizer.config.maskToken} is not in its vocabulary`);
    const encodings = this.encode(texts);
    encodings.forEach((encoding, index) => {
      if (encoding.ids.includes(maskId)) return;
      const maskToken = this.tokenizer.config.maskToken;
      const whole = this.tokenizer.encodeBatch([asBatchInput(texts[index]!)])[0]!;
      if (whole.ids.includes(maskId)) {
        throw new Error(`fillMask: text ${index} has ${whole.ids.length} tokens; truncation at maxLength ${this.maxLength} cut off its ${maskToken}: ${JSON.stringify(texts[index])}`);
      }
      throw new Error(`fillMask: text ${index} has no ${maskToken} token: ${JSON.stringify(texts[index])}`);
    });
    const results: MaskPrediction[][][] = new Array(texts.length);
    const vocab = this.model.config.vocab_size;
    await this.runBatches(encodings, options, { outputs: ['mlm_logits'], maskedPositions: true }, (batch, indices, outputs) => {
      const logits = outputs.mlm_logits!.data as Float32Array; // [masked, vocab]
      let masked = 0;
      indices.forEach((index) => {
        const ids = encodings[index]!.ids;
        results[index] = ids.flatMap((id, position) => (id === maskId ? [position] : [])).map((position) => {
          const row = logits.subarray(masked * vocab, ++masked * vocab);
          return topPredictions(row, topK).map(({ id, score }) => {
            const filled = ids.map((other, at) => (at === position ? id : other));
            return { score, token: id, token_str: this.tokenizer.decode([id]), sequence: this.tokenizer.decode(filled, { skipSpecialTokens: true }) };
          });
        });
      });
      if (masked !== batch.maskedLmPositions!.length) throw new Error(`fillMask: internal error: ${batch.maskedLmPositions!.length} masked positions fed, ${masked} read`);
    });
    return results;
  }

  /** Sequence classification: the best label and every label's score, per text or pair. */
  async classify(texts: readonly TextInput[], options: ClassifyOptions = {}): Promise<ClassPrediction[]> {
    if (!this.model.heads.sequenceClassification) throw new Error('classify: the model has no sequence-classification head (load a BertForSequenceClassification checkpoint)');
    const results: ClassPrediction[] = new Array(texts.length);
    await this.runBatches(this.encode(texts), options, { outputs: ['logits'] }, (_batch, indices, outputs) => {
      const logits = outputs.logits!; // [batch, labels]
      const labels = logits.dims[1]!;
      indices.forEach((index, row) => {
        results[index] = this.labelScores((logits.data as Float32Array).subarray(row * labels, (row + 1) * labels), options.rawScores ?? false);
      });
    });
    return results;
  }

  /** Token classification: a label and its probability for every token of the text ([CLS] and [SEP] left out). */
  async classifyTokens(texts: readonly TextInput[], options: BatchOptions = {}): Promise<TokenPrediction[][]> {
    if (!this.model.heads.tokenClassification) throw new Error('classifyTokens: the model has no token-classification head (load a BertForTokenClassification checkpoint)');
    const encodings = this.encode(texts);
    const results: TokenPrediction[][] = new Array(texts.length);
    await this.runBatches(encodings, options, { outputs: ['logits'] }, (batch, indices, outputs) => {
      const logits = outputs.logits!; // [batch, seq, labels]
      const labels = logits.dims[2]!;
      indices.forEach((index, row) => {
        const encoding = encodings[index]!;
        results[index] = encoding.ids.flatMap((_, position) => {
          if (encoding.specialTokensMask[position] === 1) return [];
          const offset = (row * batch.seqLength + position) * labels;
          const best = this.labelScores((logits.data as Float32Array).subarray(offset, offset + labels));
          const [start, end] = encoding.offsets[position]!;
          return [{ index: position, token: encoding.tokens[position]!, label: best.label, score: best.score, start, end }];
        });
      });
    });
    return results;
  }

  /**
   * Named entities per text (texts longer than maxLength are truncated): the token classifier's
   * logits grouped by data/tasks/entity-grouping.ts, as `bertkit predict` groups them.
   */
  async entities(texts: readonly string[], options: EntityOptions = {}): Promise<(GroupedEntity[] | TokenEntity[])[]> {
    if (!this.model.heads.tokenClassification) throw new Error('entities: the model has no token-classification head (load a BertForTokenClassification checkpoint)');
    const encodings = this.encode(texts);
    const results: (GroupedEntity[] | TokenEntity[])[] = new Array(texts.length);
    await this.runBatches(encodings, options, { outputs: ['logits'] }, (batch, indices, outputs) => {
      const logits = outputs.logits!; // [batch, seq, labels]
      const width = logits.dims[2]!;
      const labels = Array.from({ length: width }, (_, id) => this.labelName(id));
      indices.forEach((index, row) => {
        const from = row * batch.seqLength * width;
        const rowLogits = (logits.data as Float32Array).subarray(from, from + encodings[index]!.ids.length * width);
        results[index] = groupEntities(encodings[index]!, rowLogits, labels, options.aggregationStrategy ?? 'first');
      });
    });
    return results;
  }

  /**
   * Extractive question answering, as the SQuAD task reads it (data/tasks/squad.ts): each context cut
   * into windows of maxLength tokens with its question, the best span over all windows.
   */
  async answer(questions: readonly { readonly question: string; readonly context: string }[], options: QuestionAnsweringOptions = {}): Promise<Answer[]> {
    if (!this.model.heads.questionAnswering) throw new Error('answer: the model has no question-answering head (load a BertForQuestionAnswering checkpoint)');
    const examples = questions.map(({ question, context }, index) => ({ id: String(index), question, context, answers: [] }));
    const data = encodeQaExamples(examples, this.tokenizer, { maxSeqLength: this.maxLength, ...(options.stride === undefined ? {} : { stride: options.stride }) });
    const windows = data.features.map((feature): TokenRow => ({ ids: feature.inputIds, typeIds: feature.tokenTypeIds }));
    const startLogits: Float32Array[] = new Array(windows.length), endLogits: Float32Array[] = new Array(windows.length);
    await this.runBatches(windows, options, { outputs: ['start_logits', 'end_logits'] }, (batch, indices, outputs) => {
      indices.forEach((index, row) => {
        const from = row * batch.seqLength, to = from + windows[index]!.ids.length;
        startLogits[index] = (outputs.start_logits!.data as Float32Array).slice(from, to);
        endLogits[index] = (outputs.end_logits!.data as Float32Array).slice(from, to);
      });
    });
    const spanOptions = options.maxAnswerLength === undefined ? {} : { maxAnswerLength: options.maxAnswerLength };
    return (data.examples as EncodedQaExample[]).map((example) => {
      const span = bestQaSpan(example, startLogits, endLogits, spanOptions);
      return { answer: span.text, score: span.probability, start: span.start, end: span.end };
    });
  }

  /** Last hidden states per token, and on request every layer's states and attention maps. */
  async tokenStates(texts: readonly TextInput[], options: TokenStatesOptions = {}): Promise<TokenStates[]> {
    const outputs: InferenceOutput[] = ['last_hidden_state'];
    if (options.hiddenStates) outputs.push('hidden_states');
    if (options.attentions) outputs.push('attentions');
    const encodings = this.encode(texts);
    const results: TokenStates[] = new Array(texts.length);
    const layers = this.model.config.num_hidden_layers, heads = this.model.config.num_attention_heads;
    await this.runBatches(encodings, options, { outputs }, (batch, indices, out) => {
      const seq = batch.seqLength;
      // [batch, seq, width] → the row's first `length` positions, [length, width]
      const tokenRows = (tensor: HostTensor, row: number, length: number): Float32Array => {
        const width = tensor.dims[2]!;
        return (tensor.data as Float32Array).slice(row * seq * width, (row * seq + length) * width);
      };
      // [batch, heads, seq, seq] → [heads, length, length]
      const attentionBlock = (tensor: HostTensor, row: number, length: number): Float32Array => {
        const block = new Float32Array(heads * length * length);
        const data = tensor.data as Float32Array;
        for (let h = 0; h < heads; h++) {
          for (let q = 0; q < length; q++) {
            const from = ((row * heads + h) * seq + q) * seq;
            block.set(data.subarray(from, from + length), (h * length + q) * length);
          }
        }
        return block;
      };
      indices.forEach((index, row) => {
        const length = encodings[index]!.ids.length;
        results[index] = {
          tokens: encodings[index]!.tokens,
          lastHiddenState: tokenRows(out.last_hidden_state!, row, length),
          ...(options.hiddenStates ? { hiddenStates: Array.from({ length: layers + 1 }, (_, l) => tokenRows(out[`hidden_states.${l}`]!, row, length)) } : {}),
          ...(options.attentions ? { attentions: Array.from({ length: layers }, (_, l) => attentionBlock(out[`attentions.${l}`]!, row, length)) } : {}),
        };
      });
    });
    return results;
  }

  /** Releases every session; one that failed to start (already reported to its caller) does not keep the others alive. */
  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    const created = await Promise.allSettled(sessions);
    const released = await Promise.allSettled(created.flatMap((result) => (result.status === 'fulfilled' ? [result.value.dispose()] : [])));
    const failure = released.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
  }

  /** Encodes texts or pairs, truncated to maxLength, unpadded. */
  private encode(texts: readonly TextInput[]): Encoding[] {
    if (!Array.isArray(texts)) throw new TypeError('expected an array of texts (or [text, pair] arrays)');
    return this.tokenizer.encodeBatch(texts.map(asBatchInput), { truncation: true, maxLength: this.maxLength });
  }

  private labelName(id: number): string {
    return this.model.config.id2label?.[String(id)] ?? `LABEL_${id}`;
  }

  private labelScores(logits: Float32Array, rawScores = false): ClassPrediction {
    const problem = this.model.config.problem_type;
    const values = problem === 'regression' || rawScores ? [...logits]
      : problem === 'multi_label_classification' ? [...logits].map((x) => 1 / (1 + Math.exp(-x)))
      : softmax(logits);
    const scores = values.map((score, id) => ({ label: this.labelName(id), score }));
    const best = scores.reduce((top, entry) => (entry.score > top.score ? entry : top));
    return { label: best.label, score: best.score, scores };
  }

  /**
   * Runs encodings (or any token rows) batch by batch through the session for `graphOptions`; `take` receives each
   * batch (with the flat [MASK] positions for masked-LM graphs), the input indices of its rows and the outputs.
   */
  private async runBatches(
    encodings: readonly TokenRow[],
    options: BatchOptions,
    graphOptions: InferenceGraphOptions,
    take: (batch: BertBatch, indices: readonly number[], outputs: Record<string, HostTensor>) => void,
  ): Promise<void> {
    const session = await this.session(graphOptions);
    const batches = planBatches(encodings.map((encoding) => encoding.ids.length), options.batchSize ?? 32, options.sortByLength ?? true);
    let done = 0;
    for (const indices of batches) {
      let batch: BertBatch = padRows(indices.map((index) => encodings[index]!), this.padId);
      if (graphOptions.maskedPositions) {
        const maskId = BigInt(this.tokenizer.tokenToId(this.tokenizer.config.maskToken)!);
        const flat: bigint[] = [];
        batch.inputIds.forEach((id, at) => { if (id === maskId) flat.push(BigInt(at)); });
        batch = { ...batch, maskedLmPositions: BigInt64Array.from(flat) };
      }
      checkBatch(batch, this.model.config, 'BertInference');
      take(batch, indices, await session.run(batchFeeds(batch)));
      done += indices.length;
      options.onProgress?.(done, encodings.length);
    }
  }

  private session(graphOptions: InferenceGraphOptions): Promise<Session> {
    const key = JSON.stringify(graphOptions);
    let session = this.sessions.get(key);
    if (session === undefined) {
      if (this.options.dtype === 'q8') this.quantized ??= quantizeEncoderWeights(this.model, this.options.quantization ?? defaultScheme());
      const bytes = inferenceOnnx(this.model, buildInferenceGraph(this.model, this.quantized ? { ...graphOptions, quantized: this.quantized } : graphOptions));
      const created = Session.create(bytes, threadingOf(this.options));
      this.sessions.set(key, created);
      // A failed start is not cached: the next call tries again instead of replaying the old error.
      created.catch(() => { if (this.sessions.get(key) === created) this.sessions.delete(key); });
      session = created;
    }
    return session;
  }
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = [...logits].map((x) => Math.exp(x - max));
  const sum = exps.reduce((total, x) => total + x, 0);
  return exps.map((x) => x / sum);
}

/** The k highest-probability ids of a logit row, with softmax probabilities; one pass, no full sort. */
function topPredictions(logits: Float32Array, k: number): { id: number; score: number }[] {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return topIndices(logits, k).map((id) => ({ id, score: Math.exp(logits[id]! - max) / sum }));
}
