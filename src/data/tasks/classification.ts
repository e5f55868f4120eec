// Sentence and sentence-pair classification (single- or multi-label), regression and similarity
// (scored pairs for a sentence-embedding model) from TSV, CSV or JSON Lines: GLUE's SST-2, RTE and
// STS-B, ChnSentiCorp, or any file with named columns.

import { parseJson } from '../../io/json-file.js';
import type { BertTokenizer } from '../../tokenizer/index.js';
import { accuracy, binaryF1, macroF1, matthewsCorrelation, meanSquaredError, microF1, multiLabelF1, pearson, spearman } from './metrics.js';
import { readTable, requireColumn, type Table } from './table.js';
import { type TaskData, type TaskFeatures, type TaskLoadOptions, type TaskOutputs, type TaskSpec, defaultMaxSeqLength } from './task.js';

export interface TextExample {
  text: string;
  textPair?: string;
  /** classification: the label name(s); regression: the target value. Absent for unlabelled input. */
  label?: string | string[] | number;
  /** Where the example came from, for messages. */
  source?: string;
}

const TEXT_COLUMNS = ['sentence', 'sentence1', 'text_a', 'text', 'question1', 'premise'];
const PAIR_COLUMNS = ['sentence2', 'text_b', 'question2', 'hypothesis'];
const LABEL_COLUMNS = ['label', 'score', 'labels'];

/** The task kinds of labelled texts (and pairs): classes, or a score (regression, similarity). */
export type TextTaskKind = 'classification' | 'regression' | 'similarity';

/** Reads labelled texts; `kind` decides whether labels are names or numbers. */
export async function readTextExamples(path: string, kind: TextTaskKind, options: TaskLoadOptions = {}): Promise<TextExample[]> {
  const table = await readTable(path, options);
  const { textColumn, pairColumn } = textColumnsOf(table, options);
  const labelColumn = options.labelColumn !== undefined ? requireColumn(table, options.labelColumn, 'label') : defaultColumn(table, LABEL_COLUMNS, 'label');
  const rows = options.limit === undefined ? table.rows : table.rows.slice(0, options.limit);
  return rows.map((row) => {
    const cell = (name: string) => {
      const value = row.cells[name];
      if (value === undefined) throw new Error(`${path}:${row.line}: no '${name}' field`);
      return value;
    };
    const rawLabel = cell(labelColumn);
    const label = kind !== 'classification'
      ? parseScore(rawLabel, `${path}:${row.line}`)
      : options.multiLabel ? splitLabels(rawLabel, options.labelDelimiter ?? ',', `${path}:${row.line}: label`) : rawLabel.trim();
    if (kind === 'classification' && !options.multiLabel && label === '') throw new Error(`${path}:${row.line}: empty label`);
    const example: TextExample = { text: cell(textColumn), label, source: `${path}:${row.line}` };
    if (pairColumn !== undefined) example.textPair = cell(pairColumn);
    else if (kind === 'similarity') throw new Error(`${path}: similarity needs a pair of texts per row; no text pair column (looked for ${PAIR_COLUMNS.join(', ')}; columns: ${table.columns.join(', ')}); name it with the text pair column option`);
    return example;
  });
}

/** Unlabelled texts (and pairs) of a table, from the columns training would read: for predictions on a task file. */
export async function readTextInputs(path: string, options: Pick<TaskLoadOptions, 'format' | 'textColumn' | 'textPairColumn' | 'limit'> = {}): Promise<TextExample[]> {
  const table = await readTable(path, options);
  const { textColumn, pairColumn } = textColumnsOf(table, options);
  const rows = options.limit === undefined ? table.rows : table.rows.slice(0, options.limit);
  return rows.map((row) => {
    const where = `${path}:${row.line}`;
    const text = row.cells[textColumn];
    if (text === undefined) throw new Error(`${where}: no '${textColumn}' field`);
    const pair = pairColumn === undefined ? undefined : row.cells[pairColumn];
    return pair === undefined ? { text, source: where } : { text, textPair: pair, source: where };
  });
}

