// The model behind the routes: the tokenizer on the event loop (lengths, validation, /tokenize),
// the inference worker holding BertInference, and the batcher between them. Every inference call
// tokenizes its inputs here to know their lengths: a text longer than the model's maximum is a 422
// unless `truncate` (then it counts as the maximum); the batcher budgets runs by those lengths. The
// worker tokenizes the texts again inside BertInference, which costs little next to the model run.
import type { BertHeads } from '../../model/architecture.js';
import type { BatchInput, BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import type { AggregationStrategy, GroupedEntity, TokenEntity } from '../../data/tasks/entity-grouping.js';
import type { ExplainOptions, Explanation } from '../../explain/explain.js';
import type { Answer, ClassPrediction, MaskPrediction } from '../bert-inference.js';
import type { Pooling } from '../../model/pooling.js';
import { DynamicBatcher, type QueuedInput, type Work } from './batcher.js';
import { ApiError } from './errors.js';
import type { InferenceWorker } from './inference-worker-client.js';
import type { InferenceCall, LoadedModelInfo } from './worker-protocol.js';

/** The head each BERT route needs, and the class that has it (for the error message). */
const ROUTE_HEADS = {
  '/predict': { head: 'sequenceClassification', description: 'a sequence-classification head (BertForSequenceClassification)' },
  '/ner': { head: 'tokenClassification', description: 'a token-classification head (BertForTokenClassification)' },
  '/fill-mask': { head: 'maskedLm', description: 'a masked-LM head (BertForMaskedLM or BertForPreTraining)' },
  '/qa': { head: 'questionAnswering', description: 'a question-answering head (BertForQuestionAnswering)' },
} as const satisfies Record<string, { head: keyof BertHeads; description: string }>;

export type HeadRoute = keyof typeof ROUTE_HEADS;

/** An InferenceCall without its inputs: what one kind of batched work runs. */
type WorkCall = { readonly op: InferenceCall['op'] } & Readonly<Record<string, unknown>>;

export interface Measured<T> {
  readonly outputs: T[];
  /** Tokens the model read, special tokens included (OpenAI's usage.prompt_tokens). */
  readonly tokens: number;
}

export class ServedModel {
  private info: LoadedModelInfo | undefined;
  private loadFailure: Error | undefined;
  readonly batcher: DynamicBatcher;

  constructor(
    readonly tokenizer: BertTokenizer,
    private readonly worker: InferenceWorker,
    loaded: Promise<LoadedModelInfo>,
    readonly pooling: Pooling,
    batcher: DynamicBatcher,
  ) {
    this.batcher = batcher;
    loaded.then((info) => { this.info = info; }, (error: Error) => { this.loadFailure = error; });
  }

  /** The loaded model; 503 while it loads or after it failed to. */
  loaded(): LoadedModelInfo {
    if (this.loadFailure !== undefined) throw ApiError.unhealthy(`the model failed to load: ${this.loadFailure.message}`);
    if (this.info === undefined) throw ApiError.unhealthy('the model is loading');
    return this.info;
  }

  get workerAlive(): boolean {
    return this.worker.alive;
  }

  get ready(): boolean {
    return this.info !== undefined && this.loadFailure === undefined;
  }

  /** The routes the model's heads allow, besides /embed, /v1/embeddings and /tokenize. */
  headRoutes(): string[] {
    const heads = this.loaded().heads;
    const routes: string[] = (Object.keys(ROUTE_HEADS) as HeadRoute[]).filter((route) => heads[ROUTE_HEADS[route].head]);
    return heads.questionAnswering ? routes : [...routes, '/explain'];
  }

  requireHead(route: HeadRoute): void {
    const model = this.loaded();
    if (!model.heads[ROUTE_HEADS[route].head]) throw ApiError.backend(`${route} needs ${ROUTE_HEADS[route].description}; the model is a ${model.architecture}`);
  }

  async embed(texts: readonly string[], options: { normalize: boolean; truncate: boolean }, signal: AbortSignal): Promise<Measured<Float32Array>> {
    return this.run({ op: 'embed', pooling: this.pooling, normalize: options.normalize }, texts, options.truncate, signal);
  }

  async predict(inputs: readonly BatchInput[], options: { rawScores: boolean; truncate: boolean }, signal: AbortSignal): Promise<ClassPrediction[]> {
    this.requireHead('/predict');
    return (await this.run<BatchInput, ClassPrediction>({ op: 'classify', rawScores: options.rawScores }, inputs, options.truncate, signal)).outputs;
  }

  async entities(texts: readonly string[], options: { aggregationStrategy: AggregationStrategy; truncate: boolean }, signal: AbortSignal): Promise<(GroupedEntity[] | TokenEntity[])[]> {
    this.requireHead('/ner');
    return (await this.run<string, GroupedEntity[] | TokenEntity[]>({ op: 'entities', aggregationStrategy: options.aggregationStrategy }, texts, options.truncate, signal)).outputs;
  }

  async fillMask(texts: readonly string[], options: { topK: number; truncate: boolean }, signal: AbortSignal): Promise<MaskPrediction[][][]> {
    this.requireHead('/fill-mask');
    const { maskToken } = this.tokenizer.config;
    const maskId = this.tokenizer.tokenToId(maskToken);
    texts.forEach((text, index) => {
      const ids = this.tokenizer.encode(text, null, { truncation: true, maxLength: this.loaded().maxLength }).ids;
      if (!ids.includes(maskId!)) throw ApiError.validation(`\`inputs\`[${index}] has no ${maskToken} within the model's ${this.loaded().maxLength} tokens: ${JSON.stringify(text.slice(0, 80))}`);
    });
    return (await this.run<string, MaskPrediction[][]>({ op: 'fillMask', topK: options.topK }, texts, options.truncate, signal)).outputs;
  }

  /** Long contexts are read in windows (as the SQuAD task does), so they need no truncation; an input counts as at most maxLength tokens. */
  async answer(questions: readonly { question: string; context: string }[], options: { maxAnswerLength?: number }, signal: AbortSignal): Promise<Answer[]> {
    this.requireHead('/qa');
    const queued = this.measure(questions.map(({ question, context }) => [question, context] as const), true);
    const call = { op: 'answer', ...(options.maxAnswerLength === undefined ? {} : { maxAnswerLength: options.maxAnswerLength }) } as const;
    return this.batched<{ question: string; context: string }, Answer>(call, queued.map(({ tokens }, index) => ({ input: questions[index]!, tokens })), signal);
  }

  /** Explanations (explain/explain.ts) of each input; any model but a question-answering one. */
  async explain(inputs: readonly BatchInput[], options: ExplainOptions, truncate: boolean, signal: AbortSignal): Promise<Explanation[]> {
    this.requireExplainable();
    return (await this.run<BatchInput, Explanation>({ op: 'explain', options }, inputs, truncate, signal)).outputs;
  }

  requireExplainable(): void {
    const model = this.loaded();
    if (model.heads.questionAnswering) throw ApiError.backend(`/explain explains classifiers, token classifiers, regression models and any model's attention; the model is a ${model.architecture}`);
  }

  /** Each input's length in tokens; a 422 for one over the model's maximum unless `truncate`. */
  measure(inputs: readonly BatchInput[], truncate: boolean): QueuedInput<BatchInput>[] {
    const { maxLength } = this.loaded();
    return inputs.map((input, index) => {
      const tokens = typeof input === 'string' ? this.tokenizer.encode(input).ids.length : this.tokenizer.encode(input[0], input[1]).ids.length;
      if (tokens > maxLength && !truncate) throw ApiError.validation(`\`inputs\`[${index}] must have less than ${maxLength} tokens. Given: ${tokens}`);
      return { input, tokens: Math.min(tokens, maxLength) };
    });
  }

  private async run<Input extends BatchInput, Output>(call: WorkCall, inputs: readonly Input[], truncate: boolean, signal: AbortSignal): Promise<Measured<Output>> {
    const queued = this.measure(inputs, truncate) as QueuedInput<Input>[];
    const outputs = await this.batched<Input, Output>(call, queued, signal);
    return { outputs, tokens: queued.reduce((total, { tokens }) => total + tokens, 0) };
  }

  /** Queues the inputs as work keyed by the call: requests with equal calls share runs. */
  private batched<Input, Output>(call: WorkCall, queued: readonly QueuedInput<Input>[], signal: AbortSignal): Promise<Output[]> {
    const work: Work<Input, Output> = {
      key: JSON.stringify(call),
      run: async (inputs) => (await this.worker.call({ ...call, inputs } as unknown as InferenceCall)) as Output[],
    };
    return this.batcher.submit(work, queued, signal);
  }
}
