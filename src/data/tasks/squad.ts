// Extractive question answering (SQuAD v1.1 JSON): question-first features over context windows,
// answer positions through offsets, best-span post-processing across windows, and the official
// v1.1 exact-match and F1.

import { parseJson } from '../../io/json-file.js';
import type { BertTokenizer, Offset } from '../../tokenizer/index.js';
import { readUtf8File } from './table.js';
import { type TaskData, type TaskFeatures, type TaskLoadOptions, type TaskOutputs, type TaskSpec, type TaskSpecOptions, defaultMaxSeqLength } from './task.js';

export interface QaAnswer {
  text: string;
  /** UTF-16 index of the answer in the context. */
  answerStart: number;
}

export interface QaExample {
  id: string;
  question: string;
  context: string;
  answers: QaAnswer[];
}

/** One context window of an example, for post-processing. */
export interface QaWindow {
  featureIndex: number;
  /** Per token: its [start, end) in the context, or null for question and special tokens. */
  contextOffsets: (Offset | null)[];
}

export interface EncodedQaExample extends QaExample {
  windows: QaWindow[];
}

/** Examples of a SQuAD v1.1 file ({data: [{paragraphs: [{context, qas: [{id, question, answers}]}]}]}). */
export async function readSquadExamples(path: string, options: { limit?: number } = {}): Promise<QaExample[]> {
  const json = parseJson(await readUtf8File(path), path);
  const data = (json as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new Error(`${path}: expected a SQuAD file with a 'data' array`);
  const examples: QaExample[] = [];
  data.forEach((article: { paragraphs?: unknown }, a) => {
    if (!Array.isArray(article.paragraphs)) throw new Error(`${path}: data[${a}].paragraphs is not an array`);
    article.paragraphs.forEach((paragraph: { context?: unknown; qas?: unknown }, p) => {
      const where = `${path}: data[${a}].paragraphs[${p}]`;
      if (typeof paragraph.context !== 'string' || !Array.isArray(paragraph.qas)) throw new Error(`${where}: needs a 'context' string and a 'qas' array`);
      const context = paragraph.context;
      paragraph.qas.forEach((qa: { id?: unknown; question?: unknown; answers?: unknown }, q) => {
        if (typeof qa.question !== 'string' || !Array.isArray(qa.answers)) throw new Error(`${where}.qas[${q}]: needs a 'question' string and an 'answers' array`);
        const answers = qa.answers.map((answer: { text?: unknown; answer_start?: unknown }, k): QaAnswer => {
          if (typeof answer.text !== 'string' || typeof answer.answer_start !== 'number') throw new Error(`${where}.qas[${q}].answers[${k}]: needs 'text' and a numeric 'answer_start'`);
          return { text: answer.text, answerStart: utf16Index(context, answer.answer_start) };
        });
        examples.push({ id: String(qa.id ?? `${a}-${p}-${q}`), question: qa.question, context, answers });
      });
    });
  });
  return options.limit === undefined ? examples : examples.slice(0, options.limit);
}

/**
 * SQuAD's answer_start counts characters as Python does (code points); JavaScript strings index UTF-16
 * code units, which differ after any character outside the BMP (emoji, rare CJK).
 */
function utf16Index(text: string, codePointIndex: number): number {
  let index = 0;
  for (let seen = 0; seen < codePointIndex && index < text.length; seen++) index += text.codePointAt(index)! > 0xffff ? 2 : 1;
  return index;
}

/**
 * Features: `[CLS] question [SEP] context window [SEP]`, windows overlapping by `stride` tokens
 * (only the context is cut). Training positions point at the first answer's first and last token, or
 * both at 0 ([CLS]) when the window does not hold the whole answer.
 */
export function encodeQaExamples(examples: readonly QaExample[], tokenizer: BertTokenizer, options: TaskLoadOptions = {}): TaskData {
  const maxLength = options.maxSeqLength ?? defaultMaxSeqLength('qa');
  const stride = options.stride ?? 128;
  const maxQueryLength = options.maxQueryLength ?? 64;
  const features: TaskFeatures[] = [];
  const encoded: EncodedQaExample[] = examples.map((example, exampleIndex) => {
    const question = truncateQuestion(tokenizer, example.question, maxQueryLength);
    const first = tokenizer.encode(question, example.context, { truncation: 'only_second', maxLength, stride, returnOverflowing: true });
    const windows: QaWindow[] = [];
    for (const encoding of [first, ...first.overflowing]) {
      const contextOffsets = encoding.offsets.map((offset, t) => (encoding.sequenceIds[t] === 1 ? offset : null));
      const feature: TaskFeatures = { inputIds: Int32Array.from(encoding.ids), tokenTypeIds: Int32Array.from(encoding.typeIds), exampleIndex };
      const answer = example.answers[0];
      if (answer !== undefined) Object.assign(feature, answerPositions(contextOffsets, answer));
      windows.push({ featureIndex: features.length, contextOffsets });
      features.push(feature);
    }
    return { ...example, windows };
  });
  return { kind: 'qa', labels: [], examples: encoded, features };
}

/** The question cut to `maxTokens` word pieces (Google's max_query_length), at a piece boundary of the original text. */
function truncateQuestion(tokenizer: BertTokenizer, question: string, maxTokens: number): string {
  const encoding = tokenizer.encode(question, null, { addSpecialTokens: false });
  if (encoding.ids.length <= maxTokens) return question;
  return question.slice(0, encoding.offsets[maxTokens - 1]![1]);
}

/** First and last token of the answer when the window holds all of it, else 0 and 0. */
export function answerPositions(contextOffsets: readonly (Offset | null)[], answer: QaAnswer): { startPosition: number; endPosition: number } {
  const startChar = answer.answerStart;
  const endChar = startChar + answer.text.length;
  let first = -1;
  let last = -1;
  contextOffsets.forEach((offset, t) => {
    if (offset === null) return;
    if (first < 0) first = t;
    last = t;
  });
  if (first < 0 || contextOffsets[first]![0] > startChar || contextOffsets[last]![1] < endChar) return { startPosition: 0, endPosition: 0 };
  let start = first;
  while (start <= last && contextOffsets[start]![0] <= startChar) start++;
  let end = last;
  while (end >= first && contextOffsets[end]![1] >= endChar) end--;
  return { startPosition: start - 1, endPosition: end + 1 };
}

export interface QaSpan {
  /** The answer as it stands in the context ('' when no window offers a valid span). */
  text: string;
  /** [start, end) of the answer in the context (UTF-16). */
  start: number;
  end: number;
  /** start logit + end logit, what spans are ranked by. */
  logit: number;
  /** softmax(start)·softmax(end) within the span's window, the score the HF question-answering pipeline reports. */
  probability: number;
}

/**
 * The best span of one example over all its windows: among the `nBest` highest start and end logits of
 * each window, the pair with the highest sum whose tokens are both context, end ≥ start, and at most
 * `maxAnswerLength` tokens long (Hugging Face's postprocess_qa_predictions for SQuAD v1).
 */
export function bestQaSpan(example: EncodedQaExample, startLogits: readonly Float32Array[], endLogits: readonly Float32Array[], options: TaskSpecOptions = {}): QaSpan {
  const nBest = options.nBest ?? 20;
  const maxAnswerLength = options.maxAnswerLength ?? 30;
  let best: QaSpan = { text: '', start: 0, end: 0, logit: -Infinity, probability: 0 };
  for (const window of example.windows) {
    const starts = startLogits[window.featureIndex]!;
    const ends = endLogits[window.featureIndex]!;
    const offsets = window.contextOffsets;
    for (const start of topIndices(starts, nBest, offsets.length)) {
      for (const end of topIndices(ends, nBest, offsets.length)) {
        if (offsets[start] === null || offsets[end] === null || end < start || end - start + 1 > maxAnswerLength) continue;
        const logit = starts[start]! + ends[end]!;
        if (logit <= best.logit) continue;
        const [from] = offsets[start]!;
        const [, to] = offsets[end]!;
        const probability = Math.exp(logit - logSumExp(starts, offsets.length) - logSumExp(ends, offsets.length));
        best = { text: example.context.slice(from, to), start: from, end: to, logit, probability };
      }
    }
  }
  return best;
}

/** Best answer text per example id (see bestQaSpan). */
export function qaPredictions(data: TaskData, outputs: TaskOutputs, options: TaskSpecOptions = {}): Map<string, string> {
  const { startLogits, endLogits } = outputs;
  if (!startLogits || !endLogits || startLogits.length !== data.features.length || endLogits.length !== data.features.length) {
    throw new Error(`evaluate: expected start and end logits for ${data.features.length} features`);
  }
  return new Map((data.examples as EncodedQaExample[]).map((example) => [example.id, bestQaSpan(example, startLogits, endLogits, options).text]));
}

function logSumExp(values: Float32Array, length: number): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[i]!);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