/** The text column (named, else the first of TEXT_COLUMNS the table has) and the pair column (named, else the first of PAIR_COLUMNS, else none). */
function textColumnsOf(table: Table, options: Pick<TaskLoadOptions, 'textColumn' | 'textPairColumn'>): { textColumn: string; pairColumn: string | undefined } {
  const textColumn = options.textColumn !== undefined ? requireColumn(table, options.textColumn, 'text') : defaultColumn(table, TEXT_COLUMNS, 'text');
  const pairColumn = options.textPairColumn !== undefined
    ? requireColumn(table, options.textPairColumn, 'text pair')
    : PAIR_COLUMNS.find((name) => table.columns.includes(name));
  return { textColumn, pairColumn };
}

function defaultColumn(table: Table, candidates: string[], role: string): string {
  const found = candidates.find((name) => table.columns.includes(name));
  if (found === undefined) {
    throw new Error(`${table.path}: no ${role} column (looked for ${candidates.join(', ')}; columns: ${table.columns.join(', ')}); name it with the ${role} column option`);
  }
  return found;
}

function parseScore(cell: string, where: string): number {
  const value = Number(cell.trim());
  if (cell.trim() === '' || !Number.isFinite(value)) throw new Error(`${where}: score '${cell}' is not a number`);
  return value;
}