function topIndices(values: Float32Array, count: number, limit: number): number[] {
  const indices = Array.from({ length: Math.min(limit, values.length) }, (_, i) => i);
  return indices.sort((a, b) => values[b]! - values[a]!).slice(0, count);
}

/** SQuAD v1.1's normalize_answer: lowercase, drop ASCII punctuation, the articles a/an/the, and extra whitespace. */
export function normalizeAnswer(text: string): string {
  const lower = text.toLowerCase();
  const noPunctuation = [...lower].filter((c) => !ASCII_PUNCTUATION.has(c)).join('');
  // Python's \b is Unicode-aware: a word character is a letter, digit or underscore of any script.
  const noArticles = noPunctuation.replace(/(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu, ' ');
  return noArticles.split(/\s+/u).filter((w) => w !== '').join(' ');
}

const ASCII_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

export function exactMatch(prediction: string, gold: string): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(gold);
}

/** Token-overlap F1 of normalised answers (bag of words). */
export function answerF1(prediction: string, gold: string): number {
  const predicted = normalizeAnswer(prediction).split(' ').filter((w) => w !== '');
  const golden = normalizeAnswer(gold).split(' ').filter((w) => w !== '');
  const counts = new Map<string, number>();
  for (const token of golden) counts.set(token, (counts.get(token) ?? 0) + 1);
  let same = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      same++;
      counts.set(token, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / golden.length;
  return (2 * precision * recall) / (precision + recall);
}

/** The v1.1 script's totals: mean over questions of the best score against any gold answer, in percent. */
export function squadScores(predictions: ReadonlyMap<string, string>, examples: readonly QaExample[]): { exact_match: number; f1: number } {
  let exact = 0;
  let f1 = 0;
  for (const example of examples) {
    const prediction = predictions.get(example.id);
    if (prediction === undefined) continue; // the official script counts it as 0 and warns
    exact += Math.max(0, ...example.answers.map((a) => (exactMatch(prediction, a.text) ? 1 : 0)));
    f1 += Math.max(0, ...example.answers.map((a) => answerF1(prediction, a.text)));
  }
  const total = examples.length;
  return { exact_match: total === 0 ? 0 : (100 * exact) / total, f1: total === 0 ? 0 : (100 * f1) / total };
}

export function qaTask(options: TaskSpecOptions = {}): TaskSpec {
  return {
    kind: 'qa',
    async load(path, tokenizer, loadOptions = {}) {
      return encodeQaExamples(await readSquadExamples(path, loadOptions), tokenizer, loadOptions);
    },
    evaluate: (data, outputs) => squadScores(qaPredictions(data, outputs, options), data.examples as QaExample[]),
    primaryMetric: 'f1',
  };
}