/** A multi-label cell: a JSON array (`where` names it in errors), else names separated by `delimiter`. */
function splitLabels(cell: string, delimiter: string, where: string): string[] {
  const trimmed = cell.trim();
  if (trimmed.startsWith('[')) {
    const parsed = parseJson(trimmed, where);
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  return trimmed === '' ? [] : trimmed.split(delimiter).map((label) => label.trim()).filter((label) => label !== '');
}

/** Label names in id order: numeric names by value (so '0' is id 0), others alphabetically. */
export function labelNames(examples: readonly TextExample[]): string[] {
  const names = new Set<string>();
  for (const example of examples) {
    if (Array.isArray(example.label)) example.label.forEach((l) => names.add(l));
    else if (typeof example.label === 'string') names.add(example.label);
  }
  const all = [...names];
  const numeric = all.every((name) => /^-?\d+(\.\d+)?$/.test(name));
  return numeric ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

/**
 * A warning when classification labels look like a regression's scores (all numbers, some written with
 * a fraction, as STS-B's 0.000–5.000): each distinct value would silently become a class of its own.
 */
export function scoreLabelsWarning(labels: readonly string[], source: string): string | undefined {
  if (labels.length === 0 || !labels.every((name) => /^-?\d+(\.\d+)?$/.test(name)) || !labels.some((name) => name.includes('.'))) return undefined;
  const shown = labels.length > 4 ? `${labels.slice(0, 4).join(', ')}, …` : labels.join(', ');
  return `${source}: the labels look like scores (${labels.length} numbers: ${shown}); classification makes each distinct value a class of its own. To predict a score, use --task regression`;
}

/**
 * Encodes texts (and pairs) into features; labels map to ids of `labels`. A pair is one sequence
 * ([CLS] a [SEP] b [SEP]), except for similarity, where each text is encoded alone.
 */
export function encodeTextExamples(
  examples: readonly TextExample[],
  tokenizer: BertTokenizer,
  kind: TextTaskKind,
  options: TaskLoadOptions = {},
): TaskData {
  const labels = kind === 'classification' ? options.labels ?? labelNames(examples) : [];
  const labelIds = new Map(labels.map((name, id) => [name, id]));
  const idOf = (name: string, example: TextExample) => {
    const id = labelIds.get(name);
    if (id === undefined) throw new Error(`${example.source ?? 'example'}: label '${name}' is not one of ${labels.join(', ')}`);
    return id;
  };
  const maxLength = options.maxSeqLength ?? defaultMaxSeqLength(kind);
  const features = examples.map((example, exampleIndex): TaskFeatures => {
    const alone = kind === 'similarity';
    if (alone && example.textPair === undefined) throw new Error(`${example.source ?? 'example'}: similarity needs a pair of texts`);
    const encoding = tokenizer.encode(example.text, alone ? null : example.textPair ?? null, { truncation: 'longest_first', maxLength });
    const feature: TaskFeatures = { inputIds: Int32Array.from(encoding.ids), tokenTypeIds: Int32Array.from(encoding.typeIds), exampleIndex };
    if (alone) feature.pairInputIds = Int32Array.from(tokenizer.encode(example.textPair!, null, { truncation: 'longest_first', maxLength }).ids);
    if (typeof example.label === 'number') feature.label = example.label;
    else if (typeof example.label === 'string') feature.label = idOf(example.label, example);
    else if (Array.isArray(example.label)) {
      const multiHot = new Float32Array(labels.length);
      for (const name of example.label) multiHot[idOf(name, example)] = 1;
      feature.label = multiHot;
    }
    return feature;
  });
  const data: TaskData = { kind, labels, examples: [...examples], features };
  if (options.multiLabel) data.multiLabel = true;
  return data;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function requireLogits(data: TaskData, outputs: TaskOutputs): Float32Array[] {
  const logits = outputs.logits;
  if (!logits || logits.length !== data.features.length) throw new Error(`evaluate: expected logits for ${data.features.length} features, got ${logits?.length ?? 0}`);
  return logits;
}

/** Predicted class id per feature (argmax), or multi-hot rows (logit > 0) for multi-label data. */
export function classPredictions(data: TaskData, outputs: TaskOutputs): number[] | Float32Array[] {
  const logits = requireLogits(data, outputs);
  return data.multiLabel ? logits.map((row) => row.map((v) => (v > 0 ? 1 : 0))) : logits.map(argmax);
}

export function evaluateClassification(data: TaskData, outputs: TaskOutputs): Record<string, number> {
  if (data.multiLabel) {
    const predicted = classPredictions(data, outputs) as Float32Array[];
    const gold = data.features.map((f) => f.label as Float32Array);
    const scores = multiLabelF1(predicted, gold);
    return { accuracy: scores.subsetAccuracy, micro_f1: scores.microF1, macro_f1: scores.macroF1 };
  }
  const predicted = classPredictions(data, outputs) as number[];
  const gold = data.features.map((f, i) => {
    if (typeof f.label !== 'number') throw new Error(`evaluate: feature ${i} has no label`);
    return f.label;
  });
  const metrics: Record<string, number> = {
    accuracy: accuracy(predicted, gold),
    macro_f1: macroF1(predicted, gold, data.labels.length),
    micro_f1: microF1(predicted, gold),
    mcc: matthewsCorrelation(predicted, gold, data.labels.length),
  };
  if (data.labels.length === 2) metrics.f1 = binaryF1(predicted, gold, 1);
  return metrics;
}

/** The predicted values (the first output per feature) and the gold scores. */
function scoredPairs(data: TaskData, outputs: TaskOutputs): { predicted: number[]; gold: number[] } {
  const predicted = requireLogits(data, outputs).map((row) => row[0]!);
  const gold = data.features.map((f, i) => {
    if (typeof f.label !== 'number') throw new Error(`evaluate: feature ${i} has no score`);
    return f.label;
  });
  return { predicted, gold };
}

export function evaluateRegression(data: TaskData, outputs: TaskOutputs): Record<string, number> {
  const { predicted, gold } = scoredPairs(data, outputs);
  return { pearson: pearson(predicted, gold), spearman: spearman(predicted, gold), mse: meanSquaredError(predicted, gold) };
}

/** The correlations of the cosines with the scores (the scale of the scores does not matter, so no mse). */
export function evaluateSimilarity(data: TaskData, outputs: TaskOutputs): Record<string, number> {
  const { predicted, gold } = scoredPairs(data, outputs);
  return { pearson: pearson(predicted, gold), spearman: spearman(predicted, gold) };
}

/** The spec of a table task: its files read and encoded as `kind` says. */
function textTask(kind: TextTaskKind, evaluate: TaskSpec['evaluate'], primaryMetric: string): TaskSpec {
  return {
    kind,
    async load(path, tokenizer, options = {}) {
      return encodeTextExamples(await readTextExamples(path, kind, options), tokenizer, kind, options);
    },
    evaluate,
    primaryMetric,
  };
}

export const classificationTask = textTask('classification', evaluateClassification, 'accuracy');
export const regressionTask = textTask('regression', evaluateRegression, 'pearson');
export const similarityTask = textTask('similarity', evaluateSimilarity, 'pearson');
